"""A segment's members as a streamed CSV: every member once, personal data masked, formula-like
cells neutralised, the export audited, and only for roles that may export."""

import csv
import io

import pytest

from audit.models import AuditEntry
from profiles.models import Identity
from segments.engine import evaluate_segment
from segments.models import Segment

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]


@pytest.fixture
def buyers(send, drain):
    for user, email in [("u1", "ana@example.com"), ("u2", "=cmd|' /C calc'!A0@evil.test"), ("u3", None)]:
        traits = {"plan": "pro", **({"email": email} if email else {})}
        send("identify", {"userId": user, "traits": traits})
        send("track", {"userId": user, "event": "Order Completed", "properties": {"revenue": 12.5}})
    send("identify", {"userId": "u4", "traits": {"plan": "free"}})
    drain()
    segment = Segment.objects.create(name="Pro buyers", rule={"trait": "plan", "op": "eq", "value": "pro"})
    evaluate_segment(segment.pk)
    return segment


def rows_of(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_members_export_streams_every_member_masked_and_is_audited(api_key_client, buyers):
    response = api_key_client("marketer").get(f"/api/v1/segments/{buyers.pk}/members.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = rows_of(response)
    member_ids = set(Identity.objects.filter(value__in=["u1", "u2", "u3"]).values_list("profile_id", flat=True))
    assert {int(r["profile_id"]) for r in rows} == member_ids
    assert rows[0].keys() >= {"display_name", "email", "member_since", "orders_count", "revenue_total"}
    body = "".join(",".join(r.values()) for r in rows)
    assert "ana@example.com" not in body and "evil.test" not in body  # masked
    assert not any(value.startswith(("=", "+", "-", "@")) for r in rows for value in r.values())
    assert AuditEntry.objects.filter(action="export", target_id=str(buyers.pk)).exists()


def test_members_export_needs_export_data(api_key_client, buyers):
    assert api_key_client("analyst").get(f"/api/v1/segments/{buyers.pk}/members.csv").status_code == 403
    response = api_key_client("marketer").get("/api/v1/segments/999999/members.csv")
    assert response.status_code == 404


def test_a_marketing_export_keeps_only_people_whose_consent_allows_it_and_records_each_decision(api_key_client, buyers):
    from consent.models import ActivationCheck
    from consent.services import consent_record, purposes_seed

    purposes_seed()
    consenting = Identity.objects.get(kind="user_id", value="u1").profile_id
    consent_record(profile=consenting, purpose="email_marketing", state="granted", source="api")
    client = api_key_client("marketer")

    rows = rows_of(client.get(f"/api/v1/segments/{buyers.pk}/members.csv?purpose=email_marketing"))
    assert [int(r["profile_id"]) for r in rows] == [consenting]
    checks = ActivationCheck.objects.filter(channel="export", purpose="email_marketing")
    assert checks.count() == 3 and checks.filter(allowed=True).get().profile_id == consenting
    assert client.get(f"/api/v1/segments/{buyers.pk}/members.csv?purpose=nope").status_code == 400


@pytest.mark.fullstack
def test_served_over_asgi_the_export_starts_before_every_row_is_read(asgi_server, api_key_client, monkeypatch):
    """Through uvicorn, the first lines reach the client while the rows are still being read: the
    row reader waits (at its 4th row) until the client has received bytes, which would never
    happen if the server read every row before sending (Django does that with a sync iterator
    under ASGI). The waits only bound a failure; nothing is timed."""
    import http.client
    import threading
    from urllib.parse import urlsplit

    from django.utils import timezone

    from cdp import csv_safe
    from profiles.models import Profile
    from segments import exports
    from segments.models import Membership

    profiles = Profile.objects.bulk_create([Profile(traits={"n": n}) for n in range(6)])
    segment = Segment.objects.create(name="Six", rule={"trait": "n", "op": "exists"})
    Membership.objects.bulk_create([Membership(segment=segment, profile=p, since=timezone.now()) for p in profiles])
    monkeypatch.setattr(csv_safe, "STREAM_CHUNK_LINES", 2)
    client_has_bytes = threading.Event()
    read_rows = exports.member_rows

    def member_rows_waiting_for_the_client(*args, **kwargs):
        for n, row in enumerate(read_rows(*args, **kwargs)):
            if n == 3:
                client_has_bytes.wait(20)
            yield row

    monkeypatch.setattr(exports, "member_rows", member_rows_waiting_for_the_client)
    address = urlsplit(asgi_server)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    connection.request(
        "GET",
        f"/api/v1/segments/{segment.pk}/members.csv",
        headers={"Authorization": f"Bearer {api_key_client('marketer').raw_key}"},
    )
    response = connection.getresponse()
    assert response.status == 200
    try:
        first = response.read1()
    except TimeoutError:
        pytest.fail("no CSV line arrived before every row had been read: the export is buffered")
    finally:
        client_has_bytes.set()
    text = (first + response.read()).decode("utf-8-sig")
    connection.close()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(int(r["profile_id"]) for r in rows) == sorted(p.pk for p in profiles)
