"""The field forms Kujdes ships, the CSV lists it generates for them, and their installation.

Importing this package registers every shipped form (`registry.SHIPPED_FORMS`) and generated media
file (`registry.GENERATED_MEDIA`). `shipped_forms_install` publishes them to a unit: a form whose
builder gives what is already published is left alone (its version is a digest of its content), a
changed one becomes a new version, so running it again is harmless.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.core.models import Unit
from kujdes.fieldsync.models import Form, FormPublication
from kujdes.fieldsync.shipped import media as media  # noqa: F401  (registers the generated lists)
from kujdes.fieldsync.shipped import programme as programme  # noqa: F401  (registers the forms)
from kujdes.fieldsync.shipped import screening as screening  # noqa: F401  (registers the forms)
from kujdes.fieldsync.shipped.registry import GENERATED_MEDIA, SHIPPED_FORMS
from kujdes.fieldsync.xlsform import xlsform_convert


@dataclass
class Installed:
    xml_form_id: str
    version: str
    # "published" (new form or new version), "unchanged", or "extended" (unchanged, newly offered
    # to this unit).
    outcome: str


def shipped_forms_install(*, actor: Any, unit: Unit, only: Sequence[str] | None = None) -> list[Installed]:
    """Publish every shipped form (or those named in `only`) to `unit` and below.

    Raises ValidationError for a name that is not a shipped form, PermissionDenied when the actor
    may not configure the unit (form_publish checks), XLSFormError if a builder made a bad form.
    """
    from kujdes.fieldsync.services import _configurable, form_publish

    wanted = list(only) if only else sorted(SHIPPED_FORMS)
    unknown = [name for name in wanted if name not in SHIPPED_FORMS]
    if unknown:
        raise ValidationError(
            _("No ready-made form is called %(names)s. They are: %(known)s.")
            % {"names": ", ".join(unknown), "known": ", ".join(sorted(SHIPPED_FORMS))}
        )
    _configurable(actor=actor, unit=unit)
    organisation = unit.organisation
    done = []
    for xml_form_id in wanted:
        data = SHIPPED_FORMS[xml_form_id](organisation)
        converted = xlsform_convert(data=data, filename=f"{xml_form_id}.xlsx")
        with transaction.atomic():
            form = (
                Form.objects.select_for_update(of=("self",))
                .filter(organisation_id=unit.organisation_id, xml_form_id=converted.xml_form_id)
                .select_related("current_version")
                .first()
            )
            if form is not None and form.versions.filter(version=converted.version).exists():
                _publication, created = FormPublication.objects.get_or_create(
                    organisation_id=unit.organisation_id, form=form, unit=unit
                )
                if created:
                    audit_record(
                        actor=actor,
                        organisation=unit.organisation_id,
                        action="fieldsync.form.published",
                        obj=form,
                        details={"version": converted.version, "units": [str(unit.public_id)]},
                    )
                done.append(
                    Installed(
                        converted.xml_form_id, converted.version, "extended" if created else "unchanged"
                    )
                )
                continue
            version = form_publish(
                actor=actor, data=data, filename=f"{xml_form_id}.xlsx", units=[unit], roles=None
            )
            done.append(Installed(converted.xml_form_id, version.version, "published"))
    return done


def generated_media_names() -> set[str]:
    return set(GENERATED_MEDIA)


def generated_media_build(*, filename: str, units: Sequence[Unit], user: Any) -> bytes | None:
    """The bytes of a generated list for a phone's units and user; None if no list has this name."""
    builder = GENERATED_MEDIA.get(filename)
    return None if builder is None else builder(list(units), user)
