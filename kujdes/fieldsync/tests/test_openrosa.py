"""The OpenRosa server played as ODK Collect plays it (issue 15, "How it is accepted")."""

from __future__ import annotations

import base64
import hashlib
import io
from typing import Any

from defusedxml import ElementTree
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.test.client import encode_multipart

from kujdes.core.files import encrypted_file_read
from kujdes.core.models import AuditEvent
from kujdes.core.roles import Role
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import PASSWORD, BaseTestCase
from kujdes.fieldsync.models import Device, Submission, SubmissionAttachment, SubmissionState
from kujdes.fieldsync.services import (
    device_create,
    device_revoke,
    field_settings_save,
    form_media_attach,
    form_state_set,
)
from kujdes.fieldsync.tests.helpers import Collect, instance_xml, publish, xlsform_bytes

LIST_NS = "{http://openrosa.org/xforms/xformsList}"
MANIFEST_NS = "{http://openrosa.org/xforms/xformsManifest}"
RESPONSE_NS = "{http://openrosa.org/http/response}"
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


class OpenRosaTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.visit = publish(data=xlsform_bytes(), units=[cls.diocese_a])
        cls.with_media = publish(
            data=xlsform_bytes(form_id="poster", title="Poster", image=True), units=[cls.diocese_a]
        )
        cls.for_case_workers = publish(
            data=xlsform_bytes(form_id="casework", title="Case work"),
            units=[cls.root],
            roles=[Role.CASE_WORKER],
        )
        with system_scope():
            form_media_attach(actor=None, form=cls.with_media.form, filename="logo.png", data=PNG)
            cls.device, cls.token = device_create(
                actor=None, user=cls.educator, unit=cls.centre_a, name="Educator's phone"
            )
            cls.charlie_device, cls.charlie_token = device_create(
                actor=None, user=cls.charlie, unit=cls.diocese_b, name="Charlie's phone"
            )
            cls.dave_device, cls.dave_token = device_create(
                actor=None, user=cls.dave, unit=cls.other_unit, name="Dave's phone"
            )

    def setUp(self) -> None:
        super().setUp()
        # Phones send no language cookie; the tests read the messages in English whatever the default.
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.collect = Collect(self.client, self.token)

    def message(self, response) -> str:  # type: ignore[no-untyped-def]
        root = ElementTree.fromstring(response.content)
        self.assertEqual(root.tag, f"{RESPONSE_NS}OpenRosaResponse")
        return root.find(f"{RESPONSE_NS}message").text or ""

    def assertOpenRosa(self, response, status: int) -> None:  # type: ignore[no-untyped-def]
        self.assertEqual(response.status_code, status, response.content[:500])
        self.assertEqual(response["X-OpenRosa-Version"], "1.0")
        self.assertIn("Date", response)
        if response.content:
            self.assertEqual(response["Content-Type"], "text/xml; charset=utf-8")

    def stored(self, **filters) -> list[Submission]:  # type: ignore[no-untyped-def]
        with system_scope():
            return list(Submission.objects.filter(**filters))


