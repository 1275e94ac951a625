"""Keyset ("cursor") pagination over (a time column, id), newest first, for the API and pages.

Why not DRF's CursorPagination as is: it puts the position of the first ordering field in the
cursor and cannot page over a nullable column (a profile that was imported but never seen has no
`last_seen`). Here the cursor holds both the time and the id of the boundary row, so paging is
exact even when many rows share a timestamp, and NULL times sort first (which is the order a
descending B-tree scan gives on PostgreSQL, so the `last_seen` index serves the list).

A cursor is opaque to clients: base64url of {"t": time or null, "i": id, "p": true when paging
backwards}.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q, QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


class InvalidCursor(ValueError):
    pass


@dataclass
class KeysetPage:
    items: list
    next_cursor: str | None
    previous_cursor: str | None


def encode_cursor(moment: datetime | None, pk: int, *, backwards: bool = False) -> str:
    payload = {"t": moment.isoformat() if moment else None, "i": pk}
    if backwards:
        payload["p"] = True
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime | None, int, bool]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        moment = datetime.fromisoformat(payload["t"]) if payload["t"] is not None else None
        pk = payload["i"]
        if not isinstance(pk, int) or isinstance(pk, bool) or (moment is not None and moment.tzinfo is None):
            raise InvalidCursor("invalid cursor")
        return moment, pk, bool(payload.get("p"))
    except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise InvalidCursor("invalid cursor") from exc


def _after(field: str, moment: datetime | None, pk: int) -> Q:
    """Rows that come after (moment, pk) in the order: time DESC NULLS FIRST, id DESC."""
    if moment is None:
        return Q(**{f"{field}__isnull": True, "pk__lt": pk}) | Q(**{f"{field}__isnull": False})
    # The leading `<=` lets the database start the index scan at the cursor (a deep page costs
    # the same as the first); the OR only settles ties on the boundary timestamp.
    return Q(**{f"{field}__lte": moment}) & (Q(**{f"{field}__lt": moment}) | Q(pk__lt=pk))


def _before(field: str, moment: datetime | None, pk: int) -> Q:
    if moment is None:
        return Q(**{f"{field}__isnull": True, "pk__gt": pk})
    return Q(**{f"{field}__isnull": True}) | (
        Q(**{f"{field}__gte": moment}) & (Q(**{f"{field}__gt": moment}) | Q(pk__gt=pk))
    )


def keyset_page(queryset: QuerySet, *, field: str, cursor: str | None, size: int) -> KeysetPage:
    """One page of `queryset` ordered by `field` (newest first, NULLs first) then id, descending.

    One query per page. Raises InvalidCursor for a cursor that was not made here.
    """
    if not cursor:
        rows = list(queryset.order_by(F(field).desc(nulls_first=True), "-pk")[: size + 1])
        items = rows[:size]
        more = len(rows) > size
        return KeysetPage(items, _cursor_of(items[-1], field) if more else None, None)
    moment, pk, backwards = decode_cursor(cursor)
    if not backwards:
        rows = list(
            queryset.filter(_after(field, moment, pk)).order_by(F(field).desc(nulls_first=True), "-pk")[: size + 1]
        )
        items = rows[:size]
        more = len(rows) > size
        previous = _cursor_of(items[0], field, backwards=True) if items else None
        return KeysetPage(items, _cursor_of(items[-1], field) if more else None, previous)
    rows = list(queryset.filter(_before(field, moment, pk)).order_by(F(field).asc(nulls_last=True), "pk")[: size + 1])
    more = len(rows) > size
    items = list(reversed(rows[:size]))
    following = _cursor_of(items[-1], field) if items else None
    return KeysetPage(items, following, _cursor_of(items[0], field, backwards=True) if more else None)


def _cursor_of(row, field: str, *, backwards: bool = False) -> str:
    return encode_cursor(getattr(row, field), row.pk, backwards=backwards)


class KeysetPagination(BasePagination):
    """DRF pagination answering {"next", "previous", "results"} like DRF's cursor pagination.

    `?cursor=` comes from a previous answer's `next`/`previous`; `?limit=` sets the page size.
    """

    field = "created_at"
    page_size = 50
    max_page_size = 200
    cursor_query_param = "cursor"
    page_size_query_param = "limit"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.get_page_size(request)
        try:
            self.page = keyset_page(
                queryset, field=self.field, cursor=request.query_params.get(self.cursor_query_param), size=size
            )
        except InvalidCursor as exc:
            raise NotFound("Invalid cursor.") from exc
        return self.page.items

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            return self.page_size
        return max(1, min(size, self.max_page_size))

    def _link(self, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_next_link(self):
        return self._link(self.page.next_cursor)

    def get_previous_link(self):
        return self._link(self.page.previous_cursor)

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {**link, "description": "The next (older) page, or null on the last page."},
                "previous": {**link, "description": "The previous (newer) page, or null on the first page."},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque cursor from a previous answer's `next` or `previous` link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Page size (default {self.page_size}, at most {self.max_page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


class ProfilePagination(KeysetPagination):
    field = "last_seen"


class EventPagination(KeysetPagination):
    field = "timestamp"


def page_links(request, page: KeysetPage, param: str = "cursor") -> dict[str, str | None]:
    """Relative links to the neighbouring pages of a server-rendered page (other filters kept)."""
    base = request.get_full_path()

    def link(cursor):
        return replace_query_param(base, param, cursor) if cursor else None

    return {
        "next": link(page.next_cursor),
        "previous": link(page.previous_cursor),
        "first": remove_query_param(base, param),
    }
