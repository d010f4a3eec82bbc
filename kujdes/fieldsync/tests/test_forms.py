"""Forms: XLSForm conversion with pyxform (located, translated errors), versions, the HTCDS XLSForm
served unchanged, the `kujdes forms` and `kujdes devices` commands, and the administrators' pages."""

from __future__ import annotations

import io
import re
import unittest
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from pyxform import xls2xform

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.fieldsync.models import Device, Form, FormVersion
from kujdes.fieldsync.services import device_create, form_publish
from kujdes.fieldsync.tests.helpers import Collect, publish, xlsform_bytes
from kujdes.fieldsync.xlsform import XLSFormError, xlsform_convert

# IOM's XLSForm, copied unchanged into the tests' data (NOTICE there); the shared standards folder,
# when it is beside this checkout, holds the original.
HTCDS = Path(__file__).resolve().parent / "data" / "htcds_xlsform.xlsx"
HTCDS_SHARED = Path(settings.BASE_DIR).parent / "shared" / "standards" / "htcds" / "htcds_xlsform.xlsx"


class ConversionTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.enterContext(translation.override("en"))

    def test_it_reads_id_version_title_and_media(self) -> None:
        converted = xlsform_convert(data=xlsform_bytes(image=True), filename="visit.xlsx")
        self.assertEqual(
            (converted.xml_form_id, converted.version, converted.title), ("visit", "1", "Home visit")
        )
        self.assertEqual(converted.media, ["logo.png"])
        self.assertRegex(converted.xform_hash, r"^md5:[0-9a-f]{32}$")

    def test_an_error_names_the_sheet_and_row(self) -> None:
        data = xlsform_bytes(survey=[["text", "a", "A"], ["text", "a", "Again"]])
        with self.assertRaises(XLSFormError) as raised:
            xlsform_convert(data=data, filename="dup.xlsx")
        self.assertEqual(
            raised.exception.messages,
            ["Sheet “survey”, row 3: The name “a” is used twice; each question needs its own name."],
        )

    def test_an_unknown_type_and_a_file_that_is_not_a_spreadsheet_are_explained(self) -> None:
        with self.assertRaises(XLSFormError) as raised:
            xlsform_convert(data=xlsform_bytes(survey=[["txt", "a", "A"]]), filename="f.xlsx")
        self.assertEqual(raised.exception.messages, ["Unknown question type “txt”."])
        for data, name in ((b"not a workbook", "f.xlsx"), (b"x", "f.pdf")):
            with self.assertRaises(XLSFormError) as raised:
                xlsform_convert(data=data, filename=name)
            self.assertTrue(raised.exception.messages[0].startswith("This file"))

    @unittest.skipUnless(HTCDS_SHARED.is_file(), "the shared standards folder is not beside this checkout")
    def test_the_tests_copy_of_the_htcds_xlsform_is_iom_s_file_byte_for_byte(self) -> None:
        self.assertEqual(HTCDS.read_bytes(), HTCDS_SHARED.read_bytes())

    def test_the_htcds_xlsform_converts_unchanged(self) -> None:
        data = HTCDS.read_bytes()
        converted = xlsform_convert(data=data, filename=HTCDS.name)
        # What pyxform itself makes of the file, given by its path.
        reference = xls2xform.convert(xlsform=str(HTCDS)).xform
        self.assertEqual(converted.xform, reference)
        self.assertEqual(converted.xml_form_id, "htcds_xlsform")
        self.assertIn("<prs_First_Name/>", converted.xform)


class PublishTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.enterContext(translation.override("en"))

    def test_a_new_upload_of_a_form_id_needs_a_new_version(self) -> None:
        first = publish(data=xlsform_bytes(), units=[self.diocese_a])
        with self.assertRaises(ValidationError) as raised:
            publish(data=xlsform_bytes(), units=[self.diocese_a])
        self.assertIn("already has version “1”", raised.exception.messages[0])
        second = publish(data=xlsform_bytes(version="2"), units=[self.diocese_a])
        with system_scope():
            form = Form.objects.get()
            self.assertEqual(form.current_version, second)
            self.assertEqual(FormVersion.objects.filter(form=form).count(), 2)
            self.assertNotEqual(first.pk, second.pk)
            self.assertTrue(AuditEvent.objects.filter(action="fieldsync.form.published").exists())

    def test_only_an_administrator_of_the_unit_publishes(self) -> None:
        with system_scope():
            for actor in (self.educator, self.other_admin):
                with self.assertRaises(PermissionDenied):
                    form_publish(actor=actor, data=xlsform_bytes(), filename="f.xlsx", units=[self.diocese_a])
            form_publish(actor=self.admin, data=xlsform_bytes(), filename="f.xlsx", units=[self.diocese_a])

    def test_unknown_roles_are_refused(self) -> None:
        with self.assertRaises(ValidationError):
            publish(data=xlsform_bytes(), units=[self.diocese_a], roles=["pope"])


class HtcdsServedTests(BaseTestCase):
    def test_the_htcds_xlsform_is_published_and_downloaded_byte_for_byte(self) -> None:
        version = publish(data=HTCDS.read_bytes(), units=[self.root], filename=HTCDS.name)
        with system_scope():
            _device, token = device_create(actor=None, user=self.educator, unit=self.centre_a, name="Phone")
        collect = Collect(self.client, token)
        listing = collect.get("formList")
        self.assertIn(b"<formID>htcds_xlsform</formID>", listing.content)
        served = collect.get("forms/htcds_xlsform/form.xml")
        self.assertEqual(served.status_code, 200)
        self.assertEqual(served.content, version.xform.encode())
        self.assertIn(version.xform_hash.encode(), listing.content)


class CommandTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.enterContext(translation.override("en"))

    def test_forms_publish_converts_and_publishes(self) -> None:
        path = Path(self.id().replace(".", "_") + ".xlsx")
        tmp = Path(settings.BASE_DIR) / "var" / path.name
        tmp.parent.mkdir(exist_ok=True)
        tmp.write_bytes(xlsform_bytes())
        try:
            out = io.StringIO()
            call_command(
                "forms", "publish", str(tmp), "--unit", "al", "--roles", "field_educator", stdout=out
            )
            self.assertIn("Published visit version 1", out.getvalue())
            with system_scope():
                form = Form.objects.get()
                self.assertEqual(form.roles, ["field_educator"])
                self.assertEqual([p.unit for p in form.publications.all()], [self.root])
            with self.assertRaises(CommandError) as raised:
                call_command("forms", "publish", str(tmp), "--unit", "al")
            self.assertIn("already has version", str(raised.exception))
            with self.assertRaises(CommandError):
                call_command("forms", "publish", str(tmp), "--unit", "nowhere")
        finally:
            tmp.unlink()

    def test_devices_create_prints_the_server_url_last(self) -> None:
        out = io.StringIO()
        call_command(
            "devices",
            "create",
            "educator",
            "--unit",
            str(self.centre_a.public_id),
            "--name",
            "Tablet",
            stdout=out,
        )
        last = out.getvalue().strip().splitlines()[-1]
        self.assertRegex(last, r"^https?://.+/openrosa/key/[A-Za-z0-9_-]{40,}/$")
        token = re.search(r"/key/([^/]+)/$", last).group(1)
        self.assertEqual(Collect(self.client, token).get("formList").status_code, 200)

    def test_devices_create_refuses_a_user_without_a_role_at_the_unit(self) -> None:
        with self.assertRaises(CommandError):
            call_command(
                "devices", "create", "charlie", "--unit", str(self.centre_a.public_id), "--name", "X"
            )
        with system_scope():
            self.assertFalse(Device.objects.exists())


class PageTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def test_an_admin_uploads_a_form_and_sees_located_errors(self) -> None:
        self.login(self.admin)
        bad = xlsform_bytes(survey=[["text", "a", "A"], ["text", "a", "Again"]])
        response = self.client.post(
            "/fieldsync/forms/",
            {"xlsform": SimpleUploadedFile("bad.xlsx", bad), "units": [str(self.diocese_a.public_id)]},
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Sheet “survey”, row 3")
        response = self.client.post(
            "/fieldsync/forms/",
            {
                "xlsform": SimpleUploadedFile("ok.xlsx", xlsform_bytes()),
                "units": [str(self.diocese_a.public_id)],
            },
        )
        self.assertEqual(response.status_code, 302)
        with system_scope():
            form = Form.objects.get()
        self.assertContains(self.client.get(f"/fieldsync/forms/{form.public_id}/"), "Home visit")

    def test_another_organisations_admin_and_a_case_worker_get_404_or_403(self) -> None:
        version = publish(data=xlsform_bytes(), units=[self.diocese_a])
        url = f"/fieldsync/forms/{version.form.public_id}/"
        self.login(self.other_admin)
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertNotContains(self.client.get("/fieldsync/forms/"), "Home visit")
        self.login(self.alice)
        self.assertEqual(self.client.get("/fieldsync/forms/").status_code, 403)
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_an_admin_attaches_media_and_closes_the_form(self) -> None:
        version = publish(data=xlsform_bytes(image=True), units=[self.diocese_a])
        url = f"/fieldsync/forms/{version.form.public_id}/"
        self.login(self.admin)
        response = self.client.post(url, {"action": "media", "file": SimpleUploadedFile("other.png", b"x")})
        self.assertContains(response, "The form does not use a file named “other.png”.")
        response = self.client.post(url, {"action": "media", "file": SimpleUploadedFile("logo.png", b"png")})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.client.post(url, {"action": "state", "state": "closed"}).status_code, 302)
        with system_scope():
            form = Form.objects.get()
            self.assertEqual(form.state, "closed")
            self.assertEqual([m.filename for m in form.current_version.media.all()], ["logo.png"])
        response = self.client.post(url, {"action": "state", "state": "nonsense"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Select a valid choice")

    def test_an_admin_reads_the_submissions_and_the_read_is_audited(self) -> None:
        from kujdes.fieldsync.receiving import submission_receive
        from kujdes.fieldsync.selectors import principal_for_device
        from kujdes.fieldsync.tests.helpers import instance_xml

        version = publish(data=xlsform_bytes(), units=[self.diocese_a])
        with system_scope():
            device, _token = device_create(actor=None, user=self.educator, unit=self.centre_a, name="Phone")
            principal = principal_for_device(device=device)
            assert principal is not None
            submission, _created = submission_receive(principal=principal, xml=instance_xml())
        self.login(self.admin)
        listing = self.client.get(f"/fieldsync/forms/{version.form.public_id}/submissions/")
        self.assertContains(listing, f"/fieldsync/submissions/{submission.public_id}/")
        detail = self.client.get(f"/fieldsync/submissions/{submission.public_id}/")
        self.assertContains(detail, "Theth")
        with system_scope():
            self.assertTrue(AuditEvent.objects.filter(action="fieldsync.submission.viewed").exists())
        for outsider in (self.other_admin, self.educator):
            self.login(outsider)
            self.assertEqual(
                self.client.get(f"/fieldsync/submissions/{submission.public_id}/").status_code, 404
            )
            self.assertEqual(
                self.client.get(f"/fieldsync/forms/{version.form.public_id}/submissions/").status_code, 404
            )

    def test_a_user_adds_a_phone_sees_its_qr_code_once_and_revokes_it(self) -> None:
        self.login(self.educator)
        response = self.client.post(
            "/fieldsync/devices/", {"name": "My phone", "unit": str(self.centre_a.public_id)}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "<svg")
        self.assertContains(response, "/openrosa/key/")
        with system_scope():
            device = Device.objects.get()
        self.login(self.charlie)
        self.assertEqual(self.client.post(f"/fieldsync/devices/{device.public_id}/revoke").status_code, 404)
        self.login(self.educator)
        self.assertEqual(self.client.post(f"/fieldsync/devices/{device.public_id}/revoke").status_code, 302)
        with system_scope():
            self.assertIsNotNone(Device.objects.get().revoked_at)

    def test_a_blank_phone_name_keeps_the_form_with_a_message(self) -> None:
        self.login(self.educator)
        response = self.client.post("/fieldsync/devices/", {"name": "", "unit": str(self.centre_a.public_id)})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "This field is required")
