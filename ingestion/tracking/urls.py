from django.urls import path

from ingestion.tracking import views
from ingestion.tracking.handler import ENDPOINTS

urlpatterns = [
    path(endpoint, views.tracking_view, {"endpoint": endpoint}, name=f"tracking-{endpoint}") for endpoint in ENDPOINTS
]
