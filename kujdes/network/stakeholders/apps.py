from __future__ import annotations

from django.apps import AppConfig


class StakeholdersConfig(AppConfig):
    name = "kujdes.network.stakeholders"
    label = "network_stakeholders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kujdes.core.panels import panel_register
        from kujdes.network.stakeholders.panels import partner_stakeholders_panel

        panel_register(page="partner", order=60, render=partner_stakeholders_panel)
