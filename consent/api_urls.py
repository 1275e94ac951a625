from django.urls import path

from consent import api

urlpatterns = [
    path("profiles/<int:pk>/consent/", api.ProfileConsentView.as_view(), name="api-profile-consent"),
    path("profiles/<int:pk>/consent/history/", api.ProfileConsentHistoryView.as_view(), name="api-consent-history"),
    path(
        "profiles/<int:pk>/consent/objections/",
        api.ProfileObjectionHistoryView.as_view(),
        name="api-consent-objections",
    ),
    path("profiles/<int:pk>/consent/checks/", api.ProfileActivationChecksView.as_view(), name="api-consent-checks"),
    path("consent/purposes/", api.PurposeListView.as_view(), name="api-consent-purposes"),
    path("consent/purposes/<slug:slug>/", api.PurposeDetailView.as_view(), name="api-consent-purpose"),
    path("consent/mappings/", api.CategoryMappingListView.as_view(), name="api-consent-mappings"),
    path("consent/mappings/<int:pk>/", api.CategoryMappingDetailView.as_view(), name="api-consent-mapping"),
    path("consent/decide/", api.DecideView.as_view(), name="api-consent-decide"),
]
