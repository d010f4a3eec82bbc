"""After a first retention run thousands of records may be due: the officer's list is paged and counted."""

from __future__ import annotations

import datetime
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.models import Person
from kujdes.people.retention import retention_rule_set
from kujdes.people.services import person_create


class RetentionListPagesTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            for index in range(52):
                person_create(
                    actor=cls.alice, unit=cls.diocese_a, given_name=f"Vjosa{index}", family_name="Prifti"
                )
            Person.objects.update(updated_at=timezone.now() - datetime.timedelta(days=800))
            retention_rule_set(actor=cls.dpo, organisation=cls.org, record_type="person", keep_for_days=730)
        call_command("retention", "due", stdout=StringIO())

    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def test_the_list_is_paged_and_counted(self) -> None:
        self.login(self.dpo)
        response = self.client.get(reverse("retention_list"))
        self.assertContains(response, "52 records due")
        self.assertContains(response, "Page 1 of 2")
        self.assertEqual(len(response.context["items"]), 50)
        second = self.client.get(reverse("retention_list"), {"page": "2"})
        self.assertEqual(len(second.context["items"]), 2)

    def test_another_organisations_officer_sees_none_of_them(self) -> None:
        self.login(self.other_dpo)
        self.assertContains(self.client.get(reverse("retention_list")), "0 records due")
