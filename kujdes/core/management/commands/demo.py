from __future__ import annotations

import importlib
import json
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kujdes.core.demo import demo_accounts_write, demo_passwords_reset, demo_seed
from kujdes.core.models import Network, Organisation
from kujdes.core.scoping import system_scope


def demo_rooms_populate() -> list[str]:
    """Each room with a `demo` module adds its demo data (`demo_populate()` → a one-line summary).

    Found by convention, so that core does not import the rooms built on it.
    """
    summaries = []
    for config in apps.get_app_configs():
        if not config.name.startswith("kujdes."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.demo":
                raise
            continue
        if hasattr(module, "demo_populate"):
            summaries.append(module.demo_populate())
    return summaries


class Command(BaseCommand):
    help = "Seed the synthetic demo network (once) and print the demo accounts."

    def handle(self, *args: Any, **options: Any) -> None:
        path = settings.VAR_DIR / "demo-accounts.json"
        with system_scope():
            network = Network.objects.order_by("pk").first()
            if network is not None and not network.is_demo:
                raise CommandError(
                    "This installation holds real data; it is not a demo. Nothing was changed."
                )
            if network is None and Organisation.objects.exists():
                raise CommandError("This installation holds data; it is not a demo. Nothing was changed.")
            accounts = demo_seed()
            if accounts is None:
                if path.exists():
                    accounts = json.loads(path.read_text(encoding="utf-8"))
                    self.stdout.write("The demo network exists already; its data was kept.")
                else:
                    accounts = demo_passwords_reset()
                    self.stdout.write("The demo network exists already; new demo passwords were set.")
            else:
                self.stdout.write(self.style.SUCCESS("Demo network created (synthetic data only)."))
                for summary in demo_rooms_populate():
                    self.stdout.write(summary)
        demo_accounts_write(path=path, accounts=accounts)
        self.stdout.write("")
        self.stdout.write(f"{'username':<22} {'password':<18} {'role':<26} unit")
        for account in accounts:
            username, password, role = account["username"], account["password"], account["roles"][0]
            self.stdout.write(f"{username:<22} {password:<18} {role:<26} {account['unit']}")
        self.stdout.write("")
        self.stdout.write(f"Accounts, passwords and TOTP secrets: {path}")
        self.stdout.write("One-time code for a demo account: kujdes demo_totp USERNAME")
