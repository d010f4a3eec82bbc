from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "kujdes.people"
    label = "people"
    verbose_name = _("People")

    def ready(self) -> None:
        from kujdes.people.consent_content import consent_content_register

        consent_content_register()  # on the page of which content lacks which language

        from kujdes.core.context_processors import room_check_register
        from kujdes.people.dedupe.access import dedupe_organisation_id

        # The menu's "Possible duplicates": for whoever deduplicates the whole organisation.
        room_check_register("deduplicate", lambda user: dedupe_organisation_id(actor=user) is not None)
