"""Encrypted forms (issue 15, item 3): a phone encrypts as ODK Collect does, Kujdes decrypts on arrival."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
from io import StringIO

import openpyxl
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from defusedxml import ElementTree
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from kujdes.core.files import encrypted_file_read
from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.fieldsync.encryption import (
    envelope_read,
    instance_decrypt,
    iv_sequence,
    key_pair_generate,
)
from kujdes.fieldsync.mapping import MAPPERS
from kujdes.fieldsync.mapping.records import MappingResult
from kujdes.fieldsync.models import (
    Form,
    FormKey,
    FormVersion,
    Submission,
    SubmissionAttachment,
    SubmissionState,
)
from kujdes.fieldsync.services import device_create, form_encrypt
from kujdes.fieldsync.tests.helpers import Collect, instance_xml, publish, xlsform_bytes
from kujdes.fieldsync.tests.odk_encrypt import EncryptedInstance, encrypt_instance

LIST_NS = "{http://openrosa.org/xforms/xformsList}"
RESPONSE_NS = "{http://openrosa.org/http/response}"
XFORMS_NS = "{http://www.w3.org/2002/xforms}"
XHTML_NS = "{http://www.w3.org/1999/xhtml}"
PHOTO = b"\xff\xd8\xff\xe0" + os.urandom(3000) + b"\xff\xd9"
SURVEY = [["text", "village", "Village"], ["integer", "people", "People met"], ["image", "photo", "Photo"]]


class EncryptionTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.plain_version = publish(data=xlsform_bytes(form_id="visit", survey=SURVEY), units=[cls.diocese_a])
        cls.plain_form = publish(
            data=xlsform_bytes(form_id="plain", title="Plain"), units=[cls.diocese_a]
        ).form
        with system_scope():
            cls.encrypted_version = form_encrypt(actor=None, form=cls.plain_version.form)
            cls.device, cls.token = device_create(
                actor=None, user=cls.educator, unit=cls.centre_a, name="Educator's phone"
            )

    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.collect = Collect(self.client, self.token)
        self.mapped: list[str] = []

        def mapper(submission: Submission) -> MappingResult:
            self.mapped.append(submission.xml)
            return MappingResult()

        MAPPERS["visit"] = mapper
        self.addCleanup(MAPPERS.pop, "visit", None)

    # --- what a phone does --------------------------------------------------------------------

    def served_form(self) -> tuple[str, str]:
        """(version, base64RsaPublicKey) of the form as a phone downloads it."""
        response = self.collect.get("forms/visit/form.xml")
        self.assertEqual(response.status_code, 200)
        root = ElementTree.fromstring(response.content)
        model = root.find(f"{XHTML_NS}head/{XFORMS_NS}model")
        data = model.find(f"{XFORMS_NS}instance")[0]
        return data.get("version"), model.find(f"{XFORMS_NS}submission").get("base64RsaPublicKey")

    def filled(
        self, *, instance_id: str | None = None, public_key: str | None = None
    ) -> tuple[bytes, EncryptedInstance]:
        version, served_key = self.served_form()
        instance_id = instance_id or f"uuid:{os.urandom(8).hex()}"
        xml = instance_xml(
            form_id="visit",
            version=version,
            instance_id=instance_id,
            fields={"village": "Theth", "people": "12", "photo": "photo.jpg"},
        )
        sealed = encrypt_instance(
            xml=xml,
            form_id="visit",
            version=version,
            instance_id=instance_id,
            public_key=public_key or served_key,
            media=[("photo.jpg", PHOTO)],
        )
        return xml, sealed

    def post(self, sealed: EncryptedInstance, *, files: list[str] | None = None, incomplete: bool = False):  # type: ignore[no-untyped-def]
        chosen = {name: data for name, data in sealed.files.items() if files is None or name in files}
        return self.collect.submit(sealed.envelope, files=chosen, incomplete=incomplete)

    def message(self, response) -> str:  # type: ignore[no-untyped-def]
        root = ElementTree.fromstring(response.content)
        self.assertEqual(root.tag, f"{RESPONSE_NS}OpenRosaResponse")
        return root.find(f"{RESPONSE_NS}message").text or ""

    def assertRefused(self, response, fragment: str) -> None:  # type: ignore[no-untyped-def]
        self.assertEqual(response.status_code, 400, response.content[:500])
        self.assertEqual(response["Content-Type"], "text/xml; charset=utf-8")
        self.assertIn(fragment, self.message(response))
        with system_scope():
            self.assertFalse(Submission.objects.filter(form__xml_form_id="visit").exists())

    def stored(self) -> Submission:
        with system_scope():
            return Submission.objects.get(form__xml_form_id="visit")


class EnablingTests(EncryptionTestCase):
    def test_it_makes_a_key_pair_and_a_new_version_carrying_the_public_key(self) -> None:
        with system_scope():
            form = Form.objects.get(xml_form_id="visit")
            key = FormKey.objects.get(form=form)
            self.assertTrue(form.encrypted)
            self.assertEqual(form.current_version, self.encrypted_version)
            self.assertRegex(self.encrypted_version.version, r"^1\[encrypted:[A-Za-z0-9+/]{8}\]$")
            self.assertNotEqual(self.encrypted_version.xform_hash, self.plain_version.xform_hash)
            self.assertEqual(FormVersion.objects.filter(form=form).count(), 2)
            self.assertIn(f'base64RsaPublicKey="{key.public_key}"', self.encrypted_version.xform)
            public = serialization.load_der_public_key(base64.b64decode(key.public_key))
            self.assertEqual(public.key_size, 2048)  # type: ignore[union-attr]
            self.assertTrue(key.private_key.startswith("-----BEGIN PRIVATE KEY-----"))
            event = AuditEvent.objects.get(action="fieldsync.form.encryption_enabled")
            self.assertEqual(event.details["version"], self.encrypted_version.version)
        # The private key is sealed in the database.
        with system_scope(), connection.cursor() as cursor:
            cursor.execute("SELECT private_key FROM fieldsync_formkey")
            self.assertNotIn("PRIVATE KEY", cursor.fetchone()[0])

    def test_the_served_form_carries_the_key_and_the_form_list_hash_matches(self) -> None:
        response = self.collect.get("formList?formID=visit")
        entry = ElementTree.fromstring(response.content).find(f"{LIST_NS}xform")
        self.assertEqual(entry.findtext(f"{LIST_NS}version"), self.encrypted_version.version)
        download = self.client.get(entry.findtext(f"{LIST_NS}downloadUrl"))
        self.assertEqual(
            entry.findtext(f"{LIST_NS}hash"),
            "md5:" + hashlib.md5(download.content, usedforsecurity=False).hexdigest(),
        )
        version, public_key = self.served_form()
        self.assertEqual(version, self.encrypted_version.version)
        with system_scope():
            self.assertEqual(public_key, FormKey.objects.get().public_key)
        # Everything but the key and the version is what pyxform wrote.
        plain = re.sub(r"<submission [^>]*/>", "", download.content.decode()).replace(version, "1")
        self.assertEqual(plain, self.plain_version.xform)

    def test_a_form_cannot_be_encrypted_twice(self) -> None:
        with system_scope(), self.assertRaises(ValidationError):
            form_encrypt(actor=None, form=self.encrypted_version.form)

    def test_a_new_upload_of_an_encrypted_form_carries_its_key(self) -> None:
        version = publish(
            data=xlsform_bytes(form_id="visit", version="2", survey=SURVEY), units=[self.diocese_a]
        )
        with system_scope():
            key = FormKey.objects.get()
        self.assertEqual(version.version, "2")
        self.assertIn(f'base64RsaPublicKey="{key.public_key}"', version.xform)

    def test_an_xlsform_with_a_public_key_of_its_own_is_refused(self) -> None:
        public_key, _private = key_pair_generate()
        data = xlsform_bytes(form_id="own_key")
        book = openpyxl.load_workbook(io.BytesIO(data))
        book["settings"]["D1"], book["settings"]["D2"] = "public_key", public_key
        out = io.BytesIO()
        book.save(out)
        with self.assertRaises(ValidationError) as refused:
            publish(data=out.getvalue(), units=[self.diocese_a])
        self.assertIn("public_key", " ".join(refused.exception.messages))

    def test_the_command_encrypts_a_form_of_an_organisation(self) -> None:
        out = StringIO()
        call_command("forms", "encrypt", "plain", "--org", self.org.code, stdout=out)
        self.assertIn("plain is encrypted", out.getvalue())
        with system_scope():
            self.assertTrue(Form.objects.get(pk=self.plain_form.pk).encrypted)
        with self.assertRaises(CommandError):
            call_command("forms", "encrypt", "plain", "--org", self.other_org.code, stdout=StringIO())


class FormPageTests(EncryptionTestCase):
    def url(self) -> str:
        return f"/fieldsync/forms/{self.plain_form.public_id}/encrypt"

    def test_the_admin_confirms_on_a_page_before_the_form_is_encrypted(self) -> None:
        self.login(self.admin)
        page = self.client.get(f"/fieldsync/forms/{self.plain_form.public_id}/")
        self.assertContains(page, self.url())
        self.assertEqual(self.client.get(self.url()).status_code, 200)
        unconfirmed = self.client.post(self.url(), {})
        self.assertContains(unconfirmed, "Tick the box")
        with system_scope():
            self.assertFalse(Form.objects.get(pk=self.plain_form.pk).encrypted)
        response = self.client.post(self.url(), {"confirm": "yes"})
        self.assertRedirects(response, f"/fieldsync/forms/{self.plain_form.public_id}/")
        with system_scope():
            form = Form.objects.get(pk=self.plain_form.pk)
            self.assertTrue(form.encrypted)
            self.assertEqual(AuditEvent.objects.filter(action="fieldsync.form.encryption_enabled").count(), 2)

    def test_without_a_recent_reauthentication_the_post_asks_for_it(self) -> None:
        self.login(self.admin, recently_authenticated=False)
        response = self.client.post(self.url(), {"confirm": "yes"})
        self.assertEqual(response.status_code, 302)
        self.assertIn("reauthenticate", response["Location"])
        with system_scope():
            self.assertFalse(Form.objects.get(pk=self.plain_form.pk).encrypted)

    def test_another_organisations_admin_or_a_case_worker_gets_404(self) -> None:
        for user in (self.other_admin, self.charlie, self.educator):
            self.login(user)
            self.assertEqual(self.client.get(self.url()).status_code, 404, user.username)
            self.assertEqual(self.client.post(self.url(), {"confirm": "yes"}).status_code, 404, user.username)
        with system_scope():
            self.assertFalse(Form.objects.get(pk=self.plain_form.pk).encrypted)


class ReceivingTests(EncryptionTestCase):
    def test_an_encrypted_submission_is_decrypted_stored_sealed_and_mapped(self) -> None:
        xml, sealed = self.filled()
        response = self.post(sealed)
        self.assertEqual(response.status_code, 201, response.content)
        stored = self.stored()
        self.assertEqual(stored.xml, xml.decode())
        self.assertEqual(stored.state, SubmissionState.MAPPED)
        self.assertEqual(self.mapped, [xml.decode()])
        self.assertEqual(stored.xml_digest, hashlib.sha256(sealed.envelope).hexdigest())
        with system_scope():
            [attachment] = SubmissionAttachment.objects.filter(submission=stored)
            self.assertEqual((attachment.filename, attachment.content_type), ("photo.jpg", "image/jpeg"))
            content = b"".join(
                encrypted_file_read(handle=stored.encryption_handle(), file_id=attachment.file_id)
            )
            self.assertEqual(content, PHOTO)
            event = AuditEvent.objects.get(action="fieldsync.submission.decrypted")
            self.assertEqual(event.details["files"], 2)
        with system_scope(), connection.cursor() as cursor:
            cursor.execute("SELECT xml FROM fieldsync_submission")
            self.assertNotIn("Theth", cursor.fetchone()[0])

    def test_a_resend_is_201_without_a_duplicate(self) -> None:
        _xml, sealed = self.filled()
        self.assertEqual(self.post(sealed).status_code, 201)
        self.assertEqual(self.post(sealed).status_code, 201)
        stored = self.stored()
        with system_scope():
            self.assertEqual(list(stored.attachments.values_list("filename", flat=True)), ["photo.jpg"])
            self.assertEqual(AuditEvent.objects.filter(action="fieldsync.submission.decrypted").count(), 1)
            self.assertEqual(AuditEvent.objects.filter(action="fieldsync.submission.resent").count(), 1)
        self.assertEqual(len(self.mapped), 1)

    def test_a_split_submission_is_decrypted_when_its_last_file_arrives(self) -> None:
        xml, sealed = self.filled()
        first = self.post(sealed, files=["photo.jpg.enc"], incomplete=True)
        self.assertEqual(first.status_code, 201)
        stored = self.stored()
        self.assertEqual(stored.state, SubmissionState.INCOMPLETE)
        self.assertEqual(stored.xml, sealed.envelope.decode())
        self.assertEqual(self.mapped, [])
        last = self.post(sealed, files=["submission.xml.enc"])
        self.assertEqual(last.status_code, 201)
        stored = self.stored()
        self.assertEqual(stored.state, SubmissionState.MAPPED)
        self.assertEqual(stored.xml, xml.decode())
        with system_scope():
            self.assertEqual(list(stored.attachments.values_list("filename", flat=True)), ["photo.jpg"])

    def test_a_damaged_last_part_is_400_and_the_first_part_is_kept(self) -> None:
        _xml, sealed = self.filled()
        self.assertEqual(self.post(sealed, files=["photo.jpg.enc"], incomplete=True).status_code, 201)
        good = sealed.files["submission.xml.enc"]
        sealed.files["submission.xml.enc"] = good[:-16]
        response = self.post(sealed, files=["submission.xml.enc"])
        self.assertEqual(response.status_code, 400)
        self.assertIn("damaged or truncated", self.message(response))
        stored = self.stored()
        self.assertEqual(stored.state, SubmissionState.INCOMPLETE)
        sealed.files["submission.xml.enc"] = good
        self.assertEqual(self.post(sealed, files=["submission.xml.enc"]).status_code, 201)
        self.assertEqual(self.stored().state, SubmissionState.MAPPED)

    def test_a_last_part_without_every_file_keeps_the_submission_incomplete(self) -> None:
        _xml, sealed = self.filled()
        self.assertEqual(self.post(sealed, files=["submission.xml.enc"]).status_code, 201)
        self.assertEqual(self.stored().state, SubmissionState.INCOMPLETE)
        self.assertEqual(self.post(sealed, files=["photo.jpg.enc"]).status_code, 201)
        self.assertEqual(self.stored().state, SubmissionState.MAPPED)

    def test_a_bad_signature_is_400(self) -> None:
        _xml, sealed = self.filled()
        _version, public_key = self.served_form()
        public = serialization.load_der_public_key(base64.b64decode(public_key))
        forged = base64.b64encode(
            public.encrypt(  # type: ignore[union-attr]
                hashlib.md5(b"something else", usedforsecurity=False).digest(),
                padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
            )
        ).decode()
        sealed.envelope = re.sub(
            rb"<base64EncryptedElementSignature>[^<]*<",
            f"<base64EncryptedElementSignature>{forged}<".encode(),
            sealed.envelope,
        )
        self.assertRefused(self.post(sealed), "signature does not match")

    def test_corrupted_or_truncated_ciphertext_is_400(self) -> None:
        _xml, sealed = self.filled()
        damaged = bytearray(sealed.files["photo.jpg.enc"])
        damaged[100] ^= 0xFF
        sealed.files["photo.jpg.enc"] = bytes(damaged)
        self.assertRefused(self.post(sealed), "signature does not match")
        _xml, sealed = self.filled()
        sealed.files["submission.xml.enc"] = sealed.files["submission.xml.enc"][:-5]
        self.assertRefused(self.post(sealed), "damaged or truncated")

    def test_a_submission_encrypted_with_another_key_is_400(self) -> None:
        other_key, _private = key_pair_generate()
        _xml, sealed = self.filled(public_key=other_key)
        self.assertRefused(self.post(sealed), "another key")

    def test_an_encrypted_submission_to_a_plain_form_version_is_400(self) -> None:
        # The version the form had before encryption, or a form never encrypted.
        public_key, _private = key_pair_generate()
        for form_id, version in (("visit", "1"), ("plain", "1")):
            instance_id = f"uuid:{os.urandom(8).hex()}"
            sealed = encrypt_instance(
                xml=instance_xml(form_id=form_id, version=version, instance_id=instance_id),
                form_id=form_id,
                version=version,
                instance_id=instance_id,
                public_key=public_key,
            )
            response = self.post(sealed)
            self.assertEqual(response.status_code, 400)
            self.assertIn("not an encrypted form", self.message(response))
        with system_scope():
            self.assertFalse(Submission.objects.exists())

    def test_an_envelope_without_its_key_is_400(self) -> None:
        _xml, sealed = self.filled()
        sealed.envelope = re.sub(rb"<base64EncryptedKey>[^<]*</base64EncryptedKey>", b"", sealed.envelope)
        self.assertRefused(self.post(sealed), "base64EncryptedKey")

    def test_the_version_before_encryption_keeps_receiving_in_clear(self) -> None:
        response = self.collect.submit(instance_xml(form_id="visit", version="1"))
        self.assertEqual(response.status_code, 201)
        self.assertEqual(self.stored().form_version_id, self.plain_version.pk)


class SchemeTests(EncryptionTestCase):
    def test_ivs_follow_the_specification_past_sixteen_files(self) -> None:
        key = bytes(range(32))
        seed = bytearray(hashlib.md5(b"uuid:x" + key, usedforsecurity=False).digest())
        expected = []
        for index in range(20):
            seed[index % 16] = (seed[index % 16] + 1) % 256
            expected.append(bytes(seed))
        self.assertEqual(iv_sequence(instance_id="uuid:x", key=key, count=20), expected)

    def test_many_media_files_decrypt_in_the_order_they_were_encrypted(self) -> None:
        public_key, private_key = key_pair_generate()
        media = [(f"f{index:02}.jpg", os.urandom(17 + index)) for index in range(18)]
        xml = instance_xml(form_id="visit", version="", instance_id="uuid:many")
        sealed = encrypt_instance(
            xml=xml,
            form_id="visit",
            version=None,
            instance_id="uuid:many",
            public_key=public_key,
            media=media,
        )
        decrypted = instance_decrypt(
            envelope=envelope_read(sealed.envelope), private_key_pem=private_key, files=sealed.files
        )
        self.assertEqual(decrypted.xml, xml)
        self.assertEqual(decrypted.media, media)


# --- round trips, without the database -----------------------------------------------------------

_PUBLIC, _PRIVATE = key_pair_generate()


@hypothesis_settings(max_examples=40, deadline=None)
@given(
    body=st.binary(max_size=300),
    media=st.lists(st.binary(min_size=0, max_size=70), max_size=20),
    version=st.one_of(st.none(), st.text(alphabet="0123456789abc[]:+/=", max_size=20)),
)
def test_anything_collect_encrypts_decrypts_to_the_same_bytes(
    body: bytes, media: list[bytes], version: str | None
) -> None:
    xml = b"<data id='visit'><x>" + base64.b64encode(body) + b"</x></data>"
    files = [(f"m{index}.bin", data) for index, data in enumerate(media)]
    sealed = encrypt_instance(
        xml=xml, form_id="visit", version=version, instance_id="uuid:r", public_key=_PUBLIC, media=files
    )
    envelope = envelope_read(sealed.envelope)
    decrypted = instance_decrypt(envelope=envelope, private_key_pem=_PRIVATE, files=sealed.files)
    assert decrypted.xml == xml
    assert decrypted.media == files
