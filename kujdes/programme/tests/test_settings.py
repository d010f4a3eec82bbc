"""The programme's organisation settings: activity types, age groups and reminders, the code of conduct."""

from __future__ import annotations

import uuid

from django.urls import reverse
from django.utils import translation

from kujdes.programme.models import ActivityType, CodeOfConduct, ProgrammeSettings
from kujdes.programme.tests.test_volunteers import VolunteerTestCase


class ActivityTypeTests(VolunteerTestCase):
    def test_the_admin_lists_the_organisation_types(self) -> None:
        self.login(self.admin)
        response = self.client.get(reverse("activity_type_list"))
        self.assertEqual(response.status_code, 200)
        codes = {t.code for t in response.context["types"]}
        self.assertIn("vocational-course", codes)
        self.assertEqual({t.organisation_id for t in response.context["types"]}, {self.org.pk})

    def test_the_admin_adds_a_type(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            reverse("activity_type_create"),
            {
                "code": "cooking-course",
                "kind": "course",
                "name_sq": "Kurs gatimi",
                "name_en": "",
                "is_active": "on",
            },
        )
        self.assertRedirects(response, reverse("activity_type_list"), fetch_redirect_response=False)
        created = ActivityType.objects.get(organisation=self.org, code="cooking-course")
        self.assertEqual(
            (created.kind, created.names, created.is_active), ("course", {"sq": "Kurs gatimi"}, True)
        )

    def test_invalid_types_are_refused_with_the_input_kept(self) -> None:
        self.login(self.admin)
        with translation.override("sq"):
            response = self.client.post(
                reverse("activity_type_create"),
                {"code": "vocational-course", "kind": "course", "name_fr": "Cours bis"},
            )
            self.assertEqual(response.status_code, 400)
            self.assertContains(response, "Cours bis", status_code=400)
            errors = response.context["form"].errors
            # The organisation's default language (Albanian) is the one name required.
            self.assertIn("name_sq", errors)
        for data in (
            {"code": "vocational-course", "kind": "course", "name_en": "Again"},
            {"code": "with spaces", "kind": "course", "name_en": "X"},
            {"code": "x", "kind": "nonsense", "name_en": "X"},
            {},
        ):
            with self.subTest(data=data):
                self.assertEqual(self.client.post(reverse("activity_type_create"), data).status_code, 400)
        self.assertFalse(ActivityType.objects.filter(names__fr="Cours bis").exists())

    def test_the_admin_renames_a_type_but_its_code_stays(self) -> None:
        self.login(self.admin)
        url = reverse("activity_type_edit", kwargs={"public_id": self.pg_type.public_id})
        self.assertEqual(self.client.get(url).status_code, 200)
        response = self.client.post(
            url,
            {"code": "renamed", "kind": "course", "name_sq": "Kurs zanati", "name_en": "Trade course"},
        )
        self.assertEqual(response.status_code, 302)
        self.pg_type.refresh_from_db()
        self.assertEqual(self.pg_type.code, "vocational-course")
        self.assertEqual(self.pg_type.names, {"sq": "Kurs zanati", "en": "Trade course"})
        self.assertFalse(self.pg_type.is_active)

    def test_the_kind_of_a_used_type_cannot_change(self) -> None:
        self.login(self.admin)
        url = reverse("activity_type_edit", kwargs={"public_id": self.pg_type.public_id})
        response = self.client.post(url, {"kind": "mass", "name_sq": "Kurs", "is_active": "on"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("kind", response.context["form"].errors)

    def test_another_organisation_or_role_cannot_touch_the_types(self) -> None:
        url = reverse("activity_type_edit", kwargs={"public_id": self.pg_type.public_id})
        self.login(self.other_admin)
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.post(url, {"kind": "course", "name_en": "Mine"}).status_code, 404)
        response = self.client.get(reverse("activity_type_list"))
        self.assertEqual({t.organisation_id for t in response.context["types"]}, {self.other_org.pk})
        self.assertEqual(
            self.client.get(reverse("activity_type_edit", kwargs={"public_id": uuid.uuid4()})).status_code,
            404,
        )
        for user in (self.manager, self.charlie, self.dave, self.volunteer):
            self.login(user)
            for name in ("activity_type_list", "activity_type_create", "programme_settings", "conduct_list"):
                with self.subTest(user=user.username, name=name):
                    self.assertEqual(self.client.get(reverse(name)).status_code, 403)
            self.assertEqual(self.client.get(url).status_code, 403)


class ProgrammeSettingsTests(VolunteerTestCase):
    def test_the_admin_saves_age_groups_and_reminder_days(self) -> None:
        self.login(self.admin)
        response = self.client.get(reverse("programme_settings"))
        self.assertEqual(response.context["form"].initial["age_groups"], "0, 6, 12, 15, 18, 25, 60")
        response = self.client.post(
            reverse("programme_settings"), {"age_groups": "0, 5, 10, 18", "reminder_days": "45"}
        )
        self.assertEqual(response.status_code, 302)
        row = ProgrammeSettings.objects.get(organisation=self.org)
        self.assertEqual((row.age_groups, row.reminder_days), ([0, 5, 10, 18], 45))

    def test_invalid_settings_are_refused_with_the_input_kept(self) -> None:
        self.login(self.admin)
        for data, field in (
            ({"age_groups": "0, 6, abc", "reminder_days": "30"}, "age_groups"),
            ({"age_groups": "6, 12", "reminder_days": "30"}, "age_groups"),
            ({"age_groups": "0, 500", "reminder_days": "30"}, "age_groups"),
            ({"age_groups": "0, 6, 12", "reminder_days": "0"}, "reminder_days"),
            ({"age_groups": "0, 6, 12", "reminder_days": "many"}, "reminder_days"),
            ({}, "age_groups"),
        ):
            with self.subTest(data=data):
                response = self.client.post(reverse("programme_settings"), data)
                self.assertEqual(response.status_code, 400)
                self.assertIn(field, response.context["form"].errors)
                if data:
                    self.assertContains(response, data["age_groups"], status_code=400)
        self.assertFalse(ProgrammeSettings.objects.filter(organisation=self.org).exists())


class ConductPublishTests(VolunteerTestCase):
    def test_the_admin_sees_the_current_text_and_publishes_a_new_version(self) -> None:
        self.login(self.admin)
        response = self.client.get(reverse("conduct_list"))
        self.assertEqual(response.context["current"], self.pg_conduct)
        self.assertContains(response, "Kodi i sjelljes")  # the Albanian organisation's text
        response = self.client.post(
            reverse("conduct_list"),
            {"text_sq": "Kodi i ri", "text_en": "The new code", "text_fr": "", "published_on": "2026-01-05"},
        )
        self.assertRedirects(response, reverse("conduct_list"), fetch_redirect_response=False)
        latest = CodeOfConduct.objects.filter(organisation=self.org).order_by("-version_number").first()
        self.assertEqual(
            (latest.version_number, latest.texts), (2, {"sq": "Kodi i ri", "en": "The new code"})
        )
        with translation.override("sq"):
            response = self.client.get(reverse("conduct_list"))
        self.assertContains(response, "Kodi i ri")

    def test_an_empty_code_is_refused(self) -> None:
        self.login(self.admin)
        for data in (
            {"text_sq": "  ", "published_on": "2026-01-05"},
            {"text_sq": "Kodi", "published_on": "soon"},
            {},
        ):
            with self.subTest(data=data):
                self.assertEqual(self.client.post(reverse("conduct_list"), data).status_code, 400)
        self.assertEqual(CodeOfConduct.objects.filter(organisation=self.org).count(), 1)

    def test_another_organisation_has_its_own_code(self) -> None:
        self.login(self.other_admin)
        response = self.client.get(reverse("conduct_list"))
        self.assertIsNone(response.context["current"])
        self.assertNotContains(response, "Kodi i sjelljes")
