"""python manage.py create_source --name "Web shop" --kind web [--origin https://shop.example.com]"""

from django.core.management.base import BaseCommand, CommandError

from ingestion.constants import SourceKind
from ingestion.services import source_create


class Command(BaseCommand):
    help = "Create an event source and print its write key."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--kind", required=True, choices=[k for k, _ in SourceKind.CHOICES])
        parser.add_argument("--origin", action="append", default=[], help="browser origin allowed (CORS); repeatable")
        parser.add_argument("--quiet", action="store_true", help="print only the write key")

    def handle(self, *args, name, kind, origin, quiet, **options):
        try:
            source = source_create(name=name, kind=kind, allowed_origins=origin)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if quiet:
            self.stdout.write(source.write_key)
            return
        self.stdout.write(self.style.SUCCESS(f"Created source {source.name!r} ({source.get_kind_display()})."))
        self.stdout.write(f"Write key: {source.write_key}")
