"""python manage.py create_api_key --name "CRM sync" --role analyst [--scope view_profiles]"""

from django.core.management.base import BaseCommand, CommandError

from accounts.constants import ROLES
from accounts.services import api_key_create


class Command(BaseCommand):
    help = "Create a REST API key and print it once (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--role", required=True, help=f"one of: {', '.join(ROLES)}")
        parser.add_argument("--scope", action="append", default=[], help="narrow the key to a capability; repeatable")
        parser.add_argument("--quiet", action="store_true", help="print only the key")

    def handle(self, *args, name, role, scope, quiet, **options):
        try:
            api_key, raw_key = api_key_create(name=name, role=role, scopes=scope)
        except (KeyError, ValueError) as exc:
            raise CommandError(str(exc.args[0] if isinstance(exc, KeyError) else exc)) from exc
        if quiet:
            self.stdout.write(raw_key)
            return
        self.stdout.write(self.style.SUCCESS(f"Created API key {api_key.name!r} ({api_key.role.name})."))
        self.stdout.write(f"Key (shown once, store it now): {raw_key}")
        self.stdout.write("Use it as:  Authorization: Bearer <key>")
