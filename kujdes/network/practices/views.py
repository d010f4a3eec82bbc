"""Pages of the good-practice library."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kujdes.core.files import UploadRefused, attachment_response
from kujdes.core.forms import form_add_validation_error
from kujdes.core.locking import StaleVersion
from kujdes.core.roles import Perm
from kujdes.network.models import Language, Partner, Theme
from kujdes.network.practices import selectors as sel
from kujdes.network.practices import services
from kujdes.network.practices.diff import versions_diff
from kujdes.network.practices.forms import (
    AdoptionForm,
    AttachmentForm,
    CommentForm,
    NewPracticeForm,
    PracticeForm,
    PracticeTextForm,
    ReviewForm,
    SearchForm,
)
from kujdes.network.practices.markdown import markdown_render
from kujdes.network.practices.models import TEXT_FIELDS, Practice, PracticeAttachment, TargetGroup
from kujdes.network.selectors import actor_is_coordinator, network_require


def _practice_or_404(request: HttpRequest, public_id: uuid.UUID) -> Practice:
    try:
        return sel.practice_get(actor=request.user, public_id=public_id)
    except Practice.DoesNotExist:
        raise Http404 from None


def _stale_message() -> str:
    return _(
        "Someone else saved this in the meantime. Your changes are still below: "
        "check them against the current version and save again."
    )


@require_GET
def practice_list(request: HttpRequest) -> HttpResponse:
    network_require(actor=request.user, perm=Perm.NETWORK_PRACTICES_READ)
    form = SearchForm(request.GET or None)
    filters = form.filters()
    result = sel.practice_search(actor=request.user, **filters)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "network_practices/list.html",
        {
            "form": form,
            "result": result,
            "filters": filters,
            "query_string": params.urlencode(),
            "can_create": bool(sel.actor_focal_partner_ids(actor=request.user)),
            "is_coordinator": actor_is_coordinator(actor=request.user),
        },
    )


@require_GET
def practice_mine(request: HttpRequest) -> HttpResponse:
    """The practices of the actor's partner, at every stage, and the translations it contributed."""
    if not sel.actor_focal_partner_ids(actor=request.user):
        network_require(actor=request.user, perm=Perm.NETWORK_MANAGE)
    return render(
        request,
        "network_practices/mine.html",
        {
            "practices": sel.practices_of_my_partners(actor=request.user),
            "translations": sel.translations_of_my_partners(actor=request.user),
            "awaiting": sel.practices_awaiting_review(actor=request.user),
        },
    )


def _partner_choice(request: HttpRequest) -> Partner:
    partners = Partner.objects.filter(pk__in=sel.actor_focal_partner_ids(actor=request.user)).order_by("name")
    partner = partners.first()
    if partner is None:
        raise PermissionDenied
    return partner


@require_http_methods(["GET", "POST"])
def practice_create(request: HttpRequest) -> HttpResponse:
    partner = _partner_choice(request)
    initial = {"country": partner.country, "original_language": (partner.languages or ["en"])[0]}
    form = NewPracticeForm(request.POST or None, initial=initial, creating=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        texts = {name: data.pop(name) for name in TEXT_FIELDS}
        try:
            practice = services.practice_create(actor=request.user, partner=partner, texts=texts, **data)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(
                request, _("The practice was saved as a draft. Submit it for review when it is ready.")
            )
            return redirect("network_practice_detail", public_id=practice.public_id)
    return render(
        request, "network_practices/form.html", {"form": form, "practice": None, "partner": partner}
    )


@require_http_methods(["GET", "POST"])
def practice_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    practice = _practice_or_404(request, public_id)
    if not sel.practice_can_edit(actor=request.user, practice=practice):
        raise PermissionDenied
    if request.method == "POST":
        form = PracticeForm(request.POST, instance=Practice.objects.get(pk=practice.pk), creating=False)
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in form.fields if name != "version"}
            try:
                services.practice_update(
                    actor=request.user,
                    practice=practice,
                    version=form.cleaned_data["version"] or practice.version,
                    changes=changes,
                )
            except StaleVersion as exc:
                form.add_error(None, _stale_message())
                form.data = form.data.copy()
                form.data["version"] = str(exc.current.version)  # type: ignore[attr-defined]
            except ValidationError as exc:
                form_add_validation_error(form, exc)
            else:
                messages.success(request, _("The practice was saved."))
                return redirect("network_practice_detail", public_id=practice.public_id)
    else:
        form = PracticeForm(instance=practice, initial={"version": practice.version}, creating=False)
    return render(request, "network_practices/form.html", {"form": form, "practice": practice})


