"""Writes for segments: create, edit (a new rule version), archive. Each schedules the full
evaluation after commit; malformed rules and segment cycles are refused with the bad node's path."""

from __future__ import annotations

from django.db import transaction

from audit.constants import AuditAction
from audit.services import audit_record
from segments.models import Membership, MembershipChange, Segment, SegmentVersion
from segments.rules import RuleError, parse
from segments.rules.dependencies import find_cycle, referenced_segments


def _checked_rule(rule: dict, *, segment_id: int | None):
    """Parse and check a rule: referenced segments must exist and must not loop back."""
    parsed = parse(rule)
    references = referenced_segments(parsed)
    existing = set(Segment.objects.filter(pk__in=references).values_list("pk", flat=True))
    missing = sorted(references - existing)
    if missing:
        raise RuleError("$", f"segment {missing[0]} does not exist")
    if segment_id is not None:

        def rule_of(other_id: int):
            other = Segment.objects.filter(pk=other_id).values_list("rule", flat=True).first()
            return parse(other) if other is not None else None

        cycle = find_cycle(segment_id, parsed, rule_of)
        if cycle:
            raise RuleError("$", "segment references loop: " + " → ".join(str(i) for i in cycle))
    return parsed


def _schedule_evaluation(segment_id: int) -> None:
    from segments.tasks import evaluate_segment

    transaction.on_commit(lambda: evaluate_segment.delay(segment_id))


@transaction.atomic
def segment_create(*, name: str, rule: dict, owner=None, description: str = "") -> Segment:
    if not name.strip():
        raise ValueError("a segment needs a name")
    _checked_rule(rule, segment_id=None)
    segment = Segment.objects.create(name=name.strip(), description=description, rule=rule, owner=owner)
    SegmentVersion.objects.create(segment=segment, version=1, rule=rule, created_by=owner)
    audit_record(
        action=AuditAction.SEGMENT_CREATED, actor=owner, target=segment, details={"name": segment.name, "version": 1}
    )
    _schedule_evaluation(segment.pk)
    return segment


@transaction.atomic
def segment_update(
    *, segment: Segment, user=None, name: str | None = None, description: str | None = None, rule: dict | None = None
) -> Segment:
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    if name is not None:
        if not name.strip():
            raise ValueError("a segment needs a name")
        segment.name = name.strip()
    if description is not None:
        segment.description = description
    rule_changed = rule is not None and rule != segment.rule
    if rule_changed:
        _checked_rule(rule, segment_id=segment.pk)
        segment.rule = rule
        segment.version += 1
        segment.evaluation = Segment.Evaluation.PENDING
        SegmentVersion.objects.create(segment=segment, version=segment.version, rule=rule, created_by=user)
    segment.save()
    changed = [f for f, v in (("name", name), ("description", description)) if v is not None]
    audit_record(
        action=AuditAction.SEGMENT_UPDATED,
        actor=user,
        target=segment,
        details={
            "name": segment.name,
            "changed": changed + (["rule"] if rule_changed else []),
            "version": segment.version,
        },
    )
    if rule_changed:
        _schedule_evaluation(segment.pk)
    return segment


@transaction.atomic
def segment_archive(*, segment: Segment) -> Segment:
    """Stop maintaining the segment; its members leave it (ledger cause `archive`)."""
    from django.utils import timezone

    from segments.engine import MembershipDiff, write_diffs

    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    dependents = [
        other.name
        for other in Segment.objects.filter(status=Segment.Status.ACTIVE).exclude(pk=segment.pk)
        if segment.pk in referenced_segments(parse(other.rule))
    ]
    if dependents:
        raise ValueError(f"segments {', '.join(dependents)} use this segment; change them first")
    segment.status = Segment.Status.ARCHIVED
    segment.save(update_fields=["status", "updated_at"])
    audit_record(action=AuditAction.SEGMENT_ARCHIVED, target=segment, details={"name": segment.name})
    members = list(Membership.objects.filter(segment=segment).values_list("profile_id", flat=True))
    write_diffs(
        [
            MembershipDiff(segment.pk, segment.version, pid, False, MembershipChange.Cause.ARCHIVE, None)
            for pid in members
        ],
        timezone.now(),
    )
    Segment.objects.filter(pk=segment.pk).update(member_count=0)
    return segment
