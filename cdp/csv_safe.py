"""CSV that spreadsheets cannot turn into formulas, streamed.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula by
Excel, LibreOffice and Google Sheets ("CSV injection"): such a cell is written with a leading
apostrophe, which spreadsheets show as text. Every CSV Shoal writes goes through this module.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

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


def streaming_csv_response(rows: Iterable[Iterable], header: Iterable[str], filename: str) -> StreamingHttpResponse:
    """A streamed CSV download (rows are consumed lazily: pass an iterator over a queryset)."""
    safe_name = "".join(c for c in filename if c.isalnum() or c in "._-") or "export.csv"
    response = StreamingHttpResponse(csv_lines(rows, header), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response["Cache-Control"] = "no-store"
    return response