@require_http_methods(["GET", "POST"])
def practice_text_edit(request: HttpRequest, public_id: uuid.UUID, language: str) -> HttpResponse:
    """The original or a translation, new or existing."""
    practice = _practice_or_404(request, public_id)
    if language not in Language.values:
        raise Http404
    if not sel.practice_can_translate(actor=request.user, practice=practice):
        raise PermissionDenied
    owner = sel.practice_is_owner(actor=request.user, practice=practice)
    existing = practice.texts.filter(language=language).first()
    if (
        existing is not None
        and not owner
        and existing.contributed_by_id not in sel.actor_focal_partner_ids(actor=request.user)
    ):
        raise PermissionDenied
    translation = existing is None or not existing.is_original
    original = practice.texts.get(is_original=True)
    if request.method == "POST":
        form = PracticeTextForm(request.POST, instance=existing, translation=translation)
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in TEXT_FIELDS}
            try:
                services.practice_text_save(
                    actor=request.user,
                    practice=practice,
                    language=language,
                    fields=fields,
                    version=(form.cleaned_data["version"] or existing.version) if existing else None,
                    translator_name=form.cleaned_data.get("translator_name", ""),
                )
            except StaleVersion as exc:
                form.add_error(None, _stale_message())
                form.data = form.data.copy()
                form.data["version"] = str(exc.current.version)  # type: ignore[attr-defined]
            except ValidationError as exc:
                form_add_validation_error(form, exc)
            else:
                if owner:
                    messages.success(request, _("The text was saved."))
                else:
                    messages.success(
                        request,
                        _("Thank you: the translation was sent to the network coordinator for review."),
                    )
                return redirect("network_practice_detail", public_id=practice.public_id)
    else:
        initial: dict[str, Any] = {"version": existing.version if existing else None}
        if existing is not None and existing.translator_name:
            initial["translator_name"] = existing.translator_name
        form = PracticeTextForm(instance=existing, initial=initial, translation=translation)
    return render(
        request,
        "network_practices/text_form.html",
        {
            "form": form,
            "practice": practice,
            "language": language,
            "language_name": sel.language_name(language),
            "original": original,
            "translation": translation,
            "owner": owner,
        },
    )


