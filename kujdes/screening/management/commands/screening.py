"""`kujdes screening install [--organisation CODE]`: install the shipped screening instruments.

Idempotent: instruments an organisation already has (by code, even edited or retired) are left
alone. The pages and the API also install them the first time an organisation uses screening.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kujdes.core.models import Organisation
from kujdes.core.scoping import system_scope
from kujdes.screening.services import instruments_install


class Command(BaseCommand):
    help = "Screening instruments: `install` adds the shipped ones to every organisation (or one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["install"])
        parser.add_argument("--organisation", help="organisation code (default: every organisation)")

    def handle(self, *args: Any, **options: Any) -> None:
        with system_scope():
            organisations = Organisation.objects.filter(is_active=True).order_by("code")
            if options["organisation"]:
                organisations = organisations.filter(code=options["organisation"])
                if not organisations.exists():
                    raise CommandError(f"No active organisation with the code {options['organisation']!r}.")
            for organisation in organisations:
                created = instruments_install(organisation=organisation)
                self.stdout.write(f"{organisation.code}: {created} instrument(s) installed.")
