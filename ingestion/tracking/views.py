"""The tracking API as a Django view (Django's test client, any WSGI-style serving). The ASGI
server takes the lean fast path in ingestion/tracking/asgi.py; both call handler.handle."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from ingestion.constants import MAX_BATCH_BYTES
from ingestion.tracking.handler import error_response, handle, too_large


@csrf_exempt
def tracking_view(request, endpoint: str):
    declared = request.META.get("CONTENT_LENGTH")
    if declared and declared.isdigit() and int(declared) > MAX_BATCH_BYTES:
        result = error_response(too_large())
    else:
        headers = {name.lower(): value for name, value in request.headers.items()}
        result = handle(request.method, endpoint, headers, request.body)
    response = HttpResponse(result.encoded(), status=result.status, content_type="application/json")
    for name, value in result.headers.items():
        response[name] = value
    return response
