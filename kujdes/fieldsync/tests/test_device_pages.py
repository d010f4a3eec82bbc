"""Operations (issue 15, item 6): per phone, last contact, submissions per day and refusals on the phones
page and the form page; refused submissions audited without their content; the OpenRosa rate limit."""

from __future__ import annotations

import datetime

from defusedxml import ElementTree
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.fieldsync.models import Submission
from kujdes.fieldsync.openrosa import RATE_PER_MINUTE
from kujdes.fieldsync.services import device_create
from kujdes.fieldsync.stats import device_stats, form_devices
from kujdes.fieldsync.tests.helpers import Collect, instance_xml, publish, xlsform_bytes

RESPONSE_NS = "{http://openrosa.org/http/response}"


class DevicePagesTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.form = publish(data=xlsform_bytes(), units=[cls.diocese_a]).form
        with system_scope():
            cls.device, cls.token = device_create(
                actor=None, user=cls.educator, unit=cls.centre_a, name="Blue phone"
            )
            cls.other_device, cls.other_token = device_create(
                actor=None, user=cls.dave, unit=cls.other_unit, name="Other organisation's phone"
            )

    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.collect = Collect(self.client, self.token)

    def send_some(self) -> None:
        first = instance_xml(instance_id="uuid:dp-1")
        self.assertEqual(self.collect.submit(first).status_code, 201)
        self.assertEqual(self.collect.submit(instance_xml()).status_code, 201)
        # Refused: the same instance with other content (409), an unknown form (404), no XML part (400).
        conflict = instance_xml(instance_id="uuid:dp-1", fields={"village": "Shkodër", "people": "3"})
        self.assertEqual(self.collect.submit(conflict).status_code, 409)
        self.assertEqual(self.collect.submit(instance_xml(form_id="nowhere")).status_code, 404)
        self.assertEqual(self.collect.submit(None, files={"photo.jpg": b"x"}).status_code, 400)

    def test_refusals_are_audited_with_their_status_and_no_content(self) -> None:
        self.send_some()
        with system_scope():
            events = list(AuditEvent.objects.filter(action="fieldsync.submission.refused").order_by("seq"))
        self.assertEqual([e.details["status"] for e in events], [409, 404, 400])
        self.assertEqual([e.details["form"] for e in events], ["visit", "nowhere", ""])
        self.assertTrue(all(e.object_id == str(self.device.public_id) for e in events))
        self.assertTrue(all(e.actor_id == self.educator.pk for e in events))
        self.assertNotIn("Shkodër", str([e.details for e in events]))

    def test_stats_count_per_day_and_refusals(self) -> None:
        self.send_some()
        with system_scope():
            # One submission of the phone three days ago.
            Submission.objects.filter(instance_id="uuid:dp-1").update(
                submitted_at=timezone.now() - datetime.timedelta(days=3)
            )
            table = device_stats(devices=[self.device])
            for_form = device_stats(devices=form_devices(form=self.form), form=self.form)
        self.assertEqual(len(table.days), 14)
        self.assertEqual(table.days[-1], timezone.localdate())
        row = table.rows[0]
        self.assertEqual(row.per_day[-1], 1)
        self.assertEqual(row.per_day[-4], 1)
        self.assertEqual(row.submissions, 2)
        self.assertEqual(row.failures, 3)
        self.assertEqual(row.failures_by_status, {400: 1, 404: 1, 409: 1})
        # On the form's page: only this form's refusals (the 409), not the unknown form's.
        self.assertEqual([r.device for r in for_form.rows], [self.device])
        self.assertEqual(for_form.rows[0].failures_by_status, {409: 1})
        self.assertEqual(for_form.totals[-1], 1)

    def test_the_phones_page_and_the_form_page_show_the_activity(self) -> None:
        self.send_some()
        self.login(self.admin)
        page = self.client.get(reverse("fieldsync_devices"))
        self.assertContains(page, "Activity over the last 14 days")
        # The list, its revoke button's hidden label, the activity table.
        self.assertContains(page, "Blue phone", count=3)
        self.assertContains(page, "3 (400×1, 404×1, 409×1)")
        self.assertNotContains(page, "Other organisation")
        form_page = self.client.get(reverse("fieldsync_form", kwargs={"public_id": self.form.public_id}))
        self.assertContains(form_page, "Phones over the last 14 days")
        self.assertContains(form_page, "1 (409×1)")
        # The phone's own user sees their phone's figures, not the organisation's.
        self.login(self.educator)
        page = self.client.get(reverse("fieldsync_devices"))
        self.assertContains(page, "Blue phone", count=3)

    def test_another_organisation_sees_neither_the_phone_nor_the_form(self) -> None:
        self.send_some()
        self.login(self.other_admin)
        page = self.client.get(reverse("fieldsync_devices"))
        self.assertNotContains(page, "Blue phone")
        form_page = self.client.get(reverse("fieldsync_form", kwargs={"public_id": self.form.public_id}))
        self.assertEqual(form_page.status_code, 404)
        # A case worker of another unit of the same organisation: not an administrator of forms.
        self.login(self.charlie)
        form_page = self.client.get(reverse("fieldsync_form", kwargs={"public_id": self.form.public_id}))
        self.assertEqual(form_page.status_code, 404)

    def test_the_301st_request_in_a_minute_answers_429_with_an_openrosa_message(self) -> None:
        for _n in range(RATE_PER_MINUTE):
            self.assertEqual(self.collect.head_submission().status_code, 204)
        self.assertEqual(self.collect.head_submission().status_code, 429)
        refused = self.collect.get("formList")
        self.assertEqual(refused.status_code, 429)
        self.assertEqual(refused["X-OpenRosa-Version"], "1.0")
        self.assertEqual(refused["Content-Type"], "text/xml; charset=utf-8")
        root = ElementTree.fromstring(refused.content)
        self.assertEqual(root.tag, f"{RESPONSE_NS}OpenRosaResponse")
        self.assertIn("Too many requests", root.find(f"{RESPONSE_NS}message").text)
        # Another phone is not held back by this one.
        other = Collect(self.client, self.other_token).head_submission()
        self.assertEqual(other.status_code, 204)
        # A submission is refused too, and a minute later the phone may send again.
        self.assertEqual(self.collect.submit(instance_xml()).status_code, 429)
        cache.delete(f"fieldsync:rate:token:{self.token[:16]}")
        self.assertEqual(self.collect.submit(instance_xml()).status_code, 201)
