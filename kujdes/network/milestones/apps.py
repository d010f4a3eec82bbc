from __future__ import annotations

from django.apps import AppConfig


class MilestonesConfig(AppConfig):
    name = "kujdes.network.milestones"
    label = "network_milestones"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kujdes.core.panels import panel_register
        from kujdes.network.milestones import federation  # noqa: F401 — the `milestone-report` handler
        from kujdes.network.milestones.panels import dashboard_panel, partner_panel

        panel_register(page="network_dashboard", order=10, render=dashboard_panel)
        panel_register(page="partner", order=30, render=partner_panel)
