"""The figures page's choices: which year, which indicators."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.utils.translation import gettext_lazy as _


class FiguresForm(forms.Form):
    """Year and indicators from the query string; a bad value is reported and the defaults are used."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    indicators = forms.MultipleChoiceField(
        label=_("Indicators"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self, data: object = None, *, years: Sequence[int], indicators: Sequence[tuple[str, str]]
    ) -> None:
        super().__init__(data)  # type: ignore[arg-type]
        self.fields["year"].choices = [(year, str(year)) for year in years]
        self.fields["indicators"].choices = list(indicators)
