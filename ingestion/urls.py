from django.urls import path

from ingestion import views

app_name = "sources"
urlpatterns = [
    path("", views.SourceListView.as_view(), name="index"),
    path("warnings/", views.WarningListView.as_view(), name="warnings"),
    path("<int:pk>/", views.SourceDetailView.as_view(), name="detail"),
    path("<int:pk>/enabled/", views.SourceToggleView.as_view(), name="toggle"),
    path("<int:pk>/rotate-key/", views.SourceRotateKeyView.as_view(), name="rotate"),
]
