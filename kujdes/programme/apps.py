from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_save


def _organisation_created(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    """A new organisation starts with the default activity types (its administrators adapt them)."""
    if not created or raw:
        return
    from kujdes.core.scoping import system_scope
    from kujdes.programme.services import activity_types_install

    with system_scope():
        activity_types_install(organisation_id=instance.pk)


class ProgrammeConfig(AppConfig):
    name = "kujdes.programme"
    label = "programme"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kujdes.core.models import Organisation
        from kujdes.core.panels import panel_register
        from kujdes.people.consent import withdrawal_hook_register
        from kujdes.people.services import merge_hook_register
        from kujdes.programme.camp_consent import consent_withdrawn
        from kujdes.programme.content import programme_content_register
        from kujdes.programme.services import participations_merge
        from kujdes.programme.views import person_programme_panel

        # The person page (people room) lists the person's activities; people does not import programme.
        panel_register(page="person", order=50, render=person_programme_panel)
        merge_hook_register(participations_merge)
        withdrawal_hook_register(consent_withdrawn)  # a camp's parental consent withdrawn takes effect
        programme_content_register()  # on the page of which content lacks which language
        post_save.connect(_organisation_created, sender=Organisation, dispatch_uid="programme_types_install")
