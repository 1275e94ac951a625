"""Copy-ready snippets that send events to this Shoal instance with the SDKs people already use.

Shoal serves no third-party script and no CDN: the browser snippet installs Segment's
@segment/analytics-next from npm and gives it its settings inline, so nothing is fetched from
Segment's CDN and events go straight to this instance.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from ingestion.constants import SourceKind
from ingestion.models import Source

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


@dataclass(frozen=True)
class Snippet:
    slug: str
    label: str
    install: str  # shell command, or "" when nothing needs installing
    code: str


def public_base_url(request) -> str:
    """Where SDKs reach this instance: SHOAL_BASE_URL, unless it is left at a loopback address
    (the default) and the page was opened through another host or port (then that one)."""
    configured = settings.SHOAL_BASE_URL.rstrip("/")
    parts = urlsplit(configured)
    if (parts.hostname or "").lower() in LOOPBACK_HOSTS and request.get_host() != parts.netloc:
        return request.build_absolute_uri("/").rstrip("/")
    return configured


def snippets_for(source: Source, base_url: str) -> list[Snippet]:
    """The snippets, the most useful for the source's kind first."""
    key = source.write_key
    parts = urlsplit(base_url)
    api_host = f"{parts.netloc}{parts.path.rstrip('/')}/v1"
    example = json.dumps({"userId": "user-123", "event": "Order Completed", "properties": {"revenue": 42.5}})
    curl = Snippet(
        "curl",
        "curl",
        "",
        f"curl -X POST '{base_url}/v1/track' \\\n"
        f"  -u '{key}:' \\\n"
        "  -H 'Content-Type: application/json' \\\n"
        f"  -d '{example}'",
    )
    python = Snippet(
        "python",
        "Python",
        "pip install segment-analytics-python",
        "import segment.analytics as analytics\n\n"
        f'analytics.write_key = "{key}"\n'
        f'analytics.host = "{base_url}"\n\n'
        'analytics.identify("user-123", {"email": "ana@example.com", "name": "Ana Lima"})\n'
        'analytics.track("user-123", "Order Completed", {"revenue": 42.5})\n'
        "analytics.flush()  # before a short script exits",
    )
    node = Snippet(
        "node",
        "Node.js",
        "npm install @segment/analytics-node",
        'import { Analytics } from "@segment/analytics-node";\n\n'
        f'const analytics = new Analytics({{ writeKey: "{key}", host: "{base_url}" }});\n\n'
        'analytics.identify({ userId: "user-123", traits: { email: "ana@example.com", name: "Ana Lima" } });\n'
        'analytics.track({ userId: "user-123", event: "Order Completed", properties: { revenue: 42.5 } });\n'
        "await analytics.closeAndFlush(); // before the process exits",
    )
    browser = Snippet(
        "browser",
        "Browser",
        "npm install @segment/analytics-next",
        'import { AnalyticsBrowser } from "@segment/analytics-next";\n\n'
        "// Settings are given inline: nothing is loaded from a CDN, events go to Shoal only.\n"
        "export const analytics = AnalyticsBrowser.load({\n"
        f'  writeKey: "{key}",\n'
        f'  cdnURL: "{base_url}",\n'
        "  cdnSettings: {\n"
        "    integrations: {\n"
        f'      "Segment.io": {{ apiKey: "{key}", apiHost: "{api_host}", protocol: "{parts.scheme}" }},\n'
        "    },\n"
        "  },\n"
        "});\n\n"
        "analytics.page();\n"
        'analytics.identify("user-123", { email: "ana@example.com" });\n'
        'analytics.track("Order Completed", { revenue: 42.5 });',
    )
    if source.kind == SourceKind.WEB:
        return [browser, curl, node, python]
    return [curl, python, node, browser]
