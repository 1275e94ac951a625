"""`make run`'s first start: the demo login, and segments to watch re-form with the simulated
traffic (created once, never over a workspace that has segments)."""

import pytest
from django.core.management import call_command

from segments.models import Segment
from segments.rules import parse
from segments.starters import DEMO_SEGMENTS

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]


def test_first_start_creates_the_demo_login_and_its_segments_once(settings, tmp_path, capsys):
    settings.VAR_DIR = tmp_path
    call_command("ensure_demo_user", url="http://127.0.0.1:8000")
    out = capsys.readouterr().out
    assert "password:" in out and "demo segments are being evaluated" in out
    assert (tmp_path / "demo-login.txt").exists()
    segments = list(Segment.objects.order_by("pk"))
    assert [s.name for s in segments] == [spec["name"] for spec in DEMO_SEGMENTS]
    assert {s.owner.username for s in segments} == {"demo"}
    for segment in segments:
        parse(segment.rule)  # valid rules
    call_command("ensure_demo_user", url="http://127.0.0.1:8000")
    assert Segment.objects.count() == len(DEMO_SEGMENTS)
    assert "password:" not in capsys.readouterr().out  # shown once


def test_no_demo_segments_over_existing_ones(settings, tmp_path):
    from segments.services import segment_create

    settings.VAR_DIR = tmp_path
    segment_create(name="Mine", rule={"trait": "plan", "op": "eq", "value": "pro"})
    call_command("ensure_demo_user", url="http://127.0.0.1:8000")
    assert list(Segment.objects.values_list("name", flat=True)) == ["Mine"]
