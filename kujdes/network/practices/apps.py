from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticesConfig(AppConfig):
    name = "kujdes.network.practices"
    label = "network_practices"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kujdes.core.panels import panel_register
        from kujdes.network.measures import measure_register
        from kujdes.network.practices import federation, panels  # noqa: F401 — the `practice` handler

        panel_register(page="partner", order=10, render=panels.partner_panel)
        panel_register(page="network_dashboard", order=10, render=panels.dashboard_panel)
        measure_register(
            code="practices_published",
            name=_("Good practices published"),
            unit=_("practices"),
            compute=panels.practices_published_count,
        )
        measure_register(
            code="practices_adopted",
            name=_("Good practices adopted or adapted from other partners"),
            unit=_("adoptions"),
            compute=panels.practices_adopted_count,
        )
