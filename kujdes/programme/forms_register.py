"""Forms of the phone screens: late additions and headcounts. They check shape only; the services decide.

The headcount's numbers are text fields on purpose: whatever was typed ("12", "-3", "abc") reaches
services.headcount_clean, whose messages are shown next to each input with the typed value kept.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kujdes.programme.models import HeadcountCategory, HeadcountSex
from kujdes.programme.services import REACH_FIELDS


class LateAddForm(forms.Form):
    code = forms.CharField(
        label=_("Person code"),
        max_length=40,
        help_text=_("The code of a registered person who came without being enrolled."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update({"autocomplete": "off", "autocapitalize": "characters"})


def _number_input() -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 6})


class HeadcountForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    category = forms.ChoiceField(
        label=_("Who was counted"), choices=HeadcountCategory.choices, initial=HeadcountCategory.GENERAL
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    reach_families = forms.CharField(
        label=_("Families"), max_length=12, required=False, widget=_number_input()
    )
    reach_community = forms.CharField(
        label=_("Community members"), max_length=12, required=False, widget=_number_input()
    )
    reach_media = forms.CharField(
        label=_("Media audience"), max_length=12, required=False, widget=_number_input()
    )
    reach_online = forms.CharField(
        label=_("Online audience"), max_length=12, required=False, widget=_number_input()
    )
    reach_method = forms.CharField(
        label=_("How the indirect reach was estimated"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    notes = forms.CharField(label=_("Notes"), max_length=500, required=False)

    REACH = REACH_FIELDS

    def __init__(self, *args: Any, bounds: tuple[int, ...], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.bounds = bounds
        # The grid: sex × age group, read from the raw data (kept as typed).
        self.cell_errors: dict[str, list[str]] = {}

    def cell_name(self, sex: str, age_from: int) -> str:
        return f"cell-{sex}-{age_from}"

    def cell_value(self, sex: str, age_from: int) -> str:
        if not self.is_bound:
            return ""
        return str(self.data.get(self.cell_name(sex, age_from), ""))[:12]

    def cells(self) -> dict[tuple[str, int, str], Any]:
        """What services.headcount_record takes: (sex, age_from, category) → the typed value."""
        category = self.cleaned_data.get("category") or HeadcountCategory.GENERAL
        return {
            (sex, age_from, category): self.cell_value(sex, age_from)
            for sex in HeadcountSex.values
            for age_from in self.bounds
            if self.cell_value(sex, age_from).strip()
        }

    def reach(self) -> dict[str, Any]:
        return {field: self.cleaned_data.get(field, "") for field in self.REACH}
