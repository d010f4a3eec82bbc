"""Probing is visible (issue 21, item 3).

Denied lookups of objects beyond the user's reach, failed sign-ins, lockouts, wrong second factors and
429s become audit events of the organisation aimed at (and, for another organisation's object, of the
prober's own); the answer stays byte for byte what a missing id gets; the officer sees a summary by
source and is alerted past a threshold.
"""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from kujdes.accounts.tests.test_login import totp_now
from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import PASSWORD, BaseTestCase
from kujdes.people.services import person_create

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def _without_tokens(content: bytes) -> bytes:
    # The CSRF token, the CSP nonce and the language form's "next" (the URL itself) differ by design.
    content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)
    content = re.sub(rb'nonce="[^"]+"', b"", content)
    return re.sub(rb'name="next" value="[^"]+"', b"", content)


class ProbingTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            cls.person = person_create(
                actor=cls.alice, unit=cls.diocese_a, given_name="Arta", family_name="Zhugri"
            )

    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        translation.activate("en")
        self.addCleanup(translation.deactivate)

    def events(self, action: str, organisation=None) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
        with system_scope():
            events = AuditEvent.objects.filter(action=action).select_related("actor").order_by("seq")
            if organisation is not None:
                events = events.filter(organisation=organisation)
            return list(events)

    def person_url(self, public_id: object) -> str:
        return reverse("person_detail", kwargs={"public_id": public_id})

    def sign_in(self, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
        return self.client.post(reverse("account_login"), {"login": username, "password": password})


class DeniedLookupTests(ProbingTestCase):
    def test_another_organisations_person_is_recorded_in_both_organisations(self) -> None:
        """Before: nothing was recorded (`ValueError: not enough values to unpack (expected 1, got 0)`)."""
        self.login(self.dave)
        self.assertEqual(self.client.get(self.person_url(self.person.public_id)).status_code, 404)
        [aimed_at] = self.events("security.lookup.denied", self.org)
        self.assertEqual(aimed_at.actor, self.dave)
        self.assertEqual(aimed_at.object_id, str(self.person.public_id))
        self.assertEqual(aimed_at.details["beyond"], "organisation")
        self.assertEqual(aimed_at.details["status"], 404)
        [own] = self.events("security.lookup.denied", self.other_org)
        self.assertEqual(own.details["target_organisation"], "al")
        self.assertEqual(own.object_id, "")  # the prober's organisation learns the kind, not the record

    def test_the_answer_is_byte_for_byte_what_a_missing_id_gets(self) -> None:
        """Before: passes too (the 404s were already alike): a guard that recording changes nothing."""
        self.login(self.dave)
        foreign = self.client.get(self.person_url(self.person.public_id))
        missing = self.client.get(self.person_url(uuid.uuid4()))
        self.assertEqual(foreign.status_code, missing.status_code)
        self.assertEqual(_without_tokens(foreign.content), _without_tokens(missing.content))
        self.assertEqual(sorted(foreign.headers), sorted(missing.headers))
        api_foreign = self.client.get(reverse("api:persons_get", kwargs={"person_id": self.person.public_id}))
        api_missing = self.client.get(reverse("api:persons_get", kwargs={"person_id": uuid.uuid4()}))
        self.assertEqual(
            (api_foreign.status_code, api_foreign.content), (api_missing.status_code, api_missing.content)
        )

    def test_another_units_person_is_recorded_in_the_organisation(self) -> None:
        """Before: nothing was recorded (`ValueError: not enough values to unpack (expected 1, got 0)`)."""
        self.login(self.charlie)
        self.assertEqual(self.client.get(self.person_url(self.person.public_id)).status_code, 404)
        [event] = self.events("security.lookup.denied", self.org)
        self.assertEqual(event.actor, self.charlie)
        self.assertEqual(event.details["beyond"], "unit")

    def test_ids_that_exist_nowhere_and_refusals_of_a_role_within_reach_are_not_probing(self) -> None:
        """Before: passes too (nothing was ever recorded): a guard against false alarms."""
        self.login(self.dave)
        self.assertEqual(self.client.get(self.person_url(uuid.uuid4())).status_code, 404)
        # The viewer reaches the whole organisation; their role sees no person: a refusal, not a probe.
        self.login(self.viewer)
        self.assertIn(self.client.get(self.person_url(self.person.public_id)).status_code, {403, 404})
        self.assertEqual(self.events("security.lookup.denied"), [])

    def test_api_lookups_by_path_and_by_query_are_recorded(self) -> None:
        """Before: nothing was recorded (`AssertionError: Items in the second set but not the first`)."""
        self.login(self.dave)
        person = self.client.get(reverse("api:persons_get", kwargs={"person_id": self.person.public_id}))
        units = self.client.get(reverse("api:persons_list"), {"unit": str(self.diocese_a.public_id)})
        self.assertEqual((person.status_code, units.status_code), (404, 404))
        recorded = {e.object_id for e in self.events("security.lookup.denied", self.org)}
        self.assertEqual(recorded, {str(self.person.public_id), str(self.diocese_a.public_id)})


class SignInTests(ProbingTestCase):
    def test_a_failed_sign_in_is_recorded_in_the_accounts_organisation_only_if_it_exists(self) -> None:
        """Before: nothing was recorded (`ValueError: not enough values to unpack (expected 1, got 0)`)."""
        known = self.sign_in("alice", "wrong password 1234")
        unknown = self.sign_in("nobody-here", "wrong password 1234")
        self.assertEqual(known.status_code, unknown.status_code)
        [event] = self.events("security.sign_in.failed")
        self.assertEqual(event.organisation_id, self.org.pk)
        self.assertIsNone(event.actor)
        self.assertEqual(event.object_id, str(self.alice.public_id))
        self.assertEqual(len(event.details["address"]), 12)
        self.assertNotIn("127.0.0.1", str(event.details))

    @override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "100/300s/ip,3/300s/key"})
    def test_a_sign_in_refused_after_too_many_failures_is_a_lockout(self) -> None:
        """Before: nothing was recorded (`ValueError: not enough values to unpack (expected 1, got 0)`)."""
        for _ in range(3):
            self.sign_in("bob", "wrong password 1234")
        refused = self.sign_in("bob")
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(refused.status_code, 200)
        [locked] = self.events("security.sign_in.locked")
        self.assertEqual(locked.object_id, str(self.bob.public_id))
        self.assertEqual(len(self.events("security.sign_in.failed")), 3)

    def test_wrong_second_factor_codes_are_recorded(self) -> None:
        """Before: nothing was recorded (`ValueError: not enough values to unpack (expected 1, got 0)`)."""
        self.sign_in("alice")
        self.client.post(reverse("mfa_authenticate"), {"code": "000000"})
        [event] = self.events("security.mfa.failed")
        self.assertEqual(event.object_id, str(self.alice.public_id))
        self.client.post(reverse("mfa_authenticate"), {"code": totp_now(self.alice)})
        self.assertEqual(len(self.events("security.mfa.failed")), 1)

    @override_settings(READ_BUDGET_ROWS_PER_HOUR=25)
    def test_a_429_is_recorded_in_the_users_organisation(self) -> None:
        """Before: no 429 and nothing recorded (`ValueError: not enough values to unpack`)."""
        with system_scope():
            for number in range(26):
                person_create(actor=self.alice, unit=self.diocese_a, given_name=f"Synthetic {number}")
        self.login(self.alice)
        self.client.get(reverse("person_list"))
        self.assertEqual(self.client.get(reverse("person_list"), {"page": "2"}).status_code, 429)
        [event] = self.events("security.throttled")
        self.assertEqual((event.organisation_id, event.actor), (self.org.pk, self.alice))


