"""The request being handled, for audit entries written deep inside services.

`RequestContextMiddleware` gives every request an id (the `X-Request-ID` header when it is a
short token, else a new one; echoed in the response) and remembers the request in a context
variable, so that `audit_record` can name the actor, the hashed address and the request id
without every service taking a `request` argument.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

_current_request: ContextVar = ContextVar("shoal_current_request", default=None)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
REQUEST_ID_HEADER = "X-Request-ID"


def current_request():
    return _current_request.get()


def request_id_of(request) -> str:
    return getattr(request, "request_id", "") if request is not None else ""


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        token = _current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            _current_request.reset(token)
        response[REQUEST_ID_HEADER] = request.request_id
        return response
