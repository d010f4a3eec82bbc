"""The decision on a pair of the duplicates queue."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kujdes.people.models import PairStatus
from kujdes.people.services import MERGE_CHOICE_FIELDS

FIELD_LABELS = {
    "given_name": _("Given name"),
    "family_name": _("Family name"),
    "date_of_birth": _("Date of birth"),
    "sex": _("Sex"),
    "municipality": _("Municipality"),
    "address": _("Address"),
    "phones": _("Phone numbers"),
    "id_documents": _("Identity documents"),
    "citizenships": _("Citizenships"),
}
SIDE_LABELS = {"first": _("Record 1"), "second": _("Record 2"), "both": _("Both")}


class PairDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (PairStatus.SAME, _("The same person: merge them (a colleague approves)")),
            (PairStatus.DIFFERENT, _("Not the same person (never proposed again)")),
            (PairStatus.UNSURE, _("Unsure: decide later")),
        ],
        widget=forms.RadioSelect,
    )
    keep = forms.ChoiceField(
        label=_("Record kept"),
        choices=[("first", _("Record 1")), ("second", _("Record 2"))],
        initial="first",
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field, options in MERGE_CHOICE_FIELDS.items():
            sides = ["first", "second", "both"] if "both" in options else ["first", "second"]
            self.fields[f"choice_{field}"] = forms.ChoiceField(
                label=FIELD_LABELS[field],
                choices=[(side, SIDE_LABELS[side]) for side in sides],
                initial="both" if "both" in sides else "first",
                widget=forms.RadioSelect,
                required=False,
            )

    def choice_fields(self) -> list[Any]:
        return [self[f"choice_{field}"] for field in MERGE_CHOICE_FIELDS]

    def merge_choices(self) -> tuple[str, dict[str, str]]:
        """The kept side and the per-field choices in the merge's terms ("kept", "duplicate", "both")."""
        keep = self.cleaned_data.get("keep") or "first"
        choices = {}
        for field, options in MERGE_CHOICE_FIELDS.items():
            side = self.cleaned_data.get(f"choice_{field}") or ("both" if "both" in options else keep)
            choices[field] = "both" if side == "both" else ("kept" if side == keep else "duplicate")
        return keep, choices
