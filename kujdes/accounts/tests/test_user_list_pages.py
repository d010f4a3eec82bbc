"""The user list grows with the organisation: paged, counted, the search kept in the page links."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from kujdes.core.roles import Role
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase, user_create


class UserListPagesTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            for index in range(55):
                user_create(
                    username=f"vullnetar{index:02d}",
                    organisation=cls.org,
                    unit=cls.centre_a,
                    role=Role.VOLUNTEER,
                    mfa=False,
                )

    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.login(self.admin)

    def test_the_list_is_paged_with_its_count(self) -> None:
        response = self.client.get(reverse("user_list"))
        total = response.context["page"].paginator.count
        self.assertGreater(total, 55)
        self.assertContains(response, f"{total} users")
        self.assertEqual(len(response.context["users"]), 50)
        self.assertContains(response, "Page 1 of 2")
        second = self.client.get(reverse("user_list"), {"page": "2"})
        self.assertEqual(len(second.context["users"]), total - 50)

    def test_the_search_stays_in_the_page_links(self) -> None:
        response = self.client.get(reverse("user_list"), {"q": "vullnetar"})
        self.assertContains(response, "55 users")
        self.assertContains(response, "?q=vullnetar&amp;page=2")
        second = self.client.get(reverse("user_list"), {"q": "vullnetar", "page": "2"})
        self.assertEqual(
            {u.username for u in second.context["users"]}, {f"vullnetar{i}" for i in range(50, 55)}
        )

    def test_another_organisations_admin_sees_none_of_them(self) -> None:
        self.login(self.other_admin)
        response = self.client.get(reverse("user_list"), {"q": "vullnetar"})
        self.assertContains(response, "0 users")
