"""Forms of the report builder and of saved reports."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kujdes.reports.catalogue import catalogue
from kujdes.reports.engine import dims_allowed
from kujdes.reports.forms import PeriodUnitForm, unit_choices
from kujdes.reports.models import PeriodKind
from kujdes.reports.selectors import Scope
from kujdes.reports.sources import DISAGGREGATIONS

# Above this a report is slow to compute and unreadable: split it into several.
MAX_INDICATORS = 30


def _dims_in_use() -> list[str]:
    used = {dim for indicator in catalogue().values() for dim in dims_allowed(indicator)}
    return [dim for dim in DISAGGREGATIONS if dim in used]


class ReportChoicesMixin(forms.Form):
    """Indicators, disaggregations and language: what the builder and the edit page share."""

    indicators = forms.MultipleChoiceField(
        label=_("Indicators"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one indicator.")},
    )
    dims = forms.MultipleChoiceField(
        label=_("Disaggregations"), widget=forms.CheckboxSelectMultiple, required=False
    )
    language = forms.ChoiceField(
        label=_("Language of the report"), choices=settings.LANGUAGES, required=False
    )

    def _choices_init(self) -> None:
        self.fields["indicators"].choices = [(code, i.name()) for code, i in catalogue().items()]
        self.fields["dims"].choices = [(dim, DISAGGREGATIONS[dim]) for dim in _dims_in_use()]
        self.initial.setdefault("language", (get_language() or "sq")[:2])

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        data["language"] = data.get("language") or (get_language() or "sq")[:2]
        codes = data.get("indicators") or []
        if len(codes) > MAX_INDICATORS:
            self.add_error("indicators", _("Choose at most %(n)s indicators.") % {"n": MAX_INDICATORS})
        dims = data.get("dims") or []
        if codes:
            allowed = {dim for code in codes for dim in dims_allowed(catalogue()[code])}
            refused = [str(DISAGGREGATIONS[d]) for d in dims if d not in allowed]
            if refused:
                self.add_error(
                    "dims",
                    _("None of the chosen indicators can be broken down by: %(dims)s.")
                    % {"dims": ", ".join(refused)},
                )
        return data

    def dim_rows(self, chosen: set[str]) -> list[tuple[str, Any, str, bool]]:
        """Each disaggregation: value, label, the indicators allowing it, whether a chosen one does."""
        rows = []
        for dim, label in self.fields["dims"].choices:
            allowing = [i for i in catalogue().values() if dim in dims_allowed(i)]
            names = ", ".join(i.name() for i in allowing)
            rows.append((dim, label, names, not chosen or any(i.code in chosen for i in allowing)))
        return rows


class BuilderForm(ReportChoicesMixin, PeriodUnitForm):
    """The builder: indicators, a period (year, quarter, month or dates), a unit, disaggregations."""

    def __init__(self, data: Any, *, scope: Scope, **kwargs: Any) -> None:
        super().__init__(data, scope=scope, **kwargs)
        self._choices_init()


class SaveReportForm(forms.Form):
    """ "Save as…": a name, which period the saved report covers each time it is opened, monthly files."""

    name = forms.CharField(
        label=_("Name"), max_length=200, error_messages={"required": _("Give the report a name.")}
    )
    period_kind = forms.ChoiceField(
        label=_("Period of the saved report"),
        choices=PeriodKind.choices,
        initial=PeriodKind.LAST_MONTH,
        help_text=_("“Dates chosen” keeps the dates of the period shown above."),
    )
    monthly = forms.BooleanField(
        label=_("Generate every month"),
        required=False,
        help_text=_("At the start of each month the report is made for the month before, as XLSX and PDF."),
    )


class ReportEditForm(ReportChoicesMixin):
    """A saved report's choices."""

    name = forms.CharField(
        label=_("Name"), max_length=200, error_messages={"required": _("Give the report a name.")}
    )
    unit = forms.ChoiceField(label=_("Unit"))
    period = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices)
    starts_on = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    monthly = forms.BooleanField(
        label=_("Generate every month"),
        required=False,
        help_text=_("At the start of each month the report is made for the month before, as XLSX and PDF."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    field_order = [
        "name",
        "unit",
        "indicators",
        "dims",
        "period",
        "starts_on",
        "ends_on",
        "language",
        "monthly",
    ]

    def __init__(self, data: Any, *, scope: Scope, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self._choices_init()
        self.fields["unit"].choices = unit_choices(scope)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("period") == PeriodKind.CUSTOM:
            start, end = data.get("starts_on"), data.get("ends_on")
            if not start or not end:
                self.add_error("starts_on", _("A report over dates chosen needs both dates."))
            elif end < start:
                self.add_error("ends_on", _("The end of the period is before its start."))
        return data
