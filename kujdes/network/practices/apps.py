from __future__ import annotations

from django.apps import AppConfig


class PracticesConfig(AppConfig):
    name = "kujdes.network.practices"
    label = "network_practices"
    default_auto_field = "django.db.models.BigAutoField"
