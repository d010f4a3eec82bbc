"""Recording and withdrawing consents (case workers): referral and transfer checks rely on them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kujdes.core.content_languages import document_language, language_is_rtl
from kujdes.core.files import UploadRefused
from kujdes.core.forms import form_add_validation_error
from kujdes.core.reads import ReadRow, identity_rows_read
from kujdes.core.roles import Perm
from kujdes.core.selectors import units_for_actor
from kujdes.people.consent import (
    consent_record,
    consent_withdraw,
    guardian_name_split,
    guardians_of,
    person_is_minor,
)
from kujdes.people.consent_texts import consent_text
from kujdes.people.forms import GUARDIAN_KINDS
from kujdes.people.models import (
    Consent,
    ConsentGivenBy,
    ConsentMethod,
    ConsentPurpose,
    Person,
    RelationKind,
)
from kujdes.people.selectors import person_get, persons_with_keys
from kujdes.people.services import person_guardian_register


class DateInput(forms.DateInput):
    input_type = "date"


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(
        label=gettext_lazy("Purpose"),
        # Sharing with a partner names the partner: that comes with the partner network; taking part
        # names an activity: that comes with the activity's registration and the camp's consent.
        choices=[
            c
            for c in ConsentPurpose.choices
            if c[0] not in (ConsentPurpose.PARTNER_SHARING, ConsentPurpose.ACTIVITY)
        ],
    )
    given_by = forms.ChoiceField(label=gettext_lazy("Given by"), choices=ConsentGivenBy.choices)
    guardian = forms.ChoiceField(label=gettext_lazy("Parent or guardian who gave it"), required=False)
    guardian_name = forms.CharField(
        label=gettext_lazy("Or the name of a parent or guardian not registered yet"),
        help_text=gettext_lazy("They are registered with the person, as the person's guardian."),
        max_length=200,
        required=False,
    )
    guardian_kind = forms.ChoiceField(
        label=gettext_lazy("The parent or guardian is the person's"),
        choices=GUARDIAN_KINDS,
        initial=RelationKind.PARENT,
        required=False,
    )
    method = forms.ChoiceField(label=gettext_lazy("How"), choices=ConsentMethod.choices)
    # The language the text was read in: she consents to what she understood.
    # Not required: a form posted without it (a script, an old page) records the interface language.
    language = forms.ChoiceField(
        label=gettext_lazy("Read to the person in"), choices=settings.LANGUAGES, required=False
    )
    given_on = forms.DateField(label=gettext_lazy("Given on"), widget=DateInput)
    document = forms.FileField(label=gettext_lazy("Signed form (optional)"), required=False)

    def __init__(self, *args: Any, guardians: list[Person], minor: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.minor = minor
        self.fields["guardian"].choices = [
            ("", "—"),
            *(
                (str(g.public_id), f"{g.given_name or ''} {g.family_name or ''} ({g.code})")
                for g in guardians
            ),
        ]
        if minor:
            self.fields["given_by"].initial = ConsentGivenBy.GUARDIAN

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        by_guardian = data.get("given_by") == ConsentGivenBy.GUARDIAN
        if self.minor and data.get("given_by") == ConsentGivenBy.SELF:
            self.add_error("given_by", _("A child's consent is given by a parent or guardian."))
        if by_guardian and not data.get("guardian") and not (data.get("guardian_name") or "").strip():
            self.add_error("guardian", _("Choose the parent or guardian, or give their name."))
        if data.get("guardian") and (data.get("guardian_name") or "").strip():
            self.add_error("guardian_name", _("Choose a registered guardian or give a name, not both."))
        return data

    def clean_given_on(self) -> Any:
        value = self.cleaned_data["given_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value


def _person_for_consent(request: HttpRequest, public_id: Any) -> Person:
    try:
        person = person_get(actor=request.user, public_id=str(public_id))
    except (Person.DoesNotExist, ValidationError):
        raise Http404 from None
    allowed = units_for_actor(actor=request.user, perm=Perm.CONSENT_MANAGE).filter(pk=person.unit_id).exists()
    if not allowed:
        raise PermissionDenied
    return persons_with_keys([person])[0]


@require_http_methods(["GET", "POST"])
def person_consent_add(request: HttpRequest, public_id: Any) -> HttpResponse:
    person = _person_for_consent(request, public_id)
    guardians = guardians_of(person=person)
    # The text to read: in the language asked for (?language=, the "Read in" links), else the interface's.
    read_in = document_language(request.GET.get("language"), default=translation.get_language() or "")
    purpose = request.GET.get("purpose", "") or ConsentPurpose.CASE_MANAGEMENT
    form = ConsentForm(
        request.POST if request.method == "POST" else None,
        request.FILES or None,
        initial={"given_on": timezone.localdate(), "purpose": purpose, "language": read_in},
        guardians=guardians,
        minor=person_is_minor(person=person),
    )
    if guardians:
        identity_rows_read(
            request=request,
            action="person.guardians.viewed",
            rows=[ReadRow.of(guardian) for guardian in guardians],
            obj=person,
            unit=person.unit,
            enforce=request.method == "GET",
        )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        guardian = next((g for g in guardians if str(g.public_id) == data["guardian"]), None)
        by_guardian = data["given_by"] == ConsentGivenBy.GUARDIAN
        try:
            with transaction.atomic():
                if by_guardian and guardian is None:
                    given, family = guardian_name_split(data["guardian_name"])
                    guardian = person_guardian_register(
                        actor=request.user,
                        person=person,
                        given_name=given,
                        family_name=family,
                        kind=data["guardian_kind"] or RelationKind.PARENT,
                    )
                consent_record(
                    actor=request.user,
                    person=person,
                    purpose=data["purpose"],
                    given_by=data["given_by"],
                    method=data["method"],
                    given_on=data["given_on"],
                    guardian=guardian if by_guardian else None,
                    document=data["document"],
                    language=data["language"] or read_in,
                )
        except ValidationError as error:
            form_add_validation_error(form, error)
        except UploadRefused as refused:
            form.add_error("document", str(refused))
        else:
            messages.success(request, _("Consent recorded."))
            return redirect("person_detail", public_id=person.public_id)
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "person": person,
        "read_in": read_in,
        "read_purpose": purpose,
        "read_text": consent_text(purpose, read_in),
        "read_rtl": language_is_rtl(read_in),
        "read_languages": settings.LANGUAGES,
        "read_purposes": [(value, label) for value, label in form.fields["purpose"].choices],
    }
    return render(request, "people/consent_form.html", context, status=status)


@require_POST
def person_consent_withdraw(request: HttpRequest, public_id: Any, consent_id: Any) -> HttpResponse:
    person = _person_for_consent(request, public_id)
    try:
        consent = Consent.objects.get(person=person, public_id=str(consent_id), withdrawn_on__isnull=True)
    except (Consent.DoesNotExist, ValidationError):
        raise Http404 from None
    consent_withdraw(actor=request.user, consent=consent)
    messages.success(request, _("Consent withdrawn."))
    return redirect("person_detail", public_id=person.public_id)
