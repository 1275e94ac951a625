"""Computed metrics that are derived on read (windows, days since) and the RFM re-ranking."""

from __future__ import annotations

import bisect
from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from profiles import hooks
from profiles.bulk import update_by_pk
from profiles.constants import COUNT_WINDOWS_DAYS, RFM_GRID
from profiles.models import Profile, ProfileEventDay
from profiles.services import profiles_lock


def days_since(moment: datetime | None, now: datetime | None = None) -> int | None:
    if moment is None:
        return None
    return ((now or timezone.now()) - moment).days


def event_counts(profile_id: int, now: datetime | None = None) -> dict[str, dict[str, int]]:
    """Per event name: counts in the rolling windows (1, 7, 30, 90 days; whole UTC days, today
    included) from the daily rollups, plus the all-time total."""
    today = (now or timezone.now()).date()
    longest = max(COUNT_WINDOWS_DAYS)
    counts: dict[str, dict[str, int]] = defaultdict(
        lambda: {f"last_{d}d": 0 for d in COUNT_WINDOWS_DAYS} | {"total": 0}
    )
    for name, day, count in ProfileEventDay.objects.filter(profile_id=profile_id).values_list("name", "day", "count"):
        entry = counts[name]
        entry["total"] += count
        age = (today - day).days
        if age < longest:
            for window in COUNT_WINDOWS_DAYS:
                if age < window:
                    entry[f"last_{window}d"] += count
    return dict(sorted(counts.items()))


def metrics_of(profile: Profile, now: datetime | None = None) -> dict:
    """Every computed metric of a profile, as shown in the API and the profile page."""
    now = now or timezone.now()
    return {
        "first_seen": profile.first_seen,
        "last_seen": profile.last_seen,
        "days_since_last_seen": days_since(profile.last_seen, now),
        "events_count": profile.events_count,
        "sessions_count": profile.sessions_count,
        "page_views_count": profile.page_views_count,
        "orders_count": profile.orders_count,
        "revenue_total": profile.revenue_total,
        "avg_order_value": profile.avg_order_value,
        "first_order_at": profile.first_order_at,
        "last_order_at": profile.last_order_at,
        "days_since_last_order": days_since(profile.last_order_at, now),
        "rfm": {
            "recency": profile.rfm_recency,
            "frequency": profile.rfm_frequency,
            "monetary": profile.rfm_monetary,
            "class": profile.rfm_class or None,
        },
    }


def rfm_class(recency: int, frequency: int, monetary: int) -> str:
    fm = int((frequency + monetary) / 2 + 0.5)
    return RFM_GRID[fm][recency - 1]


def _quintile_scores(values: list) -> list[int]:
    """Score 1-5 by cumulative distribution: ceil(5 · share of values ≤ this one). Ties share."""
    ordered = sorted(values)
    n = len(ordered)
    return [max(1, min(5, -(-5 * bisect.bisect_right(ordered, v) // n))) for v in values]


RERANK_CHUNK = 1000


def rfm_rerank() -> int:
    """Re-score every customer (at least one order) against the current population.

    Runs on beat every few minutes and after imports; customers without orders get no scores.
    The new scores are written in chunks, each in its own transaction with its profiles locked
    (in id order, as the event pipeline locks them), and segments that read RFM metrics are
    re-evaluated for them there (ledger cause `time`). Returns how many profiles changed.
    """
    customers = list(
        Profile.objects.filter(merged_into__isnull=True, orders_count__gt=0)
        .order_by("pk")
        .values_list(
            "pk",
            "last_order_at",
            "orders_count",
            "revenue_total",
            "rfm_recency",
            "rfm_frequency",
            "rfm_monetary",
            "rfm_class",
        )
    )
    changed: list[Profile] = []
    if customers:
        recency = _quintile_scores([c[1] for c in customers])
        frequency = _quintile_scores([c[2] for c in customers])
        monetary = _quintile_scores([c[3] for c in customers])
        for (pk, *_, old_r, old_f, old_m, old_class), r, f, m in zip(
            customers, recency, frequency, monetary, strict=True
        ):
            new_class = rfm_class(r, f, m)
            if (old_r, old_f, old_m, old_class) != (r, f, m, new_class):
                changed.append(Profile(pk=pk, rfm_recency=r, rfm_frequency=f, rfm_monetary=m, rfm_class=new_class))
    cleared = [
        Profile(pk=pk, rfm_recency=None, rfm_frequency=None, rfm_monetary=None, rfm_class="")
        for pk in Profile.objects.filter(orders_count=0).exclude(rfm_class="").values_list("pk", flat=True)
    ]
    rescored = sorted(changed + cleared, key=lambda p: p.pk)
    for start in range(0, len(rescored), RERANK_CHUNK):
        _write_scores(rescored[start : start + RERANK_CHUNK])
    return len(rescored)


RFM_CHANGES = frozenset({"metric:rfm_recency", "metric:rfm_frequency", "metric:rfm_monetary", "metric:rfm_class"})


@transaction.atomic
def _write_scores(profiles: list[Profile]) -> None:
    ids = [p.pk for p in profiles]
    profiles_lock(ids)
    update_by_pk(Profile, profiles, ["rfm_recency", "rfm_frequency", "rfm_monetary", "rfm_class"])
    metrics_changed = dict.fromkeys(ids, RFM_CHANGES)
    hooks.profiles_applied(hooks.AppliedBatch(metrics_changed, {}, {}, timezone.now(), cause="time"))
