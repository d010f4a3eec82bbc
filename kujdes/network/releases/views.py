"""Pages of statistics releases: list, draft (new, edit, preview, delete), release (with
re-authentication), the release page with its version history, supersede and withdraw."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kujdes.accounts.reauth import reauthentication_required, recently_authenticated
from kujdes.core.forms import form_add_validation_error
from kujdes.core.locking import StaleVersion
from kujdes.core.roles import Perm
from kujdes.network.models import Partner
from kujdes.network.releases import selectors, services
from kujdes.network.releases.forms import PublishForm, ReasonForm, ReleaseForm
from kujdes.network.releases.models import Release, ReleaseStatus
from kujdes.network.selectors import actor_partner, partners_for_actor

PAGE_SIZE = 25


def _release_or_404(request: HttpRequest, public_id: uuid.UUID) -> Release:
    try:
        return selectors.release_get(actor=request.user, public_id=str(public_id))
    except Release.DoesNotExist:
        raise Http404 from None


def _draft_or_404(request: HttpRequest, public_id: uuid.UUID) -> Release:
    try:
        return selectors.release_draft_get(actor=request.user, public_id=str(public_id))
    except Release.DoesNotExist:
        raise Http404 from None


def _own_or_403(request: HttpRequest, release: Release) -> None:
    if not selectors.release_can_prepare(actor=request.user, release=release):
        raise PermissionDenied


def _partners(request: HttpRequest) -> list[Partner]:
    return list(partners_for_actor(actor=request.user))


@require_GET
def release_list(request: HttpRequest) -> HttpResponse:
    """Current releases of every partner; the actor's own drafts and every version of its own releases."""
    selectors.release_require_reader(actor=request.user)
    partner_code = str(request.GET.get("partner", ""))[:32]
    releases = selectors.releases_visible(actor=request.user, partner_code=partner_code)
    own = actor_partner(actor=request.user, perm=Perm.NETWORK_RELEASE)
    # Drafts and current releases stay whole; the past (superseded, withdrawn) grows and is paged.
    whole = list(releases.filter(status__in=[ReleaseStatus.DRAFT, ReleaseStatus.RELEASED]))
    past = releases.exclude(status__in=[ReleaseStatus.DRAFT, ReleaseStatus.RELEASED])
    page = Paginator(past, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "network_releases/release_list.html",
        {
            "drafts": [r for r in whole if r.is_draft],
            "current": [r for r in whole if r.status == ReleaseStatus.RELEASED],
            "page": page,
            "past": page.object_list,
            "query": urlencode({"partner": partner_code} if partner_code else {}),
            "own_partner": own,
            "partners": _partners(request),
            "partner_code": partner_code,
        },
    )


def _form_page(
    request: HttpRequest, form: ReleaseForm, release: Release | None, blocked: str = ""
) -> HttpResponse:
    return render(
        request,
        "network_releases/release_form.html",
        {"form": form, "release": release, "blocked": blocked},
    )


@require_http_methods(["GET", "POST"])
def release_create(request: HttpRequest) -> HttpResponse:
    selectors.release_require_reader(actor=request.user)
    partner = actor_partner(actor=request.user, perm=Perm.NETWORK_RELEASE)
    if partner is None:
        raise PermissionDenied
    blocked = ""
    try:
        services._require_whole_organisation(actor=request.user, organisation_id=partner.organisation_id)
    except services.ReleaseError as error:
        blocked = str(error)
    form = ReleaseForm(request.POST or None)
    if request.method == "POST" and not blocked and form.is_valid():
        try:
            release = services.release_draft_create(actor=request.user, **form.service_fields())
        except services.ReleaseError as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            form_add_validation_error(form, error)
        else:
            messages.success(request, _("Draft saved. Look at the preview before you release it."))
            return redirect("network_release_preview", public_id=release.public_id)
    return _form_page(request, form, None, blocked)


@require_http_methods(["GET", "POST"])
def release_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    release = _draft_or_404(request, public_id)
    form = ReleaseForm(request.POST or None, release=release)
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        changes = {
            "period_start": fields["period_start"],
            "period_end": fields["period_end"],
            "title": fields["title"],
            "k": fields["k"],
            "indicators": fields["indicators"],
        }
        changes.update({k: fields[k] for k in ("dp_enabled", "dp_epsilon", "dp_delta", "dp_mechanism")})
        try:
            services.release_draft_update(
                actor=request.user,
                release=release,
                version=form.cleaned_data.get("version") or release.version,
                changes=changes,
            )
        except StaleVersion:
            form.add_error(
                None, _("Someone else changed this draft meanwhile. Reload it and make your changes again.")
            )
        except services.ReleaseError as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            form_add_validation_error(form, error)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("network_release_preview", public_id=release.public_id)
    return _form_page(request, form, release)


