"""The life of a practice: draft, review, publication, versions, translations, what each role sees."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from kujdes.core.locking import StaleVersion
from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.network.measures import measure_get
from kujdes.network.practices import selectors as sel
from kujdes.network.practices import services
from kujdes.network.practices.diff import versions_diff
from kujdes.network.practices.markdown import markdown_render
from kujdes.network.practices.models import Practice, PracticeStatus, PracticeVersion, TextState
from kujdes.network.practices.tests.fixtures import AL_TEXT, practice_fixture, practices_fixtures


class LibraryTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            practices_fixtures(cls)

    def setUp(self) -> None:
        super().setUp()
        # Services called directly (outside a request) act as a job would: every organisation in scope.
        scope = system_scope()
        scope.__enter__()
        self.addCleanup(scope.__exit__, None, None, None)
        # The messages are asserted in English, whatever the organisations' languages.
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        translation.activate("en")
        self.addCleanup(translation.deactivate)

    def detail(self, practice: Practice, **params: str) -> str:
        response = self.client.get(reverse("network_practice_detail", args=[practice.public_id]), params)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()


class WorkflowTests(LibraryTestCase):
    def test_a_practice_goes_from_draft_through_return_and_resubmission_to_publication(self) -> None:
        practice = self.practice_al
        services.practice_submit(actor=self.admin, practice=practice)
        with self.assertRaises(ValidationError):
            services.practice_return(actor=self.coordinator, practice=practice, body=" ")
        services.practice_return(actor=self.coordinator, practice=practice, body="Add the results, please.")
        self.assertEqual(Practice.objects.get(pk=practice.pk).status, PracticeStatus.RETURNED)
        services.practice_text_save(
            actor=self.manager,
            practice=practice,
            language="sq",
            fields={**AL_TEXT, "results": "40 drejtues kampesh u trajnuan."},
            version=1,
        )
        services.practice_submit(actor=self.manager, practice=practice, message="Done.")
        snapshot = services.practice_publish(actor=self.coordinator, practice=practice)
        practice.refresh_from_db()
        self.assertEqual((practice.status, practice.published_version, snapshot.number), ("published", 1, 1))
        self.assertEqual(snapshot.data["texts"]["sq"]["results"], "40 drejtues kampesh u trajnuan.")
        kinds = list(practice.comments.values_list("kind", flat=True))
        self.assertEqual(kinds, ["submitted", "returned", "submitted", "published"])
        with system_scope():
            self.assertTrue(AuditEvent.objects.filter(action="network.practices.published").exists())

    def test_published_versions_are_kept_and_readers_see_the_latest_while_the_owner_works_on_the_next(
        self,
    ) -> None:
        practice = self.practice_fr
        services.practice_text_save(
            actor=self.other_admin,
            practice=practice,
            language="fr",
            fields={"title": "Sécurité des enfants au collège", "summary": "Nouvelle version."},
            version=practice.texts.get(language="fr").version,
        )
        practice.refresh_from_db()
        self.assertEqual(practice.status, PracticeStatus.DRAFT)
        self.login(self.dave)
        self.assertIn("Sécurité des enfants à l&#x27;école", self.detail(practice, lang="fr"))
        services.practice_submit(actor=self.other_admin, practice=practice)
        services.practice_publish(actor=self.coordinator, practice=practice)
        self.assertEqual(list(practice.versions.values_list("number", flat=True)), [2, 1])
        self.assertIn("Sécurité des enfants au collège", self.detail(practice, lang="fr"))
        history = self.client.get(
            reverse("network_practice_history", args=[practice.public_id]), {"a": 1, "b": 2}
        )
        page = history.content.decode()
        self.assertIn("<del>- Sécurité des enfants à l&#x27;école</del>", page)
        self.assertIn("<ins>+ Sécurité des enfants au collège</ins>", page)

    def test_a_snapshot_cannot_be_changed(self) -> None:
        snapshot = PracticeVersion.objects.get(practice=self.practice_fr)
        snapshot.data = {}
        with self.assertRaises(ValueError):
            snapshot.save()

    def test_the_diff_escapes_what_it_shows(self) -> None:
        old = {"texts": {"en": {"title": "A"}}}
        new = {"texts": {"en": {"title": "<script>x</script>"}}}
        [change] = versions_diff(old, new)
        self.assertEqual(change.lines, [("-", "A"), ("+", "<script>x</script>")])
        self.login(self.admin)  # the template escapes: proven on the page in the test above

    def test_two_people_editing_the_same_text_the_second_is_told(self) -> None:
        text = self.practice_al.texts.get(is_original=True)
        services.practice_text_save(
            actor=self.admin,
            practice=self.practice_al,
            language="sq",
            fields=AL_TEXT | {"title": "Një"},
            version=1,
        )
        with self.assertRaises(StaleVersion):
            services.practice_text_save(
                actor=self.manager,
                practice=self.practice_al,
                language="sq",
                fields=AL_TEXT | {"title": "Dy"},
                version=text.version,
            )

    def test_the_edit_page_keeps_what_was_typed_when_someone_saved_in_between(self) -> None:
        self.login(self.admin)
        url = reverse("network_practice_text_edit", args=[self.practice_al.public_id, "sq"])
        services.practice_text_save(
            actor=self.manager,
            practice=self.practice_al,
            language="sq",
            fields=AL_TEXT | {"title": "X"},
            version=1,
        )
        response = self.client.post(url, {**AL_TEXT, "title": "Titulli im", "version": 1})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Someone else saved this in the meantime")
        self.assertContains(response, "Titulli im")

    def test_tags_are_normalised_to_lower_case(self) -> None:
        self.assertEqual(self.practice_fr.tags, ["école", "pairs"])

    def test_a_practice_needs_at_least_one_theme(self) -> None:
        with self.assertRaises(ValidationError):
            practice_fixture(
                self, partner=self.partner_al, actor=self.admin, text=AL_TEXT, language="sq", themes=[]
            )


class VisibilityTests(LibraryTestCase):
    def test_a_foreign_draft_answers_404_to_the_other_partner_and_to_the_coordinator(self) -> None:
        for user in (self.other_admin, self.coordinator, self.dave, self.volunteer):
            self.login(user)
            response = self.client.get(reverse("network_practice_detail", args=[self.practice_al.public_id]))
            self.assertEqual(response.status_code, 404, user.username)

    def test_the_coordinator_sees_a_practice_once_submitted_never_as_a_draft(self) -> None:
        self.assertFalse(sel.practice_can_see_working(actor=self.coordinator, practice=self.practice_al))
        services.practice_submit(actor=self.admin, practice=self.practice_al)
        self.assertTrue(sel.practice_can_see_working(actor=self.coordinator, practice=self.practice_al))
        self.login(self.coordinator)
        self.assertIn(AL_TEXT["title"], self.detail(self.practice_al))

    def test_a_volunteer_and_a_viewer_read_a_published_practice(self) -> None:
        for user in (self.volunteer, self.viewer):
            self.login(user)
            self.assertIn("Sécurité des enfants", self.detail(self.practice_fr, lang="fr"))

    def test_a_withdrawn_practice_is_gone_for_readers_but_not_for_its_owner(self) -> None:
        services.practice_withdraw(actor=self.other_admin, practice=self.practice_fr)
        self.login(self.volunteer)
        response = self.client.get(reverse("network_practice_detail", args=[self.practice_fr.public_id]))
        self.assertEqual(response.status_code, 404)
        self.assertEqual(sel.practice_search(actor=self.volunteer, query="securite").total, 0)
        self.login(self.other_admin)
        self.detail(self.practice_fr)

    def test_only_the_owner_edits_and_only_the_coordinator_publishes(self) -> None:
        with self.assertRaises(PermissionDenied):
            services.practice_update(actor=self.other_admin, practice=self.practice_al, version=1, changes={})
        services.practice_submit(actor=self.admin, practice=self.practice_al)
        with self.assertRaises(PermissionDenied):
            services.practice_publish(actor=self.admin, practice=self.practice_al)


class TranslationTests(LibraryTestCase):
    def test_a_translation_is_flagged_outdated_when_the_original_changes_after_it(self) -> None:
        practice = self.practice_al
        services.practice_text_save(
            actor=self.admin,
            practice=practice,
            language="en",
            fields={"title": "Child protection in camps", "summary": "Safety standards."},
            translator_name="Ana Translator",
        )
        english = practice.texts.get(language="en")
        original = practice.texts.get(is_original=True)
        self.assertFalse(english.is_outdated(original.revision))
        services.practice_text_save(
            actor=self.admin,
            practice=practice,
            language="sq",
            fields=AL_TEXT | {"summary": "Ndryshuar."},
            version=1,
        )
        original.refresh_from_db()
        self.assertEqual(original.revision, 2)
        self.assertTrue(english.is_outdated(original.revision))
        services.practice_submit(actor=self.admin, practice=practice)
        services.practice_publish(actor=self.coordinator, practice=practice)
        self.login(self.dave)
        page = self.detail(practice, lang="en")
        self.assertIn("This translation may be outdated", page)
        self.assertIn("Ana Translator", page)

    def test_the_reader_gets_the_original_with_a_note_when_their_language_is_missing(self) -> None:
        self.login(self.dave)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sq"  # an Albanian-speaking reader
        page = self.detail(self.practice_fr)
        self.assertIn('<article lang="fr">', page)
        self.assertIn('<p class="card" role="note">', page)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        page = self.detail(self.practice_fr, lang="ar")
        self.assertIn("Shown in the original language, Français; no العربية translation yet.", page)
        shown = sel.reader_text(data=sel.practice_snapshot(practice=self.practice_fr).data, language="sq")
        self.assertEqual((shown.is_fallback, shown.language, shown.available), (True, "fr", ["fr"]))

    def test_another_partner_translates_a_published_practice_and_the_coordinator_publishes_it(self) -> None:
        text = services.practice_text_save(
            actor=self.admin,
            practice=self.practice_fr,
            language="sq",
            fields={"title": "Siguria e fëmijëve në shkollë", "summary": "Seanca parandalimi."},
        )
        self.assertEqual((text.state, text.contributed_by), (TextState.SUBMITTED, self.partner_al))
        self.assertEqual(
            sel.reader_text(
                data=sel.practice_snapshot(practice=self.practice_fr).data, language="sq"
            ).language,
            "fr",
        )
        self.assertEqual(len(sel.practices_awaiting_review(actor=self.coordinator)), 1)
        services.translation_decide(actor=self.coordinator, text=text, publish=True)
        latest = sel.practice_snapshot(practice=self.practice_fr)
        self.assertEqual(latest.number, 2)
        self.login(self.alice)
        page = self.detail(self.practice_fr, lang="sq")
        self.assertIn("Siguria e fëmijëve në shkollë", page)
        self.assertTrue(sel.practice_search(actor=self.alice, query="femijeve shkolle").total == 1)

    def test_another_partner_cannot_translate_a_draft(self) -> None:
        with self.assertRaises(PermissionDenied):
            services.practice_text_save(
                actor=self.other_admin,
                practice=self.practice_al,
                language="fr",
                fields={"title": "x", "summary": "y"},
            )


class SanitiserTests(LibraryTestCase):
    def test_script_javascript_links_and_event_handlers_never_reach_the_page(self) -> None:
        evil = (
            "Hello <script>alert(1)</script>\n\n[click](javascript:alert(2))\n\n"
            '<img src=x onerror="alert(3)">\n\n<a href="javascript:alert(4)" onclick="x()">a</a>\n\n**bold**'
        )
        html = markdown_render(evil)
        self.assertNotIn("<script", html)
        self.assertNotIn('<a href="javascript:', html)
        self.assertNotIn("<img", html)
        self.assertNotIn("<a ", html)  # the raw link was escaped, the javascript: one dropped
        self.assertIn("<strong>bold</strong>", html)
        services.practice_text_save(
            actor=self.admin,
            practice=self.practice_al,
            language="sq",
            fields=AL_TEXT | {"description": evil},
            version=1,
        )
        self.login(self.admin)
        page = self.detail(self.practice_al)
        body = page.split("<main", 1)[-1]
        self.assertNotIn("<script>alert", body)
        self.assertNotIn('<a href="javascript:', body)
        self.assertNotIn("<img src=x onerror", body)
        self.assertIn("<strong>bold</strong>", body)


class AdoptionAndMeasureTests(LibraryTestCase):
    def test_an_adoption_is_recorded_and_the_practice_shows_where_it_travelled(self) -> None:
        self.login(self.manager)
        response = self.client.post(
            reverse("network_practice_adoption_add", args=[self.practice_fr.public_id]),
            {
                "kind": "adapted",
                "since": "2026-02-01",
                "changes": "Sessions in Albanian",
                "result": "300 pupils",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.login(self.volunteer)
        page = self.detail(self.practice_fr)
        self.assertIn("Org AL", page)
        self.assertIn("Sessions in Albanian", page)

    def test_the_owner_cannot_record_adopting_its_own_practice(self) -> None:
        with self.assertRaises(PermissionDenied):
            services.adoption_record(
                actor=self.other_admin,
                practice=self.practice_fr,
                partner=self.partner_fr,
                kind="adopted",
                since=datetime.date(2026, 1, 1),
            )

    def test_the_measures_count_publications_and_adoptions_in_the_period(self) -> None:
        published = measure_get("practices_published")
        adopted = measure_get("practices_adopted")
        year = timezone.localdate().year
        start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        self.assertEqual(published.compute(self.partner_fr, start, end), 1)
        self.assertEqual(published.compute(self.partner_al, start, end), 0)
        self.assertEqual(
            published.compute(self.partner_fr, datetime.date(2000, 1, 1), datetime.date(2000, 12, 31)), 0
        )
        services.adoption_record(
            actor=self.admin, practice=self.practice_fr, partner=self.partner_al, kind="adopted",
            since=datetime.date(2026, 3, 1),
        )  # fmt: skip
        self.assertEqual(
            adopted.compute(self.partner_al, datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)), 1
        )
        self.assertEqual(
            adopted.compute(self.partner_al, datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)), 0
        )

    def test_the_partner_page_and_the_dashboard_show_the_library(self) -> None:
        services.practice_submit(actor=self.admin, practice=self.practice_al)
        self.login(self.coordinator)
        home = self.client.get(reverse("network_home")).content.decode()
        self.assertIn("Awaiting your review", home)
        self.assertIn(AL_TEXT["title"], home)
        self.assertIn("Sécurité des enfants", home)
        partner = self.client.get(reverse("network_partner_detail", args=[self.partner_fr.public_id]))
        self.assertContains(partner, "Sécurité des enfants")
