"""Update requests pile up over a framework's three years: the list is paged (it stopped at 200)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.network.milestones.models import UpdateRequest
from kujdes.network.milestones.tests.routes import milestone_fixtures


class RequestListPagesTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            milestone_fixtures(cls)
            UpdateRequest.objects.bulk_create(
                UpdateRequest(
                    framework=cls.ms_framework,
                    milestone=cls.ms_milestone,
                    partner=cls.partner_al,
                    message=f"Request {index:03d}",
                )
                for index in range(25)
            )

    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.login(self.coordinator)

    def test_the_list_is_paged_with_its_count_and_status(self) -> None:
        url = reverse("network_milestone_request_list")
        response = self.client.get(url, {"status": "open"})
        self.assertContains(response, "26 requests")
        self.assertContains(response, "Page 1 of 2")
        self.assertContains(response, "?status=open&amp;page=2")
        self.assertEqual(len(response.context["requests"]), 25)
        second = self.client.get(url, {"status": "open", "page": "2"})
        self.assertEqual(len(second.context["requests"]), 1)

    def test_a_bad_status_or_page_shows_the_open_requests_first_page(self) -> None:
        response = self.client.get(reverse("network_milestone_request_list"), {"status": "<x>", "page": "-3"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["status"], "open")
