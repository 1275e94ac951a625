"""Everything under /api/v1/. Each app contributes its routes here."""

from django.urls import include, path, re_path

from cdp.api.errors import api_not_found

urlpatterns = [
    path("", include("accounts.api_urls")),
    path("", include("profiles.api_urls")),
    path("", include("ingestion.api_urls")),
    path("", include("ingestion.imports.api_urls")),
    path("", include("segments.api_urls")),
    path("", include("audit.api_urls")),
    path("", include("pii.api_urls")),
    path("", include("consent.api_urls")),
    path("", include("privacy.api_urls")),
    # Last: an unknown API path answers JSON 404, in DEBUG too.
    re_path(r"^.*$", api_not_found),
]
