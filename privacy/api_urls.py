from django.urls import path

from privacy import api

urlpatterns = [
    path("privacy/requests/", api.RequestListView.as_view(), name="api-privacy-requests"),
    path("privacy/requests/<int:pk>/", api.RequestDetailView.as_view(), name="api-privacy-request"),
    path("privacy/requests/<int:pk>/verify/", api.VerifyView.as_view(), name="api-privacy-request-verify"),
    path("privacy/requests/<int:pk>/reject/", api.RejectView.as_view(), name="api-privacy-request-reject"),
    path("privacy/requests/<int:pk>/complete/", api.CompleteView.as_view(), name="api-privacy-request-complete"),
    path("privacy/requests/<int:pk>/export/", api.ExportView.as_view(), name="api-privacy-request-export"),
    path("privacy/requests/<int:pk>/erase/", api.EraseView.as_view(), name="api-privacy-request-erase"),
    path("privacy/requests/<int:pk>/rectify/", api.RectifyView.as_view(), name="api-privacy-request-rectify"),
    path("privacy/requests/<int:pk>/object/", api.ObjectView.as_view(), name="api-privacy-request-object"),
    path("privacy/suppressions/", api.SuppressionListView.as_view(), name="api-privacy-suppressions"),
    path("privacy/suppressions/<int:pk>/lift/", api.SuppressionLiftView.as_view(), name="api-privacy-suppression-lift"),
    path("privacy/retention/", api.RetentionView.as_view(), name="api-privacy-retention"),
    path("privacy/webhooks/", api.WebhookListView.as_view(), name="api-privacy-webhooks"),
    path("privacy/webhooks/<int:pk>/", api.WebhookDetailView.as_view(), name="api-privacy-webhook"),
]
