"""A course's certificates in the background: the page that asks for them and lists the latest jobs.

The job's progress and files are on the document job's page (kujdes/core/documents/views.py).
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from kujdes.core.documents.selectors import document_jobs_of_subject
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm
from kujdes.programme import selectors as sel
from kujdes.programme.certificates import JOB_KIND, activity_certificates_count, activity_certificates_request
from kujdes.programme.models import Activity


class CertificatesLanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of the certificates"), required=False, choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Each in its participant's language")), *settings.LANGUAGES]


@require_http_methods(["GET", "POST"])
def activity_certificates(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """GET: how many certificates there are and the latest files; POST: make them all."""
    if not actor_has_perm(actor=request.user, perm=Perm.PROGRAMME_VIEW):
        raise PermissionDenied
    try:
        activity = sel.activity_get(actor=request.user, public_id=str(public_id))
    except Activity.DoesNotExist:
        raise Http404 from None
    if not sel.activity_can_manage(actor=request.user, activity=activity):
        raise PermissionDenied
    error = ""
    form = CertificatesLanguageForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        language = form.cleaned_data["language"] if form.is_valid() else "?"
        try:
            job = activity_certificates_request(actor=request.user, activity=activity, language=language)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            return redirect("document_job", public_id=job.public_id)
    context = {
        "activity": activity,
        "count": activity_certificates_count(activity=activity),
        "jobs": document_jobs_of_subject(
            actor=request.user, kind=JOB_KIND, subject_id=str(activity.public_id)
        ),
        "error": error,
        "form": form,
    }
    return render(request, "programme/activity_certificates.html", context, status=400 if error else 200)
