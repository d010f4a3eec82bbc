"""Search (on whichever database runs the tests: run them on both), documents, and the API."""

from __future__ import annotations

import io
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from kujdes.core.files import UploadRefused
from kujdes.network.practices import selectors as sel
from kujdes.network.practices import services
from kujdes.network.practices.models import PracticeAttachment
from kujdes.network.practices.tests.fixtures import practice_fixture, publish_fixture
from kujdes.network.practices.tests.test_workflow import LibraryTestCase


def published(t, *, partner, actor, language, title, summary, description="", **fields):  # type: ignore[no-untyped-def]
    practice = practice_fixture(
        t,
        partner=partner,
        actor=actor,
        text={"title": title, "summary": summary, "description": description},
        language=language,
        **fields,
    )
    publish_fixture(t, practice, author=actor)
    return practice


class SearchTests(LibraryTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.camp = published(
            self,
            partner=self.partner_al,
            actor=self.admin,
            language="sq",
            title="Mbrojtja e fëmijëve në kampet verore",
            summary="Standardet e sigurisë.",
            themes=["child_protection", "prevention"],
            target_groups=["children", "professionals"],
        )
        self.desk = published(
            self,
            partner=self.partner_al,
            actor=self.admin,
            language="en",
            title="Safe-migration information desk",
            summary="Advice before departure.",
            description="Families ask about the fëmijë who travel alone.",
            themes=["prevention"],
            target_groups=["migrants"],
        )

    def test_the_database_is_the_one_expected(self) -> None:
        self.assertIn(connection.vendor, {"sqlite", "postgresql"})

    def test_an_albanian_query_without_accents_finds_the_accented_words(self) -> None:
        result = sel.practice_search(actor=self.volunteer, query="femijeve kampet")
        self.assertEqual([h.public_id for h in result.hits], [str(self.camp.public_id)])

    def test_a_french_query_without_accents_finds_securite(self) -> None:
        result = sel.practice_search(actor=self.viewer, query="securite ecole")
        self.assertEqual([h.public_id for h in result.hits], [str(self.practice_fr.public_id)])

    def test_an_accented_query_finds_the_same(self) -> None:
        self.assertEqual(sel.practice_search(actor=self.viewer, query="Sécurité").total, 1)

    def test_a_title_hit_ranks_before_a_body_hit(self) -> None:
        result = sel.practice_search(actor=self.alice, query="femije")
        self.assertEqual(
            [h.public_id for h in result.hits], [str(self.camp.public_id), str(self.desk.public_id)]
        )

    def test_facets_count_the_matching_practices(self) -> None:
        result = sel.practice_search(actor=self.alice)
        self.assertEqual(result.total, 3)
        themes = {code: n for code, _label, n in result.facets["themes"]}
        self.assertEqual(themes, {"child_protection": 2, "prevention": 2})
        countries = {code: n for code, _label, n in result.facets["countries"]}
        self.assertEqual(countries, {"AL": 2, "FR": 1})
        languages = {code: n for code, _label, n in result.facets["languages"]}
        self.assertEqual(languages, {"sq": 1, "en": 1, "fr": 1})
        narrowed = sel.practice_search(actor=self.alice, themes=["prevention"], countries=["AL"])
        self.assertEqual(narrowed.total, 2)
        groups = {code: n for code, _label, n in narrowed.facets["target_groups"]}
        self.assertEqual(groups, {"children": 1, "professionals": 1, "migrants": 1})
        self.assertEqual(sel.practice_search(actor=self.alice, languages=["fr"]).total, 1)

    def test_drafts_are_never_searched(self) -> None:
        self.assertEqual(
            sel.practice_search(actor=self.admin, query="kamp").total, 1
        )  # the draft is not found

    def test_odd_queries_do_not_break_the_search(self) -> None:
        for query in ['"', "a:* & !", "''; DROP TABLE x", "*", "-", "NEAR(", "ü" * 300]:
            sel.practice_search(actor=self.alice, query=query)
        self.login(self.alice)
        response = self.client.get(
            reverse("network_practice_list"), {"q": '"(', "theme": "nope", "page": "x"}
        )
        self.assertEqual(response.status_code, 200)

    def test_the_library_page_shows_results_and_facets(self) -> None:
        self.login(self.volunteer)
        response = self.client.get(reverse("network_practice_list"), {"q": "femije"})
        self.assertContains(response, "Mbrojtja e fëmijëve")
        self.assertContains(response, "Child protection")


def _jpeg_with_gps() -> bytes:
    from PIL import Image

    image = Image.new("RGB", (8, 8), "red")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825).update({1: "N", 2: (41.0, 19.0, 0.0)})  # a GPS latitude
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


