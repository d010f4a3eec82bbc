"""The referrals cast: Alice's person and open case in diocese A, a provider of the directory."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from kujdes.cases.services import case_create
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.consent import consent_record
from kujdes.people.services import person_create
from kujdes.referrals.models import Referral
from kujdes.referrals.services import provider_create, referral_send

TODAY = timezone.localdate()


class ReferralTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            cls.person = person_create(
                actor=cls.alice,
                unit=cls.diocese_a,
                given_name="Drita",
                family_name="Çela",
                date_of_birth=datetime.date(2004, 3, 9),
                sex="Feminine",
            )
            cls.case = case_create(
                actor=cls.alice,
                person=cls.person,
                unit=cls.diocese_a,
                opened_on=TODAY - datetime.timedelta(days=30),
            )
            cls.provider = provider_create(
                actor=None,
                organisation=cls.org,
                name="Strehëz për gra",
                provider_type="NGO",
                country="AL",
                municipality="Shkodër",
                services=["Shelter", "Psychosocial"],
                nrm_member=True,
            )

    def consent(self) -> None:
        with system_scope():
            consent_record(
                actor=self.alice,
                person=self.person,
                purpose="referral",
                given_by="self",
                method="oral",
                given_on=TODAY,
            )

    def send(self, **kwargs: Any) -> Referral:
        values: dict[str, Any] = {
            "service_type": "Shelter",
            "reason": "AdditionalServicesRequired",
            "details": "Ka nevojë për strehim të sigurt.",
            "urgent": True,
            "referred_on": TODAY,
        }
        if "to_unit" not in kwargs:
            values["to_provider"] = self.provider
        values.update(kwargs)
        actor = values.pop("actor", self.alice)
        with system_scope():
            return referral_send(actor=actor, case=self.case, **values)

    def reload(self, referral: Referral) -> Referral:
        with system_scope():
            return Referral.objects.get(pk=referral.pk)
