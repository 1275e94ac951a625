"""Logging filters: no personal data or secrets in logs.

Search forms put what people type (an email address, a name) in the query string, and access logs
print request lines. `RedactQueryString` keeps the path and drops the query string's values from
uvicorn's access log lines: `GET /profiles/?q=…`.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, urlsplit


def redact(path: str) -> str:
    parts = urlsplit(path)
    if not parts.query:
        return path
    names = sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return f"{parts.path}?" + "&".join(f"{name}=…" for name in names)


class RedactQueryString(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact(args[2]), *args[3:])
        return True
