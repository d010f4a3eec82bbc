"""The import targets, one module each, and the registry that names them (`target_get`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kujdes.imports.targets.base import ImportTarget

_REGISTRY: dict[str, ImportTarget] = {}


def target_register(target: ImportTarget) -> ImportTarget:
    _REGISTRY[target.name] = target
    return target


def _load() -> None:
    if _REGISTRY:
        return
    from kujdes.imports.targets import activities, attendance, cases, headcounts, persons, volunteers

    for target in (
        persons.PersonsTarget(),
        persons.ParticipantsTarget(),
        cases.CasesTarget(),
        attendance.AttendanceTarget(),
        activities.ActivitiesTarget(),
        volunteers.VolunteersTarget(),
        headcounts.HeadcountsTarget(),
    ):
        target_register(target)


def target_get(name: str) -> ImportTarget:
    """The target called `name`; ValidationError for a name no target has."""
    _load()
    try:
        return _REGISTRY[str(name)]
    except KeyError:
        raise ValidationError(
            _("“%(target)s” is not something the importer brings in.") % {"target": name}
        ) from None


def targets_all() -> list[ImportTarget]:
    _load()
    return list(_REGISTRY.values())
