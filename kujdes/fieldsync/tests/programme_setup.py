"""The programme world of the shipped forms' tests: activities, sessions, participants and volunteers
in Centre A1 (below diocese A) and in diocese B, the shipped programme forms installed for the
organisation, and phones for the field educator, the volunteer, diocese B's manager and Dave (other
organisation)."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

from django.conf import settings
from django.utils import timezone

from kujdes.core.roles import Role
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase, user_create
from kujdes.fieldsync.tests.helpers import Collect

PROGRAMME_FORMS = [
    "kujdes_participant_register",
    "kujdes_attendance",
    "kujdes_headcount",
    "kujdes_volunteer_hours",
]
MANIFEST_NS = "{http://openrosa.org/xforms/xformsManifest}"
LIST_NS = "{http://openrosa.org/xforms/xformsList}"


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


class ProgrammeFormsTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        from kujdes.fieldsync.services import device_create
        from kujdes.fieldsync.shipped import shipped_forms_install
        from kujdes.people.services import person_create
        from kujdes.programme import services as s
        from kujdes.programme.models import ActivityType

        today = timezone.localdate()
        cls.today = today
        with system_scope():
            s.activity_types_install(organisation_id=cls.org.pk)
            s.activity_types_install(organisation_id=cls.other_org.pk)
            types = {a.code: a for a in ActivityType.objects.filter(organisation=cls.org)}
            cls.manager_b = user_create(
                username="manager_b", organisation=cls.org, unit=cls.diocese_b, role=Role.PROGRAMME_MANAGER
            )
            cls.course = s.activity_create(
                actor=cls.manager,
                unit=cls.centre_a,
                activity_type=types["vocational-course"],
                title="Kurs rrobaqepësie",
                starts_on=today - datetime.timedelta(days=20),
                ends_on=today + datetime.timedelta(days=60),
                status="running",
            )
            cls.session = s.session_add(
                actor=cls.manager, activity=cls.course, date=today, topic="Qepja me makinë"
            )
            cls.past_session = s.session_add(
                actor=cls.manager, activity=cls.course, date=today - datetime.timedelta(days=7)
            )
            cls.person_1 = person_create(
                actor=cls.educator,
                unit=cls.centre_a,
                given_name="Elira",
                family_name="Hoxha",
                sex="Feminine",
                birth_year=2004,
            )
            cls.person_2 = person_create(
                actor=cls.educator, unit=cls.centre_a, given_name="Dritan", sex="Masculine", birth_year=2003
            )
            # Registered at the centre, but in no activity: never on a phone's list.
            cls.bystander = person_create(
                actor=cls.educator, unit=cls.centre_a, given_name="Mirela", sex="Feminine", birth_year=1990
            )
            cls.part_1 = s.participant_enrol(actor=cls.manager, activity=cls.course, person=cls.person_1)
            cls.part_2 = s.participant_enrol(actor=cls.manager, activity=cls.course, person=cls.person_2)
            cls.campaign = s.activity_create(
                actor=cls.manager,
                unit=cls.centre_a,
                activity_type=types["awareness-campaign"],
                title="Fushatë në shkolla",
                starts_on=today - datetime.timedelta(days=5),
                ends_on=today + datetime.timedelta(days=5),
            )
            cls.camp = s.activity_create(
                actor=cls.manager,
                unit=cls.centre_a,
                activity_type=types["summer-camp"],
                title="Kampi veror",
                starts_on=today - datetime.timedelta(days=1),
                ends_on=today + datetime.timedelta(days=6),
            )
            cls.volunteer_record = s.volunteer_create(
                actor=cls.manager,
                unit=cls.centre_a,
                given_name="Klea",
                family_name="Marku",
                joined_on=today - datetime.timedelta(days=300),
                user=cls.volunteer,
            )
            cls.other_volunteer = s.volunteer_create(
                actor=cls.manager,
                unit=cls.centre_a,
                given_name="Arben",
                family_name="Leka",
                joined_on=today - datetime.timedelta(days=30),
            )
            s.facilitator_add(
                actor=cls.manager, activity=cls.course, role="volunteer", volunteer=cls.volunteer_record
            )
            cls.course_b = s.activity_create(
                actor=cls.manager_b,
                unit=cls.diocese_b,
                activity_type=types["vocational-course"],
                title="Kurs në dioqezën B",
                starts_on=today - datetime.timedelta(days=3),
                ends_on=today + datetime.timedelta(days=30),
            )
            cls.person_b = person_create(
                actor=cls.manager_b, unit=cls.diocese_b, given_name="Genta", sex="Feminine", birth_year=2001
            )
            cls.part_b = s.participant_enrol(actor=cls.manager_b, activity=cls.course_b, person=cls.person_b)

            cls.installed = {
                item.xml_form_id: item
                for item in shipped_forms_install(actor=None, unit=cls.root, only=PROGRAMME_FORMS)
            }
            cls.device, cls.token = device_create(
                actor=None, user=cls.educator, unit=cls.centre_a, name="Educator's phone"
            )
            cls.volunteer_device, cls.volunteer_token = device_create(
                actor=None, user=cls.volunteer, unit=cls.centre_a, name="Volunteer's phone"
            )
            cls.b_device, cls.b_token = device_create(
                actor=None, user=cls.manager_b, unit=cls.diocese_b, name="Diocese B's phone"
            )
            cls.dave_device, cls.dave_token = device_create(
                actor=None, user=cls.dave, unit=cls.other_unit, name="Dave's phone"
            )

    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.collect = Collect(self.client, self.token)

    def version(self, form_id: str) -> str:
        return self.installed[form_id].version

    def manifest(self, collect: Collect, form_id: str) -> dict[str, tuple[str, str]]:
        """filename → (hash, download URL)."""
        from defusedxml import ElementTree

        response = collect.get(f"forms/{form_id}/manifest")
        self.assertEqual(response.status_code, 200, response.content[:300])
        root = ElementTree.fromstring(response.content)
        self.assertEqual(root.tag, f"{MANIFEST_NS}manifest")
        return {
            f.findtext(f"{MANIFEST_NS}filename"): (
                f.findtext(f"{MANIFEST_NS}hash"),
                f.findtext(f"{MANIFEST_NS}downloadUrl"),
            )
            for f in root.findall(f"{MANIFEST_NS}mediaFile")
        }

    def media(self, collect: Collect, form_id: str, filename: str) -> list[dict[str, str]]:
        response = collect.get(f"forms/{form_id}/media/{filename}")
        self.assertEqual(response.status_code, 200, response.content[:300])
        return csv_rows(response.content)

    def submit(self, collect: Collect, form_id: str, fields: dict[str, str], **kwargs: Any) -> Any:
        from kujdes.fieldsync.tests.helpers import instance_xml

        xml = instance_xml(form_id=form_id, version=self.version(form_id), fields=fields, **kwargs)
        return collect.submit(xml), xml
