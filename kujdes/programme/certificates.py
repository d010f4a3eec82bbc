"""Certificates: one participant's PDF on demand, and a whole course's in the background.

A certificate carries the person's name, so making it decrypts her identity: one person's certificate is
audited as `programme.certificate.issued`, a course's batch as `programme.certificates.issued` (the
participations' ids, never names). Only staff who manage the activity (programme managers, field
educators) make them; volunteers do not. Each certificate is in its participant's language unless the
one who makes it chooses a language at generation (any offered language); the audit notes which.

Rendering is shared with other certificates (volunteers' trainings): `certificate_render` makes one PDF
from a context of `programme/_certificate_body.html`, `certificates_render` makes a batch laid out once
as one document (one stylesheet, one cascade, one font set-up) and gives the whole PDF and, from the
same layout, one PDF per person (kujdes/core/documents/pdf.py says why this is fast).

A course's certificates are a document job (kujdes/core/documents): `activity_certificates_request`
queues it, the worker runs `activity_certificates_generate` (the job's id only), and the files (one PDF,
one ZIP of one PDF per participant) are kept encrypted until they expire.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django_tasks import task

from kujdes.core.audit import audit_record
from kujdes.core.content_languages import document_language, offered_languages, organisation_language
from kujdes.core.documents.pdf import html_layout, page_groups, pdf_write
from kujdes.core.documents.services import (
    DocumentOutput,
    Progress,
    document_job_create,
    document_job_enqueue,
    document_job_run,
)
from kujdes.core.files import PDF
from kujdes.core.roles import Perm
from kujdes.people.selectors import persons_with_keys
from kujdes.programme.models import Activity, Participation, ParticipationStatus, Session, SessionStatus
from kujdes.programme.selectors import activity_can_manage, activity_get

if TYPE_CHECKING:
    from kujdes.accounts.models import User
    from kujdes.core.documents.models import DocumentJob

JOB_KIND = "programme.certificates"
ZIP = "application/zip"
ANCHOR = "certificate-"


def certificate_filename(participation: Participation) -> str:
    # Nothing personal: the participation's own id, shortened.
    return f"certificate-{participation.public_id.hex[:8]}.pdf"


def certificate_hours(participation: Participation) -> Decimal:
    """The hours the certificate states: the activity's figure, else the sum of its held sessions."""
    activity = participation.activity
    if activity.certificate_hours:
        return Decimal(activity.certificate_hours)
    held = Session.objects.filter(activity=activity, status=SessionStatus.HELD)
    total = sum((Decimal(str(session.hours)) for session in held), Decimal(0))
    return total.quantize(Decimal("0.1")).normalize()


# --- rendering (any certificate) ---------------------------------------------------------------------


def _body(context: Mapping[str, Any], anchor: str) -> SafeString:
    language = context.get("language") or "sq"
    with translation.override(language):
        return SafeString(
            render_to_string(
                "programme/_certificate_body.html", {**context, "language": language, "anchor": anchor}
            )
        )


def certificate_render(context: Mapping[str, Any]) -> bytes:
    """One certificate's PDF from a context of programme/_certificate_body.html (organisation, unit,
    person with given_name/family_name, activity with title/starts_on, type_name, participation with
    certificate_number/completed_on, hours, today, language). No audit: the caller audits."""
    return certificates_render([context]).pdf


@dataclass
class RenderedCertificates:
    pdf: bytes  # every certificate, in order
    pages: int
    # one PDF per certificate, in the order of the contexts (only when asked for)
    each: list[bytes] = field(default_factory=list)


def certificates_render(
    contexts: Sequence[Mapping[str, Any]],
    *,
    each: bool = False,
    title: str = "",
    on_page: Callable[[int], None] | None = None,
    on_each: Callable[[int], None] | None = None,
) -> RenderedCertificates:
    """Many certificates laid out once as one document; with `each`, also one PDF per certificate
    cut from the same layout. `on_page(n)` is told of each page laid out, `on_each(i)` of each PDF."""
    bodies = [_body(context, f"{ANCHOR}{index}") for index, context in enumerate(contexts)]
    language = (contexts[0].get("language") if contexts else None) or "sq"
    html = render_to_string(
        "programme/certificates.html",
        {"bodies": bodies, "language": language, "title": title or "Certificates"},
    )
    document = html_layout(html, on_page=on_page)
    rendered = RenderedCertificates(pdf=pdf_write(document), pages=len(document.pages))
    if each:
        if on_each is not None:
            on_each(0)
        groups = page_groups(document, ANCHOR)
        for index in range(len(contexts)):
            rendered.each.append(pdf_write(document, groups[f"{ANCHOR}{index}"]))
            if on_each is not None:
                on_each(index + 1)
    return rendered


# --- a participation's certificate ----------------------------------------------------------------


def _participation_context(
    participation: Participation, person: Any, today: Any, language: str = ""
) -> dict[str, Any]:
    """`language` chosen at generation, else the participant's own (Participation.certificate_language)."""
    activity = participation.activity
    language = document_language(
        language or participation.certificate_language,
        default=organisation_language(activity.organisation),
    )
    return {
        "participation": participation,
        "activity": activity,
        "type_name": activity.activity_type.name(language),
        "person": person,
        "organisation": activity.organisation,
        "unit": activity.unit,
        "hours": certificate_hours(participation),
        "today": today,
        "language": language,
    }


