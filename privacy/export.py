"""The access / portability bundle (GDPR Art. 15 and 20): one zip with

* data.json — every table, machine-readable, with the request and how it was produced;
* <table>.csv — one CSV per table (the same rows; nested values as JSON; spreadsheet-safe);
* README.txt — what each table is, and the logic of each segment the person is in.
"""

from __future__ import annotations

import csv
import io
import zipfile

import orjson
from django.utils import timezone

from cdp.csv_safe import escape_cell
from privacy.registry import Person, holders

TABLE_NOTES = {
    "profiles": "The profile: traits (attributes) and computed metrics (counts, revenue, RFM scores).",
    "identities": "Identifiers linked to the person (user ids, anonymous ids, emails, other ids).",
    "trait_history": "How each trait changed over time.",
    "daily_activity": "Events per name and day (counts kept for segmentation).",
    "merges": "Profiles that were found to be the same person and merged.",
    "identity_conflicts": "Links that were refused because two different user ids met.",
    "events": "Every stored event (page views, actions, identify calls) with its properties and context.",
    "segment_memberships": "Segments (audiences) the person is in now, with the logic that puts them there.",
    "segment_history": "When the person entered and left segments, and why.",
}


def bundle_tables(person: Person) -> dict[str, list[dict]]:
    tables: dict[str, list[dict]] = {}
    for holder in holders():
        if holder.export is None:
            continue
        for name, rows in holder.export(person).items():
            tables.setdefault(name, []).extend(rows)
    return tables


def _csv(rows: list[dict]) -> bytes:
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([escape_cell(row.get(column)) for column in columns])
    return out.getvalue().encode("utf-8")


def _readme(request, tables: dict[str, list[dict]]) -> str:
    lines = [
        "Your personal data held by this Shoal workspace",
        f"Request #{request.pk} ({request.get_kind_display()}), produced {timezone.now().isoformat()}",
        "",
        "data.json holds everything below in one machine-readable file; each table is also a CSV file.",
        "",
        "Tables:",
    ]
    for name, rows in tables.items():
        lines.append(f"  {name}.csv ({len(rows)} rows): {TABLE_NOTES.get(name, 'Records linked to your profile.')}")
    if not any(tables.values()):
        lines += ["", "No personal data about this identifier is held."]
    memberships = tables.get("segment_memberships") or []
    if memberships:
        lines += ["", "Profiling: the segments you are in and the logic of each"]
        for row in memberships:
            lines.append(f"  - {row['segment']}: {row['logic']}")
    return "\n".join(lines) + "\n"


def bundle_build(request, person: Person) -> tuple[str, bytes, dict[str, int]]:
    """(file name, zip bytes, rows per table)."""
    tables = bundle_tables(person)
    document = {
        "request": {
            "id": request.pk,
            "kind": request.kind,
            "received_at": request.received_at.isoformat(),
            "generated_at": timezone.now().isoformat(),
        },
        "tables": tables,
        "descriptions": {name: TABLE_NOTES.get(name, "") for name in tables},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", orjson.dumps(document, option=orjson.OPT_INDENT_2, default=str))
        for name, rows in tables.items():
            archive.writestr(f"{name}.csv", _csv(rows))
        archive.writestr("README.txt", _readme(request, tables))
    counts = {name: len(rows) for name, rows in tables.items()}
    return f"personal-data-request-{request.pk}.zip", buffer.getvalue(), counts
