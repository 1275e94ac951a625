"""CSV import of CRM data: reading files, mapping columns, the dry run, the import and its
idempotency (the background work is called directly here; the Celery path is in
test_import_pages.py)."""

from datetime import UTC, datetime

import pytest
from django.db import OperationalError

from ingestion.imports import parse, work
from ingestion.imports.constants import ImportStatus
from ingestion.imports.mapping import MappingError, parse_target, suggest_mapping
from ingestion.imports.models import ImportFile, ImportJob
from ingestion.imports.parse import CsvError, read_csv
from ingestion.imports.services import (
    ImportBlocked,
    import_job_create,
    import_job_request_check,
    import_job_set_mapping,
    import_job_start,
)
from ingestion.models import Event, Source
from ingestion.services import source_update
from profiles.models import Identity, Profile
from profiles.settings import forget_profile_config

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]

CRM = (
    "Email,First Name,Customer ID,Plan,Age,VIP\n"
    "ana@example.com,Ana,c-1,pro,34,yes\n"
    "bob@example.com,Bob,c-2,free,29,no\n"
    "cy@example.com,Cy,,team,41,no\n"
)


@pytest.fixture(autouse=True)
def _fresh_profile_config():
    forget_profile_config()
    yield
    forget_profile_config()


def upload(text: str | bytes, *, name="crm.csv", source=None) -> ImportJob:
    data = text.encode() if isinstance(text, str) else text
    return import_job_create(created_by=None, file_name=name, data=data, source=source)


def dry_run(job: ImportJob, mapping: list[str] | None = None) -> ImportJob:
    if mapping is not None:
        import_job_set_mapping(job=job, mapping=mapping)
    import_job_request_check(job=job)
    return work.import_job_check(job_id=job.pk)


def run(job: ImportJob) -> ImportJob:
    import_job_start(job=job)
    return work.import_job_run(job_id=job.pk)


def profile_of(kind: str, value: str) -> Profile:
    return Identity.objects.select_related("profile").get(kind=kind, value=value).profile


# --- reading files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding", "delimiter"),
    [
        ("email;name\nzoë@example.com;Zoë\n".encode("utf-8-sig"), "utf-8", ";"),
        ("email\tname\nzoë@example.com\tZoë\n".encode(), "utf-8", "\t"),
        ("email|name\nzoë@example.com|Zoë\n".encode("cp1252"), "cp1252", "|"),
        ("email,name\nzoë@example.com,Zoë\n".encode("utf-16"), "utf-16", ","),
    ],
)
def test_encodings_and_delimiters_are_detected(data, encoding, delimiter):
    parsed = read_csv(data)
    assert (parsed.encoding, parsed.delimiter, parsed.headers) == (encoding, delimiter, ["email", "name"])
    assert list(parsed.rows()) == [(2, ["zoë@example.com", "Zoë"])]


def test_bytes_that_are_not_windows_1252_fall_back_to_latin_1():
    parsed = read_csv(b"email,name\nx@example.com,caf\x81\n")
    assert parsed.encoding == "latin-1"
    assert list(parsed.rows()) == [(2, ["x@example.com", "caf\x81"])]


def test_rows_are_numbered_as_in_a_spreadsheet_with_quoted_newlines_and_blank_lines():
    parsed = read_csv(b'email,note\na@example.com,"two\nlines"\n\nb@example.com,short,\n')
    assert list(parsed.rows()) == [(2, ["a@example.com", "two\nlines"]), (4, ["b@example.com", "short", ""])]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"ana@example.com,Ana,pro\nbob@example.com,Bob,free\n", "the first row looks like data ('ana@example.com')"),
        (b"email,,plan\na@example.com,x,pro\n", "column 2 has no name in the header row"),
        (b"email,Plan,plan\na@example.com,x,y\n", "two columns are named 'plan'"),
        (b"", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "this is not a text file"),
    ],
)
def test_unusable_files_are_refused_with_a_message_that_says_what_to_do(data, message):
    with pytest.raises(CsvError) as caught:
        read_csv(data)
    assert message in str(caught.value)


def test_a_header_without_rows_is_refused():
    with pytest.raises(CsvError, match="no data rows"):
        upload("email,plan\n")


def test_files_over_the_size_or_row_limit_are_refused(monkeypatch):
    monkeypatch.setattr(parse, "MAX_FILE_BYTES", 100)
    with pytest.raises(CsvError, match=r"the limit is 0 MB \(split it"):
        read_csv(b"email\n" + b"someone@example.com\n" * 10)
    monkeypatch.setattr(parse, "MAX_FILE_BYTES", 10_000)
    monkeypatch.setattr(parse, "MAX_ROWS", 3)
    with pytest.raises(CsvError, match="more than 3 rows"):
        upload("email\n" + "someone@example.com\n" * 4)
    assert not ImportJob.objects.exists()


# --- mapping ------------------------------------------------------------------------------------


