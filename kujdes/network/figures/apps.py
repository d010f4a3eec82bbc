from __future__ import annotations

from django.apps import AppConfig


class FiguresConfig(AppConfig):
    """What the network does with released figures: side by side, network totals, exports."""

    name = "kujdes.network.figures"
    label = "network_figures"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kujdes.core.panels import panel_register
        from kujdes.network.figures import views

        panel_register(page="network_dashboard", order=20, render=views.dashboard_panel)
        panel_register(page="partner", order=60, render=views.partner_panel)
