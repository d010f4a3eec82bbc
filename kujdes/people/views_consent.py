"""Recording and withdrawing consents (case workers): referral and transfer checks rely on them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kujdes.core.files import UploadRefused
from kujdes.core.forms import form_add_validation_error
from kujdes.core.roles import Perm
from kujdes.core.selectors import units_for_actor
from kujdes.people.consent import consent_record, consent_withdraw
from kujdes.people.models import Consent, ConsentGivenBy, ConsentMethod, ConsentPurpose, Person
from kujdes.people.selectors import person_get, persons_with_keys


class DateInput(forms.DateInput):
    input_type = "date"


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(
        label=gettext_lazy("Purpose"),
        # Sharing with a partner names the partner: that comes with the partner network.
        choices=[c for c in ConsentPurpose.choices if c[0] != ConsentPurpose.PARTNER_SHARING],
    )
    given_by = forms.ChoiceField(label=gettext_lazy("Given by"), choices=ConsentGivenBy.choices)
    guardian_name = forms.CharField(
        label=gettext_lazy("Name of the parent or guardian"), max_length=200, required=False
    )
    method = forms.ChoiceField(label=gettext_lazy("How"), choices=ConsentMethod.choices)
    given_on = forms.DateField(label=gettext_lazy("Given on"), widget=DateInput)
    document = forms.FileField(label=gettext_lazy("Signed form (optional)"), required=False)

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
    form = ConsentForm(
        request.POST if request.method == "POST" else None,
        request.FILES or None,
        initial={"given_on": timezone.localdate(), "purpose": request.GET.get("purpose", "")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consent_record(
                actor=request.user,
                person=person,
                purpose=data["purpose"],
                given_by=data["given_by"],
                method=data["method"],
                given_on=data["given_on"],
                guardian_name=data["guardian_name"],
                document=data["document"],
            )
        except ValidationError as error:
            form_add_validation_error(form, error)
        except UploadRefused as refused:
            form.add_error("document", str(refused))
        else:
            messages.success(request, _("Consent recorded."))
            return redirect("person_detail", public_id=person.public_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "people/consent_form.html", {"form": form, "person": person}, status=status)


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
