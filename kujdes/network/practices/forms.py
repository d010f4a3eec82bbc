from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kujdes.core.models import Country
from kujdes.network.models import Language, Theme
from kujdes.network.practices.models import TEXT_FIELDS, Adoption, Practice, PracticeText, TargetGroup


class TagsField(forms.CharField):
    def prepare_value(self, value: object) -> object:
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value: object) -> list[str]:
        from kujdes.network.practices.models import tags_normalise

        return tags_normalise(str(super().to_python(value) or ""))


class PracticeForm(forms.ModelForm):
    """The practice's metadata (and, when it is created, its original text)."""

    themes = forms.MultipleChoiceField(
        label=_("Themes"), choices=Theme.choices, widget=forms.CheckboxSelectMultiple
    )
    target_groups = forms.MultipleChoiceField(
        label=_("Target groups"),
        choices=TargetGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tags = TagsField(label=_("Tags (separated by commas)"), required=False, max_length=800)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    class Meta:
        model = Practice
        fields = [
            "original_language",
            "themes",
            "target_groups",
            "country",
            "period_start",
            "period_end",
            "contact_name",
            "contact_email",
            "tags",
        ]
        widgets = {
            "period_start": forms.DateInput(attrs={"type": "date"}),
            "period_end": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: object, creating: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not creating:
            del self.fields["original_language"]

    def clean(self) -> dict:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The end comes before the start."))
        return data


class PracticeTextForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    translator_name = forms.CharField(label=_("Translator"), max_length=200, required=False)

    class Meta:
        model = PracticeText
        fields = list(TEXT_FIELDS)
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 12}),
            "resources": forms.Textarea(attrs={"rows": 4}),
            "results": forms.Textarea(attrs={"rows": 4}),
            "lessons": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "description": _("Markdown: **bold**, *italic*, lists with “- ”, links [text](https://…).")
        }

    def __init__(self, *args: object, translation: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not translation:
            del self.fields["translator_name"]


class NewPracticeForm(PracticeForm):
    """Creating: the metadata and the original text in one form."""

    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Summary"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    description = forms.CharField(
        label=_("Description (Markdown)"), required=False, widget=forms.Textarea(attrs={"rows": 10})
    )
    resources = forms.CharField(
        label=_("Resources needed"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    results = forms.CharField(
        label=_("Results and evidence"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    lessons = forms.CharField(
        label=_("Lessons learnt"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class ReviewForm(forms.Form):
    ACTIONS = (
        ("comment", _("Comment only")),
        ("return", _("Return to the author")),
        ("publish", _("Publish")),
    )
    action = forms.ChoiceField(label=_("Decision"), choices=ACTIONS, widget=forms.RadioSelect)
    body = forms.CharField(
        label=_("Comment to the author"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class AdoptionForm(forms.ModelForm):
    class Meta:
        model = Adoption
        fields = ["kind", "since", "changes", "result", "evidence"]
        widgets = {
            "since": forms.DateInput(attrs={"type": "date"}),
            "changes": forms.Textarea(attrs={"rows": 3}),
            "result": forms.Textarea(attrs={"rows": 3}),
            "evidence": forms.Textarea(attrs={"rows": 3}),
        }


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File (PDF, image or office document)"))


def _choices(choices: list, all_label: bool = False) -> list:
    return list(choices)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    theme = forms.MultipleChoiceField(label=_("Theme"), choices=Theme.choices, required=False)
    country = forms.MultipleChoiceField(label=_("Country"), choices=Country.choices, required=False)
    group = forms.MultipleChoiceField(label=_("Target group"), choices=TargetGroup.choices, required=False)
    language = forms.MultipleChoiceField(label=_("Language"), choices=Language.choices, required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "query": data.get("q", ""),
            "themes": data.get("theme") or [],
            "countries": data.get("country") or [],
            "target_groups": data.get("group") or [],
            "languages": data.get("language") or [],
            "page": data.get("page") or 1,
        }