def test_mapping_is_suggested_from_header_names_and_sample_values():
    headers = ["E-mail", "Customer ID", "Phone", "First Name", "updated_at", "Age", "Zip", "Newsletter", "Signed up"]
    samples = [[], [], [], ["Ana"], [], ["34", "29"], ["01234"], ["yes", "no"], ["2025-01-31"]]
    without = [t.code for t in suggest_mapping(headers, samples, ())]
    assert without == [
        "email",
        "user_id",
        "trait:phone",
        "trait:first_name",
        "timestamp",
        "trait:age:number",
        "trait:zip",  # a leading zero: kept as text
        "trait:newsletter:boolean",
        "trait:signed_up:date",
    ]
    with_phone = [t.code for t in suggest_mapping(headers, samples, ("phone",))]
    assert with_phone[2] == "identifier:phone"


def test_a_second_column_for_a_single_target_is_suggested_as_skip():
    codes = [t.code for t in suggest_mapping(["email", "Email address", "crmId"], [[], [], []], ())]
    assert codes == ["email", "skip", "trait:crm_id"]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("trait:", "a trait needs a name"),
        ("trait:first name", "may use letters, digits, _ and -"),
        ("trait:email", "map the email column as Email"),
        ("trait:age:integer", "trait type must be one of"),
        ("identifier:phone", "'phone' is not a configured identifier trait"),
        ("nickname", "unknown target 'nickname'"),
    ],
)
def test_bad_targets_are_explained(code, message):
    with pytest.raises(MappingError) as caught:
        parse_target(code, ())
    assert message in str(caught.value)


def test_a_mapping_needs_an_identifier_and_one_column_per_target():
    job = upload(CRM)
    with pytest.raises(MappingError, match="map at least one column to User ID, Email"):
        import_job_set_mapping(job=job, mapping=["skip", "trait:first_name", "skip", "trait:plan", "skip", "skip"])
    with pytest.raises(MappingError, match="columns 'Email' and 'First Name' both map to Email"):
        import_job_set_mapping(job=job, mapping=["email", "email", "user_id", "skip", "skip", "skip"])


# --- dry run ------------------------------------------------------------------------------------


def test_the_dry_run_lists_per_line_errors_and_stores_nothing():
    job = upload(
        "Email,Customer ID,Age,VIP,Updated\n"
        "ana@example.com,c-1,34,yes,2026-01-05\n"
        "foo,c-2,29,no,\n"
        ",,41,no,\n"
        "cy@example.com,c-4,abc,maybe,yesterday\n"
        "dee@example.com,c-5,50,no,,surplus\n"
    )
    assert job.mapping == ["email", "user_id", "trait:age:number", "trait:vip", "timestamp"]  # "maybe" is text
    assert (job.status, job.total_rows) == (ImportStatus.DRAFT, 5)
    job = dry_run(job, ["email", "user_id", "trait:age:number", "trait:vip:boolean", "timestamp"])
    assert job.status == ImportStatus.VALIDATED
    assert (job.valid_rows, job.invalid_rows, job.duplicates) == (1, 4, 0)
    assert job.errors == [
        {"row": 3, "column": "Email", "message": "Email 'foo' is not an email address"},
        {"row": 4, "column": "", "message": "no identifier: Email and Customer ID are empty in this row"},
        {"row": 5, "column": "Age", "message": "Age 'abc' is not a number"},
        {"row": 5, "column": "VIP", "message": "VIP 'maybe' is not yes/no (use true/false, yes/no or 1/0)"},
        {
            "row": 5,
            "column": "Updated",
            "message": "Updated 'yesterday' is not a date-time (use ISO-8601 or Unix time)",
        },
        {"row": 6, "column": "", "message": "row has 6 values but the header names 5 columns"},
    ]
    assert not Event.objects.exists()


def test_the_dry_run_keeps_the_first_100_errors_and_counts_the_rest():
    job = dry_run(upload("email\n" + "not-an-email\n" * 150 + "ok@example.com\n"))
    assert (job.valid_rows, job.invalid_rows, len(job.errors), job.more_errors) == (1, 150, 100, 50)
    assert job.errors[0]["row"] == 2 and job.errors[-1]["row"] == 101


def test_a_normalizer_rejection_is_a_row_error_too():
    job = dry_run(upload("user_id,bio\nu1," + "x" * 40_000 + "\nu2,short\n"))
    assert (job.valid_rows, job.invalid_rows) == (1, 1)
    assert job.errors[0]["row"] == 2
    assert "bytes; the limit is 32768" in job.errors[0]["message"]


# --- import -------------------------------------------------------------------------------------