class FormListTests(OpenRosaTestCase):
    def forms(self, response) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        root = ElementTree.fromstring(response.content)
        self.assertEqual(root.tag, f"{LIST_NS}xforms")
        return {x.findtext(f"{LIST_NS}formID"): x for x in root.findall(f"{LIST_NS}xform")}

    def test_it_lists_the_forms_of_the_devices_unit_with_headers_and_namespace(self) -> None:
        response = self.collect.get("formList")
        self.assertOpenRosa(response, 200)
        forms = self.forms(response)
        # The case workers' form is published to every unit, but not for a field educator.
        self.assertEqual(set(forms), {"visit", "poster"})
        visit = forms["visit"]
        self.assertEqual(visit.findtext(f"{LIST_NS}name"), "Home visit")
        self.assertEqual(visit.findtext(f"{LIST_NS}version"), "1")
        self.assertTrue(
            visit.findtext(f"{LIST_NS}downloadUrl").endswith(
                f"/openrosa/key/{self.token}/forms/visit/form.xml"
            )
        )

    def test_the_hash_is_the_md5_of_the_served_xml(self) -> None:
        forms = self.forms(self.collect.get("formList"))
        for form_id, entry in forms.items():
            download = self.client.get(entry.findtext(f"{LIST_NS}downloadUrl"))
            self.assertOpenRosa(download, 200)
            self.assertEqual(
                entry.findtext(f"{LIST_NS}hash"),
                "md5:" + hashlib.md5(download.content, usedforsecurity=False).hexdigest(),
                form_id,
            )

    def test_a_manifest_url_is_given_only_for_forms_with_media(self) -> None:
        forms = self.forms(self.collect.get("formList"))
        self.assertIsNone(forms["visit"].find(f"{LIST_NS}manifestUrl"))
        manifest_url = forms["poster"].findtext(f"{LIST_NS}manifestUrl")
        manifest = self.client.get(manifest_url)
        self.assertOpenRosa(manifest, 200)
        root = ElementTree.fromstring(manifest.content)
        self.assertEqual(root.tag, f"{MANIFEST_NS}manifest")
        media = root.find(f"{MANIFEST_NS}mediaFile")
        self.assertEqual(media.findtext(f"{MANIFEST_NS}filename"), "logo.png")
        self.assertEqual(
            media.findtext(f"{MANIFEST_NS}hash"), "md5:" + hashlib.md5(PNG, usedforsecurity=False).hexdigest()
        )
        file = self.client.get(media.findtext(f"{MANIFEST_NS}downloadUrl"))
        self.assertEqual(file.status_code, 200)
        self.assertEqual(file.content, PNG)

    def test_form_id_filters_and_verbose_is_accepted(self) -> None:
        forms = self.forms(self.collect.get("formList?formID=poster&verbose"))
        self.assertEqual(set(forms), {"poster"})

    def test_a_download_is_audited(self) -> None:
        self.collect.get("forms/visit/form.xml")
        with system_scope():
            event = AuditEvent.objects.filter(action="fieldsync.form.downloaded").get()
        self.assertEqual(event.actor, self.educator)

    def test_a_closing_form_is_no_longer_listed_or_downloaded(self) -> None:
        with system_scope():
            form_state_set(actor=None, form=self.visit.form, state="closing")
        self.assertNotIn("visit", self.forms(self.collect.get("formList")))
        self.assertOpenRosa(self.collect.get("forms/visit/form.xml"), 404)

    def test_another_units_device_cannot_see_or_download_the_form(self) -> None:
        for token in (self.charlie_token, self.dave_token):
            other = Collect(self.client, token)
            self.assertEqual(self.forms(other.get("formList")).keys() & {"visit", "poster"}, set())
            self.assertOpenRosa(other.get("forms/visit/form.xml"), 404)
            self.assertOpenRosa(other.get("forms/poster/manifest"), 404)
            self.assertEqual(other.get("forms/poster/media/logo.png").status_code, 404)

    def test_a_case_worker_below_the_publication_sees_the_case_workers_form(self) -> None:
        forms = self.forms(Collect(self.client, self.charlie_token).get("formList"))
        self.assertEqual(set(forms), {"casework"})


