from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kujdes.network.releases.models import K_MIN, DPMechanism, Release
from kujdes.reports.release_counts import release_dims, release_indicators
from kujdes.reports.selectors import PeriodError, period_custom, period_month, period_quarter, period_year
from kujdes.reports.sources import DISAGGREGATIONS

PERIOD_KINDS = (
    ("year", _("A year")),
    ("quarter", _("A quarter")),
    ("month", _("A month")),
    ("dates", _("From one date to another")),
)


def _indicator_choices() -> list[tuple[str, str]]:
    return [(code, indicator.name()) for code, indicator in release_indicators().items()]


def _dim_choices() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for indicator in release_indicators().values():
        for dim in release_dims(indicator):
            seen.setdefault(dim, str(DISAGGREGATIONS[dim]))
    return list(seen.items())


class ReleaseForm(forms.Form):
    """A draft: period, indicators, breakdowns, k and (when available) differential privacy."""

    title = forms.CharField(label=_("Title"), max_length=200)
    period_kind = forms.ChoiceField(label=_("Period"), choices=PERIOD_KINDS, initial="year")
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        choices=[("", "—")] + [(str(q), f"T{q}") for q in range(1, 5)],
        coerce=int,
        required=False,
    )
    month = forms.TypedChoiceField(
        label=_("Month"),
        choices=[("", "—")] + [(str(m), f"{m:02d}") for m in range(1, 13)],
        coerce=int,
        required=False,
    )
    start = forms.DateField(
        label=_("First day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label=_("Last day"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    indicators = forms.MultipleChoiceField(
        label=_("Indicators"), choices=_indicator_choices, widget=forms.CheckboxSelectMultiple
    )
    dims = forms.MultipleChoiceField(
        label=_("Broken down by"),
        choices=_dim_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Each chosen indicator is broken down by the disaggregations it allows. Unit and "
            "municipality never leave the organisation: too fine."
        ),
    )
    k = forms.IntegerField(
        label=_("Smallest count released (k)"),
        min_value=K_MIN,
        max_value=1000,
        initial=K_MIN,
        help_text=_("Counts from 1 to k−1 are withheld. At least 11 (CTDC's rule); you may only raise it."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, release: Release | None = None, **kwargs: Any) -> None:
        if release is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(release)
        super().__init__(*args, **kwargs)
        self.fields["dp_enabled"] = forms.BooleanField(
            label=_("Add differential-privacy noise instead of withholding small counts"),
            required=False,
            help_text=_(
                "Every number is released with a little random noise, small ones too; nothing is "
                "withheld. Only for breakdowns that add up to their total (sex, age group…)."
            ),
        )
        self.fields["dp_epsilon"] = forms.FloatField(
            label=_("Epsilon (ε)"),
            required=False,
            min_value=0.01,
            max_value=10,
            help_text=_(
                "How much one person can change what is published: smaller means more noise and more "
                "privacy. 1 is a common choice; it is shared between the release's tables."
            ),
        )
        self.fields["dp_delta"] = forms.FloatField(
            label=_("Delta (δ)"),
            required=False,
            min_value=0,
            max_value=0.01,
            help_text=_(
                "The tiny chance that the guarantee does not hold (Gaussian noise only), e.g. 0.000001."
            ),
        )
        self.fields["dp_mechanism"] = forms.ChoiceField(
            label=_("Noise"),
            choices=DPMechanism.choices,
            initial=DPMechanism.DISCRETE_GAUSSIAN,
            required=False,
        )

    @staticmethod
    def initial_from(release: Release) -> dict[str, Any]:
        entries = (release.spec or {}).get("indicators", [])
        dims: list[str] = []
        for entry in entries:
            dims.extend(d for d in entry.get("dims", []) if d not in dims)
        start, end = release.period_start, release.period_end
        initial: dict[str, Any] = {
            "title": release.title,
            "indicators": [e["code"] for e in entries],
            "dims": dims,
            "k": release.k,
            "version": release.version,
            "dp_enabled": release.dp_enabled,
            "dp_epsilon": release.dp_epsilon,
            "dp_delta": release.dp_delta,
            "dp_mechanism": release.dp_mechanism or DPMechanism.DISCRETE_GAUSSIAN,
            "period_kind": "dates",
            "start": start,
            "end": end,
        }
        if (start, end) == (period_year(start.year).start, period_year(start.year).end):
            initial.update(period_kind="year", year=start.year)
        elif start.day == 1 and (start, end) == (
            period_month(start.year, start.month).start,
            period_month(start.year, start.month).end,
        ):
            initial.update(period_kind="month", year=start.year, month=start.month)
        elif start.month in (1, 4, 7, 10) and start.day == 1:
            quarter = (start.month - 1) // 3 + 1
            if end == period_quarter(start.year, quarter).end:
                initial.update(period_kind="quarter", year=start.year, quarter=quarter)
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("period_kind")
        year = data.get("year")
        try:
            if kind in ("year", "quarter", "month") and not year:
                self.add_error("year", _("Give the year."))
            elif kind == "year":
                data["period"] = period_year(year)
            elif kind == "quarter":
                if not data.get("quarter"):
                    self.add_error("quarter", _("Choose the quarter."))
                else:
                    data["period"] = period_quarter(year, data["quarter"])
            elif kind == "month":
                if not data.get("month"):
                    self.add_error("month", _("Choose the month."))
                else:
                    data["period"] = period_month(year, data["month"])
            elif kind == "dates":
                start, end = data.get("start"), data.get("end")
                if not start or not end:
                    self.add_error("start" if not start else "end", _("Give the first and the last day."))
                elif end < start:
                    self.add_error("end", _("The last day is before the first."))
                elif (end - start).days > 3 * 366:
                    self.add_error("end", _("A period can be at most three years long."))
                else:
                    data["period"] = period_custom(start, end)
        except (PeriodError, ValueError, OverflowError):
            self.add_error("period_kind", _("This period is not valid."))
        period = data.get("period")
        if period is not None and period.start > datetime.date.today():
            self.add_error("period_kind", _("The period has not started yet."))
        if data.get("dp_enabled") and not data.get("dp_epsilon"):
            self.add_error(
                "dp_epsilon", _("Give epsilon (ε), the privacy budget: a positive number such as 1.")
            )
        return data

    def spec_indicators(self) -> list[dict[str, Any]]:
        """Each chosen indicator with the chosen breakdowns it allows."""
        allowed = release_indicators()
        dims = self.cleaned_data.get("dims") or []
        return [
            {"code": code, "dims": [d for d in dims if d in release_dims(allowed[code])]}
            for code in self.cleaned_data["indicators"]
            if code in allowed
        ]

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        period = data["period"]
        return {
            "period_start": period.start,
            "period_end": period.end,
            "title": data["title"],
            "k": data["k"],
            "indicators": self.spec_indicators(),
            "dp_enabled": bool(data.get("dp_enabled")),
            "dp_epsilon": data.get("dp_epsilon"),
            "dp_delta": data.get("dp_delta"),
            "dp_mechanism": data.get("dp_mechanism") or "",
        }


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class PublishForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why it replaces the current release of this period"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )
