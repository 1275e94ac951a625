"""python manage.py simulate_traffic [--rate 5] [--url URL] [--write-key KEY] [--count N]
[--duration S] [--batch]

Sends live, realistic events for the demo customers and new visitors through the public tracking
API (see README, "Demo data and simulated traffic"). Stops at --count/--duration or on Ctrl-C.
"""

import signal
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ingestion.constants import SourceKind
from ingestion.models import Source
from ingestion.services import source_create
from ingestion.simulator import SimulatorError, Totals, TrackingClient, is_loopback, simulate
from profiles.demo import DEFAULT_CUSTOMERS, DEFAULT_SEED, SIMULATOR_SOURCE_NAME
from profiles.demo.live import LiveTraffic


def simulator_write_key() -> str:
    """The write key of the "Traffic simulator" source, created (a web source) when missing."""
    source = Source.objects.filter(name__iexact=SIMULATOR_SOURCE_NAME).first()
    if source is None:
        source = source_create(name=SIMULATOR_SOURCE_NAME, kind=SourceKind.WEB)
    return source.write_key


class Command(BaseCommand):
    help = "Send simulated live traffic (browsing, carts, orders, email, sign-ups) to the tracking API."

    def add_arguments(self, parser):
        parser.add_argument("--rate", type=float, default=5.0, help="events per second (default 5)")
        parser.add_argument(
            "--url", default=None, help="Shoal's base URL (default: SHOAL_BASE_URL when it is loopback)"
        )
        parser.add_argument("--write-key", default=None, help=f"default: the {SIMULATOR_SOURCE_NAME!r} source's key")
        parser.add_argument("--count", type=int, default=None, help="stop after this many events")
        parser.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
        parser.add_argument("--batch", action="store_true", help="send through /v1/batch (one request per second)")
        parser.add_argument("--summary-every", type=float, default=10.0, help="seconds between summary lines")
        parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS, help="the demo population to act as")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="the demo population's seed")

    def handle(self, *args, rate, url, write_key, count, duration, batch, summary_every, customers, seed, **options):
        if url is None:
            url = settings.SHOAL_BASE_URL
            if not is_loopback(url):
                raise CommandError(
                    f"SHOAL_BASE_URL ({url}) is not a loopback address: pass --url explicitly to send simulated traffic there"
                )
        if count is not None and count < 1:
            raise CommandError("--count must be at least 1")
        try:
            client = TrackingClient(url, write_key or simulator_write_key())
        except SimulatorError as exc:
            raise CommandError(str(exc)) from exc
        traffic = LiveTraffic(customers=customers, seed=seed)
        limits = [f"{count:,} events" if count else "", f"{duration:g} s" if duration else ""]
        until = " or ".join(x for x in limits if x) or "Ctrl-C"
        self.stdout.write(
            f"Simulating traffic: {rate:g} events/s to {client.base_url}/v1/{'batch' if batch else '…'} until {until}."
        )
        started = time.monotonic()
        totals = Totals()
        # Ctrl-C and SIGTERM stop it cleanly, even when started in the background by a script
        # (which would otherwise ignore SIGINT).
        previous = _handle_stop_signals()
        try:
            simulate(
                client,
                traffic.next_message,
                rate=rate,
                count=count,
                duration=duration,
                batch=batch,
                summary_every=summary_every,
                report=self.stdout.write,
                totals=totals,
            )
        except KeyboardInterrupt:
            self.stdout.write("Simulator interrupted.")
        except SimulatorError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        if totals.sent:
            self.stdout.write(f"Simulator sent {totals.sent:,} events in {time.monotonic() - started:,.1f} s.")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _handle_stop_signals() -> dict:
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {signum: signal.signal(signum, _interrupt) for signum in (signal.SIGINT, signal.SIGTERM)}