class AuthenticationTests(OpenRosaTestCase):
    def test_a_revoked_token_is_refused_with_401(self) -> None:
        with system_scope():
            device_revoke(actor=None, device=self.device)
        response = self.collect.get("formList")
        self.assertOpenRosa(response, 401)
        self.assertIn("revoked", self.message(response))
        self.assertOpenRosa(self.collect.submit(instance_xml()), 401)

    def test_an_unknown_token_is_refused_with_401(self) -> None:
        self.assertOpenRosa(Collect(self.client, "not-a-token").get("formList"), 401)

    def test_a_device_whose_user_left_the_unit_is_refused_with_403(self) -> None:
        with system_scope():
            self.educator.memberships.all().delete()
        self.assertOpenRosa(self.collect.get("formList"), 403)

    def test_the_device_records_its_last_contact(self) -> None:
        self.collect.get("formList")
        with system_scope():
            self.assertIsNotNone(Device.objects.get(pk=self.device.pk).last_contact_at)

    def basic(self, username: str, password: str = PASSWORD) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}

    def test_without_credentials_basic_is_challenged(self) -> None:
        response = self.client.get("/openrosa/formList", secure=True)
        self.assertOpenRosa(response, 401)
        self.assertTrue(response["WWW-Authenticate"].startswith("Basic"))

    def test_basic_needs_the_organisation_to_allow_it(self) -> None:
        response = self.client.get("/openrosa/formList", secure=True, **self.basic("educator"))
        self.assertOpenRosa(response, 403)
        with system_scope():
            field_settings_save(actor=None, organisation_id=self.org.pk, allow_basic_auth=True)
        response = self.client.get("/openrosa/formList", secure=True, **self.basic("educator"))
        self.assertOpenRosa(response, 200)
        self.assertIn(b"<formID>visit</formID>", response.content)
        self.assertIn(b"https://testserver/openrosa/forms/visit/form.xml", response.content)

    def test_basic_is_refused_over_plain_http_and_with_a_wrong_password(self) -> None:
        with system_scope():
            field_settings_save(actor=None, organisation_id=self.org.pk, allow_basic_auth=True)
        self.assertOpenRosa(self.client.get("/openrosa/formList", **self.basic("educator")), 403)
        self.assertOpenRosa(
            self.client.get("/openrosa/formList", secure=True, **self.basic("educator", "wrong")), 401
        )

    def test_basic_submission_reaches_the_same_store(self) -> None:
        with system_scope():
            field_settings_save(actor=None, organisation_id=self.org.pk, allow_basic_auth=True)
        xml = instance_xml()
        response = self.client.post(
            "/openrosa/submission",
            {"xml_submission_file": SimpleUploadedFile("submission.xml", xml)},
            secure=True,
            **self.basic("educator"),
        )
        self.assertOpenRosa(response, 201)
        [stored] = self.stored()
        self.assertIsNone(stored.device)
        self.assertEqual(stored.submitted_by, self.educator)


