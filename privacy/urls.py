from django.urls import path

from privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.RequestListView.as_view(), name="requests"),
    path("new/", views.RequestCreateView.as_view(), name="request-new"),
    path("<int:pk>/", views.RequestDetailView.as_view(), name="request"),
    path("<int:pk>/export/", views.RequestExportView.as_view(), name="request-export"),
    path("<int:pk>/<str:step>/", views.RequestStepView.as_view(), name="request-step"),
    path("suppressions/", views.SuppressionListView.as_view(), name="suppressions"),
    path("suppressions/<int:pk>/lift/", views.SuppressionLiftView.as_view(), name="suppression-lift"),
    path("retention/", views.RetentionView.as_view(), name="retention"),
    path("webhooks/", views.WebhookListView.as_view(), name="webhooks"),
    path("webhooks/<int:pk>/delete/", views.WebhookDeleteView.as_view(), name="webhook-delete"),
]
