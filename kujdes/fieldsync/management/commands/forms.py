from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kujdes.core.scoping import system_scope
from kujdes.fieldsync.management.commands._units import unit_from_code
from kujdes.fieldsync.models import Form
from kujdes.fieldsync.services import form_encrypt, form_publish
from kujdes.fieldsync.xlsform import XLSFormError


class Command(BaseCommand):
    help = (
        "Field forms. publish FILE.xlsx --unit CODE [--roles ROLE,...]: convert an XLSForm with pyxform "
        "and publish it to the unit (and below); a new version of a form id needs a new version. "
        "list: the forms of every organisation. "
        "encrypt FORM_ID --org CODE: phones encrypt what they send with a key pair Kujdes makes for the "
        "form (a new version phones download; it cannot be undone). "
        "install-shipped --unit CODE [--only ID,...]: publish the ready-made forms (a new version only "
        "when one changed)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["publish", "list", "encrypt", "install-shipped"])
        parser.add_argument("file", nargs="?")
        parser.add_argument(
            "--unit", action="append", help="a unit's public id or code, or an organisation's code"
        )
        parser.add_argument("--roles", default="", help="comma-separated roles (default: every role)")
        parser.add_argument("--org", help="encrypt: the organisation's code")
        parser.add_argument("--only", default="", help="install-shipped: comma-separated form ids")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        with system_scope():
            if action == "list":
                for form in Form.objects.select_related("current_version", "organisation"):
                    shown = form.current_version.version if form.current_version else "-"
                    self.stdout.write(
                        f"{form.organisation.code:<8} {form.xml_form_id:<32} {shown:<24} {form.state}"
                    )
                return
            if action == "install-shipped":
                self._install_shipped(units=options["unit"] or [], only=options["only"])
                return
            if action == "encrypt":
                self._encrypt(form_id=options["file"], organisation_code=options["org"])
                return
            if not options["file"] or not options["unit"]:
                raise CommandError("Usage: kujdes forms publish FILE.xlsx --unit CODE [--roles ROLE,...]")
            path = Path(options["file"])
            if not path.is_file():
                raise CommandError(f"No file {path}.")
            units = [unit_from_code(code) for code in options["unit"]]
            roles = [r.strip() for r in options["roles"].split(",") if r.strip()]
            try:
                version = form_publish(
                    actor=None, data=path.read_bytes(), filename=path.name, units=units, roles=roles
                )
            except XLSFormError as exc:
                raise CommandError("\n".join(exc.messages)) from None
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            for warning in version.warnings:
                self.stderr.write(f"warning: {warning}")
            self.stdout.write(
                f"Published {version.form.xml_form_id} version {version.version or '(none)'} "
                f"({version.xform_hash}) to {', '.join(str(u) for u in units)}."
            )

    def _encrypt(self, *, form_id: str | None, organisation_code: str | None) -> None:
        if not form_id or not organisation_code:
            raise CommandError("Usage: kujdes forms encrypt FORM_ID --org CODE")
        form = Form.objects.filter(organisation__code=organisation_code, xml_form_id=form_id).first()
        if form is None:
            raise CommandError(f"No form {form_id!r} in the organisation {organisation_code!r}.")
        try:
            version = form_encrypt(actor=None, form=form)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            f"{form.xml_form_id} is encrypted: phones download version {version.version} "
            f"({version.xform_hash}); older versions keep receiving."
        )

    def _install_shipped(self, *, units: list[str], only: str) -> None:
        from kujdes.fieldsync.shipped import shipped_forms_install

        if len(units) != 1:
            raise CommandError("Usage: kujdes forms install-shipped --unit CODE [--only ID,...]")
        unit = unit_from_code(units[0])
        try:
            installed = shipped_forms_install(
                actor=None, unit=unit, only=[i.strip() for i in only.split(",") if i.strip()]
            )
        except XLSFormError as exc:
            raise CommandError("\n".join(exc.messages)) from None
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        for item in installed:
            self.stdout.write(f"{item.xml_form_id:<32} {item.version:<16} {item.outcome}")