def test_an_import_stores_identify_events_that_become_profiles(drain):
    job = dry_run(upload(CRM))
    assert job.valid_rows == 3
    job = run(job)
    assert (job.status, job.stored, job.duplicates, job.invalid_rows, job.percent) == (ImportStatus.DONE, 3, 0, 0, 100)
    source = Source.objects.get(name="CSV import")
    assert source.kind == "crm" and job.source == source
    events = Event.objects.filter(source=source)
    assert events.count() == 3 and set(events.values_list("type", flat=True)) == {"identify"}
    assert drain() == 3
    ana = profile_of("user_id", "c-1")
    assert ana.traits == {"email": "ana@example.com", "first_name": "Ana", "plan": "pro", "age": 34, "vip": True}
    assert profile_of("email", "ana@example.com") == ana
    cy = profile_of("email", "cy@example.com")  # no customer id: identified by email alone
    assert cy.traits["plan"] == "team"
    assert Profile.objects.count() == 3
    assert ImportFile.objects.get().data is None  # the file's contents are not kept after the import


def test_reuploading_the_same_file_stores_nothing_new(drain):
    run(dry_run(upload(CRM)))
    drain()
    again = dry_run(upload(CRM, name="crm (1).csv"))
    assert (again.valid_rows, again.duplicates) == (3, 3)
    again = run(again)
    assert (again.status, again.stored, again.duplicates) == (ImportStatus.DONE, 0, 3)
    assert Event.objects.count() == 3
    assert ImportFile.objects.count() == 1


def test_a_changed_row_stores_one_new_event_and_updates_the_trait(drain):
    first = run(dry_run(upload(CRM)))
    ImportFile.objects.filter(pk=first.file_id).update(first_uploaded_at=datetime(2026, 1, 1, tzinfo=UTC))
    drain()
    changed = run(dry_run(upload(CRM.replace("bob@example.com,Bob,c-2,free", "bob@example.com,Bob,c-2,pro"))))
    assert (changed.stored, changed.duplicates) == (1, 2)
    drain()
    assert profile_of("user_id", "c-2").traits["plan"] == "pro"
    assert profile_of("user_id", "c-1").traits["plan"] == "pro"


def test_an_updated_at_column_orders_values_so_an_older_export_never_wins(drain):
    run(dry_run(upload("email,plan,updated_at\nana@example.com,team,2026-03-01T10:00:00Z\n")))
    run(dry_run(upload("email,plan,updated_at\nana@example.com,free,1767225600\n")))  # 2026-01-01, older
    drain()
    ana = profile_of("email", "ana@example.com")
    assert ana.traits["plan"] == "team"
    assert sorted(Event.objects.values_list("timestamp", flat=True)) == [
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2026, 3, 1, 10, tzinfo=UTC),
    ]


def test_a_configured_identifier_trait_identifies_rows(drain):
    from profiles.services import profile_settings_update

    profile_settings_update(identifier_traits=["phone"])
    job = upload("Phone,Plan\n+4712345678,pro\n,free\n")
    assert job.mapping == ["identifier:phone", "trait:plan"]
    job = run(dry_run(job))
    assert (job.stored, job.invalid_rows) == (1, 1)
    drain()
    assert profile_of("phone", "+4712345678").traits == {"phone": "+4712345678", "plan": "pro"}


def test_a_crashed_import_resumes_after_its_last_chunk_without_double_counting(monkeypatch, drain):
    monkeypatch.setattr(work, "CHUNK_ROWS", 2)
    job = dry_run(upload("email\n" + "".join(f"p{i}@example.com\n" for i in range(5))))
    real_accept = work.events_accept
    calls = {"n": 0}

    def flaky_accept(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OperationalError("server closed the connection unexpectedly")
        return real_accept(**kwargs)

    monkeypatch.setattr(work, "events_accept", flaky_accept)
    import_job_start(job=job)
    with pytest.raises(OperationalError):
        work.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.stored) == (ImportStatus.RUNNING, 2, 2)
    job = work.import_job_run(job_id=job.pk)  # what a redelivered task does
    assert (job.status, job.processed_rows, job.stored, job.duplicates) == (ImportStatus.DONE, 5, 5, 0)
    assert Event.objects.count() == 5


def test_an_import_into_a_disabled_source_fails_with_a_message_and_can_be_resumed():
    job = dry_run(upload(CRM))
    import_job_start(job=job)
    source_update(source=job.source, enabled=False)
    job = work.import_job_run(job_id=job.pk)
    assert job.status == ImportStatus.FAILED
    assert job.failure == "the source 'CSV import' is disabled; enable it or choose another source"
    with pytest.raises(ImportBlocked, match="is disabled"):
        import_job_start(job=job)
    source_update(source=job.source, enabled=True)
    job = run(job)
    assert (job.status, job.stored) == (ImportStatus.DONE, 3)


def test_a_finished_import_cannot_be_started_again_or_remapped():
    job = run(dry_run(upload(CRM)))
    with pytest.raises(ImportBlocked, match="this import is done"):
        import_job_start(job=job)
    with pytest.raises(ImportBlocked, match="its mapping can no longer change"):
        import_job_set_mapping(job=job, mapping=job.mapping)
