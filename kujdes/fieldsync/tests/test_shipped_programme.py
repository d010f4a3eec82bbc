"""The programme's shipped forms and their generated lists, as ODK Collect downloads them (issue 15)."""

from __future__ import annotations

import hashlib
from io import StringIO
from unittest import mock

from defusedxml import ElementTree
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kujdes.accounts.models import User
from kujdes.core.crypto import caches_clear
from kujdes.core.scoping import system_scope
from kujdes.fieldsync.models import Form, FormVersion
from kujdes.fieldsync.shipped.registry import SHIPPED_FORMS
from kujdes.fieldsync.tests.helpers import Collect
from kujdes.fieldsync.tests.programme_setup import LIST_NS, PROGRAMME_FORMS, ProgrammeFormsTestCase
from kujdes.fieldsync.xlsform import xlsform_convert

EXPECTED_MEDIA = {
    "kujdes_participant_register": {"activities.csv", "persons.csv"},
    "kujdes_attendance": {"activities.csv", "sessions.csv", "participants.csv"},
    "kujdes_headcount": {"activities.csv"},
    "kujdes_volunteer_hours": {"activities.csv", "volunteers.csv"},
}


class ShippedFormsTests(ProgrammeFormsTestCase):
    def test_each_form_converts_with_pyxform_in_three_languages(self) -> None:
        for form_id in PROGRAMME_FORMS:
            with system_scope():
                data = SHIPPED_FORMS[form_id](self.org)
            converted = xlsform_convert(data=data, filename=f"{form_id}.xlsx")
            self.assertEqual(converted.xml_form_id, form_id)
            self.assertEqual(set(converted.media), EXPECTED_MEDIA[form_id])
            for language in ("Shqip (sq)", "English (en)", "Français (fr)"):
                self.assertIn(f'lang="{language}"', converted.xform)
            # The organisation's language ("sq") is the phone's first.
            self.assertIn('lang="Shqip (sq)" default="true()"', converted.xform)

    def test_the_french_organisation_gets_french_first(self) -> None:
        with system_scope():
            data = SHIPPED_FORMS["kujdes_attendance"](self.other_org)
        converted = xlsform_convert(data=data, filename="a.xlsx")
        self.assertIn('lang="Français (fr)" default="true()"', converted.xform)

    def test_attendance_filters_sessions_and_participants_by_the_activity(self) -> None:
        xform = self.installed_xform("kujdes_attendance")
        self.assertIn("instance('participants')/root/item[activity =  /data/activity ]", xform)
        self.assertIn("instance('sessions')/root/item[activity =  /data/activity ]", xform)
        self.assertIn('<select ref="/data/present">', xform)

    def test_the_headcount_has_one_integer_per_sex_and_age_group(self) -> None:
        xform = self.installed_xform("kujdes_headcount")
        for sex in ("f", "m", "u"):
            for band in (0, 6, 12, 15, 18, 25, 60):
                self.assertIn(f'nodeset="/data/g_{sex}/n_{sex}_{band}" type="int"', xform)

    def installed_xform(self, form_id: str) -> str:
        with system_scope():
            return Form.objects.get(organisation=self.org, xml_form_id=form_id).current_version.xform

    def test_formlist_form_and_manifest_download_through_a_device_token(self) -> None:
        response = self.collect.get("formList")
        self.assertEqual(response.status_code, 200)
        root = ElementTree.fromstring(response.content)
        listed = {x.findtext(f"{LIST_NS}formID"): x for x in root.findall(f"{LIST_NS}xform")}
        for form_id in PROGRAMME_FORMS:
            entry = listed[form_id]
            download = self.client.get(entry.findtext(f"{LIST_NS}downloadUrl"))
            self.assertEqual(download.status_code, 200)
            self.assertEqual(
                entry.findtext(f"{LIST_NS}hash"),
                "md5:" + hashlib.md5(download.content, usedforsecurity=False).hexdigest(),
            )
            self.assertTrue(entry.findtext(f"{LIST_NS}manifestUrl").endswith(f"forms/{form_id}/manifest"))
            manifest = self.manifest(self.collect, form_id)
            self.assertEqual(set(manifest), EXPECTED_MEDIA[form_id])
            for filename, (md5, url) in manifest.items():
                served = self.client.get(url)
                self.assertEqual(served.status_code, 200)
                self.assertEqual(md5, "md5:" + hashlib.md5(served.content, usedforsecurity=False).hexdigest())
                self.assertTrue(served.content.startswith(b"name,label"), filename)

    def test_installing_again_changes_nothing_and_new_age_groups_make_a_new_version(self) -> None:
        from kujdes.fieldsync.shipped import shipped_forms_install
        from kujdes.programme.services import programme_settings_save

        with system_scope():
            before = FormVersion.objects.count()
            again = shipped_forms_install(actor=None, unit=self.root, only=PROGRAMME_FORMS)
            self.assertEqual({i.outcome for i in again}, {"unchanged"})
            self.assertEqual(FormVersion.objects.count(), before)
            programme_settings_save(
                actor=self.admin, organisation_id=self.org.pk, age_groups=[0, 10, 20], reminder_days=30
            )
            changed = {
                i.xml_form_id: i.outcome
                for i in shipped_forms_install(actor=None, unit=self.root, only=PROGRAMME_FORMS)
            }
            self.assertEqual(FormVersion.objects.count(), before + 1)
        self.assertEqual(changed["kujdes_headcount"], "published")
        self.assertEqual(changed["kujdes_attendance"], "unchanged")

    def test_the_command_installs_the_ready_made_forms(self) -> None:
        out = StringIO()
        with system_scope():
            call_command(
                "forms", "install-shipped", "--unit", "fr", "--only", "kujdes_attendance", stdout=out
            )
            self.assertTrue(
                Form.objects.filter(organisation=self.other_org, xml_form_id="kujdes_attendance").exists()
            )
        self.assertIn("kujdes_attendance", out.getvalue())
        self.assertIn("published", out.getvalue())

    def test_the_command_refuses_an_unknown_form(self) -> None:
        from django.core.management.base import CommandError

        with self.assertRaises(CommandError):
            call_command("forms", "install-shipped", "--unit", "al", "--only", "nonsense", stdout=StringIO())