class SubmissionTests(OpenRosaTestCase):
    def test_head_answers_204_with_the_limit_and_location(self) -> None:
        response = self.collect.head_submission()
        self.assertOpenRosa(response, 204)
        self.assertEqual(response["X-OpenRosa-Accept-Content-Length"], str(10_000_000))
        self.assertTrue(response["Location"].endswith(f"/openrosa/key/{self.token}/submission"))

    def test_an_empty_post_is_a_probe(self) -> None:
        response = self.client.post(
            self.collect.base + "submission", b"", content_type="multipart/form-data; boundary=x"
        )
        self.assertOpenRosa(response, 204)

    def test_a_new_instance_is_stored_with_201_and_its_attachment_encrypted(self) -> None:
        xml = instance_xml()
        response = self.collect.submit(xml, files={"photo.jpg": b"jpeg bytes"})
        self.assertOpenRosa(response, 201)
        root = ElementTree.fromstring(response.content)
        self.assertEqual(root.find(f"{RESPONSE_NS}message").get("nature"), "submit_success")
        with system_scope():
            stored = Submission.objects.get()
            self.assertEqual(stored.xml, xml.decode())
            self.assertEqual(stored.device, self.device)
            self.assertEqual(stored.unit, self.centre_a)
            self.assertEqual(stored.state, SubmissionState.RECEIVED)
            attachment = SubmissionAttachment.objects.get()
            content = b"".join(
                encrypted_file_read(handle=stored.encryption_handle(), file_id=attachment.file_id)
            )
            self.assertEqual(content, b"jpeg bytes")
            self.assertTrue(AuditEvent.objects.filter(action="fieldsync.submission.received").exists())
        # The XML is sealed in the database.
        from django.db import connection

        with system_scope(), connection.cursor() as cursor:
            cursor.execute("SELECT xml FROM fieldsync_submission")
            self.assertNotIn("Theth", cursor.fetchone()[0])

    def test_a_resend_with_attachments_is_201_and_no_duplicate(self) -> None:
        xml = instance_xml()
        self.assertOpenRosa(self.collect.submit(xml, files={"a.jpg": b"one"}), 201)
        self.assertOpenRosa(self.collect.submit(xml, files={"a.jpg": b"one again", "b.jpg": b"two"}), 201)
        self.assertEqual(len(self.stored()), 1)
        with system_scope():
            self.assertEqual(
                sorted(SubmissionAttachment.objects.values_list("filename", "size")),
                [("a.jpg", 9), ("b.jpg", 3)],
            )

    def test_same_instance_id_with_different_xml_is_409(self) -> None:
        self.assertOpenRosa(self.collect.submit(instance_xml(instance_id="uuid:1")), 201)
        response = self.collect.submit(instance_xml(instance_id="uuid:1", fields={"village": "Vermosh"}))
        self.assertOpenRosa(response, 409)
        self.assertIn("different content", self.message(response))

    def test_an_edit_with_deprecated_id_is_a_new_version_linked_to_the_old(self) -> None:
        self.assertOpenRosa(self.collect.submit(instance_xml(instance_id="uuid:1")), 201)
        edit = instance_xml(instance_id="uuid:2", deprecated_id="uuid:1", fields={"village": "Vermosh"})
        self.assertOpenRosa(self.collect.submit(edit), 201)
        with system_scope():
            new = Submission.objects.get(instance_id="uuid:2")
            self.assertEqual(new.replaces.instance_id, "uuid:1")
            self.assertEqual(new.replaces.state, SubmissionState.SUPERSEDED)
        # The same edit resent is the same version, not a conflict.
        self.assertOpenRosa(self.collect.submit(edit), 201)
        # Editing the old version again is stale: 409.
        stale = instance_xml(instance_id="uuid:3", deprecated_id="uuid:1")
        self.assertOpenRosa(self.collect.submit(stale), 409)

    def test_an_edit_of_an_unknown_instance_is_404(self) -> None:
        response = self.collect.submit(instance_xml(instance_id="uuid:2", deprecated_id="uuid:nope"))
        self.assertOpenRosa(response, 404)

    def test_a_missing_submission_part_is_400(self) -> None:
        response = self.client.post(
            self.collect.base + "submission", {"other": SimpleUploadedFile("x.jpg", b"x")}
        )
        self.assertOpenRosa(response, 400)
        self.assertIn("xml_submission_file", self.message(response))

    def test_malformed_xml_is_400_with_a_message(self) -> None:
        for body in (
            b"<data id='visit'><unclosed></data>",
            b"",
            b"\xff\xfe",
            b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
        ):
            response = self.collect.submit(body)
            self.assertOpenRosa(response, 400)
            self.assertTrue(self.message(response))

    def test_an_unknown_form_or_version_is_404(self) -> None:
        self.assertOpenRosa(self.collect.submit(instance_xml(form_id="nope")), 404)
        response = self.collect.submit(instance_xml(version="99"))
        self.assertOpenRosa(response, 404)
        self.assertIn("99", self.message(response))

    def test_an_old_version_keeps_receiving(self) -> None:
        publish(data=xlsform_bytes(version="2"), units=[self.diocese_a])
        self.assertOpenRosa(self.collect.submit(instance_xml(version="1")), 201)
        self.assertOpenRosa(self.collect.submit(instance_xml(version="2")), 201)

    def test_a_closed_form_is_409_with_a_message_and_a_closing_one_still_receives(self) -> None:
        with system_scope():
            form_state_set(actor=None, form=self.visit.form, state="closing")
        self.assertOpenRosa(self.collect.submit(instance_xml()), 201)
        with system_scope():
            form_state_set(actor=None, form=self.visit.form, state="closed")
        response = self.collect.submit(instance_xml())
        self.assertOpenRosa(response, 409)
        self.assertIn("closed", self.message(response))

    @override_settings(FIELDSYNC_SUBMISSION_MAX_BYTES=2000)
    def test_a_body_over_the_limit_is_413(self) -> None:
        self.assertEqual(self.collect.head_submission()["X-OpenRosa-Accept-Content-Length"], "2000")
        response = self.collect.submit(instance_xml(), files={"big.jpg": b"x" * 5000})
        self.assertOpenRosa(response, 413)
        self.assertEqual(self.stored(), [])

    def test_a_chunked_body_is_read(self) -> None:
        xml = instance_xml()
        body = encode_multipart("BoUnDaRy", {"xml_submission_file": SimpleUploadedFile("s.xml", xml)})
        response = self.client.generic(
            "POST",
            self.collect.base + "submission",
            b"",
            CONTENT_TYPE="multipart/form-data; boundary=BoUnDaRy",
            CONTENT_LENGTH="",
            HTTP_TRANSFER_ENCODING="chunked",
            **{"wsgi.input": io.BytesIO(body)},
        )
        self.assertOpenRosa(response, 201)
        self.assertEqual(len(self.stored()), 1)

    @override_settings(FIELDSYNC_SUBMISSION_MAX_BYTES=2000)
    def test_a_chunked_body_over_the_limit_is_413(self) -> None:
        body = encode_multipart(
            "BoUnDaRy",
            {
                "xml_submission_file": SimpleUploadedFile("s.xml", instance_xml()),
                "a.jpg": SimpleUploadedFile("a.jpg", b"x" * 5000),
            },
        )
        response = self.client.generic(
            "POST",
            self.collect.base + "submission",
            b"",
            CONTENT_TYPE="multipart/form-data; boundary=BoUnDaRy",
            CONTENT_LENGTH="",
            HTTP_TRANSFER_ENCODING="chunked",
            **{"wsgi.input": io.BytesIO(body)},
        )
        self.assertOpenRosa(response, 413)

    def test_a_split_submission_is_one_record_completed_by_its_last_part(self) -> None:
        xml = instance_xml()
        self.assertOpenRosa(self.collect.submit(xml, files={"a.jpg": b"1"}, incomplete=True), 201)
        [stored] = self.stored()
        self.assertEqual(stored.state, SubmissionState.INCOMPLETE)
        self.assertOpenRosa(self.collect.submit(xml, files={"b.jpg": b"2"}), 201)
        [stored] = self.stored()
        self.assertEqual(stored.state, SubmissionState.RECEIVED)
        with system_scope():
            self.assertEqual(stored.attachments.count(), 2)

    def test_another_units_token_cannot_submit_to_the_form(self) -> None:
        for token in (self.charlie_token, self.dave_token):
            response = Collect(self.client, token).submit(instance_xml())
            self.assertOpenRosa(response, 404)
        self.assertEqual(self.stored(), [])

    def test_other_methods_are_refused_without_a_server_error(self) -> None:
        response = self.client.put(self.collect.base + "submission", b"x")
        self.assertOpenRosa(response, 405)


class ReplayTests(OpenRosaTestCase):
    def test_ten_replays_in_random_order_yield_one_record_per_instance(self) -> None:
        import random

        rng = random.Random(15)
        instances = [instance_xml(instance_id=f"uuid:{n}") for n in range(8)]
        for _round in range(10):
            for xml in rng.sample(instances, len(instances)):
                self.assertEqual(self.collect.submit(xml).status_code, 201)
        self.assertEqual(len(self.stored()), 8)
