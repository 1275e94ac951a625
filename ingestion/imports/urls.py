"""CSV import pages, mounted at /sources/imports/ by cdp/urls.py."""

from django.urls import path

from ingestion.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.ImportListView.as_view(), name="index"),
    path("new/", views.ImportNewView.as_view(), name="new"),
    path("<int:pk>/", views.ImportJobView.as_view(), name="job"),
    path("<int:pk>/mapping/", views.ImportMappingView.as_view(), name="mapping"),
    path("<int:pk>/check/", views.ImportCheckView.as_view(), name="check"),
    path("<int:pk>/start/", views.ImportStartView.as_view(), name="start"),
    path("<int:pk>/discard/", views.ImportDiscardView.as_view(), name="discard"),
    path("<int:pk>/status/", views.ImportStatusView.as_view(), name="status"),
]
