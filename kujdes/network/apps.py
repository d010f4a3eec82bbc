from __future__ import annotations

from django.apps import AppConfig


class NetworkConfig(AppConfig):
    """The Euro-Mediterranean network: partners and what they do together (DESIGN.md §3).

    Its sub-rooms are apps of their own, each a package below this one (practices,
    exchanges, reflection, milestones, releases, stakeholders), so that each keeps its
    own models, migrations and tests.
    """

    name = "kujdes.network"
    label = "network"
    verbose_name = "network"
    default_auto_field = "django.db.models.BigAutoField"
