"""Limits and vocabularies of CSV imports (documented in README "CSV import")."""

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
MAX_COLUMNS = 200
MAX_HEADER_LENGTH = 200
MAX_TRAIT_KEY_LENGTH = 64
CHUNK_ROWS = 500  # rows per transaction of a running import (progress is saved after each)
ERRORS_KEPT = 100  # per-line errors kept and shown; the rest are only counted
SAMPLE_ROWS = 3  # sample values shown per column on the mapping page
STALLED_AFTER_SECONDS = 120  # a running import that saved no progress for this long may be resumed
DEFAULT_SOURCE_NAME = "CSV import"
LIBRARY = {"name": "shoal-csv-import", "version": "1"}


class ImportStatus:
    DRAFT = "draft"  # uploaded; columns not yet mapped and checked
    CHECKING = "checking"  # the dry run is going through the rows
    VALIDATED = "validated"  # mapping checked by a dry run
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CHOICES = [
        (DRAFT, "Needs mapping"),
        (CHECKING, "Checking"),
        (VALIDATED, "Checked"),
        (QUEUED, "Queued"),
        (RUNNING, "Importing"),
        (DONE, "Done"),
        (FAILED, "Failed"),
    ]
    ACTIVE = (QUEUED, RUNNING)  # importing
    BACKGROUND = (CHECKING, QUEUED, RUNNING)  # a worker is (or should be) on it
    EDITABLE = (DRAFT, VALIDATED)


class Target:
    """What a column maps to. Stored per column as a string: `email`, `identifier:phone`,
    `trait:age:number`, `skip`…"""

    SKIP = "skip"
    USER_ID = "user_id"
    ANONYMOUS_ID = "anonymous_id"
    EMAIL = "email"
    IDENTIFIER = "identifier"  # a configured identifier trait: identifier:<key>
    TRAIT = "trait"  # trait:<key> or trait:<key>:<type>
    TIMESTAMP = "timestamp"
    SINGLE = (USER_ID, ANONYMOUS_ID, EMAIL, TIMESTAMP)  # at most one column each
    LABELS = {
        SKIP: "Skip this column",
        USER_ID: "User ID",
        ANONYMOUS_ID: "Anonymous ID",
        EMAIL: "Email",
        IDENTIFIER: "Identifier",
        TRAIT: "Trait",
        TIMESTAMP: "Updated at",
    }


class TraitType:
    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    CHOICES = [(STRING, "Text"), (NUMBER, "Number"), (BOOLEAN, "Yes/no"), (DATE, "Date")]


TRUE_WORDS = frozenset({"true", "yes", "y", "1", "t", "on"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "f", "off"})

# Header names (snake_case) suggested as each target on the mapping page.
EMAIL_HEADERS = frozenset({"email", "e_mail", "email_address", "e_mail_address", "mail", "emailaddress"})
USER_ID_HEADERS = frozenset({"user_id", "userid", "customer_id", "customerid", "external_id", "contact_id"})
ANONYMOUS_ID_HEADERS = frozenset({"anonymous_id", "anonymousid"})
TIMESTAMP_HEADERS = frozenset(
    {"updated_at", "updatedat", "last_updated", "last_modified", "modified_at", "modified", "timestamp", "updated"}
)
PHONE_HEADERS = frozenset({"phone", "phone_number", "mobile", "mobile_phone", "telephone", "tel"})
