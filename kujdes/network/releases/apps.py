from __future__ import annotations

from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "kujdes.network.releases"
    label = "network_releases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The `release` package's handler registers itself on import.
        # …and so does the `linkage-clks` package's (persons known to several partners).
        from kujdes.network.releases import (
            federation,  # noqa: F401
            linkage,  # noqa: F401
        )
