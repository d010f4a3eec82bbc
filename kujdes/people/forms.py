"""Forms of the person registry: they parse and check what was typed; services decide the rest."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kujdes.people.models import (
    ConsentGivenBy,
    ConsentMethod,
    ConsentPurpose,
    Education,
    MaritalStatus,
    PersonCategory,
    RelationKind,
    Sex,
)
from kujdes.people.services import COUNTRY_CODES

# The consents a case worker records at registration (DESIGN.md §4). Sharing with a partner names the
# partner and comes with the network; taking part names an activity and comes with it.
INTAKE_PURPOSES = (
    ConsentPurpose.CASE_MANAGEMENT,
    ConsentPurpose.REFERRAL,
    ConsentPurpose.STATISTICS,
    ConsentPurpose.PHOTOS,
)
# Who may be a child's parent or guardian (not their child).
GUARDIAN_KINDS = [(kind, label) for kind, label in RelationKind.choices if kind != RelationKind.CHILD]

DOCUMENT_TYPES = ("id_card", "passport", "birth_certificate", "residence_permit", "other")
LINE_LIMIT = 20


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _codes(text: str) -> list[str]:
    return [code.strip() for code in (text or "").replace(";", ",").split(",") if code.strip()]


def documents_parse(text: str) -> list[dict[str, str]]:
    """Lines like "passport: BA1234567" (the type is optional: an identity card by default)."""
    documents = []
    for line in _lines(text):
        kind, sep, number = line.partition(":")
        if not sep:
            kind, number = "id_card", line
        kind = kind.strip().lower().replace(" ", "_")
        if kind not in DOCUMENT_TYPES:
            raise forms.ValidationError(
                _("Start each line with one of: %(types)s, then a colon and the number."),
                params={"types": ", ".join(DOCUMENT_TYPES)},
            )
        if not number.strip() or len(number.strip()) > 40:
            raise forms.ValidationError(_("Each document needs a number (at most 40 characters)."))
        documents.append({"type": kind, "number": number.strip()})
    return documents


def documents_text(documents: list[dict[str, Any]] | None) -> str:
    return "\n".join(f"{d.get('type', 'id_card')}: {d.get('number', '')}" for d in documents or [])


class PersonForm(forms.Form):
    """The registration and edit form; `minimal` keeps what a field educator records (plus consent)."""

    unit = forms.ChoiceField(label=_("Unit"))
    given_name = forms.CharField(label=_("Given name"), max_length=100)
    family_name = forms.CharField(label=_("Family name"), max_length=100, required=False)
    other_names = forms.CharField(
        label=_("Other names and aliases"),
        help_text=_("One per line."),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    date_of_birth = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    birth_year = forms.IntegerField(label=_("Year of birth"), required=False, min_value=1900)
    age = forms.IntegerField(
        label=_("Age, if the year is not known"),
        help_text=_("The year of birth is then estimated from it."),
        required=False,
        min_value=0,
        max_value=120,
    )
    birth_date_estimated = forms.BooleanField(
        label=_("The date or year of birth is estimated"), required=False
    )
    municipality = forms.CharField(label=_("Municipality"), max_length=64, required=False)
    citizenships = forms.CharField(
        label=_("Citizenships"),
        help_text=_("Country codes separated by commas, such as AL, XK."),
        max_length=100,
        required=False,
    )
    categories = forms.MultipleChoiceField(
        label=_("Categories"),
        choices=PersonCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.CharField(
        label=_("Languages"),
        help_text=_("Language codes separated by commas, such as sq, en."),
        max_length=100,
        required=False,
    )
    education = forms.ChoiceField(
        label=_("Highest level of education"), choices=[("", "—"), *Education.choices], required=False
    )
    marital_status = forms.ChoiceField(
        label=_("Marital status"), choices=[("", "—"), *MaritalStatus.choices], required=False
    )
    children_count = forms.IntegerField(
        label=_("Number of children"), required=False, min_value=0, max_value=30
    )
    phones = forms.CharField(
        label=_("Phone numbers"),
        help_text=_("One per line."),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "inputmode": "tel"}),
    )
    id_documents = forms.CharField(
        label=_("Identity documents"),
        help_text=_('One per line, such as "passport: BA1234567" or "id_card: I12345678A".'),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    address = forms.CharField(
        label=_("Address"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )
    # Minimal registration (field educators): the consent to be registered, recorded with the person.
    consent_given = forms.BooleanField(
        label=_("The person (or a parent or guardian) agreed to be registered"), required=False
    )
    consent_given_by = forms.ChoiceField(
        label=_("Agreement given by"), choices=ConsentGivenBy.choices, initial=ConsentGivenBy.SELF
    )
    consent_method = forms.ChoiceField(
        label=_("How"), choices=ConsentMethod.choices, initial=ConsentMethod.ORAL
    )
    # Full registration (case workers): the consents of DESIGN.md §4, recorded with the person.
    consents = forms.MultipleChoiceField(
        label=_("Consents given"),
        choices=[(p, label) for p, label in ConsentPurpose.choices if p in INTAKE_PURPOSES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick what the person (or, for a child, a parent or guardian) agreed to."),
    )
    guardian_code = forms.CharField(
        label=_("Code of the parent or guardian, if registered"),
        help_text=_("Such as AL-SHK-2026-000123. Leave empty to register them with their name below."),
        max_length=40,
        required=False,
    )
    guardian_name = forms.CharField(label=_("Name of the parent or guardian"), max_length=200, required=False)
    guardian_kind = forms.ChoiceField(
        label=_("The parent or guardian is the person's"),
        choices=GUARDIAN_KINDS,
        initial=RelationKind.PARENT,
        required=False,
    )
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    MINIMAL_FIELDS = (
        "unit",
        "given_name",
        "sex",
        "birth_year",
        "age",
        "municipality",
        "categories",
        "consent_given",
        "consent_given_by",
        "consent_method",
        "guardian_name",
        "guardian_kind",
    )
    # Minimal registration only / full registration only / both.
    MINIMAL_CONSENT_FIELDS = ("consent_given",)
    FULL_CONSENT_FIELDS = ("consents", "guardian_code")
    CONSENT_FIELDS = ("consent_given_by", "consent_method", "guardian_name", "guardian_kind")

    def __init__(
        self,
        *args: Any,
        units: list[tuple[str, str]] | None = None,
        municipalities: tuple[str, ...] | None = None,
        minimal: bool = False,
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.minimal = minimal
        self.municipalities = municipalities
        if minimal:
            for name in list(self.fields):
                if name not in self.MINIMAL_FIELDS:
                    del self.fields[name]
            self.fields["categories"].required = True
            self.fields["consent_given"].required = True
        else:
            for name in self.MINIMAL_CONSENT_FIELDS:
                del self.fields[name]
            # Consents are optional here: who gave them and how matter only once one is ticked.
            self.fields["consent_given_by"].required = False
            self.fields["consent_method"].required = False
        if editing:
            # Consents are recorded (and withdrawn) on the person page once the person exists.
            for name in (*self.FULL_CONSENT_FIELDS, *self.CONSENT_FIELDS):
                self.fields.pop(name, None)
        if editing:
            del self.fields["unit"]
            self.fields["version"].required = True
        else:
            self.fields.pop("version", None)
            self.fields["unit"].choices = units or []
            if units and len(units) == 1:
                self.fields["unit"].initial = units[0][0]
        self.fields["birth_year"].max_value = timezone.localdate().year
        self.fields["birth_year"].widget.attrs.update(
            {"max": timezone.localdate().year, "inputmode": "numeric"}
        )
        if municipalities is not None:
            self.fields["municipality"].widget.attrs["list"] = "municipalities"
            self.fields["municipality"].help_text = _("Choose from the list.")

    def clean_municipality(self) -> str:
        value = self.cleaned_data.get("municipality", "").strip()
        if value and self.municipalities is not None and value not in self.municipalities:
            # Accept the list's spelling whatever the case or diacritics typed (tirane → Tiranë).
            from kujdes.core.crypto import normalise_text

            matches = [m for m in self.municipalities if normalise_text(m) == normalise_text(value)]
            if len(matches) != 1:
                raise forms.ValidationError(_("Choose a municipality from the list."))
            value = matches[0]
        return value

    def clean_citizenships(self) -> list[str]:
        codes = [code.upper() for code in _codes(self.cleaned_data.get("citizenships", ""))]
        unknown = [code for code in codes if code not in COUNTRY_CODES]
        if unknown:
            raise forms.ValidationError(_("Give ISO 3166 country codes, such as AL or XK."))
        return list(dict.fromkeys(codes))

    def clean_languages(self) -> list[str]:
        codes = [code.lower() for code in _codes(self.cleaned_data.get("languages", ""))]
        if any(not (code.isascii() and code.isalpha() and 2 <= len(code) <= 3) for code in codes):
            raise forms.ValidationError(_("Give ISO 639 language codes, such as sq or en."))
        return list(dict.fromkeys(codes))

    def clean_other_names(self) -> list[str]:
        names = _lines(self.cleaned_data.get("other_names", ""))
        if len(names) > LINE_LIMIT:
            raise forms.ValidationError(_("At most %(count)d lines."), params={"count": LINE_LIMIT})
        return names

    def clean_phones(self) -> list[str]:
        phones = _lines(self.cleaned_data.get("phones", ""))
        if len(phones) > LINE_LIMIT or any(len(p) > 30 for p in phones):
            raise forms.ValidationError(_("One phone number per line, each under 30 characters."))
        if any(sum(ch.isdigit() for ch in p) < 6 for p in phones):
            raise forms.ValidationError(_("A phone number needs at least 6 digits."))
        return phones

    def clean_id_documents(self) -> list[dict[str, str]]:
        return documents_parse(self.cleaned_data.get("id_documents", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        age = data.get("age")
        born: datetime.date | None = data.get("date_of_birth")
        today = timezone.localdate()
        if born is not None and born > today:
            self.add_error("date_of_birth", _("The date cannot be in the future."))
        if age is not None:
            if data.get("birth_year") or born:
                self.add_error("age", _("Give either an age or a year or date of birth, not both."))
            else:
                data["birth_year"] = today.year - age
                data["birth_date_estimated"] = True
        if born is not None and data.get("birth_year") and data["birth_year"] != born.year:
            self.add_error("birth_year", _("The year does not match the date of birth."))
        if "consent_given_by" in self.fields:
            self._consent_clean(data, today)
        return data

    def _consent_clean(self, data: dict[str, Any], today: datetime.date) -> None:
        """A child's consent is given by a parent or guardian, who is named: registered already (by
        code) or registered now, with the child (their name)."""
        given = bool(data.get("consents")) if not self.minimal else bool(data.get("consent_given"))
        if not given:
            return
        year = data.get("birth_year") or (data["date_of_birth"].year if data.get("date_of_birth") else None)
        child = year is not None and today.year - year < 18
        by_guardian = data.get("consent_given_by") == ConsentGivenBy.GUARDIAN
        if child and not by_guardian:
            self.add_error("consent_given_by", _("A child's consent is given by a parent or guardian."))
        named = (data.get("guardian_name") or "").strip() or (data.get("guardian_code") or "").strip()
        if by_guardian and not named:
            self.add_error("guardian_name", _("Give the name of the parent or guardian."))

    def consent_values(self) -> dict[str, Any]:
        """What the view records with the person: purposes, who gave them, how, and the guardian."""
        data = self.cleaned_data
        if self.minimal:
            purposes = [ConsentPurpose.CASE_MANAGEMENT] if data.get("consent_given") else []
        else:
            purposes = list(data.get("consents") or [])
        by_guardian = data.get("consent_given_by") == ConsentGivenBy.GUARDIAN
        return {
            "purposes": purposes,
            "given_by": data.get("consent_given_by") or ConsentGivenBy.SELF,
            "method": data.get("consent_method") or ConsentMethod.ORAL,
            "guardian_code": (data.get("guardian_code") or "").strip() if by_guardian else "",
            "guardian_name": (data.get("guardian_name") or "").strip() if by_guardian else "",
            "guardian_kind": data.get("guardian_kind") or RelationKind.PARENT,
        }

    def person_values(self) -> dict[str, Any]:
        """What person_create / person_update take, from the cleaned data."""
        data = self.cleaned_data
        values = {
            name: data[name]
            for name in (
                "given_name",
                "family_name",
                "other_names",
                "date_of_birth",
                "id_documents",
                "phones",
                "address",
                "sex",
                "birth_year",
                "birth_date_estimated",
                "municipality",
                "citizenships",
                "categories",
                "languages",
                "education",
                "marital_status",
                "children_count",
            )
            if name in data
        }
        return values


def person_initial(person: Any, identity: dict[str, Any]) -> dict[str, Any]:
    """Initial values of the edit form from a person and their decrypted identity."""
    return {
        "given_name": identity.get("given_name") or "",
        "family_name": identity.get("family_name") or "",
        "other_names": "\n".join(identity.get("other_names") or []),
        "date_of_birth": identity.get("date_of_birth"),
        "id_documents": documents_text(identity.get("id_documents")),
        "phones": "\n".join(identity.get("phones") or []),
        "address": identity.get("address") or "",
        "sex": person.sex,
        "birth_year": person.birth_year,
        "birth_date_estimated": person.birth_date_estimated,
        "municipality": person.municipality,
        "citizenships": ", ".join(person.citizenships or []),
        "categories": person.categories or [],
        "languages": ", ".join(person.languages or []),
        "education": person.education,
        "marital_status": person.marital_status,
        "children_count": person.children_count,
        "version": person.version,
    }


class PersonSearchForm(forms.Form):
    q = forms.CharField(label=_("Name, code, phone or ID number"), max_length=100, required=False)
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All")), *PersonCategory.choices], required=False
    )
    unit = forms.ChoiceField(label=_("Unit"), required=False)

    def __init__(self, *args: Any, units: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("All my units")), *(units or [])]


class RelationForm(forms.Form):
    """Link a relative: an existing person (by code) or a new family member with minimal fields."""

    kind = forms.ChoiceField(label=_("The relative is the person's"), choices=RelationKind.choices)
    is_guardian = forms.BooleanField(label=_("Parent or legal guardian of this person"), required=False)
    relative_code = forms.CharField(
        label=_("Code of a registered person"),
        help_text=_("Such as AL-SHK-2026-000123. Leave empty to register a new family member below."),
        max_length=40,
        required=False,
    )
    given_name = forms.CharField(label=_("Given name"), max_length=100, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=100, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    birth_year = forms.IntegerField(label=_("Year of birth"), required=False, min_value=1900)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        year = data.get("birth_year")
        if year is not None and year > timezone.localdate().year:
            self.add_error("birth_year", _("Give a year between 1900 and this year."))
        if not (data.get("relative_code") or "").strip() and not (data.get("given_name") or "").strip():
            raise forms.ValidationError(
                _("Give the code of a registered person, or the new relative's name.")
            )
        return data


class MergeProposeForm(forms.Form):
    other_code = forms.CharField(
        label=_("Code of the other record of the same person"),
        max_length=40,
        help_text=_("Such as AL-SHK-2026-000123."),
    )
    keep = forms.ChoiceField(
        label=_("Which record is kept?"),
        choices=[("this", _("This record")), ("other", _("The other record"))],
        initial="this",
        widget=forms.RadioSelect,
    )


class HouseholdForm(forms.Form):
    member_code = forms.CharField(
        label=_("Code of a person in the household to join"),
        help_text=_("Leave empty to open a new household."),
        max_length=40,
        required=False,
    )
