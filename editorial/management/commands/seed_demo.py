from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from editorial.demo import DEMO_PASSWORD, seed_demo
from editorial.demo_history import DEFAULT_WEEKS, seed_history


class Command(BaseCommand):
    help = "Create the demo zone Mons-Quévy with one user per role, and a bilingual demo zone (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even with DEBUG off. The demo users have a published password: never on a real desk.",
        )
        parser.add_argument(
            "--history-weeks",
            type=int,
            default=DEFAULT_WEEKS,
            help=f"Weeks of made-up history before today for the demo zone, written once (default {DEFAULT_WEEKS}; "
            "0 for none).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "Refusing to create demo users with a known password while DEBUG is off "
                "(pass --allow-production for a throw-away staging desk)."
            )
        report = seed_demo()
        if report.created:
            self.stdout.write(f"Demo zone “{report.zone.name}”: created {len(report.created)} rows.")
        else:
            self.stdout.write(f"Demo zone “{report.zone.name}” already complete: nothing changed.")
        history = seed_history(report.zone, weeks=options["history_weeks"])
        if history:
            self.stdout.write(f"History: {history} posts over the last {options['history_weeks']} weeks.")
        self.stdout.write("")
        self.stdout.write("Demo logins:")
        for username, role, unit, is_new in report.logins:
            role_text = f"{role} ({unit})" if unit else role
            password = DEMO_PASSWORD if is_new else f"{DEMO_PASSWORD} (unless changed since)"
            self.stdout.write(f"  {username:<12} {role_text:<40} password: {password}")
        if report.bilingual_zone is not None:
            self.stdout.write(
                f"  officier, directeur and admin also work in the bilingual zone “{report.bilingual_zone.name}”\n"
                "  (French and Dutch): choose Nederlands at the bottom of any page to review in Dutch."
            )
        self.stdout.write("")
        self.stdout.write(
            "Officers, directors and administrators also type the code of their authenticator app. For the demo\n"
            "logins, print it with:  .venv/bin/python manage.py mfa_code officier   (or directeur, admin; add\n"
            "--key to put the account in a real authenticator app instead)."
        )
