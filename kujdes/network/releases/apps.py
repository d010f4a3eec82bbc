from __future__ import annotations

from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "kujdes.network.releases"
    label = "network_releases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The `release` package's handler registers itself on import.
        from kujdes.network.releases import federation  # noqa: F401
