from django.urls import path

from accounts import api, segment_access_api

urlpatterns = [
    path("me/", api.MeView.as_view(), name="api-me"),
    path("api-keys/", api.ApiKeyListView.as_view(), name="api-keys"),
    path("api-keys/<int:pk>/", api.ApiKeyDetailView.as_view(), name="api-key-detail"),
    path("segments/<int:pk>/access/", segment_access_api.SegmentAccessView.as_view(), name="api-segment-access"),
]
