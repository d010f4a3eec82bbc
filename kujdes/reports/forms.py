from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kujdes.reports.models import ReportSettings
from kujdes.reports.selectors import Period, PeriodError, Scope, period_for_scope, period_from_params


def unit_choices(scope: Scope) -> list[tuple[str, str]]:
    top = min(unit.depth for unit in scope.units)
    return [(str(unit.public_id), "— " * (unit.depth - top) + unit.name) for unit in scope.units]


class PeriodUnitForm(forms.Form):
    """The dashboard's selectors: a unit of the actor's scope and a year, quarter, month or two dates."""

    unit = forms.ChoiceField(label=_("Unit"), required=False)
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    # Choices made per request (in __init__): "%" on a lazy string translates it at import, in the
    # default language, and every page then showed "Tremujori 1".
    quarter = forms.TypedChoiceField(label=_("Quarter"), coerce=int, required=False)
    month = forms.TypedChoiceField(label=_("Month"), coerce=int, required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data: Any, *, scope: Scope, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.scope = scope
        this_year = timezone.localdate().year
        self.fields["unit"].choices = unit_choices(scope)
        self.fields["year"].choices = [(y, str(y)) for y in range(this_year, this_year - 8, -1)]
        self.fields["quarter"].choices = [
            ("", _("Whole year")),
            *[(q, _("Quarter %(number)s") % {"number": q}) for q in range(1, 5)],
        ]
        months = [datetime.date(2000, m, 1) for m in range(1, 13)]
        from django.utils.dateformat import format as date_format

        self.fields["month"].choices = [
            ("", _("Whole year or quarter")),
            *[(d.month, date_format(d, "F")) for d in months],
        ]
        self.initial.setdefault("unit", str(scope.unit.public_id))
        self.initial.setdefault("year", this_year)

    def period(self) -> Period:
        """The chosen period (call after is_valid); PeriodError when the dates do not make one."""
        data = self.cleaned_data
        params: dict[str, Any] = {}
        if data.get("date_from") or data.get("date_to"):
            if not (data.get("date_from") and data.get("date_to")):
                raise PeriodError(_("Give both dates of the period, or none."))
            params = {"from": data["date_from"].isoformat(), "to": data["date_to"].isoformat()}
        else:
            params = {
                "year": data.get("year") or "",
                "quarter": data.get("quarter") or "",
                "month": data.get("month") or "",
            }
            if params["quarter"] and params["month"]:
                raise PeriodError(_("Choose a quarter or a month, not both."))
        return period_for_scope(scope=self.scope, period=period_from_params(params))


class ReportSettingsForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = ReportSettings
        fields = ["small_cell_threshold"]