class GeneratedListsTests(ProgrammeFormsTestCase):
    def test_the_participants_hash_changes_when_someone_is_enrolled_and_not_otherwise(self) -> None:
        from kujdes.people.services import person_create
        from kujdes.programme.services import participant_enrol

        first = self.manifest(self.collect, "kujdes_attendance")
        self.assertEqual(self.manifest(self.collect, "kujdes_attendance"), first)
        with system_scope():
            person = person_create(
                actor=self.educator, unit=self.centre_a, given_name="Luan", sex="Masculine", birth_year=2002
            )
        # A person registered but not enrolled changes no list.
        self.assertEqual(self.manifest(self.collect, "kujdes_attendance"), first)
        with system_scope():
            participant_enrol(actor=self.manager, activity=self.course, person=person)
        after = self.manifest(self.collect, "kujdes_attendance")
        self.assertNotEqual(after["participants.csv"][0], first["participants.csv"][0])
        self.assertEqual(after["sessions.csv"], first["sessions.csv"])
        self.assertEqual(after["activities.csv"], first["activities.csv"])

    def test_participants_are_those_of_the_activity_labelled_by_initial_and_year(self) -> None:
        rows = self.media(self.collect, "kujdes_attendance", "participants.csv")
        by_id = {r["name"]: r for r in rows}
        self.assertEqual(set(by_id), {str(self.part_1.public_id), str(self.part_2.public_id)})
        self.assertEqual(by_id[str(self.part_1.public_id)]["label"], "Elira H. 2004")
        self.assertEqual(by_id[str(self.part_1.public_id)]["activity"], str(self.course.public_id))

    def test_persons_are_only_participants_never_other_registered_persons(self) -> None:
        rows = self.media(self.collect, "kujdes_participant_register", "persons.csv")
        self.assertEqual(
            {r["name"] for r in rows}, {str(self.person_1.public_id), str(self.person_2.public_id)}
        )
        self.assertNotIn("Mirela", str(rows))
        self.assertEqual(set(rows[0]), {"name", "label", "birth_year"})

    def test_activities_and_sessions_carry_what_the_forms_filter_on(self) -> None:
        activities = {r["name"]: r for r in self.media(self.collect, "kujdes_attendance", "activities.csv")}
        self.assertEqual(
            set(activities),
            {str(self.course.public_id), str(self.campaign.public_id), str(self.camp.public_id)},
        )
        self.assertEqual(activities[str(self.camp.public_id)]["camp"], "1")
        self.assertEqual(activities[str(self.campaign.public_id)]["headcounts"], "1")
        self.assertEqual(activities[str(self.campaign.public_id)]["participants"], "0")
        sessions = {r["name"]: r for r in self.media(self.collect, "kujdes_attendance", "sessions.csv")}
        self.assertEqual(sessions[str(self.session.public_id)]["activity"], str(self.course.public_id))
        self.assertIn("Qepja me makinë", sessions[str(self.session.public_id)]["label"])

    def test_a_device_of_another_unit_does_not_get_this_units_participants(self) -> None:
        other = Collect(self.client, self.b_token)
        rows = self.media(other, "kujdes_attendance", "participants.csv")
        self.assertEqual({r["name"] for r in rows}, {str(self.part_b.public_id)})
        persons = self.media(other, "kujdes_participant_register", "persons.csv")
        self.assertEqual({r["name"] for r in persons}, {str(self.person_b.public_id)})
        self.assertNotEqual(
            self.manifest(other, "kujdes_attendance")["participants.csv"][0],
            self.manifest(self.collect, "kujdes_attendance")["participants.csv"][0],
        )

    def test_another_organisations_device_gets_404_for_the_form_and_its_lists(self) -> None:
        dave = Collect(self.client, self.dave_token)
        for path in (
            "forms/kujdes_attendance/form.xml",
            "forms/kujdes_attendance/manifest",
            "forms/kujdes_attendance/media/participants.csv",
        ):
            self.assertEqual(dave.get(path).status_code, 404, path)

    def test_a_file_the_form_does_not_name_is_404(self) -> None:
        self.assertEqual(self.collect.get("forms/kujdes_headcount/media/participants.csv").status_code, 404)

    def test_a_volunteers_phone_lists_their_own_record_marked_own(self) -> None:
        mine = Collect(self.client, self.volunteer_token)
        rows = self.media(mine, "kujdes_volunteer_hours", "volunteers.csv")
        self.assertEqual(
            rows, [{"name": str(self.volunteer_record.public_id), "label": "Klea M.", "own": "1"}]
        )
        # The volunteer sees only the activity they facilitate.
        activities = self.media(mine, "kujdes_volunteer_hours", "activities.csv")
        self.assertEqual([r["name"] for r in activities], [str(self.course.public_id)])
        managers = self.media(self.collect, "kujdes_volunteer_hours", "volunteers.csv")
        self.assertEqual(
            {r["name"]: r["own"] for r in managers},
            {str(self.volunteer_record.public_id): "0", str(self.other_volunteer.public_id): "0"},
        )

    def test_an_uploaded_file_of_the_same_name_wins(self) -> None:
        from kujdes.fieldsync.services import form_media_attach

        with system_scope():
            form = Form.objects.get(organisation=self.org, xml_form_id="kujdes_attendance")
            form_media_attach(actor=None, form=form, filename="sessions.csv", data=b"name,label,activity\n")
        manifest = self.manifest(self.collect, "kujdes_attendance")
        self.assertEqual(
            manifest["sessions.csv"][0],
            "md5:" + hashlib.md5(b"name,label,activity\n", usedforsecurity=False).hexdigest(),
        )
        self.assertEqual(self.media(self.collect, "kujdes_attendance", "sessions.csv"), [])

    def test_the_lists_take_the_same_number_of_queries_whatever_their_length(self) -> None:
        from kujdes.fieldsync.shipped import generated_media_build
        from kujdes.people.services import person_create
        from kujdes.programme.services import participant_enrol

        def count() -> dict[str, int]:
            counts = {}
            for name in (
                "participants.csv",
                "persons.csv",
                "activities.csv",
                "sessions.csv",
                "volunteers.csv",
            ):
                # Each list built as on a fresh request: no cached memberships or keys.
                caches_clear()
                with system_scope():
                    user = User.objects.get(pk=self.educator.pk)
                with system_scope(), CaptureQueriesContext(connection) as queries:
                    generated_media_build(filename=name, units=[self.centre_a], user=user)
                counts[name] = len(queries)
            return counts

        before = count()
        with system_scope():
            for i in range(8):
                person = person_create(
                    actor=self.educator, unit=self.centre_a, given_name=f"P{i}", birth_year=2000 + i
                )
                participant_enrol(actor=self.manager, activity=self.course, person=person)
        self.assertEqual(count(), before)


