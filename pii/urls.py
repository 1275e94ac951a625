from django.urls import path

from pii import views

app_name = "pii"
urlpatterns = [
    path("", views.ClassificationView.as_view(), name="classification"),
    path("reveal/<int:profile_id>/", views.RevealView.as_view(), name="reveal"),
]
