"""Joint initiatives with partner organisations and institutions: list, create, edit (409), actions."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.programme.models import Initiative, InitiativeAction
from kujdes.programme.tests.fixtures import programme_fixtures
from kujdes.referrals.models import ServiceProvider

TODAY = timezone.localdate


class InitiativeTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            programme_fixtures(cls)
            cls.partner = ServiceProvider.objects.create(
                organisation=cls.org, name="Bashkia Shkodër", provider_type="NGO", country="AL"
            )
            cls.inactive_partner = ServiceProvider.objects.create(
                organisation=cls.org,
                name="Shoqata e mbyllur",
                provider_type="NGO",
                country="AL",
                is_active=False,
            )
            cls.foreign_partner = ServiceProvider.objects.create(
                organisation=cls.other_org, name="Mairie", provider_type="NGO", country="FR"
            )

    def setUp(self) -> None:
        super().setUp()
        scope = system_scope()
        scope.__enter__()
        self.addCleanup(scope.__exit__, None, None, None)

    def url(self, name: str, initiative: Initiative | None = None) -> str:
        initiative = initiative or self.pg_initiative
        return reverse(name, kwargs={"public_id": initiative.public_id})

    def data(self, **changes: Any) -> dict[str, Any]:
        values = {
            "unit": str(self.centre_a.pk),
            "title": "Rrjeti kundër trafikimit",
            "goal": "Protokoll i përbashkët",
            "partners": [str(self.partner.pk)],
            "started_on": (TODAY() - datetime.timedelta(days=3)).isoformat(),
            "ended_on": "",
            "status": "active",
            "results": "",
        }
        values.update(changes)
        return values


class InitiativeListTests(InitiativeTestCase):
    def test_staff_read_the_list_foreign_staff_see_nothing(self) -> None:
        for user, seen in (
            (self.alice, True),
            (self.educator, True),
            (self.charlie, False),
            (self.dave, False),
        ):
            self.login(user)
            response = self.client.get(reverse("initiative_list"))
            with self.subTest(user=user.username):
                self.assertEqual(response.status_code, 200)
                self.assertEqual(self.pg_initiative.title in response.content.decode(), seen)

    def test_volunteer_and_admin_get_403(self) -> None:
        for user in (self.volunteer, self.admin):
            self.login(user)
            self.assertEqual(self.client.get(reverse("initiative_list")).status_code, 403)

    def test_status_filter(self) -> None:
        self.login(self.manager)
        self.assertNotContains(self.client.get(reverse("initiative_list") + "?status=completed"), "Tryezë")
        self.assertContains(self.client.get(reverse("initiative_list") + "?status=active"), "Tryezë")
        self.assertEqual(self.client.get(reverse("initiative_list") + "?status=x&page=zz").status_code, 200)


class InitiativeCreateTests(InitiativeTestCase):
    def test_manager_creates_with_directory_partners(self) -> None:
        self.login(self.manager)
        response = self.client.get(reverse("initiative_create"))
        self.assertContains(response, "Bashkia Shkodër")
        self.assertNotContains(response, "Shoqata e mbyllur")
        self.assertNotContains(response, "Mairie")
        response = self.client.post(reverse("initiative_create"), self.data())
        initiative = Initiative.objects.get(title="Rrjeti kundër trafikimit")
        self.assertRedirects(response, self.url("initiative_detail", initiative))
        self.assertEqual(list(initiative.partners.all()), [self.partner])
        self.assertEqual(initiative.created_by, self.manager)

    def test_bad_input_answers_400_with_messages_and_input_kept(self) -> None:
        self.login(self.manager)
        with translation.override("sq"):
            response = self.client.post(
                reverse("initiative_create"),
                self.data(
                    ended_on=(TODAY() - datetime.timedelta(days=10)).isoformat(), title="Titull i ruajtur"
                ),
            )
            self.assertContains(response, gettext("The end date is before the start date."), status_code=400)
            self.assertContains(response, "Titull i ruajtur", status_code=400)
        for changes in (
            {"started_on": "nesër"},
            {"partners": [str(self.foreign_partner.pk)]},
            {"unit": str(self.diocese_b.pk)},
            {"title": ""},
        ):
            with self.subTest(changes=changes):
                self.assertEqual(
                    self.client.post(reverse("initiative_create"), self.data(**changes)).status_code, 400
                )
        self.assertEqual(self.client.post(reverse("initiative_create"), {}).status_code, 400)
        self.assertFalse(Initiative.objects.filter(title="Rrjeti kundër trafikimit").exists())
        self.assertFalse(Initiative.objects.filter(title="Titull i ruajtur").exists())

    def test_readers_may_not_create(self) -> None:
        for user in (self.alice, self.charlie, self.volunteer):
            self.login(user)
            self.assertEqual(self.client.post(reverse("initiative_create"), self.data()).status_code, 403)


class InitiativeEditTests(InitiativeTestCase):
    def test_edit_saves_and_bumps_version(self) -> None:
        self.login(self.educator)
        data = self.data(title="Tryezë e re", status="completed", results="Marrëveshje", version="1")
        response = self.client.post(self.url("initiative_edit"), data)
        self.assertRedirects(response, self.url("initiative_detail"))
        self.pg_initiative.refresh_from_db()
        self.assertEqual(
            (self.pg_initiative.title, self.pg_initiative.status, self.pg_initiative.version),
            ("Tryezë e re", "completed", 2),
        )
        self.assertEqual(list(self.pg_initiative.partners.all()), [self.partner])

    def test_stale_version_answers_409_with_input_kept(self) -> None:
        self.login(self.manager)
        self.client.post(self.url("initiative_edit"), self.data(title="E para", version="1"))
        response = self.client.post(self.url("initiative_edit"), self.data(title="E dyta", version="1"))
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "E dyta", status_code=409)
        self.assertContains(response, "E para", status_code=409)
        self.pg_initiative.refresh_from_db()
        self.assertEqual(self.pg_initiative.title, "E para")
        # The form now carries the current version: saving again wins.
        response = self.client.post(self.url("initiative_edit"), self.data(title="E dyta", version="2"))
        self.assertEqual(response.status_code, 302)

    def test_missing_version_answers_400(self) -> None:
        self.login(self.manager)
        self.assertEqual(
            self.client.post(self.url("initiative_edit"), self.data(version="x")).status_code, 400
        )

    def test_scoping(self) -> None:
        for user, status in (
            (self.alice, 403),
            (self.bob, 403),
            (self.charlie, 404),
            (self.dave, 404),
            (self.volunteer, 404),
        ):
            self.login(user)
            with self.subTest(user=user.username):
                self.assertEqual(
                    self.client.post(self.url("initiative_edit"), self.data(version="1")).status_code, status
                )
                self.assertEqual(self.client.get(self.url("initiative_action_add")).status_code, status)
        for user in (self.charlie, self.dave, self.volunteer):
            self.login(user)
            self.assertEqual(self.client.get(self.url("initiative_detail")).status_code, 404)
        self.pg_initiative.refresh_from_db()
        self.assertEqual(self.pg_initiative.version, 1)


class InitiativeActionTests(InitiativeTestCase):
    def test_action_with_partners_and_linked_activity(self) -> None:
        self.login(self.manager)
        response = self.client.post(
            self.url("initiative_action_add"),
            {
                "kind": "public_event",
                "title": "Ditë e hapur",
                "date": TODAY().isoformat(),
                "partners": [str(self.partner.pk)],
                "activity": str(self.pg_campaign.pk),
                "results": "200 vizitorë",
            },
        )
        self.assertRedirects(response, self.url("initiative_detail"))
        action = InitiativeAction.objects.get(title="Ditë e hapur")
        self.assertEqual(
            (action.kind, action.activity, action.results), ("public_event", self.pg_campaign, "200 vizitorë")
        )
        self.assertEqual(list(action.partners.all()), [self.partner])
        detail = self.client.get(self.url("initiative_detail"))
        self.assertContains(detail, "Ditë e hapur")
        self.assertContains(detail, self.pg_campaign.title)

    def test_bad_actions_answer_400(self) -> None:
        self.login(self.manager)
        before = (self.pg_initiative.started_on - datetime.timedelta(days=1)).isoformat()
        with translation.override("sq"):
            response = self.client.post(
                self.url("initiative_action_add"), {"kind": "campaign", "title": "Herët", "date": before}
            )
            self.assertContains(
                response, gettext("The action is dated before the initiative started."), status_code=400
            )
        for data in (
            {},
            {"kind": "dance", "title": "X", "date": TODAY().isoformat()},
            {
                "kind": "campaign",
                "title": "X",
                "date": TODAY().isoformat(),
                "activity": str(self.pg_other_activity.pk),
            },
            {"kind": "campaign", "title": "X", "date": "31.02.2025"},
        ):
            with self.subTest(data=data):
                self.assertEqual(self.client.post(self.url("initiative_action_add"), data).status_code, 400)
        self.assertEqual(self.pg_initiative.actions.count(), 1)
