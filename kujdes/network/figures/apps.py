from __future__ import annotations

from django.apps import AppConfig


class FiguresConfig(AppConfig):
    """What the network does with released figures: side by side, network totals, exports."""

    name = "kujdes.network.figures"
    label = "network_figures"
    default_auto_field = "django.db.models.BigAutoField"
