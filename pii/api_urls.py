from django.urls import path

from pii import api

urlpatterns = [
    path("pii/classification/", api.ClassificationListView.as_view(), name="api-pii-classification"),
    path("profiles/<int:pk>/reveal/", api.RevealView.as_view(), name="api-profile-reveal"),
]