def certificate_pdf(*, actor: User, participation: Participation, language: str = "") -> bytes:
    """The certificate of a completed participation (Http404 before completion), in `language` when one
    is chosen at generation, else in the participant's; audited with the language it was made in."""
    activity = participation.activity
    if not activity_can_manage(actor=actor, activity=activity):
        raise PermissionDenied
    if participation.status != ParticipationStatus.COMPLETED:
        raise Http404
    person = persons_with_keys([participation.person])[0]
    context = _participation_context(participation, person, timezone.localdate(), language)
    pdf = certificate_render(context)
    with transaction.atomic():
        audit_record(
            actor=actor,
            organisation=participation.organisation_id,
            action="programme.certificate.issued",
            obj=participation,
            unit=activity.unit,
            details={
                "activity": str(activity.public_id),
                "person": str(person.public_id),
                "language": context["language"],
                "number": participation.certificate_number,
            },
        )
    return pdf


# --- a course's certificates, in the background ------------------------------------------------------


def _completed(activity: Activity) -> list[Participation]:
    rows = list(
        Participation.objects.filter(activity=activity, status=ParticipationStatus.COMPLETED)
        .select_related(
            "person", "activity", "activity__activity_type", "activity__unit", "activity__organisation"
        )
        .order_by("pk")
    )
    persons = persons_with_keys([row.person for row in rows])
    for row, person in zip(rows, persons, strict=True):
        row.person = person
    # A printed stack in alphabetical order, family name then given name ("Çela" among the C's).
    return sorted(rows, key=lambda r: (_sort_key(r.person.family_name), _sort_key(r.person.given_name)))


def _sort_key(name: str | None) -> str:
    decomposed = unicodedata.normalize("NFKD", (name or "").casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def activity_certificates_count(*, activity: Activity) -> int:
    return Participation.objects.filter(activity=activity, status=ParticipationStatus.COMPLETED).count()


@transaction.atomic
def activity_certificates_request(*, actor: User, activity: Activity, language: str = "") -> DocumentJob:
    """Queue the certificates of every participant who completed the activity (one PDF and one ZIP),
    all in `language` when one is chosen, else each in its participant's language.

    Staff who manage the activity only (PermissionDenied otherwise); ValidationError when nobody has
    completed it, or for a language Kujdes does not offer. The job is shared with the others who
    manage the activity's unit."""
    if language and language not in offered_languages():
        raise ValidationError(_("Choose one of the offered languages."))
    if not activity_can_manage(actor=actor, activity=activity):
        raise PermissionDenied
    if not activity_certificates_count(activity=activity):
        raise ValidationError(_("Nobody has completed this activity yet: there is no certificate to make."))
    job = document_job_create(
        actor=actor,
        kind=JOB_KIND,
        task_path="kujdes.programme.certificates.activity_certificates_generate",
        unit=activity.unit,
        subject_id=str(activity.public_id),
        title=_("Certificates: %(activity)s") % {"activity": activity.title},
        shared_perm=Perm.PROGRAMME_MANAGE,
        params={"language": language} if language else None,
    )
    document_job_enqueue(job)
    return job


def _certificates_make(job: DocumentJob, actor: User, progress: Progress) -> list[DocumentOutput]:
    try:
        activity = activity_get(actor=actor, public_id=job.subject_id)
    except Activity.DoesNotExist:
        raise Http404 from None
    if not activity_can_manage(actor=actor, activity=activity):
        raise PermissionDenied
    progress(0, 1, "prepare")
    participations = _completed(activity)
    count = len(participations)
    if not count:
        raise Http404
    today = timezone.localdate()
    language = str((job.params or {}).get("language") or "")
    contexts = [_participation_context(p, p.person, today, language) for p in participations]
    # Progress: one step per page laid out, one per person's PDF, one for the whole PDF.
    total = 2 * count + 1
    rendered = certificates_render(
        contexts,
        each=True,
        title=job.title,
        on_page=lambda page: progress(min(page, count), total, "layout"),
        on_each=lambda done: progress(count + 1 + done, total, "write"),
    )
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zipped:
        for participation, pdf in zip(participations, rendered.each, strict=True):
            zipped.writestr(certificate_filename(participation), pdf)
    with transaction.atomic():
        audit_record(
            actor=actor,
            organisation=activity.organisation_id,
            action="programme.certificates.issued",
            obj=activity,
            unit=activity.unit,
            details={
                "job": str(job.public_id),
                "count": count,
                "participations": [str(p.public_id) for p in participations],
                "languages": sorted({context["language"] for context in contexts}),
            },
        )
    stem = f"certificates-{activity.public_id.hex[:8]}"
    return [
        DocumentOutput("pdf", f"{stem}.pdf", PDF, rendered.pdf, pages=rendered.pages),
        DocumentOutput("zip", f"{stem}.zip", ZIP, archive.getvalue(), pages=count),
    ]


@task()
def activity_certificates_generate(job_id: int) -> str:
    """The worker's side of `activity_certificates_request`: "done", "failed" or "skipped"."""
    return document_job_run(job_pk=job_id, make=_certificates_make)