class InstallButtonTests(ProgrammeFormsTestCase):
    def test_an_administrator_installs_the_ready_made_forms_to_a_unit(self) -> None:
        from kujdes.fieldsync.shipped import shipped_forms_install

        self.login(self.other_admin)
        with mock.patch(
            "kujdes.fieldsync.views_shipped.shipped_forms_install",
            side_effect=lambda **kw: shipped_forms_install(**kw, only=["kujdes_attendance"]),
        ):
            response = self.client.post(
                reverse("fieldsync_shipped_install"), {"unit": str(self.other_root.public_id)}
            )
        self.assertRedirects(response, reverse("fieldsync_forms"), fetch_redirect_response=False)
        with system_scope():
            self.assertTrue(
                Form.objects.filter(organisation=self.other_org, xml_form_id="kujdes_attendance").exists()
            )

    def test_another_organisations_unit_is_404_and_a_non_administrator_403(self) -> None:
        self.login(self.other_admin)
        url = reverse("fieldsync_shipped_install")
        self.assertEqual(self.client.post(url, {"unit": str(self.root.public_id)}).status_code, 404)
        self.login(self.educator)
        self.assertEqual(self.client.post(url, {"unit": str(self.centre_a.public_id)}).status_code, 403)

    def test_the_forms_page_shows_the_button(self) -> None:
        self.login(self.admin)
        response = self.client.get(reverse("fieldsync_forms"))
        self.assertContains(response, "Install the ready-made forms")
