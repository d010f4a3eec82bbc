"""`kujdes content translations install|status`: shipped content in every offered language.

Kujdes ships its default content (activity types, the volunteers' curriculum, screening instruments...)
in the ten offered languages. A new organisation gets all of them; an organisation created before a
language was shipped gets it with `install`, which only fills languages an item lacks (a text the
organisation wrote or corrected is never replaced), so it can run again at any time. `status` prints
what each organisation's content lacks, as the page Organisation → Content in each language does.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from kujdes.core.content_languages import content_status, content_translations_install
from kujdes.core.models import Organisation
from kujdes.core.scoping import system_scope


class Command(BaseCommand):
    help = (
        "Shipped content's translations: install the languages an organisation's content lacks, or list them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("subject", choices=["translations"])
        parser.add_argument("action", choices=["install", "status"])
        parser.add_argument("--organisation", default="", help="an organisation's code (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        with system_scope():
            organisations = Organisation.objects.order_by("pk")
            if options["organisation"]:
                organisations = organisations.filter(code=options["organisation"])
                if not organisations.exists():
                    raise CommandError(f"No organisation with the code {options['organisation']!r}.")
            for organisation in organisations:
                if options["action"] == "install":
                    with transaction.atomic():
                        counts = content_translations_install(organisation_id=organisation.pk)
                    done = ", ".join(f"{kind} {count}" for kind, count in counts.items())
                    self.stdout.write(f"{organisation.code}: items that gained a language: {done}")
                else:
                    for status in content_status(organisation=organisation):
                        lacking = {code: n for code, n in status.missing_counts.items() if n}
                        shown = " ".join(f"{code}:{n}" for code, n in lacking.items()) or "complete"
                        self.stdout.write(
                            f"{organisation.code} {status.kind.code} ({len(status.items)}): {shown}"
                        )
