from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kujdes.core.audit import audit_record
from kujdes.core.crypto import caches_clear, master_key_file_create, organisation_key_rotate
from kujdes.core.models import Organisation
from kujdes.core.scoping import system_scope


class Command(BaseCommand):
    help = "Create the master key file (init) or rotate an organisation's data key (rotate)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["init", "rotate"])
        parser.add_argument("--organisation", help="the organisation's code (rotate)")
        parser.add_argument(
            "--if-missing", action="store_true", help="init: do nothing if the key file exists"
        )

    def handle(
        self, *args: Any, action: str, organisation: str | None, if_missing: bool, **options: Any
    ) -> None:
        if action == "init":
            path = Path(settings.MASTER_KEY_FILE)
            if path.exists():
                if if_missing:
                    return
                raise CommandError(f"A master key exists already at {path}; it was left untouched.")
            key = master_key_file_create(path)
            self.stdout.write(f"Master key {key.key_id} written to {path} (mode 0600).")
            self.stdout.write("Keep a copy offline: without it no encrypted value can ever be read again.")
            return
        if not organisation:
            raise CommandError("rotate needs --organisation CODE.")
        with system_scope():
            try:
                org = Organisation.objects.get(code=organisation)
            except Organisation.DoesNotExist:
                raise CommandError(f"No organisation {organisation!r}.") from None
            version = organisation_key_rotate(organisation_id=org.pk)
            from django.db import transaction

            with transaction.atomic():
                audit_record(
                    actor=None,
                    organisation=org,
                    action="organisation.key.rotated",
                    details={"version": version},
                )
        caches_clear()
        self.stdout.write(f"{org.code}: data key version {version}; every person key re-wrapped.")
