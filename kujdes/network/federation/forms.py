"""The federation pages' forms: a peer's card (pasted or uploaded), its confirmation, a package file."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from kujdes.network.federation.services import Card, FederationError, card_read
from kujdes.network.models import Partner

# A card is a few kilobytes (a name, some organisations, two keys per generation).
CARD_MAX_BYTES = 256 * 1024


def card_parse(text: str) -> Card:
    """The checked card in a pasted or uploaded text; FederationError with a message for the user."""
    if not text.strip():
        raise FederationError(_("Paste the other installation's card, or choose its file."))
    try:
        raw = json.loads(text)
    except ValueError:
        raise FederationError(
            _("This is not an installation card: the text is not JSON. Copy the whole card, braces included.")
        ) from None
    return card_read(raw)


def upload_read(upload: UploadedFile, *, limit: int) -> bytes:
    """The bytes of an upload, read no further than one byte past `limit` (enough to tell it is over)."""
    data = bytearray()
    for chunk in upload.chunks():
        data += chunk
        if len(data) > limit:
            return bytes(data[: limit + 1])
    return bytes(data)


class CardForm(forms.Form):
    """Step 1 of adding a peer: the card as text or as its file (the file wins when both come)."""

    card = forms.CharField(
        label=_("The other installation's card"),
        help_text=_(
            "Paste the JSON its coordinator sent you (their Federation page, “Download the card”), "
            "or choose the file below."
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "autocomplete": "off"}),
    )
    card_file = forms.FileField(label=_("Or the card's file (.json)"), required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        upload = cleaned.get("card_file")
        text = cleaned.get("card") or ""
        if upload is not None:
            data = upload_read(upload, limit=CARD_MAX_BYTES)
            if len(data) > CARD_MAX_BYTES:
                raise forms.ValidationError(_("This file is too large to be an installation card."))
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError(
                    _("This file is not an installation card: it is not text.")
                ) from None
            # Nothing is lost: the file's text stays in the box below the message.
            self.data = self.data.copy()
            self.data[self.add_prefix("card")] = text
        try:
            cleaned["parsed"] = card_parse(text)
        except FederationError as exc:
            raise forms.ValidationError(str(exc)) from None
        cleaned["card"] = text
        return cleaned


def _partner_label(partner: Partner) -> str:
    return f"{partner.name} ({partner.get_country_display()})"


class PeerConfirmForm(forms.Form):
    """Step 2: the card again (checked again: a hidden field can be altered), its partners, and the
    coordinator's word that the fingerprints read over the phone match."""

    card = forms.CharField(widget=forms.HiddenInput)
    partners = forms.MultipleChoiceField(
        label=_("Partners whose data lives on that installation"),
        help_text=_(
            "Only partners that are not organisations of this installation. Their packages go to it."
        ),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    fingerprints_match = forms.BooleanField(
        label=_("The fingerprints match: I read them with the other coordinator over the phone."),
        error_messages={
            "required": _(
                "Compare the fingerprint with the other coordinator and tick the box: "
                "without it the peer is not added."
            )
        },
    )

    def __init__(self, *args: Any, partners: list[Partner], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partners"].choices = [(p.code, _partner_label(p)) for p in partners]

    def clean_card(self) -> Card:
        try:
            return card_parse(self.cleaned_data["card"])
        except FederationError as exc:
            raise forms.ValidationError(str(exc)) from None


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Package file (.kpkg)"),
        help_text=_("The file another installation exported for this one (`kujdes federation export`)."),
    )

    def clean_file(self) -> bytes:
        # The import refuses a file over its limit itself (413, recorded): enough bytes to see it is over.
        return upload_read(self.cleaned_data["file"], limit=settings.FEDERATION_MAX_PACKAGE_BYTES * 10)
