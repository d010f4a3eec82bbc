"""The case-work cast (no tests here): Alice's open case in diocese A, a provider, files in a temp dir."""

from __future__ import annotations

import datetime
import tempfile
from typing import Any

from django.test import override_settings
from django.utils import timezone

from kujdes.accounts.models import User
from kujdes.cases.models import Case
from kujdes.cases.services import case_create
from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.services import person_create

TODAY = timezone.localdate()
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\nMjeku: raport konfidencial\n%%EOF\n"


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@override_settings(
    STORAGES={
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tempfile.mkdtemp(prefix="kujdes-work-")},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
)
class WorkTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            # Pages in English, so that tests can read the messages.
            User.objects.update(language="en")
            for user in (cls.alice, cls.bob, cls.charlie, cls.dave, cls.manager, cls.educator, cls.volunteer):
                user.language = "en"
            from kujdes.referrals.services import provider_create

            cls.person = cls.person_make("Drita", "Çela")
            cls.case = cls.case_make(cls.person)
            cls.provider = provider_create(
                actor=None,
                organisation=cls.org,
                name="Qendra Shëndetësore",
                provider_type="NGO",
                country="AL",
                municipality="Shkodër",
                services=["Health"],
                nrm_member=False,
            )

    @classmethod
    def person_make(cls, given: str, family: str, unit: Any = None) -> Any:
        with system_scope():
            return person_create(
                actor=cls.alice, unit=unit or cls.diocese_a, given_name=given, family_name=family
            )

    @classmethod
    def case_make(cls, person: Any, *, actor: User | None = None, unit: Any = None) -> Case:
        with system_scope():
            return case_create(
                actor=actor or cls.alice, person=person, unit=unit or cls.diocese_a, opened_on=days(-30)
            )

    def run_as_system(self, fn: Any, /, **kwargs: Any) -> Any:
        with system_scope():
            return fn(**kwargs)

    def events(self, action: str) -> list[AuditEvent]:
        with system_scope():
            return list(AuditEvent.objects.filter(action=action).order_by("seq"))

    def case_close(self, case: Case) -> None:
        with system_scope():
            Case.objects.filter(pk=case.pk).update(status="Closed", closed_on=TODAY)
        case.status = "Closed"
