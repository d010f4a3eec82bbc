"""The referral letter: a PDF made on demand (never stored), in the reader's language, chosen by the
sender when making it (a select beside the button; the sender's language by default).

The letter goes to the receiver with the person's consent (or an audited
override), so it carries her name and date of birth besides her code. Making it
decrypts her identity: it is audited as `case.referral.letter`. WeasyPrint
renders it from a template with every external fetch refused (the letter needs
no file, image or URL, and user text must never make the server fetch one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.core.content_languages import document_language
from kujdes.people.selectors import persons_with_keys
from kujdes.referrals.models import Referral, ReferralDirection, ReferralStatus
from kujdes.referrals.selectors import referral_sides

if TYPE_CHECKING:
    from kujdes.accounts.models import User


def referral_letter_language(*, actor: User) -> str:
    """The actor's chosen language, else the language of the current request."""
    languages = {code for code, _name in settings.LANGUAGES}
    chosen = getattr(actor, "language", "") or translation.get_language() or settings.LANGUAGE_CODE
    return chosen if chosen in languages else settings.LANGUAGE_CODE


def referral_letter_filename(referral: Referral) -> str:
    # Nothing personal: the referral's own id, shortened.
    return f"referral-{referral.public_id.hex[:8]}.pdf"


def referral_letter_pdf(*, actor: User, referral: Referral, language: str = "") -> bytes:
    """The letter of an outgoing referral, for the sender's side only, in `language` when one is chosen
    at generation (any offered language; the reader's), else `referral_letter_language`; the making is
    audited with the language."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    if referral.direction != ReferralDirection.OUTGOING:
        raise PermissionDenied
    if not referral_sides(actor=actor, referral=referral).sender:
        raise PermissionDenied
    if referral.status == ReferralStatus.CANCELLED:
        # Her name must not travel for a referral that no longer stands.
        raise ValidationError(_("This referral was cancelled: there is no letter to send."))
    case = referral.case
    person = persons_with_keys([case.person])[0]
    language = document_language(language, default=referral_letter_language(actor=actor))
    with translation.override(language):
        html = render_to_string(
            "referrals/letter.html",
            {
                "referral": referral,
                "case": case,
                "person": person,
                "organisation": case.organisation,
                "sender": actor,
                "today": timezone.localdate(),
                "language": language,
            },
        )
    pdf = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()
    with transaction.atomic():
        audit_record(
            actor=actor,
            organisation=referral.organisation_id,
            action="case.referral.letter",
            obj=referral,
            unit=case.unit,
            details={"case": str(case.public_id), "person": str(person.public_id), "language": language},
        )
    return pdf