@override_settings(PROBE_ALERT_THRESHOLD=3, EMAIL_BACKEND=LOCMEM)
class AlertAndSummaryTests(ProbingTestCase):
    def test_repeated_lookups_alert_the_officers_once_past_the_threshold(self) -> None:
        """Before: no event and no alert (`AssertionError: 0 != 1`)."""
        self.login(self.dave)
        for _ in range(4):
            with self.captureOnCommitCallbacks(execute=True):
                self.client.get(self.person_url(self.person.public_id))
        self.assertEqual(len(self.events("security.probing.alert", self.org)), 1)
        self.assertEqual(len(self.events("security.probing.alert", self.other_org)), 1)
        self.assertEqual(sorted(m.to[0] for m in mail.outbox), [self.dpo.email, self.other_dpo.email])
        alert = next(m for m in mail.outbox if m.to == [self.dpo.email])
        self.assertIn("dave", alert.subject)
        self.assertNotIn("Zhugri", alert.body)
        self.assertNotIn(str(self.person.public_id), alert.body)

    def test_the_officer_reads_who_probed_how_much_in_how_long(self) -> None:
        """Before: there was no such page (`NoReverseMatch: 'audit_probing'`)."""
        self.login(self.dave)
        for _ in range(5):
            self.client.get(self.person_url(self.person.public_id))
        self.client.logout()  # (which forgets the language cookie too)
        self.sign_in("alice", "wrong password 1234")
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.login(self.dpo)
        response = self.client.get(reverse("audit_probing"))
        # The lines are texts made when read: read them in the page's language, as the template did.
        with translation.override("en"):
            lines = [str(line) for line in response.context["lines"]]
        self.assertIn("dave: 5 denied lookups within a minute", lines)
        self.assertIn("Sign-ins as alice: 1 failed sign-in within a minute", lines)
        self.assertContains(response, "5 denied lookups")
        # Dave's own organisation's officer sees him too; nobody else reads the page.
        self.login(self.other_dpo)
        other_page = self.client.get(reverse("audit_probing"))
        with translation.override("en"):
            other = [str(line) for line in other_page.context["lines"]]
        self.assertEqual(other, ["dave: 5 denied lookups within a minute"])
        self.login(self.alice)
        self.assertEqual(self.client.get(reverse("audit_probing")).status_code, 403)
