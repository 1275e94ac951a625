from django.urls import path

from ingestion import api

urlpatterns = [
    path("sources/", api.SourceListView.as_view(), name="api-sources"),
    path("sources/<int:pk>/", api.SourceDetailView.as_view(), name="api-source-detail"),
    path("sources/<int:pk>/rotate-key/", api.SourceRotateKeyView.as_view(), name="api-source-rotate-key"),
    path("ingestion-warnings/", api.IngestionWarningListView.as_view(), name="api-ingestion-warnings"),
]
