"""CSV exports cannot carry spreadsheet formulas."""

import csv
import io
from datetime import UTC, datetime

import pytest

from cdp.csv_safe import csv_lines, escape_cell, streaming_csv_response

pytestmark = pytest.mark.embedded


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("ana@example.com", "ana@example.com"),  # an @ inside is harmless
        ("plain", "plain"),
        (-5, "-5"),  # numbers are data: a refund stays a number
        ("-5", "'-5"),  # text is escaped, whatever it looks like
        (42, "42"),
        (None, ""),
        (True, "true"),
        ({"b": 1, "a": "=x"}, '{"a": "=x", "b": 1}'),
        (datetime(2026, 1, 2, 3, 4, tzinfo=UTC), "2026-01-02T03:04:00+00:00"),
    ],
)
def test_cells_that_spreadsheets_would_evaluate_are_escaped(value, cell):
    assert escape_cell(value) == cell


def test_the_header_is_escaped_too_and_the_file_reads_back():
    text = "".join(csv_lines([["=1+1", "ok"]], ["=cmd", "b"]))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [["'=cmd", "b"], ["'=1+1", "ok"]]


def test_a_streamed_download_has_a_safe_file_name_and_is_not_cached():
    response = streaming_csv_response(iter([[1]]), ["n"], 'bad"name\r\n.csv')
    assert response["Content-Disposition"] == 'attachment; filename="badname.csv"'
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"] == "text/csv; charset=utf-8"
