from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kujdes.network.measures import measures
from kujdes.network.milestones.models import Framework, Milestone, ProgressReport, UpdateRequest
from kujdes.network.models import Partner


class FrameworkForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Framework
        fields = ["title", "first_year", "last_year", "description", "status"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


def indicator_choices() -> list[tuple[str, Any]]:
    """Catalogue indicators and network measures, grouped, for the milestone form."""
    from kujdes.reports.catalogue import catalogue

    return [
        ("", "—"),
        (_("Indicators of the reports catalogue"), [(code, i.name()) for code, i in catalogue().items()]),
        (_("Network measures"), [(code, str(m.name)) for code, m in sorted(measures().items())]),
    ]


class MilestoneForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Milestone
        fields = [
            "code",
            "title",
            "description",
            "order",
            "indicator_kind",
            "indicator_code",
            "unit",
            "cumulative",
            "baseline_value",
            "baseline_year",
            "direction",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "indicator_code": _(
                "For a catalogue indicator or a network measure; leave empty for a manual one."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The measures are registered at start-up: choices are read when the form is made.
        self.fields["indicator_code"] = forms.ChoiceField(
            label=_("Indicator"),
            choices=indicator_choices(),
            required=False,
            help_text=self.Meta.help_texts["indicator_code"],
        )

    def validate_unique(self) -> None:
        # The framework is set by the service; it checks the code's uniqueness (full_clean).
        pass


class TargetGridForm(forms.Form):
    """One field per partner and year (`t-<partner code>-<year>`); empty = no target."""

    def __init__(
        self,
        *args: Any,
        partners: list[Partner],
        years: list[int],
        initial_values: dict[tuple[int, int], Decimal],
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        self.partners = partners
        self.years = years
        for partner in partners:
            for year in years:
                name = self.field_name(partner, year)
                value = initial_values.get((partner.pk, year))
                self.fields[name] = forms.DecimalField(
                    label=f"{partner.name} {year}",
                    required=False,
                    min_value=0,
                    max_digits=14,
                    decimal_places=2,
                    initial=format(value.normalize(), "f") if isinstance(value, Decimal) else value,
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}),
                )

    @staticmethod
    def field_name(partner: Partner, year: int) -> str:
        return f"t-{partner.code}-{year}"

    def grid(self) -> list[tuple[Partner, list[forms.BoundField]]]:
        return [(p, [self[self.field_name(p, y)] for y in self.years]) for p in self.partners]

    def targets(self) -> dict[tuple[Partner, int], Decimal | None]:
        return {
            (p, y): self.cleaned_data.get(self.field_name(p, y)) for p in self.partners for y in self.years
        }


class ProgressReportForm(forms.ModelForm):
    class Meta:
        model = ProgressReport
        fields = ["year", "value", "evidence", "comment", "attachment"]
        widgets = {
            "evidence": forms.Textarea(attrs={"rows": 3}),
            "comment": forms.Textarea(attrs={"rows": 3}),
            "value": forms.TextInput(attrs={"inputmode": "decimal"}),
        }

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"] = forms.TypedChoiceField(
            label=_("Year"), choices=[(y, y) for y in years], coerce=int
        )


class UpdateRequestForm(forms.ModelForm):
    class Meta:
        model = UpdateRequest
        fields = ["partner", "milestone", "message", "due_on"]
        widgets = {
            "message": forms.Textarea(attrs={"rows": 4}),
            "due_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, framework: Framework, partners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners
        self.fields["milestone"].queryset = framework.milestones.order_by("order", "code")
        self.fields["milestone"].empty_label = _("Every milestone of the framework")
        self.fields["milestone"].required = False
