"""Saved mapping templates: how a kind of spreadsheet is mapped, kept per organisation and reused.

A template holds codes and header names only: the target, each column header and the field it
becomes, value mappings (a coded column's value → code), date orders, the name order, and the split
and combined columns by their headers. It is applied to a table by its headers, so a file whose
columns moved or gained a column still maps; a header the template does not know gets the usual
suggestion (learnt, then synonyms).

Templates shipped with Kujdes (kujdes/imports/data/templates.json, fitting the samples under
docs/import-samples/) are installed into an organisation on first use of the templates list or by
`kujdes import templates install`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.imports import mapping
from kujdes.imports.models import MappingTemplate

if TYPE_CHECKING:
    from kujdes.accounts.models import User
    from kujdes.imports.services import Options

SHIPPED = Path(__file__).parent / "data" / "templates.json"
# What a template keeps of the options: never the row decisions (they name rows of one file).
KEPT = ("values", "date_orders", "dayfirst", "family_first", "constants")


def _organisation_ids(actor: User) -> set[int]:
    from kujdes.imports.selectors import import_units_for_actor

    return set(import_units_for_actor(actor=actor).values_list("organisation_id", flat=True))


def templates_for_actor(*, actor: User, target: str | None = None) -> QuerySet[MappingTemplate]:
    """The templates of the organisations the actor imports in (by name)."""
    templates = MappingTemplate.objects.filter(organisation_id__in=_organisation_ids(actor))
    if target:
        templates = templates.filter(target=target)
    return templates.order_by("name", "pk")


def template_get(*, actor: User, public_id: str) -> MappingTemplate:
    """One template the actor may use; MappingTemplate.DoesNotExist (→ 404) for any other."""
    return templates_for_actor(actor=actor).get(public_id=public_id)


def template_mapping(*, headers: Sequence[str], options: Options) -> dict[str, Any]:
    """A template's mapping from a table's headers and the options chosen for it (JSON-safe)."""
    columns = options.columns or []
    data: dict[str, Any] = {
        "headers": {
            str(header): name for header, name in zip(headers, columns, strict=False) if str(header).strip()
        }
    }
    chosen = options.as_dict()
    for key in KEPT:
        if key in chosen:
            data[key] = chosen[key]
    data["splits"] = [
        {**{k: v for k, v in split.items() if k != "column"}, "column_header": headers[split["column"]]}
        for split in chosen.get("splits") or []
        if isinstance(split.get("column"), int) and 0 <= split["column"] < len(headers)
    ]
    data["combines"] = [
        {
            **{k: v for k, v in combine.items() if k != "columns"},
            "column_headers": [headers[i] for i in combine.get("columns", [])],
        }
        for combine in chosen.get("combines") or []
        if all(isinstance(i, int) and 0 <= i < len(headers) for i in combine.get("columns", []))
    ]
    return data


def template_options(
    *, template: MappingTemplate, headers: Sequence[str], suggested: Sequence[str] | None = None
) -> Options:
    """The options a template gives a table: its columns by header (case and accents ignored); a header
    it does not know keeps the suggestion, unless the template maps that field already."""
    from kujdes.imports.services import Options

    data = template.mapping or {}
    by_header = {mapping.fold(header): name for header, name in (data.get("headers") or {}).items()}
    index_of = {mapping.fold(header): index for index, header in enumerate(headers)}
    columns = [by_header.get(mapping.fold(header)) for header in headers]
    taken = {name for name in columns if name}
    # A field the suggestion gives several columns (an attendance grid's session columns, whose headers
    # are another register's dates) is taken again.
    repeated = {name for name in suggested or [] if name and list(suggested or []).count(name) > 1}
    for index, name in enumerate(columns):
        if name is None:
            fallback = suggested[index] if suggested is not None and index < len(suggested) else ""
            columns[index] = fallback if fallback and (fallback not in taken or fallback in repeated) else ""
    splits = []
    for split in data.get("splits") or []:
        index = index_of.get(mapping.fold(split.get("column_header", "")))
        if index is not None:
            splits.append({**{k: v for k, v in split.items() if k != "column_header"}, "column": index})
    combines = []
    for combine in data.get("combines") or []:
        indexes = [index_of.get(mapping.fold(header)) for header in combine.get("column_headers", [])]
        if indexes and all(index is not None for index in indexes):
            combines.append(
                {**{k: v for k, v in combine.items() if k != "column_headers"}, "columns": indexes}
            )
    return Options.from_dict(
        {
            **{key: data[key] for key in KEPT if key in data},
            "target": template.target,
            "columns": [name or "" for name in columns],
            "splits": splits,
            "combines": combines,
        }
    )


def _name_clean(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise ValidationError(_("Give the template a name."))
    if len(name) > 120:
        raise ValidationError(_("A template's name has at most 120 characters."))
    return name


def _audit(*, actor: User | None, template: MappingTemplate, action: str) -> None:
    audit_record(
        actor=actor,
        organisation=template.organisation_id,
        action=action,
        obj=template,
        details={"template": str(template.public_id), "target": template.target},
    )


@transaction.atomic
def template_save(
    *, actor: User, organisation_id: int, name: str, target: str, headers: Sequence[str], options: Options
) -> MappingTemplate:
    """Save the mapping of a table as a template of the organisation; a template of the same name and
    target is replaced (a name used by another target is refused)."""
    name = _name_clean(name)
    if organisation_id not in _organisation_ids(actor):
        raise ValidationError(_("You do not import in this organisation."))
    data = template_mapping(headers=headers, options=options)
    template = MappingTemplate.objects.filter(organisation_id=organisation_id, name=name).first()
    if template is not None and template.target != target:
        raise ValidationError(_("A template of another kind of import has this name; choose another."))
    if template is None:
        template = MappingTemplate(
            organisation_id=organisation_id, name=name, target=target, created_by=actor
        )
    template.mapping = data
    template.save()
    _audit(actor=actor, template=template, action="import.template.saved")
    return template


@transaction.atomic
def template_rename(*, actor: User, template: MappingTemplate, name: str) -> MappingTemplate:
    """Rename a template the actor may use (the caller fetched it through `template_get`)."""
    name = _name_clean(name)
    if (
        MappingTemplate.objects.filter(organisation_id=template.organisation_id, name=name)
        .exclude(pk=template.pk)
        .exists()
    ):
        raise ValidationError(_("Another template has this name."))
    template.name = name
    try:
        with transaction.atomic():
            template.save(update_fields=["name", "updated_at"])
    except IntegrityError:
        raise ValidationError(_("Another template has this name.")) from None
    _audit(actor=actor, template=template, action="import.template.renamed")
    return template


@transaction.atomic
def template_delete(*, actor: User, template: MappingTemplate) -> None:
    """Delete a template (imports made with it keep their own mapping)."""
    _audit(actor=actor, template=template, action="import.template.deleted")
    template.delete()


def shipped_templates() -> list[dict[str, Any]]:
    return list(json.loads(SHIPPED.read_text(encoding="utf-8"))["templates"])


@transaction.atomic
def templates_install(*, organisation_id: int, actor: User | None = None) -> int:
    """Install (or update) the templates shipped with Kujdes into an organisation; returns how many were
    added. A shipped template renamed by the organisation keeps its name; one it deleted comes back."""
    added = 0
    for shipped in shipped_templates():
        template = MappingTemplate.objects.filter(
            organisation_id=organisation_id, shipped=shipped["key"]
        ).first()
        if template is None:
            name = shipped["name"]
            if MappingTemplate.objects.filter(organisation_id=organisation_id, name=name).exists():
                name = f"{name} (Kujdes)"
            template = MappingTemplate(
                organisation_id=organisation_id, shipped=shipped["key"], name=name[:120], created_by=actor
            )
            added += 1
        template.target = shipped["target"]
        template.mapping = shipped["mapping"]
        template.save()
    if added:
        audit_record(
            actor=actor,
            organisation=organisation_id,
            action="import.template.installed",
            details={"added": added},
        )
    return added


def templates_install_once(*, organisation_id: int) -> None:
    """Install the shipped templates the first time an organisation's templates are listed."""
    if not MappingTemplate.objects.filter(organisation_id=organisation_id).exists():
        templates_install(organisation_id=organisation_id)