class AttachmentTests(LibraryTestCase):
    def upload(self, name: str, data: bytes):  # type: ignore[no-untyped-def]
        return services.attachment_store(
            actor=self.admin, practice=self.practice_al, upload=SimpleUploadedFile(name, data)
        )

    def test_a_renamed_executable_is_refused_with_a_clear_message(self) -> None:
        with self.assertRaisesMessage(UploadRefused, "This kind of file cannot be added to a practice"):
            self.upload("guide.pdf", b"MZ\x90\x00" + b"\x00" * 100)
        self.login(self.admin)
        response = self.client.post(
            reverse("network_practice_attachment_upload", args=[self.practice_al.public_id]),
            {"file": SimpleUploadedFile("report.docx", b"MZ\x90\x00fake")},
        )
        self.assertContains(response, "This kind of file cannot be added to a practice")

    @override_settings(UPLOAD_MAX_BYTES=1_000_000)
    def test_an_oversize_file_is_refused_with_the_limit(self) -> None:
        with self.assertRaisesMessage(UploadRefused, "File too large (limit 1 MB)"):
            self.upload("big.pdf", b"%PDF-1.4\n" + b"0" * 1_000_100)

    def test_a_photo_loses_its_exif_and_gps_data(self) -> None:
        from PIL import Image

        from kujdes.core.crypto import KeyHandle
        from kujdes.core.files import encrypted_file_read

        original = _jpeg_with_gps()
        self.assertIn(b"PhoneMaker", original)
        self.assertTrue(Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825))
        stored = self.upload("photo.jpg", original)
        data = b"".join(encrypted_file_read(handle=KeyHandle(key_id=stored.key_id), file_id=stored.public_id))
        self.assertNotIn(b"PhoneMaker", data)
        with Image.open(io.BytesIO(data)) as image:
            self.assertEqual(len(image.getexif()), 0)

    def test_a_presentation_is_recognised_by_its_structure(self) -> None:
        import zipfile

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("ppt/presentation.xml", "<p/>")
        stored = self.upload("slides.bin", buffer.getvalue())
        self.assertTrue(stored.content_type.endswith("presentationml.presentation"))

    def test_a_document_reaches_readers_only_with_the_next_publication(self) -> None:
        self.upload("guide.pdf", b"%PDF-1.4 guide")
        self.assertEqual(sel.practice_attachments(actor=self.admin, practice=self.practice_al).count(), 1)
        services.practice_submit(actor=self.admin, practice=self.practice_al)
        services.practice_publish(actor=self.coordinator, practice=self.practice_al)
        self.assertEqual(sel.practice_attachments(actor=self.volunteer, practice=self.practice_al).count(), 1)
        self.login(self.volunteer)
        stored = PracticeAttachment.objects.get(practice=self.practice_al)
        response = self.client.get(
            reverse(
                "network_practice_attachment_download", args=[self.practice_al.public_id, stored.public_id]
            )
        )
        self.assertEqual(b"".join(response.streaming_content), b"%PDF-1.4 guide")
        self.assertIn("attachment", response["Content-Disposition"])


class ApiTests(LibraryTestCase):
    def test_the_search_endpoint_returns_hits_facets_and_pages(self) -> None:
        self.login(self.viewer)
        response = self.client.get("/api/v1/network/practices", {"q": "securite", "country": "FR"})
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["count"], 1)
        self.assertEqual(body["items"][0]["id"], str(self.practice_fr.public_id))
        self.assertEqual(body["facets"]["countries"][0]["code"], "FR")

    def test_unknown_filters_are_refused_with_422(self) -> None:
        self.login(self.viewer)
        response = self.client.get("/api/v1/network/practices", {"theme": "nope"})
        self.assertEqual(response.status_code, 422)
        self.assertIn("theme", response.json()["errors"])

    def test_a_practice_in_the_callers_language_else_the_original(self) -> None:
        self.login(self.alice)
        body = self.client.get(
            f"/api/v1/network/practices/{self.practice_fr.public_id}", {"lang": "sq"}
        ).json()
        self.assertEqual((body["language"], body["shown_in_original"], body["version"]), ("fr", True, 1))
        self.assertEqual(body["available_languages"], ["fr"])
        self.assertEqual(
            self.client.get(f"/api/v1/network/practices/{self.practice_al.public_id}").status_code, 404
        )

    def test_a_focal_point_records_an_adoption_through_the_api(self) -> None:
        self.login(self.manager)
        url = f"/api/v1/network/practices/{self.practice_fr.public_id}/adoptions"
        bad = self.client.post(
            url, json.dumps({"kind": "stolen", "since": "2026-01-01"}), content_type="application/json"
        )
        self.assertEqual(bad.status_code, 422)
        good = self.client.post(
            url, json.dumps({"kind": "adopted", "since": "2026-01-01"}), content_type="application/json"
        )
        self.assertEqual((good.status_code, good.json()["partner"]), (201, "al"))
        self.login(self.alice)
        denied = self.client.post(
            url, json.dumps({"kind": "adopted", "since": "2026-01-01"}), content_type="application/json"
        )
        self.assertEqual(denied.status_code, 403)
