"""Rule -> a Django ORM condition (Q) over profiles.Profile, for PostgreSQL and SQLite: full
evaluation, previews and counts. Every comparison goes through the operator table
(operators.condition); event conditions are EXISTS / scalar subqueries over ingestion.Event that
the (profile, name, timestamp) index serves; `now` is always given.

    matching_profiles(rule, now=now, segment_sql=..., consent_sql=...)  # QuerySet[Profile]

Resolvers for the conditions whose data the caller owns: segment_sql(segment_id) -> Q over
Profile (e.g. an EXISTS on the membership table) and consent_sql(purpose) -> Q over Profile.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db import connections
from django.db.models import Q, QuerySet

from segments.rules.errors import ResolverMissing
from segments.rules.events import event_condition_q
from segments.rules.operands import JsonSubject, metric_subject
from segments.rules.operators import condition
from segments.rules.schema import parse
from segments.rules.sql_expressions import negate
from segments.rules.tree import (
    AllOf,
    AnyOf,
    ConsentCondition,
    EventCondition,
    MetricCondition,
    Not,
    Rule,
    SegmentCondition,
    TraitCondition,
)

SegmentSql = Callable[[int], Q]
ConsentSql = Callable[[str], Q]
RULE_TYPES = (AllOf, AnyOf, Not, TraitCondition, MetricCondition, EventCondition, SegmentCondition, ConsentCondition)


def rule_q(
    rule: Rule | dict | str,
    *,
    now: datetime,
    segment_sql: SegmentSql | None = None,
    consent_sql: ConsentSql | None = None,
    probe_counts: bool = False,
) -> Q:
    """The rule as a filter over Profile (it does not exclude merged profiles by itself).

    Resolvers must return join-free conditions (an EXISTS or a `pk__in` subquery): a condition
    that joins a multi-valued relation would change the meaning of NOT around it. `probe_counts`:
    "at least n events" asked per profile rather than grouped (events.CountSubject); the same
    profiles either way."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime (UTC)")
    node = rule if isinstance(rule, RULE_TYPES) else parse(rule)
    return _compile(node, now, segment_sql, consent_sql, probe_counts)


def _compile(node: Rule, now: datetime, segment_sql, consent_sql, probe_counts: bool = False) -> Q:
    if isinstance(node, (AllOf, AnyOf)):
        parts = [_compile(child, now, segment_sql, consent_sql, probe_counts) for child in node.children]
        result = parts[0]
        for part in parts[1:]:
            result = (result & part) if isinstance(node, AllOf) else (result | part)
        return result
    if isinstance(node, Not):
        return negate(_compile(node.child, now, segment_sql, consent_sql, probe_counts))
    if isinstance(node, TraitCondition):
        return condition(JsonSubject("traits", node.path), node.comparison, now)
    if isinstance(node, MetricCondition):
        return condition(metric_subject(node.metric, now), node.comparison, now)
    if isinstance(node, EventCondition):
        return event_condition_q(node, now, probe_counts=probe_counts)
    if isinstance(node, SegmentCondition):
        if segment_sql is None:
            raise ResolverMissing(f"{node.at}: segment conditions need a segment_sql resolver")
        member = segment_sql(node.segment_id)
        return member if node.member else negate(member)
    if isinstance(node, ConsentCondition):
        if consent_sql is None:
            raise ResolverMissing(f"{node.at}: consent conditions need a consent_sql resolver")
        granted = consent_sql(node.purpose)
        return granted if node.granted else negate(granted)
    raise TypeError(f"not a rule node: {node!r}")


def matching_profiles(
    rule: Rule | dict | str,
    *,
    now: datetime,
    segment_sql: SegmentSql | None = None,
    consent_sql: ConsentSql | None = None,
    profiles: QuerySet | None = None,
    probe_counts: bool = False,
) -> QuerySet:
    """The profiles the rule selects at `now`; merged profiles are never members."""
    from profiles.models import Profile

    base = Profile.objects.all() if profiles is None else profiles
    return base.filter(merged_into__isnull=True).filter(
        rule_q(rule, now=now, segment_sql=segment_sql, consent_sql=consent_sql, probe_counts=probe_counts)
    )


def count(
    rule: Rule | dict | str,
    *,
    now: datetime,
    segment_sql: SegmentSql | None = None,
    consent_sql: ConsentSql | None = None,
) -> int:
    return matching_profiles(rule, now=now, segment_sql=segment_sql, consent_sql=consent_sql).count()


def sql_text(queryset: QuerySet) -> str:
    """The SQL of a queryset with its parameters inlined (PostgreSQL: exactly as sent), for
    snapshots, EXPLAIN and debugging."""
    connection = connections[queryset.db]
    sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    if connection.vendor == "postgresql":
        return connection.ops.compose_sql(sql, params)
    return sql % tuple(repr(p) for p in params)
