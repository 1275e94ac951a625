"""Read an uploaded CSV file: encoding, delimiter, header row and limits.

Pure functions (no database). Rows are numbered as a spreadsheet shows them: the header is row 1,
so the first data row is row 2 (blank lines are skipped but keep their number).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from ingestion.imports.constants import MAX_COLUMNS, MAX_FILE_BYTES, MAX_HEADER_LENGTH, MAX_ROWS

DELIMITERS = ",;\t|"
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
SNIFF_BYTES = 64 * 1024
_LOOKS_LIKE_DATA = re.compile(r"^([^@\s]+@[^@\s]+\.[^@\s]+|[-+]?\d[\d.,:/ -]*)$")


class CsvError(ValueError):
    """The file cannot be imported at all (not a problem of one row)."""


@dataclass
class CsvFile:
    encoding: str
    delimiter: str
    headers: list[str]
    text: str

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, values padded to the header's width) for every non-blank data row.

        A row with more values than the header has columns is returned as is (the caller reports it).
        """
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)
        width = len(self.headers)
        for number, values in enumerate(reader, start=1):
            if number == 1 or not any(v.strip() for v in values):
                continue
            if len(values) < width:
                values = values + [""] * (width - len(values))
            yield number, values


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252,
    else Latin-1 (which never fails)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text, "utf-8" if encoding == "utf-8-sig" else encoding
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def sniff_delimiter(text: str) -> str:
    sample = text[:SNIFF_BYTES]
    # Only whole lines: a cut line confuses the sniffer.
    if len(text) > SNIFF_BYTES and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first_line = sample.split("\n", 1)[0]
        counts = {d: first_line.count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def read_csv(data: bytes) -> CsvFile:
    """Decode and check a file; raises CsvError with a message a person can act on."""
    if len(data) > MAX_FILE_BYTES:
        raise CsvError(
            f"the file is {len(data) / 1024 / 1024:.1f} MB; the limit is {MAX_FILE_BYTES // 1024 // 1024} MB "
            "(split it into several files)"
        )
    if not data.strip():
        raise CsvError("the file is empty")
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CsvError("this is not a text file; export the data as CSV (comma-separated values)")
    text, encoding = decode(data)
    text = text.replace("\x00", "")
    delimiter = sniff_delimiter(text)
    try:
        header_row = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except (csv.Error, StopIteration) as exc:
        raise CsvError(f"the first row cannot be read as CSV: {exc}") from None
    headers = [h.strip() for h in header_row]
    while headers and not headers[-1]:
        headers.pop()  # trailing delimiters
    _check_headers(headers)
    return CsvFile(encoding=encoding, delimiter=delimiter, headers=headers, text=text)


def _check_headers(headers: list[str]) -> None:
    if not headers:
        raise CsvError("the first row must name the columns (a header row such as: email,first_name,plan)")
    if len(headers) > MAX_COLUMNS:
        raise CsvError(f"the file has {len(headers)} columns; the limit is {MAX_COLUMNS}")
    for position, header in enumerate(headers, start=1):
        if not header:
            raise CsvError(f"column {position} has no name in the header row; name every column")
        if len(header) > MAX_HEADER_LENGTH:
            raise CsvError(f"the name of column {position} is longer than {MAX_HEADER_LENGTH} characters")
    data_like = [h for h in headers if _LOOKS_LIKE_DATA.match(h)]
    if data_like:
        raise CsvError(
            f"the first row looks like data ({data_like[0]!r}), not column names; "
            "add a header row naming the columns (e.g. email,first_name,plan)"
        )
    seen: set[str] = set()
    for header in headers:
        if header.lower() in seen:
            raise CsvError(f"two columns are named {header!r}; give each column its own name")
        seen.add(header.lower())


def count_rows(parsed: CsvFile) -> int:
    """Data rows in the file; raises CsvError past the row limit or on unreadable CSV."""
    count = 0
    try:
        for _ in parsed.rows():
            count += 1
            if count > MAX_ROWS:
                raise CsvError(f"the file has more than {MAX_ROWS:,} rows; split it into several files")
    except csv.Error as exc:
        raise CsvError(f"the file is not valid CSV: {exc}") from None
    if not count:
        raise CsvError("the file has a header row but no data rows")
    return count


def column_samples(parsed: CsvFile, per_column: int = 3, max_rows: int = 50) -> list[list[str]]:
    """Up to `per_column` non-empty values of each column from the first rows."""
    samples: list[list[str]] = [[] for _ in parsed.headers]
    for _, values in islice(parsed.rows(), max_rows):
        for position, value in enumerate(values[: len(samples)]):
            if value.strip() and len(samples[position]) < per_column and value.strip() not in samples[position]:
                samples[position].append(value.strip())
    return samples


def delimiter_name(delimiter: str) -> str:
    return DELIMITER_NAMES.get(delimiter, repr(delimiter))
