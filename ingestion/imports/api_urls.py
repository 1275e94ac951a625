from django.urls import path

from ingestion.imports import api

urlpatterns = [
    path("imports/", api.ImportListView.as_view(), name="api-imports"),
    path("imports/<int:pk>/", api.ImportDetailView.as_view(), name="api-import-detail"),
    path("imports/<int:pk>/start/", api.ImportStartView.as_view(), name="api-import-start"),
]
