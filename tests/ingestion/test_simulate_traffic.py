"""The traffic simulator sends realistic events through the public tracking API, only to the URL
it is given, retries what is worth retrying, and stops by itself or on Ctrl-C."""

import base64
import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ingestion.models import Event, Source
from profiles.demo import SIMULATOR_SOURCE_NAME
from profiles.models import Identity, Profile
from tests.conftest import ROOT

pytestmark = pytest.mark.embedded


def simulate(*args) -> str:
    out = StringIO()
    call_command("simulate_traffic", "--customers", "150", *args, stdout=out)
    return out.getvalue()


class FakeShoal:
    """A stand-in HTTP server answering from a script of (status, headers) and recording requests."""

    def __init__(self, answers=None):
        self.answers = list(answers or [])
        self.requests: list[dict] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                recorder.requests.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(body)})
                status, headers = recorder.answers.pop(0) if recorder.answers else (200, {})
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"success": true}' if status == 200 else b'{"message": "nope"}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_shoal():
    servers = []

    def make(answers=None):
        servers.append(FakeShoal(answers))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


@pytest.mark.django_db(transaction=True)
def test_count_events_arrive_through_the_tracking_api_and_build_profiles(asgi_server, drain):
    output = simulate("--url", asgi_server, "--count", "40", "--rate", "200")
    source = Source.objects.get(name=SIMULATOR_SOURCE_NAME)
    events = Event.objects.filter(source=source)
    assert events.count() == 40
    assert "sent 40 events" in output
    assert {e.context["library"]["name"] for e in events} <= {"shoal-demo", "shoal-demo-esp"}
    assert len({e.sent_at for e in events}) > 1  # one request per event
    assert Profile.objects.count() == 0
    assert drain() == 40
    assert Profile.objects.count() > 0
    assert sum(Profile.objects.values_list("events_count", flat=True)) == 40


@pytest.mark.django_db(transaction=True)
def test_it_acts_as_the_loaded_demo_customers(asgi_server, drain):
    call_command("load_demo_data", "--customers", "150", "--days", "90", stdout=StringIO())
    known = set(Identity.objects.filter(kind="user_id").values_list("value", flat=True))
    simulate("--url", asgi_server, "--count", "60", "--rate", "300")
    drain()
    live = Event.objects.filter(source__name=SIMULATOR_SOURCE_NAME)
    returning = set(live.exclude(user_id=None).values_list("user_id", flat=True)) & known
    assert returning, "some live events come from loaded customers"
    # The only new user ids are visitors who signed up (identify) during the simulation.
    new = set(Identity.objects.filter(kind="user_id").values_list("value", flat=True)) - known
    assert new <= set(live.filter(type="identify").values_list("user_id", flat=True))
    for user_id in returning:
        profile = Identity.objects.get(kind="user_id", value=user_id).profile
        assert profile.traits.get("email")  # the loaded profile, not a new empty one


@pytest.mark.django_db(transaction=True)
def test_batch_mode_sends_through_v1_batch(asgi_server):
    simulate("--url", asgi_server, "--count", "30", "--rate", "30", "--batch")
    events = Event.objects.filter(source__name=SIMULATOR_SOURCE_NAME)
    assert events.count() == 30
    assert len({e.sent_at for e in events}) == 1  # one batch, one sentAt


@pytest.mark.django_db(transaction=True)
def test_it_stops_after_the_duration(asgi_server):
    output = simulate("--url", asgi_server, "--duration", "1", "--rate", "5")
    sent = Event.objects.filter(source__name=SIMULATOR_SOURCE_NAME).count()
    assert 1 <= sent <= 7
    assert f"sent {sent} events" in output


def test_it_retries_503_and_sends_the_same_message_again(fake_shoal):
    shoal = fake_shoal([(503, {"Retry-After": "0"})])
    output = simulate("--url", shoal.url, "--write-key", "k", "--count", "1", "--rate", "50")
    assert "sent 1 events" in output
    first, second = shoal.requests
    assert first["body"]["messageId"] == second["body"]["messageId"]  # deduplicated if both arrived
    assert first["headers"]["Authorization"] == "Basic " + base64.b64encode(b"k:").decode()
    assert first["path"].startswith("/v1/")


def test_it_never_follows_a_redirect_to_another_address(fake_shoal):
    elsewhere = fake_shoal()
    shoal = fake_shoal([(307, {"Location": f"{elsewhere.url}/v1/track"})])
    with pytest.raises(CommandError, match="only sends to the URL it is given"):
        simulate("--url", shoal.url, "--write-key", "k", "--count", "1")
    assert len(shoal.requests) == 1
    assert elsewhere.requests == []


def test_a_refused_write_key_stops_it_with_the_reason(fake_shoal):
    shoal = fake_shoal([(401, {})])
    with pytest.raises(CommandError, match="401: nope"):
        simulate("--url", shoal.url, "--write-key", "wrong", "--count", "5")
    assert len(shoal.requests) == 1


def test_it_ignores_proxy_settings(fake_shoal, monkeypatch):
    shoal = fake_shoal()
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # nothing listens there
    simulate("--url", shoal.url, "--write-key", "k", "--count", "2", "--rate", "50")
    assert len(shoal.requests) == 2


@pytest.mark.django_db
def test_a_non_loopback_default_url_needs_an_explicit_url(settings):
    settings.SHOAL_BASE_URL = "https://shoal.example.com"
    with pytest.raises(CommandError, match="pass --url explicitly"):
        simulate("--count", "1")
    assert not Source.objects.filter(name=SIMULATOR_SOURCE_NAME).exists()


def test_ctrl_c_stops_it_cleanly(fake_shoal):
    shoal = fake_shoal()
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "simulate_traffic",
            "--url",
            shoal.url,
            "--write-key",
            "k",
            "--rate",
            "50",
            "--customers",
            "150",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while len(shoal.requests) < 3 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert len(shoal.requests) >= 3
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "Simulator interrupted." in out
    assert "Traceback" not in err
