"""python manage.py load_demo_data [--customers 20000] [--days 180] [--seed 42] [--force]

Loads the synthetic demo population once (see README, "Demo data and simulated traffic").
"""

import time

from django.core.management.base import BaseCommand, CommandError

from profiles.demo import DEFAULT_CUSTOMERS, DEFAULT_DAYS, DEFAULT_SEED, MIN_DAYS, SOURCE_NAME, persona_quotas
from profiles.demo_data import LoadProgress, demo_data_load, demo_events_count, demo_load_complete, demo_source

PROGRESS_EVERY_SECONDS = 3.0


class Command(BaseCommand):
    help = "Load the demo customers and their history through the event pipeline (once)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--customers", type=int, default=DEFAULT_CUSTOMERS, help="known customers (plus 10%% anonymous visitors)"
        )
        parser.add_argument(
            "--days", type=int, default=DEFAULT_DAYS, help=f"days of history before now (at least {MIN_DAYS})"
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="same seed, same people and messageIds")
        parser.add_argument(
            "--force", action="store_true", help="load even if demo events exist (same seed: duplicates are skipped)"
        )

    def handle(self, *args, customers, days, seed, force, **options):
        if customers < 1:
            raise CommandError("--customers must be at least 1")
        if days < MIN_DAYS:
            raise CommandError(f"--days must be at least {MIN_DAYS} (lapsing customers need 61+ quiet days)")
        source = demo_source()
        existing = demo_events_count(source)
        if existing and not force:
            if demo_load_complete(source):
                self.stdout.write(
                    f"Demo data already loaded ({existing:,} events from the {SOURCE_NAME!r} source); "
                    "skipping. Use --force to load again (the same --seed and --customers add nothing new)."
                )
                return
            self.stdout.write(
                f"An earlier demo load stopped before its end ({existing:,} events stored): finishing it "
                "(events already stored are skipped)."
            )
        quotas = persona_quotas(customers)
        self.stdout.write(
            f"Loading demo data: {customers:,} customers and {quotas['anonymous_browser']:,} anonymous visitors, "
            f"{days} days of history (seed {seed}), through the event pipeline…"
        )
        last = [0.0]

        def show(progress: LoadProgress) -> None:
            now = time.monotonic()
            if now - last[0] < PROGRESS_EVERY_SECONDS and not progress.finished:
                return
            last[0] = now
            self.stdout.write(
                f"  people {progress.people:>7,}/{progress.people_total:,} · events stored {progress.stored:>9,}"
                f" · processed {progress.processed:>9,} · {progress.rate:,.0f} events/s · {progress.seconds:,.0f} s"
            )

        result = demo_data_load(customers=customers, days=days, seed=seed, on_progress=show)
        skipped = f", {result.duplicates:,} already stored" if result.duplicates else ""
        rejected = f", {result.rejected:,} rejected (see ingestion warnings)" if result.rejected else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded: {result.stored:,} events{skipped}{rejected} for {result.people:,} people "
                f"in {result.seconds:,.1f} s ({result.rate:,.0f} events/s); RFM scores updated for {result.rfm_scored:,} customers."
            )
        )
