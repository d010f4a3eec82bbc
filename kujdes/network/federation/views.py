"""The federation pages: this installation's card, its peers and their traffic, package files.

For the network coordinator and organisation admins (Perm.FEDERATION_MANAGE). Peers belong to the
installation, not to one organisation, so the permission is the whole check; the services run in
the system scope, as the command line and the inbox do, because a federation event is recorded in
the chain of the organisation that runs the installation, whichever admin acted. Nothing here shows
a package's content: ids, types, states and reasons only.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kujdes.accounts.reauth import reauthentication_required
from kujdes.core.models import Country
from kujdes.core.roles import Perm
from kujdes.core.scoping import system_scope
from kujdes.network.federation import selectors, services
from kujdes.network.federation.forms import CardForm, ImportForm, PeerConfirmForm
from kujdes.network.federation.models import OutboxState, PackageType, Peer
from kujdes.network.federation.services import Card, FederationError, InboxResult
from kujdes.network.selectors import network_require

# What each refusal code of the inbox means, for the admin (the protocol's own detail is English).
REFUSALS = {
    "malformed": gettext_lazy("Damaged, truncated or not a Kujdes package."),
    "content_type": gettext_lazy("Not sent as a Kujdes package."),
    "too_large": gettext_lazy("Larger than this installation accepts."),
    "not_initialised": gettext_lazy("This installation had no federation identity yet."),
    "unknown_sender": gettext_lazy("The sender is not a peer of this installation."),
    "revoked_sender": gettext_lazy("The sender's peering was revoked."),
    "unknown_key": gettext_lazy("Signed with a key this installation does not know, or one that expired."),
    "bad_signature": gettext_lazy("The signature does not verify: the package was altered or forged."),
    "wrong_recipient": gettext_lazy("Addressed to another installation."),
    "clock_window": gettext_lazy(
        "Its time is outside the accepted window (check both installations' clocks)."
    ),
    "conflict": gettext_lazy("A package with this id but other content was received before."),
    "unknown_type": gettext_lazy("This installation does not handle packages of this type."),
    "undecryptable": gettext_lazy("Sealed to a key this installation does not hold."),
    "invalid_content": gettext_lazy("Its content is not valid."),
    "unknown_partner": gettext_lazy("The sender does not host the partner named in the package."),
}

INIT_COMMAND = 'kujdes federation init --name "NAME" --url https://ADDRESS --country CC'


def refusal_text(code: str, detail: str) -> str:
    return str(REFUSALS[code]) if code in REFUSALS else detail


def federation_manager(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """403 unless the user manages the federation: checked before anything else (re-authentication too)."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        network_require(actor=request.user, perm=Perm.FEDERATION_MANAGE)
        return view(request, *args, **kwargs)

    return checked


def _bound(request: HttpRequest) -> tuple[Any, Any]:
    """A form's data and files on POST (a form of one file field posts no other field), else unbound."""
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


def _peer_or_404(public_id: uuid.UUID) -> Peer:
    peer = selectors.peer_by_public_id(public_id)
    if peer is None:
        raise Http404
    return peer


# --- this installation and its peers ------------------------------------------------


@require_GET
@federation_manager
def federation_home(request: HttpRequest) -> HttpResponse:
    overview = selectors.peers_overview()
    hosted = selectors.partners_by_installation([row.peer.installation_id for row in overview])
    return render(
        request,
        "federation/home.html",
        {
            "identity": selectors.installation_identity(),
            "health": selectors.federation_health(),
            "rows": [(row, hosted.get(row.peer.installation_id, [])) for row in overview],
            "init_command": INIT_COMMAND,
        },
    )


@require_GET
@never_cache
@federation_manager
def federation_card_download(request: HttpRequest) -> HttpResponse:
    """The card as a file to send to the other coordinator (the same as GET /federation/card)."""
    try:
        card = services.installation_card()
    except FederationError:
        raise Http404 from None
    response = HttpResponse(json.dumps(card, indent=2), content_type="application/json")
    name = slugify(card["name"]) or "installation"
    response["Content-Disposition"] = f'attachment; filename="kujdes-card-{name}.json"'
    return response


