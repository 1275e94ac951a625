from django.urls import path

from consent import views

app_name = "consent"
urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
]
