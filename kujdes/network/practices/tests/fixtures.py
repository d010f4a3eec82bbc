"""The library's cast: a published practice of partner "fr" (with an Albanian translation and a
document) and a draft of partner "al"."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from kujdes.network.practices import services
from kujdes.network.tests.fixtures import network_fixtures

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

FR_TEXT = {
    "title": "Sécurité des enfants à l'école",
    "summary": "Des séances de prévention dans les collèges.",
    "description": "Des **éducateurs pairs** animent trois séances par classe.",
    "results": "1 200 élèves rencontrés.",
}
AL_TEXT = {
    "title": "Mbrojtja e fëmijëve në kamp",
    "summary": "Standardet e sigurisë për kampet verore.",
    "description": "Një udhëzues për drejtuesit e kampeve.",
}


def practice_fixture(
    t: Any, *, partner: Any, actor: Any, text: dict[str, str], language: str, **fields: Any
) -> Any:
    values = {
        "original_language": language,
        "themes": ["child_protection"],
        "target_groups": ["children"],
        "country": partner.country,
        "period_start": datetime.date(2025, 1, 1),
        **fields,
    }
    return services.practice_create(actor=actor, partner=partner, texts=dict(text), **values)


def publish_fixture(t: Any, practice: Any, *, author: Any) -> Any:
    services.practice_submit(actor=author, practice=practice)
    return services.practice_publish(actor=t.coordinator, practice=practice)


def practices_fixtures(t: Any) -> None:
    """Create the library's objects once on the test class `t` (call inside a system scope)."""
    network_fixtures(t)
    t.practice_fr = practice_fixture(
        t, partner=t.partner_fr, actor=t.other_admin, text=FR_TEXT, language="fr", tags=["École", "pairs"]
    )
    t.attachment_fr = services.attachment_store(
        actor=t.other_admin,
        practice=t.practice_fr,
        upload=SimpleUploadedFile("guide.pdf", PDF, content_type="application/pdf"),
    )
    publish_fixture(t, t.practice_fr, author=t.other_admin)
    t.practice_al = practice_fixture(t, partner=t.partner_al, actor=t.admin, text=AL_TEXT, language="sq")