@require_POST
def release_delete(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    release = _draft_or_404(request, public_id)
    services.release_draft_delete(actor=request.user, release=release)
    messages.success(request, _("Draft deleted."))
    return redirect("network_release_list")


def _current_of_period(release: Release) -> Release | None:
    return next(
        (r for r in selectors.release_history(release=release) if r.status == ReleaseStatus.RELEASED), None
    )


@require_GET
def release_preview(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Exactly what will leave: withheld cells show "withheld", never their number, with the reason."""
    release = _draft_or_404(request, public_id)
    preview = None
    error = ""
    try:
        preview = services.release_compute(actor=request.user, release=release)
    except services.ReleaseError as exc:
        error = str(exc)
    current = _current_of_period(release)
    form = PublishForm(initial={"version": release.version, "reason": release.supersede_reason})
    return render(
        request,
        "network_releases/release_preview.html",
        {"release": release, "preview": preview, "error": error, "current": current, "form": form},
    )


@require_POST
@reauthentication_required
def release_publish_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    release = _draft_or_404(request, public_id)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete: look at the preview again."))
        return redirect("network_release_preview", public_id=release.public_id)
    try:
        released = services.release_publish(
            actor=request.user,
            release=release,
            version=form.cleaned_data["version"],
            recently_authenticated=recently_authenticated(request),
            reason=form.cleaned_data.get("reason", ""),
        )
    except services.ReleaseError as error:
        messages.error(request, str(error))
        return redirect("network_release_preview", public_id=release.public_id)
    messages.success(request, _("Released. The figures can no longer be changed."))
    return redirect("network_release_detail", public_id=released.public_id)


@require_GET
def release_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """A release: its tables (withheld cells as "withheld", never a number) and its version history."""
    release = _release_or_404(request, public_id)
    if release.is_draft:
        return redirect("network_release_preview", public_id=release.public_id)
    release = selectors.release_get_with_cells(actor=request.user, public_id=str(public_id))
    services.release_views_record(actor=request.user, releases=[release], via="page")
    own = selectors.release_can_prepare(actor=request.user, release=release)
    return render(
        request,
        "network_releases/release_detail.html",
        {
            "release": release,
            "tables": list(release.tables.all()),
            "history": selectors.release_history(release=release),
            "own": own,
            "superseded_by": release.superseded_by.filter(status__in=selectors.PUBLISHED).first(),
        },
    )


def _reason_page(request: HttpRequest, release: Release, action: str) -> HttpResponse:
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if action == "supersede":
                draft = services.release_supersede_start(
                    actor=request.user, release=release, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("A new draft replaces this release once you release it."))
                return redirect("network_release_edit", public_id=draft.public_id)
            services.release_withdraw(actor=request.user, release=release, reason=form.cleaned_data["reason"])
            messages.success(request, _("The release is withdrawn."))
            return redirect("network_release_detail", public_id=release.public_id)
        except services.ReleaseError as error:
            form.add_error(None, str(error))
    return render(
        request, "network_releases/release_reason.html", {"release": release, "form": form, "action": action}
    )


@require_http_methods(["GET", "POST"])
def release_supersede(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    release = _release_or_404(request, public_id)
    _own_or_403(request, release)
    if release.status != ReleaseStatus.RELEASED:
        raise Http404
    return _reason_page(request, release, "supersede")


@require_http_methods(["GET", "POST"])
def release_withdraw(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    release = _release_or_404(request, public_id)
    _own_or_403(request, release)
    if release.status != ReleaseStatus.RELEASED:
        raise Http404
    return _reason_page(request, release, "withdraw")


@require_GET
def shared_persons(request: HttpRequest) -> HttpResponse:
    """The hub's count of persons known to two or more partners (cryptographic linkage keys), per
    period: counts only, each from 1 to k−1 withheld. Readers of released figures only; for anyone
    else the page does not exist."""
    from kujdes.network.releases.linkage import shared_counts_shown

    if not selectors.actor_may_read_released(actor=request.user):
        raise Http404
    partner_names = {p.code: p.own_name() for p in Partner.objects.all()}
    counts = [
        {
            "count": c,
            "persons_shared": c.figures.get("persons_shared"),
            "by_partner": [
                (partner_names.get(code, code), n) for code, n in (c.figures.get("by_partner") or {}).items()
            ],
            "by_partner_count": sorted(
                ((int(n), v) for n, v in (c.figures.get("by_partner_count") or {}).items()),
            ),
        }
        for c in shared_counts_shown()
    ]
    return render(request, "network_releases/shared_persons.html", {"counts": counts})
