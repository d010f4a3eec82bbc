from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kujdes.core.audit import audit_chain_head, audit_chain_verify
from kujdes.core.models import Organisation
from kujdes.core.scoping import system_scope


class Command(BaseCommand):
    help = "Verify the audit chains (exit 1 at the first broken or missing event) or print their heads."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["verify", "anchor"])
        parser.add_argument("--organisation", help="one organisation's code (default: all)")

    def handle(self, *args: Any, action: str, organisation: str | None, **options: Any) -> None:
        with system_scope():
            organisations = Organisation.objects.order_by("code")
            if organisation:
                organisations = organisations.filter(code=organisation)
                if not organisations.exists():
                    raise CommandError(f"No organisation {organisation!r}.")
            for org in organisations:
                if action == "anchor":
                    seq, head = audit_chain_head(organisation_id=org.pk)
                    # Keep these lines outside Kujdes (paper, another system): they pin the chain.
                    self.stdout.write(f"{org.code} {seq} {head}")
                    continue
                problem = audit_chain_verify(organisation_id=org.pk)
                if problem is not None:
                    raise CommandError(
                        f"Audit chain of {org.code} broken at event {problem.seq}: {problem.problem}."
                    )
                seq, _head = audit_chain_head(organisation_id=org.pk)
                self.stdout.write(f"{org.code}: {seq} events, chain intact")
