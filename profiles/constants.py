"""Vocabularies and defaults for profiles, identities and computed metrics."""

from datetime import timedelta


class IdentityKind:
    USER_ID = "user_id"
    ANONYMOUS_ID = "anonymous_id"
    EMAIL = "email"
    # Identifier traits a steward configures (phone, crm_id, …) use the trait key as their kind.
    BUILT_IN = (USER_ID, ANONYMOUS_ID, EMAIL)


class MergeReason:
    EVENT = "event"
    ALIAS = "alias"
    IMPORT = "import"
    CHOICES = [(EVENT, "An event linked both"), (ALIAS, "alias call"), (IMPORT, "CSV import")]


SESSION_TIMEOUT = timedelta(minutes=30)
DEFAULT_PURCHASE_EVENTS = ["Order Completed"]
DEFAULT_IDENTIFIER_TRAITS: list[str] = []  # email is always an identifier
TRAIT_HISTORY_PER_PROFILE = 200
# Rolling windows (days) for which per-event-name counts are exposed as metrics.
COUNT_WINDOWS_DAYS = (1, 7, 30, 90)

# RFM: recency, frequency and monetary scores 1-5 are quintiles (by cumulative distribution, so
# ties share a score) among customers with at least one order; 5 is best. The class comes from
# the recency score R and FM = round((F + M) / 2), on this grid (documented in docs/metrics.md):
#
#   FM \ R    1                 2                 3                 4                    5
#   5         Can't Lose Them   Can't Lose Them   Loyal             Loyal                Champions
#   4         At Risk           At Risk           Loyal             Loyal                Champions
#   3         At Risk           At Risk           Need Attention    Potential Loyalist   Potential Loyalist
#   2         Lost              Hibernating       About to Sleep    Potential Loyalist   Potential Loyalist
#   1         Lost              Hibernating       About to Sleep    Promising            New
RFM_GRID: dict[int, tuple[str, str, str, str, str]] = {
    5: ("Can't Lose Them", "Can't Lose Them", "Loyal", "Loyal", "Champions"),
    4: ("At Risk", "At Risk", "Loyal", "Loyal", "Champions"),
    3: ("At Risk", "At Risk", "Need Attention", "Potential Loyalist", "Potential Loyalist"),
    2: ("Lost", "Hibernating", "About to Sleep", "Potential Loyalist", "Potential Loyalist"),
    1: ("Lost", "Hibernating", "About to Sleep", "Promising", "New"),
}
RFM_CLASS_NAMES = [
    "Champions",
    "Loyal",
    "Potential Loyalist",
    "New",
    "Promising",
    "Need Attention",
    "About to Sleep",
    "At Risk",
    "Can't Lose Them",
    "Hibernating",
    "Lost",
]
