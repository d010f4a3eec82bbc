from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kujdes.accounts.models import User
from kujdes.core.scoping import system_scope
from kujdes.fieldsync.management.commands._units import unit_from_code
from kujdes.fieldsync.models import Device
from kujdes.fieldsync.services import DEVICE_DAYS, device_create, device_revoke


class Command(BaseCommand):
    help = (
        "Phones for ODK Collect and KoboCollect. create USERNAME --unit CODE --name NAME [--days N]: "
        "a device token; the last line printed is the phone's server URL (/openrosa/key/<token>/). "
        "revoke DEVICE_ID: the phone can no longer connect. list: every device."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["create", "revoke", "list"])
        parser.add_argument(
            "subject", nargs="?", help="create: the user name; revoke: the device's public id"
        )
        parser.add_argument("--unit")
        parser.add_argument("--name")
        parser.add_argument("--days", type=int, default=DEVICE_DAYS)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        with system_scope():
            if action == "list":
                for device in Device.objects.select_related("user", "unit"):
                    status = "usable" if device.is_usable else ("revoked" if device.revoked_at else "expired")
                    self.stdout.write(
                        f"{device.public_id} {device.user.username:<20} {device.name:<24} {status}"
                    )
                return
            subject = options["subject"]
            if not subject:
                raise CommandError(f"Name the {'user' if action == 'create' else 'device'}.")
            if action == "revoke":
                found = Device.objects.filter(public_id=subject).first() if len(subject) == 36 else None
                if found is None:
                    raise CommandError(f"No device {subject!r}.")
                device_revoke(actor=None, device=found)
                self.stdout.write(f"Revoked {found.name}.")
                return
            user = User.objects.filter(username=subject).first()
            if user is None:
                raise CommandError(f"No user {subject!r}.")
            if not options["unit"] or not options["name"]:
                raise CommandError("Usage: kujdes devices create USERNAME --unit CODE --name NAME")
            unit = unit_from_code(options["unit"])
            try:
                device, token = device_create(
                    actor=None, user=user, unit=unit, name=options["name"], days=options["days"]
                )
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            self.stdout.write(
                f"Device {device.public_id} for {user.username} at {unit}, "
                f"until {device.expires_at:%Y-%m-%d}."
            )
            self.stdout.write(f"{settings.SITE_URL}/openrosa/key/{token}/")
