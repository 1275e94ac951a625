"""The public preference centre (no sign-in: the signed link is the authority)."""

from django.urls import path

from consent import views

app_name = "preferences"
urlpatterns = [
    path("<str:token>/", views.PreferenceCentreView.as_view(), name="centre"),
    path("<str:token>/unsubscribe/", views.UnsubscribeView.as_view(), name="unsubscribe"),
]
