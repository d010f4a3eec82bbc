"""Consent guards actions; overrides need a reason and are audited. Stale saves are refused."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError

from kujdes.core.locking import StaleVersion
from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.consent import ConsentMissing, consent_record, consent_require, consent_withdraw
from kujdes.people.models import ConsentOverride, ConsentPurpose, Person
from kujdes.people.selectors import person_search
from kujdes.people.services import person_create, person_update


class ConsentTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        with system_scope():
            self.person = person_create(
                actor=self.alice, unit=self.diocese_a, given_name="Elira", family_name="Marku"
            )

    def record(self, purpose: str = ConsentPurpose.REFERRAL, **kwargs):  # type: ignore[no-untyped-def]
        data = {"given_by": "self", "method": "written", "given_on": datetime.date(2026, 11, 1)}
        data.update(kwargs)
        with system_scope():
            return consent_record(actor=self.alice, person=self.person, purpose=purpose, **data)

    def require(self, purpose: str = ConsentPurpose.REFERRAL, **kwargs):  # type: ignore[no-untyped-def]
        with system_scope():
            return consent_require(actor=self.alice, person=self.person, purpose=purpose, **kwargs)

    def test_an_action_without_consent_is_blocked(self) -> None:
        with self.assertRaises(ConsentMissing):
            self.require()

    def test_a_given_consent_lets_the_action_through(self) -> None:
        consent = self.record()
        self.assertEqual(self.require(), consent)

    def test_a_withdrawn_consent_blocks_the_action_again(self) -> None:
        consent = self.record()
        with system_scope():
            consent_withdraw(actor=self.alice, consent=consent)
        with self.assertRaises(ConsentMissing):
            self.require()

    def test_consent_for_one_purpose_does_not_cover_another(self) -> None:
        self.record(ConsentPurpose.STATISTICS)
        with self.assertRaises(ConsentMissing):
            self.require(ConsentPurpose.REFERRAL)

    def test_sharing_is_consented_per_partner(self) -> None:
        self.record(ConsentPurpose.PARTNER_SHARING, partner=self.other_org)
        self.assertIsNotNone(self.require(ConsentPurpose.PARTNER_SHARING, partner=self.other_org))
        with self.assertRaises(ConsentMissing):
            self.require(ConsentPurpose.PARTNER_SHARING, partner=self.org)

    def test_an_override_needs_a_reason_and_is_audited_without_it(self) -> None:
        reason = "Child in immediate danger, police on site"
        self.assertIsNone(self.require(override_reason=reason))
        with system_scope():
            event = AuditEvent.objects.get(action="consent.overridden")
            override = ConsentOverride.objects.get(person=self.person)
            self.assertEqual(override.reason, reason)
        self.assertNotIn("danger", str(event.details))
        with self.assertRaises(ConsentMissing):
            self.require(override_reason="   ")

    def test_a_guardians_consent_names_the_guardian(self) -> None:
        with self.assertRaises(ValidationError):
            self.record(given_by="guardian")
        consent = self.record(given_by="guardian", guardian_name="Mark Marku")
        self.assertEqual(consent.guardian_name, "Mark Marku")

    def test_a_future_date_is_refused(self) -> None:
        with self.assertRaises(ValidationError):
            self.record(given_on=datetime.date(2099, 1, 1))


class OptimisticLockingTests(BaseTestCase):
    def test_a_stale_save_is_refused_with_the_current_version(self) -> None:
        with system_scope():
            person = person_create(
                actor=self.alice, unit=self.diocese_a, given_name="Elira", family_name="Marku"
            )
            mine = Person.objects.get(pk=person.pk)
            theirs = Person.objects.get(pk=person.pk)
            person_update(actor=self.bob, person=theirs, expected_version=1, changes={"family_name": "Gjoni"})
            with self.assertRaises(StaleVersion) as caught:
                person_update(
                    actor=self.alice, person=mine, expected_version=1, changes={"family_name": "Leka"}
                )
            current = caught.exception.current
            self.assertEqual((current.version, current.family_name), (2, "Gjoni"))
            stored = Person.objects.get(pk=person.pk)
            self.assertEqual(stored.family_name, "Gjoni")
            self.assertEqual(list(person_search(actor=self.alice, query="gjoni")), [stored])
            self.assertEqual(list(person_search(actor=self.alice, query="marku")), [])

    def test_charlie_cannot_update_alices_person(self) -> None:
        from django.core.exceptions import PermissionDenied

        with system_scope():
            person = person_create(actor=self.alice, unit=self.diocese_a, given_name="Elira")
            with self.assertRaises(PermissionDenied):
                person_update(
                    actor=self.charlie, person=person, expected_version=1, changes={"given_name": "X"}
                )
