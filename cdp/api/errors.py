"""One JSON error shape for every API answer that is not a success.

    {"code": "not_authenticated", "message": "Authentication credentials were not provided.",
     "details": {...}}

`code` is stable and machine-readable; `message` is for people; `details` (optional) carries field
errors for validation failures. The tracking API (/v1/) uses the same shape.
"""

from __future__ import annotations

from django.http import JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


def error_body(code: str, message: str, details: dict | list | None = None) -> dict:
    body = {"code": code, "message": message}
    if details:
        body["details"] = details
    return body


def api_exception_handler(exc, context):
    response = exception_handler(exc, context)
    if response is None:
        return None  # unexpected exception: Django's 500 handler answers (JSON for API paths)
    if isinstance(exc, exceptions.ValidationError):
        body = error_body("invalid", "The request is not valid.", exc.detail)
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = str(detail) if not isinstance(detail, (dict, list)) else exc.default_detail
        code = exc.get_codes() if not isinstance(detail, (dict, list)) else exc.default_code
        body = error_body(str(code), str(message))
    else:  # Http404 / PermissionDenied translated by DRF
        body = error_body("error", str(response.data.get("detail", "Error")))
    if response.status_code == status.HTTP_404_NOT_FOUND:
        body["code"] = "not_found"
    elif response.status_code == status.HTTP_403_FORBIDDEN and body["code"] == "error":
        body["code"] = "permission_denied"
    return Response(body, status=response.status_code, headers=_kept_headers(response))


def _kept_headers(response) -> dict:
    return {k: v for k, v in response.items() if k in {"WWW-Authenticate", "Retry-After", "Allow"}}


def _is_api_path(path: str) -> bool:
    return path.startswith(("/api/", "/v1/"))


def api_not_found(request, *args, **kwargs):
    return JsonResponse(error_body("not_found", "Not found."), status=404)


def json_or_html_404(request, exception=None):
    """handler404: JSON for API paths, the product's page elsewhere."""
    if _is_api_path(request.path):
        return JsonResponse(error_body("not_found", "Not found."), status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def json_or_html_500(request):
    """handler500: JSON for API paths, the product's page elsewhere. Never leaks the exception."""
    if _is_api_path(request.path):
        return JsonResponse(error_body("server_error", "Internal server error."), status=500)
    from django.views.defaults import server_error

    return server_error(request)
