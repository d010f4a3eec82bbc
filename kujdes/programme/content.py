"""The programme's content on the page of which content lacks which language (core/content_languages.py):
activity types, the volunteers' curriculum and the code of conduct, each of one organisation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kujdes.core.content_languages import ContentItem, ContentKind, content_kind_register, content_missing
from kujdes.programme.models import ActivityType, CodeOfConduct, TrainingModule

if TYPE_CHECKING:
    from kujdes.core.models import Organisation


def _activity_types(organisation: Organisation) -> list[ContentItem]:
    return [
        ContentItem(
            name=row.name(),
            missing=content_missing(row.names),
            edit_url=reverse("activity_type_edit", args=[row.public_id]),
        )
        for row in ActivityType.objects.filter(organisation=organisation, is_active=True).select_related(
            "organisation"
        )
    ]


def _curriculum(organisation: Organisation) -> list[ContentItem]:
    return [
        ContentItem(
            name=row.name(),
            missing=content_missing(row.names),
            edit_url=reverse("curriculum_module_edit", args=[row.public_id]),
        )
        for row in TrainingModule.objects.filter(organisation=organisation, is_active=True).select_related(
            "organisation"
        )
    ]


def _conduct(organisation: Organisation) -> list[ContentItem]:
    # Only the version volunteers accept now: earlier versions are history, not translated afterwards.
    current = CodeOfConduct.objects.filter(organisation=organisation).order_by("-version_number").first()
    if current is None:
        return []
    return [
        ContentItem(
            name=str(_("Version %(version)s") % {"version": current.version_number}),
            missing=content_missing(current.texts),
            edit_url=reverse("conduct_list"),
        )
    ]


def _install_types(organisation_id: int) -> int:
    from kujdes.programme.services import activity_type_translations_install

    return activity_type_translations_install(organisation_id=organisation_id)


def _install_curriculum(organisation_id: int) -> int:
    from kujdes.programme.volunteers.services import curriculum_translations_install

    return curriculum_translations_install(organisation_id=organisation_id)


def programme_content_register() -> None:
    content_kind_register(
        ContentKind(
            code="activity_types",
            label=_("Activity types"),
            order=10,
            items=_activity_types,
            install=_install_types,
        )
    )
    content_kind_register(
        ContentKind(
            code="curriculum",
            label=_("Volunteer curriculum"),
            order=20,
            items=_curriculum,
            install=_install_curriculum,
        )
    )
    content_kind_register(
        ContentKind(
            code="conduct",
            label=_("Code of conduct"),
            order=30,
            items=_conduct,
            note=_("A new version in more languages is published from the code of conduct's page."),
        )
    )
