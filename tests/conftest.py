"""Shared fixtures: users per role, API clients, a live ASGI server, a real Celery worker,
websocket helpers and the browser launch settings."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parent.parent
FULLSTACK = bool(settings.DATABASE_URL and settings.REDIS_URL)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    # Browser tests last: Playwright's sync API keeps an event loop running in the main thread
    # for the rest of the session, which async and transactional tests must not run under.
    items.sort(key=lambda item: "browser" in item.keywords)
    if FULLSTACK:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL and Redis (DATABASE_URL and REDIS_URL); `make test` sets them")
    for item in items:
        if "fullstack" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _clean_redis():
    """Start every run with an empty test Redis database (results, channels, cache)."""
    if settings.REDIS_URL:
        import redis

        redis.Redis.from_url(settings.REDIS_URL).flushdb()


@pytest.fixture(scope="session", autouse=True)
def _close_connection_pools_before_teardown(django_db_setup, django_db_blocker):
    """Pooled connections (PostgreSQL) would keep the test database busy when it is dropped."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all():
            if hasattr(connection, "close_pool"):
                connection.close_pool()
        default = connections["default"]
        if default.vendor == "postgresql":
            # Async tests leave connections in asgiref's executor threads, which this thread
            # cannot close; end them so that the test database can be dropped.
            with default.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            default.close()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def make_user(db):
    def make(role: str = "marketer", **kwargs):
        return UserFactory(role=role, **kwargs)

    return make


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def api_key_client(db):
    """api_key_client("analyst", scopes=[...]) -> an APIClient sending a fresh key of that role."""
    from rest_framework.test import APIClient

    from accounts.services import api_key_create

    def make(role: str, scopes=None):
        api_key, raw_key = api_key_create(name=f"test {role}", role=role, scopes=scopes)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
        client.api_key = api_key
        client.raw_key = raw_key
        return client

    return make


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def asgi_server(transactional_db):
    """The real ASGI application (HTTP and websockets) served by uvicorn on a free port.

    Runs in a thread of the test process, so it uses the test database; data must be committed
    (hence transactional_db) for the server to see it.
    """
    import uvicorn

    from cdp.asgi import application

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            application, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="websockets-sansio"
        )
    )
    thread = threading.Thread(target=server.run, name="asgi-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test ASGI server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def start_celery_worker() -> subprocess.Popen:
    """Start a real `celery worker` process (solo pool) on the Redis broker, using the test
    database, and wait until it answers a ping."""
    from django.db import connection

    from cdp.celery import app

    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
    }
    hostname = f"test-{os.getpid()}-{free_port()}@localhost"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cdp",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "-n",
            hostname,
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[hostname], timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("the Celery worker did not come up")
    return process


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def celery_worker_process(transactional_db):
    """A real `celery worker` process on the Redis broker, using the test database."""
    process = start_celery_worker()
    try:
        yield process
    finally:
        stop_process(process)


@pytest.fixture
def celery_workers(transactional_db):
    """celery_workers() starts another real worker; all are stopped after the test."""
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        started.append(start_celery_worker())
        return started[-1]

    yield start
    for process in started:
        stop_process(process)


@pytest.fixture
def session_cookie(client):
    """session_cookie(user) -> the Cookie header value of a signed-in session for `user`."""

    def make(user) -> str:
        client.force_login(user)
        return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    return make


# --- Browser (pytest-playwright) ----------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture
def signed_in_page(page, asgi_server):
    """signed_in_page(user) -> a Playwright page signed in through the real login form."""

    def sign_in(user):
        page.goto(f"{asgi_server}/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{asgi_server}/")
        return page

    return sign_in


# --- Ingestion ----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _doorbell_off(settings):
    """Tests drain events explicitly (drain fixture) unless they opt into a real doorbell."""
    settings.INGESTION_DOORBELL = "off"
    from ingestion.selectors import forget_write_key

    forget_write_key()  # the per-process memo of write keys must not outlive a test's database
    from profiles.settings import forget_profile_config

    forget_profile_config()
    from pii.masking import forget_classification

    forget_classification()  # the per-process memo of the PII classification, likewise
    from accounts.lockout import forget_all_attempts

    forget_all_attempts()  # sign-in attempt counters live in the cache, outside the test's transaction
    from privacy.suppression import forget_suppressions

    forget_suppressions()  # the per-process memo of the erasure suppression list, likewise


@pytest.fixture
def source(db):
    from ingestion.services import source_create

    return source_create(name="Web shop", kind="web", allowed_origins=["https://shop.example.com"])


@pytest.fixture
def send(client, source):
    """send("track", {...}) posts to the tracking API with the source's write key (Basic auth)."""
    import base64

    import orjson

    def post(endpoint: str, payload: dict, *, write_key: str | None = None, **extra):
        key = source.write_key if write_key is None else write_key
        auth = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
        return client.post(
            f"/v1/{endpoint}",
            data=orjson.dumps(payload),
            content_type="application/json",
            HTTP_AUTHORIZATION=auth,
            **extra,
        )

    return post


@pytest.fixture
def drain():
    """Process every stored, unprocessed event now (what a worker does when the doorbell rings)."""
    from profiles.pipeline import events_process_pending

    return events_process_pending
