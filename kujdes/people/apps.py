from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "kujdes.people"
    label = "people"
    verbose_name = _("People")

    def ready(self) -> None:
        from kujdes.people.consent_content import consent_content_register

        consent_content_register()  # on the page of which content lacks which language
