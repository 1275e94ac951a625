from django.urls import path

from ingestion.tracking import views

urlpatterns = [
    *[path(name, view, name=f"tracking-{name}") for name, view in views.endpoints.items()],
    path("batch", views.batch, name="tracking-batch"),
    path("import", views.batch, name="tracking-import"),  # Segment's alias of batch for bulk loads
]
