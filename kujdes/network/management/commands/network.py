from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kujdes.core.scoping import system_scope
from kujdes.network.services import partners_install


class Command(BaseCommand):
    help = (
        "The network room's installation tasks. partners-install: create the network's 11 partners "
        "from the shipped list (idempotent; edited partners are kept) and link each to the one "
        "organisation of this installation in its country, if there is exactly one."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["partners-install"])
        parser.add_argument(
            "--no-link", action="store_true", help="do not link partners to this installation's organisations"
        )

    def handle(self, *args: Any, action: str, no_link: bool, **options: Any) -> None:
        with system_scope():
            partners = partners_install(link_organisations=not no_link)
        for partner in partners:
            where = partner.organisation.code if partner.organisation else "not on this installation"
            self.stdout.write(f"{partner.code:<4} {partner.name:<40} {where}")
