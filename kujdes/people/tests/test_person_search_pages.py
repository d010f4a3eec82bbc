"""The person search at network scale (issue 6): the first page without an exact total when matches are
many, pages that neither repeat nor skip anyone, whole-name matches first.

The limits are made small here (3 counted, 2 a page) so that a handful of persons shows the behaviour
that a common family name shows among thousands.
"""

from __future__ import annotations

import re
from unittest import mock

from django.urls import reverse
from django.utils import translation

from kujdes.accounts.models import User
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.models import Person
from kujdes.people.selectors import persons_page_capped, persons_registry_list
from kujdes.people.services import person_create


def english(message: str, plural: str, count: int) -> str:
    with translation.override("en"):
        return translation.ngettext(message, plural, count) % {"counter": count}


@mock.patch("kujdes.people.selectors.PERSON_COUNT_LIMIT", 3)
@mock.patch("kujdes.people.views_registry.PAGE_SIZE", 2)
class CappedSearchTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            User.objects.filter(pk=cls.alice.pk).update(language="en")  # pages in English
            cls.alice.language = "en"
            # The whole-name matches are registered first (older): a list by date would show them last.
            cls.whole = [
                person_create(actor=cls.alice, unit=cls.diocese_a, given_name=name, family_name="Hoxha")
                for name in ("Arta", "Blerta", "Drita")
            ]
            cls.prefix = [
                person_create(actor=cls.alice, unit=cls.diocese_a, given_name=name, family_name="Hoxhaj")
                for name in ("Besa", "Elira", "Flora", "Gresa")
            ]
            cls.elsewhere = person_create(
                actor=cls.charlie, unit=cls.diocese_b, given_name="Hana", family_name="Hoxha"
            )

    def setUp(self) -> None:
        super().setUp()
        self.login(self.alice)

    def get(self, **params: str) -> str:
        response = self.client.get(reverse("person_list"), params)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def codes(self, html: str) -> list[str]:
        return re.findall(r"<td><code>([^<]+)</code></td>", html)

    def test_many_matches_show_more_than_the_limit_without_a_total(self) -> None:
        html = self.get(q="hoxha")
        self.assertIn(
            english("More than %(counter)s person found.", "More than %(counter)s persons found.", 3), html
        )
        self.assertNotIn("7 persons found", html)
        self.assertIn(">Page 1<", html)
        self.assertNotIn("Page 1 of", html)
        self.assertIn("page=2", html)  # a next page

    def test_walking_the_pages_shows_everyone_once_whole_names_first(self) -> None:
        seen: list[str] = []
        number = 1
        while True:
            html = self.get(q="hoxha", page=str(number))
            codes = self.codes(html)
            self.assertTrue(codes, f"page {number} is empty")
            seen += codes
            if f"page={number + 1}" not in html:
                break
            number += 1
        self.assertEqual(number, 4)  # 7 persons, 2 a page
        self.assertEqual(len(seen), len(set(seen)))
        whole = {p.code for p in self.whole}
        self.assertEqual(set(seen), whole | {p.code for p in self.prefix})
        self.assertEqual(set(seen[:3]), whole)
        self.assertNotIn(self.elsewhere.code, seen)  # charlie's diocese stays out

    def test_a_few_matches_are_counted_and_paged_with_their_total(self) -> None:
        html = self.get(q="blerta hoxha")
        self.assertIn(english("%(counter)s person found.", "%(counter)s persons found.", 1), html)
        self.assertEqual(self.codes(html), [self.whole[1].code])
        html = self.get(q="gres")
        self.assertEqual(self.codes(html), [self.prefix[3].code])

    def test_a_page_past_the_end_of_a_known_total_is_the_last_page(self) -> None:
        with system_scope():
            persons = persons_registry_list(actor=self.alice, query="hoxha")
            page = persons_page_capped(persons, number="9", size=2, count_limit=10)
            self.assertEqual((page.count, page.num_pages, page.number), (7, 4, 4))
            self.assertEqual(len(page.object_list), 1)
            self.assertFalse(page.has_next)
            page = persons_page_capped(persons, number="nonsense", size=2, count_limit=10)
            self.assertEqual(page.number, 1)
            many = persons_page_capped(persons, number="1", size=2, count_limit=3)
            self.assertIsNone(many.count)
            self.assertIsNone(many.num_pages)
            self.assertTrue(many.has_next)
            self.assertTrue(all(isinstance(p, Person) and p.family_name == "Hoxha" for p in many.object_list))

    def test_the_list_without_a_query_pages_the_same_way(self) -> None:
        html = self.get()
        self.assertIn("page=2", html)
        self.assertEqual(len(self.codes(html)), 2)
