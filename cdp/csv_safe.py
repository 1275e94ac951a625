"""CSV that spreadsheets cannot turn into formulas, streamed.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula by
Excel, LibreOffice and Google Sheets ("CSV injection"): such a cell is written with a leading
apostrophe, which spreadsheets show as text. Every CSV Shoal writes goes through this module.
"""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from itertools import islice

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value) -> str:
    """A value as a safe CSV cell: text as is, JSON for lists and dicts, ISO 8601 for times,
    "" for None, and a leading apostrophe before any text a spreadsheet would evaluate."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float, Decimal)):
        return str(value)  # a number (a refund: -5) is data, never a formula
    elif isinstance(value, datetime):
        text = value.isoformat()
    elif isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    else:
        text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose write returns what it was given (for csv.writer streaming)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable], header: Iterable[str]) -> Iterable[str]:
    """The CSV text line by line, header first, every cell escaped."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([escape_cell(h) for h in header])  # BOM: Excel reads UTF-8
    for row in rows:
        yield writer.writerow([escape_cell(cell) for cell in row])


# Under ASGI, lines go out in chunks of this many (each read in the request's sync thread).
STREAM_CHUNK_LINES = 500


def streaming_csv_response(
    rows: Iterable[Iterable], header: Iterable[str], filename: str, *, request=None
) -> StreamingHttpResponse:
    """A streamed CSV download (rows are consumed lazily: pass an iterator over a queryset).
    Pass the `request`: served over ASGI (uvicorn), the content must be an async iterator or
    Django reads every row into memory before sending the first byte."""
    safe_name = "".join(c for c in filename if c.isalnum() or c in "._-") or "export.csv"
    lines = csv_lines(rows, header)
    content = _in_chunks(lines) if _served_over_asgi(request) else lines
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response["Cache-Control"] = "no-store"
    return response


def _served_over_asgi(request) -> bool:
    return isinstance(getattr(request, "_request", request), ASGIRequest)  # a DRF Request wraps Django's


async def _in_chunks(lines: Iterator[str]) -> AsyncIterator[str]:
    """The lines, STREAM_CHUNK_LINES at a time, each chunk read in the request's sync thread
    (thread-sensitive: the same database connection as the view), so the download starts at once
    and memory stays flat however many rows there are. The reader is closed (its server-side
    cursor with it) when the client goes away."""
    take = sync_to_async(lambda: "".join(islice(lines, STREAM_CHUNK_LINES)), thread_sensitive=True)
    try:
        while chunk := await take():
            yield chunk
    finally:
        await sync_to_async(lines.close, thread_sensitive=True)()
