"""Create the demo login on first run and print it once; later runs say where it is kept."""

import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from accounts.services import user_create
from segments.starters import demo_segments_create

DEMO_USERNAME = "demo"


class Command(BaseCommand):
    help = "Create the demo admin login for `make run` if it does not exist yet."

    def add_arguments(self, parser):
        parser.add_argument("--url", default=settings.SHOAL_BASE_URL)

    def handle(self, *args, url, **options):
        credentials_file = settings.VAR_DIR / "demo-login.txt"
        if get_user_model().objects.filter(username=DEMO_USERNAME).exists():
            where = f" (password in {credentials_file})" if credentials_file.exists() else ""
            self.stdout.write(f"Shoal is starting at {url}/  — demo login: {DEMO_USERNAME}{where}")
            return
        user, password = user_create(username=DEMO_USERNAME, email="demo@shoal.invalid", role="admin")
        created = demo_segments_create(owner=user)
        credentials_file.write_text(f"url: {url}/\nusername: {DEMO_USERNAME}\npassword: {password}\n")
        os.chmod(credentials_file, 0o600)
        bar = "=" * 64
        self.stdout.write(
            f"\n{bar}\n  Shoal is starting at {url}/\n"
            f"  Demo login (shown once; also saved to {credentials_file}):\n"
            f"    username: {DEMO_USERNAME}\n    password: {password}\n"
            + (f"  {created} demo segments are being evaluated; watch them at {url}/segments/\n" if created else "")
            + f"{bar}\n"
        )
