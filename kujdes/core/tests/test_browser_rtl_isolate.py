"""Mixed-direction text (kujdes_bidi): names, codes and phone numbers isolated inside right-to-left pages,
and arrows that the stylesheet mirrors."""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template import Context, Template
from django.test import SimpleTestCase
from django.urls import reverse

from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase


def render(source: str, **context: object) -> str:
    return Template("{% load kujdes_bidi %}" + source).render(Context(context))


class IsolateFilterTests(SimpleTestCase):
    def test_a_value_is_escaped_inside_bdi(self) -> None:
        self.assertEqual(render("{{ name|isolate }}", name="Drita <Çela>"), "<bdi>Drita &lt;Çela&gt;</bdi>")

    def test_an_empty_value_stays_empty_so_that_default_applies(self) -> None:
        self.assertEqual(render('{{ name|isolate|default:"—" }}', name=""), "—")
        self.assertEqual(render('{{ name|isolate|default:"—" }}', name=None), "—")

    def test_plain_text_gets_the_unicode_isolate_marks(self) -> None:
        self.assertEqual(
            render("{{ code|isolate_text }}", code="AL-SHK-2026-000001"), "\u2068AL-SHK-2026-000001\u2069"
        )

    def test_arrows_are_drawn_in_a_span_the_stylesheet_mirrors_right_to_left(self) -> None:
        self.assertEqual(render("{% arrow_forward %}"), '<span class="dir-arrow">→</span>')
        self.assertEqual(render("{% arrow_back %}"), '<span class="dir-arrow">←</span>')
        with open(finders.find("kujdes/kujdes.css"), encoding="utf-8") as css:
            self.assertIn(
                '[dir="rtl"] .dir-arrow { display: inline-block; transform: scaleX(-1); }', css.read()
            )


class IsolatedOnThePagesTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        from kujdes.people.services import person_create

        with system_scope():
            cls.person = person_create(
                actor=cls.alice,
                unit=cls.diocese_a,
                given_name="Arta",
                family_name="Kola",
                phones=["+355 69 123 4567"],
            )

    def test_the_person_page_in_arabic_isolates_her_name_and_phone(self) -> None:
        self.login(self.alice)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
        response = self.client.get(reverse("person_detail", kwargs={"public_id": self.person.public_id}))
        self.assertContains(response, '<html lang="ar" dir="rtl">')
        self.assertContains(response, "<bdi>Arta Kola</bdi>")
        self.assertContains(response, "<bdi>+355 69 123 4567</bdi>")
        self.assertContains(response, f"\u2068{self.person.code}\u2069")  # in the <title>

    def test_the_footer_isolates_the_signed_in_users_name(self) -> None:
        self.login(self.alice)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
        self.assertContains(self.client.get(reverse("home")), "<bdi>Alice Test</bdi>", count=2)
