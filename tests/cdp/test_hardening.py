"""Hardening: login lockout under concurrent attempts, session expiry (absolute and idle), CSRF on
every state change, the Content-Security-Policy, secure cookies in production."""

from __future__ import annotations

import threading
import time

import pytest
from django.test import Client

from tests.factories import PASSWORD

LOGIN_LIMIT = 3
ATTEMPTS = 8  # at once: fewer than the per-process database pool (10), so none waits for a connection


@pytest.mark.django_db(transaction=True)
@pytest.mark.embedded
def test_concurrent_wrong_passwords_get_no_more_guesses_than_the_limit(make_user, settings, monkeypatch):
    """Wrong passwords at once, each on its own thread and database connection: at most
    LOGIN_LIMIT of them are checked (the rest are refused as locked out), and the right password
    is refused after."""
    settings.AXES_FAILURE_LIMIT = LOGIN_LIMIT
    make_user("analyst", username="target")
    from django.contrib.auth.models import AbstractBaseUser

    checked_passwords = []
    original = AbstractBaseUser.check_password

    def counting_check_password(self, raw_password):
        checked_passwords.append(raw_password)
        return original(self, raw_password)

    monkeypatch.setattr(AbstractBaseUser, "check_password", counting_check_password)
    barrier = threading.Barrier(ATTEMPTS)
    statuses: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def attempt(n: int):
        from django.db import connection

        client = Client(REMOTE_ADDR="203.0.113.7")
        try:
            barrier.wait(timeout=30)
            response = client.post("/login/", {"username": "target", "password": f"wrong-{n}"})
            with lock:
                statuses.append(response.status_code)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors and len(statuses) == ATTEMPTS, errors
    # However many arrive at once, no more than the limit of passwords is ever checked…
    assert len(checked_passwords) <= LOGIN_LIMIT, checked_passwords
    assert statuses.count(200) < LOGIN_LIMIT and statuses.count(429) >= ATTEMPTS - LOGIN_LIMIT, statuses
    # …and the right password is refused until the lockout ends.
    right = Client(REMOTE_ADDR="203.0.113.7").post("/login/", {"username": "target", "password": PASSWORD})
    assert right.status_code == 429
    assert len(checked_passwords) <= LOGIN_LIMIT


# --- sessions ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.embedded
def test_an_idle_session_ends(client, make_user, settings, monkeypatch):
    settings.SESSION_IDLE_SECONDS = 600
    client.force_login(make_user("analyst"))
    assert client.get("/profiles/").status_code == 200
    start = time.time()
    monkeypatch.setattr("accounts.middleware.time.time", lambda: start + 300)
    assert client.get("/profiles/").status_code == 200  # active: the idle clock restarts
    monkeypatch.setattr("accounts.middleware.time.time", lambda: start + 850)
    assert client.get("/profiles/").status_code == 200  # 550 s after the last request
    monkeypatch.setattr("accounts.middleware.time.time", lambda: start + 1500)
    response = client.get("/profiles/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.get("/api/v1/me/").status_code in (401, 403)


@pytest.mark.django_db
@pytest.mark.embedded
def test_a_session_ends_at_its_absolute_age_even_when_busy(client, make_user, settings, monkeypatch):
    settings.SESSION_COOKIE_AGE = 3600
    settings.SESSION_IDLE_SECONDS = 3600
    client.force_login(make_user("analyst"))
    start = time.time()
    for minutes in range(0, 60, 10):
        monkeypatch.setattr("accounts.middleware.time.time", lambda m=minutes: start + m * 60)
        assert client.get("/profiles/").status_code == 200
    monkeypatch.setattr("accounts.middleware.time.time", lambda: start + 3700)
    assert client.get("/profiles/").status_code == 302


# --- CSRF ----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.embedded
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/logout/", {}),
        ("post", "/privacy/pii/", {"key": "plan", "sensitivity": "pii"}),
        ("post", "/privacy/pii/reveal/1/", {}),
        ("post", "/sources/", {"name": "X", "kind": "web"}),
        ("post", "/api/v1/segments/", {"name": "X", "rule": {"event": "X"}}),
        ("post", "/api/v1/api-keys/", {"name": "X", "role": "analyst"}),
        ("put", "/api/v1/pii/classification/", {"key": "plan", "sensitivity": "pii"}),
        ("post", "/api/v1/profiles/1/reveal/", {}),
    ],
)
def test_state_changes_with_a_session_need_a_csrf_token(make_user, method, path, body):
    """Forms and page scripts alike: a session-authenticated change without the token is refused."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("admin"))
    response = getattr(client, method)(path, body, content_type="application/json")
    assert response.status_code == 403
    if path.startswith("/api/"):
        assert "CSRF" in response.json()["message"]


# --- headers -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.embedded
def test_every_page_has_a_strict_content_security_policy(client, make_user):
    client.force_login(make_user("admin"))
    for path in ("/", "/profiles/", "/privacy/audit/", "/login/", "/api/v1/me/", "/admin/"):
        policy = client.get(path)["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["script-src"] == "'self'", path
        assert directives["style-src-elem"] == "'self'"
        assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
        assert "ws://testserver" in directives["connect-src"]


@pytest.mark.django_db
@pytest.mark.embedded
def test_no_template_has_inline_script_or_event_handler_attributes():
    import re
    from pathlib import Path

    offenders = []
    for template in Path(__file__).resolve().parents[2].joinpath("templates").rglob("*.html"):
        text = template.read_text()
        for match in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            offenders.append(f"{template.name}: {match.group(0)}")
        for match in re.finditer(r"\son[a-z]+=\"", text):
            offenders.append(f"{template.name}: {match.group(0)}")
    assert not offenders


def test_production_settings_mark_cookies_secure(tmp_path):
    import json
    import os
    import secrets
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "CDP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "shoal.example.com",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/shoal",
        "REDIS_URL": "redis://127.0.0.1:6379/1",
        "CDP_VAR_DIR": str(tmp_path),
        "DEBUG": "0",
    }
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SESSION_COOKIE_NAME, s.SECURE_HSTS_SECONDS > 0, s.SECURE_SSL_REDIRECT]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        env={**env, "DJANGO_SETTINGS_MODULE": "cdp.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [True, True, True, "__Host-shoal_session", True, True]


def test_access_logs_drop_query_string_values():
    import logging

    from cdp.log_filters import RedactQueryString, redact

    assert redact("/profiles/?q=ana@example.com&cursor=abc") == "/profiles/?cursor=…&q=…"
    assert redact("/profiles/42/") == "/profiles/42/"
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/api/v1/profiles/?email=ana@example.com", "1.1", 200),
        None,
    )
    assert RedactQueryString().filter(record)
    assert "ana@example.com" not in record.getMessage() and "/api/v1/profiles/?email=…" in record.getMessage()
    configured = logging.getLogger("uvicorn.access")
    assert any(isinstance(f, RedactQueryString) for f in configured.filters)
