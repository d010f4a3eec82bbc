"""A volunteer's phone number is sealed with a key of the volunteer's own, which erasure destroys."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kujdes.core.crypto import caches_clear, subject_key_destroy
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.programme import services
from kujdes.programme.models import Volunteer

PHONE = "+355 69 482 7716"


class VolunteerPhoneTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            cls.arben = services.volunteer_create(
                actor=cls.manager,
                unit=cls.centre_a,
                given_name="Arben",
                joined_on=timezone.localdate() - datetime.timedelta(days=30),
                phone=PHONE,
            )

    def raw_phone(self, volunteer: Volunteer) -> str | None:
        with system_scope(), connection.cursor() as cursor:
            cursor.execute("SELECT phone FROM programme_volunteer WHERE id = %s", [volunteer.pk])
            return cursor.fetchone()[0]

    def fresh(self) -> Volunteer:
        with system_scope():
            return Volunteer.objects.get(pk=self.arben.pk)

    def test_the_phone_is_sealed_in_the_row(self) -> None:
        """Failed before with: the raw row held '+355 69 482 7716'."""
        stored = self.raw_phone(self.arben)
        self.assertTrue(stored.startswith("k1:"), stored)
        self.assertNotIn("7716", stored)

    def test_each_volunteer_has_a_key_of_their_own(self) -> None:
        """Failed before with: 'Volunteer' object has no attribute 'key_id'."""
        with system_scope():
            other = services.volunteer_create(
                actor=self.manager, unit=self.centre_a, given_name="Dritan", joined_on=timezone.localdate()
            )
        self.assertIsNotNone(self.fresh().key_id)
        self.assertNotEqual(other.key_id, self.arben.key_id)

    def test_the_manager_reads_and_changes_the_phone(self) -> None:
        self.login(self.manager)
        url = reverse("volunteer_detail", kwargs={"public_id": self.arben.public_id})
        self.assertContains(self.client.get(url), PHONE)
        with system_scope():
            services.volunteer_update(
                actor=self.manager, volunteer=self.arben, expected_version=1, changes={"phone": "+355 68 1"}
            )
        self.assertEqual(self.fresh().phone, "+355 68 1")
        self.assertTrue(self.raw_phone(self.arben).startswith("k1:"))

    def test_destroying_the_volunteers_key_erases_the_phone(self) -> None:
        """Failed before with: 'Volunteer' object has no attribute 'key_id' (no key to destroy: the
        phone could only be overwritten, and stayed in every backup)."""
        with system_scope():
            subject_key_destroy(key_id=self.fresh().key_id)
        caches_clear()
        self.assertIsNone(self.fresh().phone)

    def test_the_list_opens_no_phone_whatever_its_length(self) -> None:
        """Guards the list: it shows no phone, so it loads no key, in as many queries for 1 as for 6."""
        self.login(self.manager)
        url = reverse("volunteer_list")
        self.client.get(url)

        def list_queries() -> int:
            with CaptureQueriesContext(connection) as queries:
                self.assertContains(self.client.get(url), "Arben")
            return len(queries)

        once = list_queries()
        with system_scope():
            for number in range(5):
                services.volunteer_create(
                    actor=self.manager,
                    unit=self.centre_a,
                    given_name=f"Volunteer {number}",
                    joined_on=timezone.localdate(),
                    phone=f"+355 69 000 00{number}",
                )
        self.assertEqual(list_queries(), once)
