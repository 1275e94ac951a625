"""Browser origins a source allows (CORS): parsing and normalising what people type."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOSTNAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_DEFAULT_PORTS = {"http": 80, "https": 443}
EXAMPLE = "https://shop.example.com"


def parse_origin(value: str) -> str:
    """`value` as a browser sends it in the Origin header: scheme://host[:port], lowercased, the
    default port dropped. ValueError (with a message for people) when it is not an origin."""
    text = value.strip()
    if text == "*":
        raise ValueError(f"list each site's origin (like {EXAMPLE}) instead of *")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"{text!r} is not an origin like {EXAMPLE}") from exc
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host:
        raise ValueError(f"{text!r} is not an origin like {EXAMPLE}")
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError(f"{text!r} has more than an origin: use only scheme and host, like {EXAMPLE}")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is None and not _HOSTNAME.match(host):
        raise ValueError(f"{text!r} does not have a valid host name")
    netloc = f"[{host}]" if address is not None and address.version == 6 else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    return f"{scheme}://{netloc}"


def parse_origins(values: list[str]) -> list[str]:
    """Each value normalised, duplicates and blanks dropped, order kept."""
    origins: list[str] = []
    for value in values:
        if not value.strip():
            continue
        origin = parse_origin(value)
        if origin not in origins:
            origins.append(origin)
    return origins


def split_origins(text: str) -> list[str]:
    """Origins typed one per line (commas and spaces also separate them)."""
    return [part for part in re.split(r"[\s,]+", text or "") if part]
