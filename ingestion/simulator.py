"""The traffic simulator's engine: sends messages to the public tracking API over HTTP at a
steady rate, with nothing but the standard library.

It only ever talks to the base URL it is given: environment proxies are ignored and redirects are
refused (a redirect is reported as an error, never followed).
"""

from __future__ import annotations

import base64
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.client import HTTPException
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 502, 503, 504})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


class SimulatorError(Exception):
    """The simulator cannot go on (bad URL, refused write key, server gone for good)."""


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in LOOPBACK_HOSTS or host.startswith("127.")


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError with the 3xx status


class TrackingClient:
    """POSTs JSON to <base_url>/v1/<endpoint> with the write key as the HTTP Basic username."""

    def __init__(
        self,
        base_url: str,
        write_key: str,
        *,
        timeout: float = 10.0,
        max_attempts: int = 8,
        backoff: tuple[float, float] = (0.5, 10.0),
        sleep: Callable[[float], None] = time.sleep,
    ):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SimulatorError(f"--url must be an http(s) URL such as http://127.0.0.1:8000, not {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.sleep = sleep
        self.retries = 0
        self._auth = "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _RefuseRedirects())

    def post(self, endpoint: str, payload: dict) -> dict:
        """Send once, retrying connection errors and 429/502/503/504 with backoff (honouring
        Retry-After). Any other error status raises SimulatorError with the server's message."""
        url = f"{self.base_url}/v1/{endpoint}"
        body = json.dumps(payload, separators=(",", ":")).encode()
        delay = self.backoff[0]
        for attempt in range(1, self.max_attempts + 1):
            request = urllib.request.Request(  # noqa: S310 - the scheme is checked to be http(s) above
                url,
                data=body,
                method="POST",
                headers={
                    "Content-Type": "application/json",
                    "Authorization": self._auth,
                    "User-Agent": "shoal-simulator",
                },
            )
            try:
                with self._opener.open(request, timeout=self.timeout) as response:
                    return json.loads(response.read() or b"{}")
            except urllib.error.HTTPError as error:
                if error.code not in RETRY_STATUSES:
                    raise SimulatorError(_describe(error, url)) from None
                retry_after = _retry_after(error)
                wait = delay if retry_after is None else retry_after
                problem = f"{error.code} from {url}"
            except (urllib.error.URLError, HTTPException, ConnectionError, TimeoutError) as error:
                wait = delay
                problem = f"{url} unreachable ({getattr(error, 'reason', error)})"
            if attempt == self.max_attempts:
                raise SimulatorError(f"gave up after {attempt} attempts: {problem}")
            self.retries += 1
            log.warning("simulator: %s; retrying in %.1f s", problem, wait)
            self.sleep(wait)
            delay = min(delay * 2, self.backoff[1])
        raise AssertionError("unreachable")


def _retry_after(error: urllib.error.HTTPError) -> float | None:
    value = error.headers.get("Retry-After") if error.headers else None
    try:
        return min(float(value), 60.0) if value else None
    except ValueError:
        return None


def _describe(error: urllib.error.HTTPError, url: str) -> str:
    if 300 <= error.code < 400:
        return f"{url} answered {error.code} (a redirect to {error.headers.get('Location')!r}); the simulator only sends to the URL it is given"
    try:
        detail = json.loads(error.read() or b"{}").get("message", "")
    except (ValueError, AttributeError):
        detail = ""
    return f"{url} answered {error.code}{': ' + detail if detail else ''}"


@dataclass
class Totals:
    sent: int = 0
    orders: int = 0
    signups: int = 0
    requests: int = 0

    def add(self, message: dict) -> None:
        self.sent += 1
        if message.get("event") == "Order Completed":
            self.orders += 1
        elif message.get("event") == "Signed Up":
            self.signups += 1


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def simulate(
    client: TrackingClient,
    next_message: Callable[[], dict],
    *,
    rate: float,
    count: int | None = None,
    duration: float | None = None,
    batch: bool = False,
    summary_every: float = 10.0,
    report: Callable[[str], None] = print,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    totals: Totals | None = None,
) -> Totals:
    """Send `rate` messages per second until `count` messages were accepted or `duration`
    seconds passed (forever if neither). With `batch`, one /v1/batch request per second.
    `totals` (updated as it goes) stays readable when the loop is interrupted."""
    if rate <= 0:
        raise SimulatorError("--rate must be more than 0")
    totals = totals if totals is not None else Totals()
    started = clock()
    window_started, window_sent = started, 0
    next_due = started
    per_request = max(1, round(rate)) if batch else 1
    while (count is None or totals.sent < count) and (duration is None or clock() - started < duration):
        wait = next_due - clock()
        if wait > 0:
            sleep(wait if duration is None else min(wait, max(0.0, started + duration - clock())))
            continue
        size = per_request if count is None else min(per_request, count - totals.sent)
        messages = [next_message() for _ in range(size)]
        stamp = _now_iso()
        for message in messages:
            message["timestamp"] = stamp
            message["messageId"] = str(uuid.uuid4())
        if batch:
            client.post("batch", {"batch": messages, "sentAt": stamp})
        else:
            message = messages[0]
            client.post(message["type"], {**message, "sentAt": stamp})
        totals.requests += 1
        for message in messages:
            totals.add(message)
        window_sent += size
        next_due = max(next_due + size / rate, clock() - 1.0)  # never burst to catch up more than 1 s
        if clock() - window_started >= summary_every:
            elapsed = clock() - window_started
            report(
                f"simulator: {window_sent} events in {elapsed:.0f} s ({window_sent / elapsed:.1f}/s) · "
                f"{totals.sent:,} in total · {totals.orders:,} orders · {totals.signups:,} sign-ups · "
                f"{client.retries} retries"
            )
            window_started, window_sent = clock(), 0
    return totals