# --- adding a peer: its card, then the fingerprint read over the phone --------------


def _card_problem(card: Card) -> str:
    """Why this card cannot be a peer of this installation, or ""."""
    identity = selectors.installation_identity()
    if identity is not None and card.installation_id == identity.installation.installation_id:
        return _("This card is this installation's own: ask the other coordinator for theirs.")
    return ""


def _confirm_render(request: HttpRequest, card: Card, form: PeerConfirmForm) -> HttpResponse:
    existing = selectors.peer_by_installation_id(card.installation_id)
    return render(
        request,
        "federation/peer_confirm.html",
        {"card": card, "form": form, "existing": existing, "country": _country_name(card.country)},
    )


def _country_name(code: str) -> str:
    return str(dict(Country.choices).get(code, code))


def _confirm_form(*, card: Card, data: Any = None, text: str = "") -> PeerConfirmForm:
    partners = selectors.partners_not_local()
    linked = [p.code for p in partners if p.installation_id == card.installation_id]
    return PeerConfirmForm(data, partners=partners, initial={"card": text, "partners": linked})


@require_http_methods(["GET", "POST"])
@federation_manager
def federation_peer_add(request: HttpRequest) -> HttpResponse:
    identity = selectors.installation_identity()
    form = CardForm(*_bound(request))
    if identity is not None and request.method == "POST" and form.is_valid():
        card = form.cleaned_data["parsed"]
        problem = _card_problem(card)
        if not problem:
            return _confirm_render(request, card, _confirm_form(card=card, text=form.cleaned_data["card"]))
        form.add_error("card", problem)
    return render(
        request,
        "federation/peer_add.html",
        {"form": form, "identity": identity, "init_command": INIT_COMMAND},
    )


@require_POST
@federation_manager
def federation_peer_confirm(request: HttpRequest) -> HttpResponse:
    """Step 2's answer. The card comes back in a hidden field, so it is read and checked again."""
    text = request.POST.get("card", "")
    card_form = CardForm({"card": text})
    if not card_form.is_valid():
        # Altered on the way back, or never there: back to step 1, the text kept.
        return render(
            request,
            "federation/peer_add.html",
            {
                "form": card_form,
                "identity": selectors.installation_identity(),
                "init_command": INIT_COMMAND,
            },
        )
    card = card_form.cleaned_data["parsed"]
    form = _confirm_form(card=card, data=request.POST)
    if form.is_valid():
        try:
            with system_scope():
                peer = services.peer_add(
                    actor=request.user, card=card, partner_codes=form.cleaned_data["partners"]
                )
        except FederationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("%(peer)s is now a peer of this installation.") % {"peer": peer.name},
            )
            return redirect("federation_peer_detail", public_id=peer.public_id)
    return _confirm_render(request, card, form)


# --- one peer ------------------------------------------------------------------------


@require_GET
@federation_manager
def federation_peer_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    peer = _peer_or_404(public_id)
    traffic = selectors.peer_traffic(peer=peer)
    refusals = [(refusal, refusal_text(refusal.error, refusal.detail)) for refusal in traffic["refusals"]]
    # Its counts and reachability as the peers table has them (a handful of peers: one query).
    row = next(r for r in selectors.peers_overview() if r.peer.pk == peer.pk)
    return render(
        request,
        "federation/peer_detail.html",
        {
            "peer": peer,
            "row": row,
            "partners": selectors.partners_by_installation([peer.installation_id]).get(
                peer.installation_id, []
            ),
            "keys": list(peer.keys.all()),
            "outbox": traffic["outbox"],
            "inbox": traffic["inbox"],
            "refusals": refusals,
            "waiting": selectors.peer_waiting_count(peer=peer),
            "failed_state": OutboxState.FAILED,
            "country": _country_name(peer.country),
        },
    )