@require_GET
def practice_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The reader's page: the latest published snapshot in the reader's language, else the original.
    The owner (and the coordinator once submitted) may look at the working revision (?view=working)."""
    practice = _practice_or_404(request, public_id)
    can_working = sel.practice_can_see_working(actor=request.user, practice=practice)
    can_published = sel.practice_can_read_published(actor=request.user, practice=practice)
    snapshot = sel.practice_snapshot(practice=practice) if can_published else None
    working = snapshot is None or (can_working and request.GET.get("view") == "working")
    data = sel.practice_working_data(practice=practice) if working else snapshot.data  # type: ignore[union-attr]
    wanted = request.GET.get("lang", "")
    shown = sel.reader_text(data=data, language=wanted if wanted in Language.values else None)
    rendered = {name: markdown_render(shown.text.get(name, "")) for name in TEXT_FIELDS if name != "title"}
    is_owner = sel.practice_is_owner(actor=request.user, practice=practice)
    texts = sel.practice_texts(practice=practice) if can_working else []
    original_revision = data.get("original_revision", 1)
    return render(
        request,
        "network_practices/detail.html",
        {
            "practice": practice,
            "data": data,
            "shown": shown,
            "shown_name": sel.language_name(shown.language),
            "wanted_name": sel.language_name(shown.wanted),
            "available": [(code, sel.language_name(code)) for code in shown.available],
            "rendered": rendered,
            "theme_labels": [dict(Theme.choices).get(c, c) for c in data["themes"]],
            "group_labels": [dict(TargetGroup.choices).get(c, c) for c in data["target_groups"]],
            "working": working,
            "snapshot": snapshot,
            "can_working": can_working and snapshot is not None,
            "is_owner": is_owner,
            "texts": [(t, t.is_outdated(original_revision)) for t in texts],
            "can_translate": sel.practice_can_translate(actor=request.user, practice=practice),
            "missing_languages": [(c, n) for c, n in Language.choices if c not in data["texts"]],
            "can_review": sel.practice_can_review(actor=request.user, practice=practice),
            "can_adopt": sel.practice_can_adopt(actor=request.user, practice=practice),
            "attachments": sel.practice_attachments(actor=request.user, practice=practice),
            "adoptions": sel.practice_adoptions(practice=practice) if can_published else [],
            "comments": sel.practice_comments(actor=request.user, practice=practice),
            "comment_form": CommentForm(),
            "origin_installation": sel.practice_origin_installation(practice=practice),
        },
    )


@require_POST
def practice_submit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    practice = _practice_or_404(request, public_id)
    if not sel.practice_can_edit(actor=request.user, practice=practice):
        raise PermissionDenied
    try:
        services.practice_submit(
            actor=request.user, practice=practice, message=request.POST.get("body", "")[:4000]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The practice was submitted to the network coordinator."))
    return redirect("network_practice_detail", public_id=practice.public_id)


@require_POST
def practice_withdraw(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    practice = _practice_or_404(request, public_id)
    if not sel.practice_can_edit(actor=request.user, practice=practice):
        raise PermissionDenied
    services.practice_withdraw(actor=request.user, practice=practice)
    messages.success(request, _("The practice was withdrawn: readers no longer see it."))
    return redirect("network_practice_mine")


@require_POST
def practice_comment(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    practice = _practice_or_404(request, public_id)
    form = CommentForm(request.POST)
    language = request.POST.get("language", "")
    language = language if language in Language.values else ""
    if form.is_valid():
        try:
            services.practice_comment(
                actor=request.user, practice=practice, body=form.cleaned_data["body"], language=language
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Your comment was added."))
    else:
        if not (
            sel.practice_can_review(actor=request.user, practice=practice)
            or sel.practice_is_owner(actor=request.user, practice=practice)
        ):
            raise PermissionDenied
        messages.error(request, _("Write a comment."))
    return redirect("network_practice_detail", public_id=practice.public_id)


@require_http_methods(["GET", "POST"])
def practice_review(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The coordinator: comment, return to the author, or publish; and decide contributed translations."""
    practice = _practice_or_404(request, public_id)
    if not actor_is_coordinator(actor=request.user):
        raise PermissionDenied
    pending = sel.translations_pending(practice=practice)
    # A published practice with only translations pending: the coordinator decides those.
    if not sel.practice_can_review(actor=request.user, practice=practice) and not pending.exists():
        raise PermissionDenied
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action, body = form.cleaned_data["action"], form.cleaned_data["body"]
        language = request.POST.get("language", "")
        try:
            if language:
                text = pending.filter(language=language).first()
                if text is None or action == "comment":
                    if action == "comment" and text is not None:
                        services.practice_comment(
                            actor=request.user, practice=practice, body=body, language=language
                        )
                    else:
                        raise ValidationError(_("This translation is not awaiting review."))
                else:
                    services.translation_decide(
                        actor=request.user, text=text, publish=action == "publish", body=body
                    )
            elif action == "comment":
                services.practice_comment(actor=request.user, practice=practice, body=body)
            elif action == "return":
                services.practice_return(actor=request.user, practice=practice, body=body)
            else:
                services.practice_publish(actor=request.user, practice=practice, body=body)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, _("Your review was recorded."))
            return redirect("network_practice_detail", public_id=practice.public_id)
    data = sel.practice_working_data(practice=practice)
    shown = sel.reader_text(data=data, language=data["original_language"])
    return render(
        request,
        "network_practices/review.html",
        {
            "practice": practice,
            "form": form,
            "data": data,
            "shown": shown,
            "rendered": {
                name: markdown_render(shown.text.get(name, "")) for name in TEXT_FIELDS if name != "title"
            },
            "pending": pending,
            "comments": sel.practice_comments(actor=request.user, practice=practice),
            "can_decide": sel.practice_can_review(actor=request.user, practice=practice),
        },
    )


