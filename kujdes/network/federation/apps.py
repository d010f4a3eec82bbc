from __future__ import annotations

from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "kujdes.network.federation"
    label = "network_federation"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Federation"

    def ready(self) -> None:
        # The package handlers of every room register themselves on import.
        from kujdes.network.federation import handlers  # noqa: F401
