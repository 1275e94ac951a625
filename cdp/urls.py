"""Top-level URL configuration."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from cdp import health

handler404 = "cdp.api.errors.json_or_html_404"
handler500 = "cdp.api.errors.json_or_html_500"

admin.site.site_header = "Shoal administration"
admin.site.site_title = "Shoal admin"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("cdp.api.urls")),
    path("v1/", include("ingestion.tracking.urls")),
    path("", include("accounts.urls")),
    path("sources/imports/", include("ingestion.imports.urls")),
    path("sources/", include("ingestion.urls")),
    path("profiles/", include("profiles.urls")),
    path("segments/", include("segments.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("privacy/audit/", include("audit.urls")),
    path("privacy/pii/", include("pii.urls")),
    path("privacy/requests/", include("privacy.urls")),
    path("privacy/", include("consent.urls")),
    path("preferences/", include("consent.public_urls")),
]
