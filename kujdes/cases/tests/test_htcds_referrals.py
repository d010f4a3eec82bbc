"""HTCDS import, completed (issue 20, item 5): rows with referral columns create the referrals through
the referrals room's services; organisation administrators and programme managers import too, for a
case worker of the unit."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from kujdes.cases.models import Case
from kujdes.cases.tests.test_htcds_helpers import upload, workbook_bytes
from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.models import ConsentOverride
from kujdes.referrals.models import Referral
from kujdes.referrals.services import provider_create

ROW = {
    "prs_FirstName": "Arta",
    "prs_SecondName": "Kola",
    "prs_Birthdate": datetime.date(2001, 5, 1),
    "cas_ReferringOrganisation": "Stacioni i Policisë Shkodër",
    "cas_IncomingReferralDate": datetime.date(2026, 3, 2),
    "cas_ReasonForIncomingReferral": "AdditionalServicesRequired",
    "cas_IncomingReferralDetails": "Gjetur në stacionin e autobusit.",
    "cas_ReferredOrganisation": "Strehëza Tjetër",
    "cas_OutgoingReferralDate": "05.03.2026",
    "cas_ReasonForOutgoingReferral": "Other",
    "cas_OutgoingReferralDetails": "Strehim i sigurt.",
}


class HtcdsReferralImportTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            cls.police = provider_create(
                actor=None,
                organisation=cls.org,
                name="Stacioni i Policisë Shkodër",
                provider_type="LawEnforcement",
                country="AL",
            )
            cls.shelter = provider_create(
                actor=None, organisation=cls.org, name="Strehëza Tjetër", provider_type="NGO", country="AL"
            )

    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        translation.activate("en")
        self.addCleanup(translation.deactivate)

    def post(self, user: Any, rows: list[dict[str, Any]], **extra: Any) -> Any:
        data = workbook_bytes(rows)
        self.login(user)
        response = self.client.post(
            reverse("htcds_import"),
            {"unit": str(self.diocese_a.public_id), "workbook": upload(data), **extra},
        )
        if response.status_code != 200 or "check" not in (response.context or {}):
            return response
        digest = response.context["check"].digest
        return self.client.post(
            reverse("htcds_import"),
            {"unit": str(self.diocese_a.public_id), "workbook": upload(data), "confirm": digest, **extra},
        )

    def test_a_row_with_referral_columns_creates_both_referrals_through_the_services(self) -> None:
        response = self.post(self.alice, [ROW, {**ROW, "prs_FirstName": "Besa", "cas_Status": "Closed"}])
        self.assertEqual(response.status_code, 200, response.content.decode()[-2000:])
        with system_scope():
            case = Case.objects.get(public_id=response.context["created"][0].public_id)
            incoming = Referral.objects.get(case=case, direction="incoming")
            outgoing = Referral.objects.get(case=case, direction="outgoing")
            self.assertEqual(
                (incoming.from_provider, incoming.referred_on), (self.police, datetime.date(2026, 3, 2))
            )
            self.assertEqual(incoming.details, "Gjetur në stacionin e autobusit.")
            self.assertEqual(
                (outgoing.to_provider, outgoing.referred_on), (self.shelter, datetime.date(2026, 3, 5))
            )
            self.assertEqual((outgoing.reason, outgoing.created_by), ("Other", self.alice))
            # The file carries no referral consent: an audited override, kept on the referral.
            self.assertIsNotNone(outgoing.consent_override)
            self.assertTrue(ConsentOverride.objects.filter(person=case.person, purpose="referral").exists())
            for action in ("case.referral.received", "case.referral.sent", "consent.overridden"):
                self.assertTrue(AuditEvent.objects.filter(action=action, actor=self.alice).exists(), action)
            # A closed case of the file: referred first, then closed as the file says.
            closed = Case.objects.get(public_id=response.context["created"][1].public_id)
            self.assertEqual(closed.status, "Closed")
            self.assertEqual(Referral.objects.filter(case=closed).count(), 2)
            event = AuditEvent.objects.get(action="case.htcds.imported")
            self.assertEqual(event.details["referrals"], 4)

    def test_unknown_organisations_and_bad_dates_are_row_errors_and_nothing_is_written(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            reverse("htcds_import"),
            {
                "unit": str(self.diocese_a.public_id),
                "workbook": upload(
                    workbook_bytes(
                        [
                            {
                                **ROW,
                                "cas_ReferredOrganisation": "Nowhere Shelter",
                                "cas_IncomingReferralDate": "someday",
                            }
                        ]
                    )
                ),
            },
        )
        self.assertEqual(response.status_code, 200)
        (row,) = response.context["check"].rows
        self.assertEqual(row.status, "error")
        self.assertIn(
            "cas_ReferredOrganisation: “Nowhere Shelter” is not in the service directory. "
            "Add it, or correct the name.",
            row.errors,
        )
        self.assertTrue(any(message.startswith("cas_IncomingReferralDate") for message in row.errors))
        self.assertContains(response, "Nowhere Shelter")
        with system_scope():
            self.assertFalse(Referral.objects.exists())

    def test_a_programme_manager_and_an_administrator_import_for_a_case_worker(self) -> None:
        for user, name in ((self.manager, "Drita"), (self.admin, "Lule")):
            with self.subTest(user=user.username):
                self.login(user)
                page = self.client.get(reverse("htcds_import"))
                self.assertEqual(page.status_code, 200)
                self.assertContains(page, 'name="case_worker"')
                row = {**ROW, "prs_FirstName": name}
                # Without the case worker: refused, what was chosen kept.
                refused = self.post(user, [row])
                self.assertContains(
                    refused, "Choose the case worker who receives the cases.", status_code=400
                )
                self.assertContains(refused, f'value="{self.diocese_a.public_id}" selected', status_code=400)
                response = self.post(user, [row], case_worker=str(self.alice.public_id))
                self.assertEqual(response.status_code, 200, response.content.decode()[-2000:])
                with system_scope():
                    case = Case.objects.get(public_id=response.context["created"][0].public_id)
                    self.assertEqual(case.primary_worker, self.alice)
                    self.assertEqual(Referral.objects.filter(case=case).count(), 2)
                    event = AuditEvent.objects.filter(action="case.htcds.imported").latest("seq")
                    self.assertEqual(event.actor, user)
                    self.assertEqual(event.details["case_worker"], str(self.alice.public_id))

    def test_a_case_worker_of_another_unit_or_organisation_cannot_receive_the_cases(self) -> None:
        for worker in (self.charlie, self.dave):
            response = self.post(self.manager, [ROW], case_worker=str(worker.public_id))
            self.assertEqual(response.status_code, 400)
        with system_scope():
            self.assertFalse(Case.objects.exists())

    def test_other_roles_are_refused_and_foreign_units_are_not_offered(self) -> None:
        for user in (self.educator, self.volunteer, self.viewer, self.dpo):
            self.login(user)
            self.assertEqual(self.client.get(reverse("htcds_import")).status_code, 403)
        for user in (self.charlie, self.dave, self.other_admin):
            response = self.post(user, [ROW])
            self.assertEqual(response.status_code, 400)  # diocese A is not a choice of theirs
        with system_scope():
            self.assertFalse(Case.objects.exists())
