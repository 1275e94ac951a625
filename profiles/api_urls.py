from django.urls import path

from profiles import api

urlpatterns = [
    path("profiles/", api.ProfileListView.as_view(), name="api-profiles"),
    path("profiles/<int:pk>/", api.ProfileDetailView.as_view(), name="api-profile-detail"),
    path("profiles/<int:pk>/events/", api.ProfileEventsView.as_view(), name="api-profile-events"),
]