@require_GET
def practice_history(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    practice = _practice_or_404(request, public_id)
    versions = list(sel.practice_versions(actor=request.user, practice=practice))
    by_number = {v.number: v for v in versions}
    diff = None
    a_number = b_number = None
    try:
        a_number, b_number = int(request.GET.get("a", "")), int(request.GET.get("b", ""))
    except ValueError:
        if len(versions) >= 2:
            a_number, b_number = versions[1].number, versions[0].number
    if a_number in by_number and b_number in by_number:
        diff = versions_diff(by_number[a_number].data, by_number[b_number].data)  # type: ignore[index]
    return render(
        request,
        "network_practices/history.html",
        {
            "practice": practice,
            "versions": versions,
            "diff": diff,
            "a": a_number,
            "b": b_number,
            "title": sel.reader_text(data=versions[0].data).text["title"] if versions else str(practice),
        },
    )


@require_http_methods(["GET", "POST"])
def attachment_upload(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    practice = _practice_or_404(request, public_id)
    if not sel.practice_can_edit(actor=request.user, practice=practice):
        raise PermissionDenied
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.attachment_store(actor=request.user, practice=practice, upload=form.cleaned_data["file"])
        except UploadRefused as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, _("The document was added. Readers see it with the next publication."))
            return redirect("network_practice_detail", public_id=practice.public_id)
    return render(request, "network_practices/attachment_form.html", {"form": form, "practice": practice})


def _attachment_or_404(
    request: HttpRequest, practice: Practice, attachment_id: uuid.UUID
) -> PracticeAttachment:
    attachment = (
        sel.practice_attachments(actor=request.user, practice=practice)
        .filter(public_id=attachment_id)
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment


@require_GET
def attachment_download(request: HttpRequest, public_id: uuid.UUID, attachment_id: uuid.UUID) -> HttpResponse:
    from kujdes.core.crypto import KeyHandle

    practice = _practice_or_404(request, public_id)
    attachment = _attachment_or_404(request, practice, attachment_id)
    return attachment_response(
        handle=KeyHandle(key_id=attachment.key_id),  # type: ignore[arg-type]
        file_id=attachment.public_id,
        content_type=attachment.content_type,
        filename=attachment.name,
    )


@require_POST
def attachment_delete(request: HttpRequest, public_id: uuid.UUID, attachment_id: uuid.UUID) -> HttpResponse:
    practice = _practice_or_404(request, public_id)
    attachment = _attachment_or_404(request, practice, attachment_id)
    services.attachment_delete(actor=request.user, attachment=attachment)
    messages.success(request, _("The document was deleted."))
    return redirect("network_practice_detail", public_id=practice.public_id)


@require_http_methods(["GET", "POST"])
def adoption_add(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    practice = _practice_or_404(request, public_id)
    if not sel.practice_can_adopt(actor=request.user, practice=practice):
        raise PermissionDenied
    partner = sel.actor_adopting_partners(actor=request.user, practice=practice).order_by("name").first()
    form = AdoptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.adoption_record(
                actor=request.user, practice=practice, partner=partner, **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(
                request, _("The adoption was recorded. Thank you for sharing where the practice travelled.")
            )
            return redirect("network_practice_detail", public_id=practice.public_id)
    snapshot = sel.practice_snapshot(practice=practice)
    title = sel.reader_text(data=snapshot.data).text["title"] if snapshot else str(practice)
    return render(
        request,
        "network_practices/adoption_form.html",
        {"form": form, "practice": practice, "partner": partner, "title": title},
    )
