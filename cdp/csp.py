"""Content-Security-Policy on every response: scripts only from Shoal itself (no inline script,
no eval), no framing, forms and connections only to Shoal (websockets included).

Styles: stylesheets from Shoal; `style="…"` attributes are allowed (progress bars set a width);
`<style>` elements are refused, except on pages that draw Plotly charts (Plotly adds its own
stylesheet at run time): such a view calls `allow_runtime_styles(response)`.
"""

from __future__ import annotations

from django.core.exceptions import DisallowedHost

HEADER = "Content-Security-Policy"
_RUNTIME_STYLES = "_csp_runtime_styles"


def allow_runtime_styles(response):
    """Let this response's scripts add <style> elements (Plotly)."""
    setattr(response, _RUNTIME_STYLES, True)
    return response


def policy(request, *, runtime_styles: bool = False) -> str:
    connect = ["'self'"]
    try:
        host = request.get_host()
    except DisallowedHost:
        host = ""
    if host:
        connect += [f"ws://{host}", f"wss://{host}"]
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-elem": ["'self'", "'unsafe-inline'"] if runtime_styles else ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": connect,
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def _loads_plotly(response) -> bool:
    """A page that includes Plotly (served by Shoal itself) gets runtime styles too."""
    if getattr(response, "streaming", False) or not response.get("Content-Type", "").startswith("text/html"):
        return False
    return b"plotly.min.js" in response.content


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if HEADER not in response:
            runtime_styles = getattr(response, _RUNTIME_STYLES, False) or _loads_plotly(response)
            response[HEADER] = policy(request, runtime_styles=runtime_styles)
        return response
