from django.urls import path

from consent import views

app_name = "consent"
urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("purposes/new/", views.PurposeFormView.as_view(), name="purpose-add"),
    path("purposes/<slug:slug>/", views.PurposeFormView.as_view(), name="purpose-edit"),
    path("mappings/", views.MappingView.as_view(), name="mappings"),
    path("profiles/<int:pk>/consent/", views.ProfileConsentRecordView.as_view(), name="profile-record"),
]