@require_POST
@federation_manager
def federation_peer_ping(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Queue a ping; its pong, when it comes back, marks it acknowledged."""
    peer = _peer_or_404(public_id)
    try:
        with system_scope(), transaction.atomic():
            services.package_send(
                type=PackageType.PING,
                payload={"sent_at": timezone.now().isoformat()},
                peer=peer,
                actor=request.user,
            )
    except FederationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("A ping was queued for %(peer)s. When its answer comes back, it shows as acknowledged below.")
            % {"peer": peer.name},
        )
    return redirect("federation_peer_detail", public_id=peer.public_id)


@require_POST
@federation_manager
def federation_package_retry(
    request: HttpRequest, public_id: uuid.UUID, package_id: uuid.UUID
) -> HttpResponse:
    peer = _peer_or_404(public_id)
    package = selectors.peer_outbox_package(peer=peer, package_id=package_id)
    if package is None:
        raise Http404
    if package.state != OutboxState.FAILED:
        messages.error(request, _("Only a failed package can be sent again."))
    elif not peer.is_active:
        messages.error(request, _("%(peer)s is revoked: nothing is sent to it.") % {"peer": peer.name})
    else:
        with system_scope():
            services.outbox_retry(actor=request.user, package=package)
        messages.success(request, _("The package is queued again."))
    return redirect("federation_peer_detail", public_id=peer.public_id)


@require_POST
@federation_manager
def federation_peer_export(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The packages waiting for a peer, as a `.kpkg` file to carry by hand (they stay queued)."""
    peer = _peer_or_404(public_id)
    if not selectors.peer_waiting_count(peer=peer):
        messages.info(request, _("Nothing is waiting for %(peer)s: no file was made.") % {"peer": peer.name})
        return redirect("federation_peer_detail", public_id=peer.public_id)
    with system_scope():
        data, _count = services.packages_export(actor=request.user, peer=peer)
    response = HttpResponse(data, content_type="application/vnd.kujdes.packages+json")
    name = slugify(peer.name) or "peer"
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="kujdes-{name}-{stamp}.kpkg"'
    return response


@require_http_methods(["GET", "POST"])
@federation_manager
@reauthentication_required
def federation_peer_revoke(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """A confirmation page, then the revocation (after a fresh password or second factor)."""
    peer = _peer_or_404(public_id)
    if request.method == "POST" and peer.is_active:
        with system_scope():
            services.peer_revoke(actor=request.user, peer=peer)
        messages.success(
            request,
            _("%(peer)s is revoked: its packages are refused and nothing more is sent to it.")
            % {"peer": peer.name},
        )
        return redirect("federation_peer_detail", public_id=peer.public_id)
    if request.method == "POST":
        messages.info(request, _("%(peer)s was already revoked.") % {"peer": peer.name})
        return redirect("federation_peer_detail", public_id=peer.public_id)
    return render(
        request,
        "federation/peer_revoke.html",
        {"peer": peer, "waiting": selectors.peer_waiting_count(peer=peer)},
    )


# --- files -----------------------------------------------------------------------------


def _result_row(result: InboxResult) -> dict[str, Any]:
    if result.status == 202:
        outcome = _("Accepted")
    elif result.status == 200:
        outcome = _("Already received: applied once, earlier")
    else:
        outcome = refusal_text(result.error, result.detail)
    return {
        "status": result.status,
        "accepted": result.accepted,
        "package_id": result.package_id,
        "type": PackageType(result.type).label if result.type in PackageType.values else result.type,
        "outcome": outcome,
        "detail": "" if result.accepted else result.detail,
    }


@require_http_methods(["GET", "POST"])
@federation_manager
def federation_import(request: HttpRequest) -> HttpResponse:
    """A `.kpkg` file by upload: every package through the inbox's checks, one answer line each."""
    form = ImportForm(*_bound(request))
    results: list[dict[str, Any]] | None = None
    if request.method == "POST" and form.is_valid():
        with system_scope():
            answers = services.packages_import(data=form.cleaned_data["file"])
        results = [_result_row(answer) for answer in answers]
        form = ImportForm()
    summary = None
    if results is not None:
        summary = {
            "total": len(results),
            "accepted": sum(1 for r in results if r["status"] == 202),
            "known": sum(1 for r in results if r["status"] == 200),
            "refused": sum(1 for r in results if not r["accepted"]),
        }
    return render(request, "federation/import.html", {"form": form, "results": results, "summary": summary})
