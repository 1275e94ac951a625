"""python manage.py create_user --username ana --email ana@example.com --role marketer"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.constants import ROLES
from accounts.selectors import user_role_name
from accounts.services import user_create


class Command(BaseCommand):
    help = "Create a user with one role. Prints a generated password once when --password is not given."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", default="")
        parser.add_argument("--role", required=True, help=f"one of: {', '.join(ROLES)}")
        parser.add_argument("--password", help="at least 12 characters; generated when omitted")

    def handle(self, *args, username, email, role, password, **options):
        try:
            user, password_used = user_create(username=username, email=email, role=role, password=password)
        except KeyError as exc:
            raise CommandError(exc.args[0]) from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError("password rejected: " + " ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Created {user.username} with role {user_role_name(user)}."))
        if not password:
            self.stdout.write(f"Password (shown once): {password_used}")
