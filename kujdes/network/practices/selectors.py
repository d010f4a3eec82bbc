"""Reads of the good-practice library, scoped by the actor.

Readers (NETWORK_PRACTICES_READ: everyone) read the latest published snapshot of a practice
that is not withdrawn. The owning partner's focal points see its working revision at any
stage; the coordinator sees submitted, returned and published revisions, never drafts.
Everything else answers as missing (404).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import get_language

from kujdes.core.models import Country
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm
from kujdes.network.models import Language, Partner, Theme
from kujdes.network.practices.models import (
    Adoption,
    Practice,
    PracticeAttachment,
    PracticeSearchDocument,
    PracticeStatus,
    PracticeText,
    PracticeVersion,
    TargetGroup,
    TextState,
)
from kujdes.network.selectors import actor_is_coordinator, actor_organisation_ids, network_require

if TYPE_CHECKING:
    from kujdes.accounts.models import User

PAGE_SIZE = 20
COORDINATOR_SEES = (PracticeStatus.SUBMITTED, PracticeStatus.RETURNED, PracticeStatus.PUBLISHED)


# --- rights ------------------------------------------------------------------------------------


def actor_focal_partner_ids(*, actor: User) -> set[int]:
    """The partners the actor is a focal point of (NETWORK_CONTRIBUTE in the partner's organisation)."""
    organisations = actor_organisation_ids(actor=actor, perm=Perm.NETWORK_CONTRIBUTE)
    if not organisations:
        return set()
    return set(Partner.objects.filter(organisation_id__in=organisations).values_list("pk", flat=True))


def practice_is_owner(*, actor: User, practice: Practice) -> bool:
    return practice.partner_id in actor_focal_partner_ids(actor=actor)


def practice_can_read_published(*, actor: User, practice: Practice) -> bool:
    return (
        practice.published_version > 0
        and practice.status != PracticeStatus.WITHDRAWN
        and actor_has_perm(actor=actor, perm=Perm.NETWORK_PRACTICES_READ)
    )


def practice_can_see_working(*, actor: User, practice: Practice) -> bool:
    """The working revision: the owner's focal points always; the coordinator once submitted.
    A practice received from another installation has no working revision here."""
    if practice.is_remote:
        return False
    if practice_is_owner(actor=actor, practice=practice):
        return True
    return practice.status in COORDINATOR_SEES and actor_is_coordinator(actor=actor)


def practice_can_edit(*, actor: User, practice: Practice) -> bool:
    return practice_is_owner(actor=actor, practice=practice)


def practice_can_review(*, actor: User, practice: Practice) -> bool:
    """The coordinator reviews the practices written here (one received from another installation
    was reviewed there, and is read-only here)."""
    return (
        not practice.is_remote
        and actor_is_coordinator(actor=actor)
        and practice_can_see_working(actor=actor, practice=practice)
    )


def practice_can_translate(*, actor: User, practice: Practice) -> bool:
    """The owner's focal points; any other partner's focal point once the practice is published.
    Nobody here translates a practice received from another installation (read-only here)."""
    if practice.is_remote:
        return False
    if practice_is_owner(actor=actor, practice=practice):
        return True
    return bool(actor_focal_partner_ids(actor=actor)) and practice_can_read_published(
        actor=actor, practice=practice
    )


def practice_can_adopt(*, actor: User, practice: Practice) -> bool:
    """A focal point of another partner records its adoption of a published practice."""
    others = actor_focal_partner_ids(actor=actor) - {practice.partner_id}
    return bool(others) and practice_can_read_published(actor=actor, practice=practice)


def actor_adopting_partners(*, actor: User, practice: Practice) -> QuerySet[Partner]:
    return Partner.objects.filter(pk__in=actor_focal_partner_ids(actor=actor) - {practice.partner_id})


# --- reads -------------------------------------------------------------------------------------


def practice_get(*, actor: User, public_id: Any) -> Practice:
    """A practice the actor may see in some form (Practice.DoesNotExist → 404 otherwise)."""
    practice = Practice.objects.select_related("partner").prefetch_related("texts").get(public_id=public_id)
    if not (
        practice_can_read_published(actor=actor, practice=practice)
        or practice_can_see_working(actor=actor, practice=practice)
    ):
        raise Practice.DoesNotExist
    return practice


def practice_snapshot(*, practice: Practice, number: int | None = None) -> PracticeVersion | None:
    """The latest published snapshot (or the one numbered `number`)."""
    versions = PracticeVersion.objects.filter(practice=practice)
    if number is not None:
        return versions.filter(number=number).first()
    return versions.order_by("-number").first()


def practice_versions(*, actor: User, practice: Practice) -> QuerySet[PracticeVersion]:
    if not (
        practice_can_read_published(actor=actor, practice=practice)
        or practice_can_see_working(actor=actor, practice=practice)
    ):
        raise Practice.DoesNotExist
    return (
        PracticeVersion.objects.filter(practice=practice).select_related("published_by").order_by("-number")
    )


@dataclass
class ReaderText:
    """The text a reader sees, in their language or the original's, with what the page must say."""

    language: str
    text: dict[str, Any]
    is_fallback: bool
    wanted: str
    is_outdated: bool
    available: list[str]


def language_name(code: str) -> str:
    return dict(Language.choices).get(code, code)


def reader_text(*, data: dict[str, Any], language: str | None = None) -> ReaderText:
    """The reader's language if the snapshot has it, else the original."""
    texts: dict[str, Any] = data.get("texts", {})
    wanted = (language or get_language() or "").split("-")[0]
    original = data["original_language"]
    chosen = wanted if wanted in texts else original
    text = texts.get(chosen) or next(iter(texts.values()))
    outdated = not text.get("is_original") and (text.get("source_revision") or 0) < data.get(
        "original_revision", 1
    )
    available = sorted(texts, key=lambda code: (code != original, code))
    return ReaderText(
        language=chosen,
        text=text,
        is_fallback=chosen != wanted,
        wanted=wanted,
        is_outdated=outdated,
        available=available,
    )


def practice_working_data(*, practice: Practice) -> dict[str, Any]:
    """The working revision in the snapshot's shape (the owner's texts and accepted translations)."""
    from kujdes.network.practices.services import snapshot_data

    return snapshot_data(practice=practice, include_pending=True)


def translations_pending(*, practice: Practice) -> QuerySet[PracticeText]:
    """Translations contributed by other partners, awaiting the coordinator."""
    return practice.texts.filter(state=TextState.SUBMITTED).select_related("contributed_by")


def practice_texts(*, practice: Practice) -> list[PracticeText]:
    return list(practice.texts.select_related("contributed_by").all())


def practice_comments(*, actor: User, practice: Practice) -> QuerySet:
    if not practice_can_see_working(actor=actor, practice=practice) and not actor_focal_partner_ids(
        actor=actor
    ):
        return practice.comments.none()
    comments = practice.comments.select_related("author")
    if not practice_can_see_working(actor=actor, practice=practice):
        # A contributing partner sees the thread about its own translation only.
        languages = list(
            practice.texts.filter(contributed_by_id__in=actor_focal_partner_ids(actor=actor)).values_list(
                "language", flat=True
            )
        )
        comments = comments.filter(language__in=languages)
    return comments


def practice_attachments(*, actor: User, practice: Practice) -> QuerySet[PracticeAttachment]:
    attachments = practice.attachments.all()
    if practice_can_see_working(actor=actor, practice=practice):
        return attachments
    if practice_can_read_published(actor=actor, practice=practice):
        return attachments.filter(is_published=True)
    return attachments.none()


def practice_adoptions(*, practice: Practice) -> QuerySet[Adoption]:
    return practice.adoptions.select_related("partner")


def practices_of_my_partners(*, actor: User) -> QuerySet[Practice]:
    """ "My partner's practices": every practice of the partners the actor is a focal point of."""
    return (
        Practice.objects.filter(partner_id__in=actor_focal_partner_ids(actor=actor))
        .select_related("partner")
        .prefetch_related("texts")
        .order_by("-updated_at", "pk")
    )


def translations_of_my_partners(*, actor: User) -> QuerySet[PracticeText]:
    """Translations the actor's partners contributed to other partners' practices."""
    return PracticeText.objects.filter(
        contributed_by_id__in=actor_focal_partner_ids(actor=actor)
    ).select_related("practice", "practice__partner")


def practices_awaiting_review(*, actor: User) -> list[tuple[Practice, list[PracticeText]]]:
    """For the coordinator: practices submitted, and translations contributed, awaiting review."""
    if not actor_is_coordinator(actor=actor):
        return []
    rows: dict[int, tuple[Practice, list[PracticeText]]] = {}
    for practice in Practice.objects.filter(status=PracticeStatus.SUBMITTED).select_related("partner"):
        rows[practice.pk] = (practice, [])
    for text in PracticeText.objects.filter(state=TextState.SUBMITTED).select_related(
        "practice", "practice__partner"
    ):
        rows.setdefault(text.practice_id, (text.practice, []))[1].append(text)
    return list(rows.values())


def practices_recently_published(*, actor: User, limit: int = 5) -> list[PracticeSearchDocument]:
    if not actor_has_perm(actor=actor, perm=Perm.NETWORK_PRACTICES_READ):
        return []
    return list(
        PracticeSearchDocument.objects.select_related("practice", "partner").order_by("-published_at")[:limit]
    )


def adoptions_recent(*, actor: User, limit: int = 5, partner: Partner | None = None) -> list[Adoption]:
    if not actor_has_perm(actor=actor, perm=Perm.NETWORK_PRACTICES_READ):
        return []
    adoptions = Adoption.objects.filter(
        practice__published_version__gt=0, practice__search_document__isnull=False
    ).select_related("partner", "practice", "practice__partner")
    if partner is not None:
        adoptions = adoptions.filter(Q(partner=partner) | Q(practice__partner=partner))
    return list(adoptions.order_by("-since", "-pk")[:limit])


def practices_published_of_partner(*, actor: User, partner: Partner) -> list[PracticeSearchDocument]:
    if not actor_has_perm(actor=actor, perm=Perm.NETWORK_PRACTICES_READ):
        return []
    return list(
        PracticeSearchDocument.objects.filter(partner=partner)
        .select_related("practice")
        .order_by("-published_at")
    )


def snapshot_titles(*, practice_ids: list[int], language: str | None = None) -> dict[int, ReaderText]:
    """The reader's text of the latest snapshot of each practice (one query)."""
    latest: dict[int, ReaderText] = {}
    for version in PracticeVersion.objects.filter(practice_id__in=practice_ids).order_by(
        "practice_id", "-number"
    ):
        if version.practice_id not in latest:
            latest[version.practice_id] = reader_text(data=version.data, language=language)
    return latest


def installation_names(*, installation_ids: set[Any]) -> dict[Any, str]:
    """The names of the peer installations with these ids (one query; none asked: none read)."""
    from kujdes.network.federation.models import Peer

    ids = {i for i in installation_ids if i}
    if not ids:
        return {}
    return dict(Peer.objects.filter(installation_id__in=ids).values_list("installation_id", "name"))


def practice_origin_installation(*, practice: Practice) -> str:
    """The name of the installation a received practice came from ("" for a practice written here)."""
    if not practice.is_remote:
        return ""
    return installation_names(installation_ids={practice.sender_installation_id}).get(
        practice.sender_installation_id, ""
    )


# --- search ------------------------------------------------------------------------------------

TOKEN = re.compile(r"\w+", re.UNICODE)
FACETS = ("themes", "countries", "target_groups", "languages")


@dataclass
class SearchHit:
    practice_id: int
    public_id: str
    title: str
    summary: str
    language: str
    partner: str
    country: str
    themes: list[str]
    languages: list[str]
    rank: float
    # The installation it came from, for a practice received from another one.
    origin_installation: str = ""
    is_remote: bool = False


@dataclass
class SearchResult:
    hits: list[SearchHit]
    total: int
    page: int
    pages: int
    facets: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)


def query_tokens(query: str) -> list[str]:
    """Words of a query (letters and digits), lower-case, at most ten."""
    return [t for t in TOKEN.findall((query or "").lower()) if t.strip("_")][:10]


def _bar(values: list[str]) -> str:
    return "|" + "|".join(values) + "|" if values else ""


def _codes(value: str) -> list[str]:
    return [v for v in value.split("|") if v]


def _filter(documents: QuerySet, column: str, codes: list[str]) -> QuerySet:
    if not codes:
        return documents
    any_of = Q()
    for code in codes:
        any_of |= Q(**{f"{column}__contains": f"|{code}|"})
    return documents.filter(any_of)


def _full_text(documents: QuerySet, tokens: list[str], engine: str) -> QuerySet:
    """Matching documents annotated with `rank` (higher is better)."""
    if engine == "naive":
        for token in tokens:
            documents = documents.filter(Q(titles__icontains=token) | Q(body__icontains=token))
        return documents.annotate(rank=RawSQL("0", []))
    if connection.vendor == "postgresql":
        tsquery = " & ".join(f"{token}:*" for token in tokens)
        expression = "to_tsquery('simple', network_practices_unaccent(%s))"
        # Only constant SQL is interpolated; the words travel as parameters.
        return documents.extra(where=[f"document @@ {expression}"], params=[tsquery]).annotate(  # noqa: S610
            rank=RawSQL(f"ts_rank(document, {expression})", [tsquery])  # noqa: S611
        )
    match = _fts_match(tokens)
    table = PracticeSearchDocument._meta.db_table
    # The rank is read once for all matches (_fts_ranks), not per row: FTS5 is fast only that way.
    return documents.extra(  # noqa: S610
        where=[
            f"{table}.id IN (SELECT rowid FROM network_practices_fts WHERE network_practices_fts MATCH %s)"  # noqa: S608
        ],
        params=[match],
    ).annotate(rank=RawSQL("0", []))  # noqa: S611


def _fts_match(tokens: list[str]) -> str:
    return " AND ".join(f'"{token}"*' for token in tokens)


def _fts_ranks(tokens: list[str]) -> dict[int, float]:
    """SQLite: each matching document's BM25 score (titles weigh ten times the body), higher is better."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid, -bm25(network_practices_fts, 10.0, 1.0) FROM network_practices_fts"
            " WHERE network_practices_fts MATCH %s",
            [_fts_match(tokens)],
        )
        return {int(rowid): float(score) for rowid, score in cursor.fetchall()}


def practice_search(
    *,
    actor: User,
    query: str = "",
    themes: list[str] | None = None,
    countries: list[str] | None = None,
    target_groups: list[str] | None = None,
    languages: list[str] | None = None,
    page: int = 1,
    language: str | None = None,
    engine: str = "",
) -> SearchResult:
    """Published practices matching the words (any language, accents ignored), ranked, with facet counts.

    PostgreSQL: full-text search over an `unaccent`ed tsvector (GIN index); SQLite: FTS5 with
    diacritics removed. Titles weigh more than the body. `engine="naive"` is the benchmark's
    baseline (a plain icontains scan).
    """
    network_require(actor=actor, perm=Perm.NETWORK_PRACTICES_READ)
    documents = PracticeSearchDocument.objects.all()
    tokens = query_tokens(query)
    documents = _full_text(documents, tokens, engine) if tokens else documents.annotate(rank=RawSQL("0", []))
    documents = _filter(documents, "themes", themes or [])
    documents = _filter(documents, "target_groups", target_groups or [])
    documents = _filter(documents, "languages", languages or [])
    if countries:
        documents = documents.filter(country__in=countries)

    # One pass over the matching set, in order (rank, then the newest): facet counts and the page.
    counts: dict[str, Counter] = {name: Counter() for name in FACETS}
    ranked: list[tuple[float, int]] = []
    fts_ranks = _fts_ranks(tokens) if tokens and not engine and connection.vendor == "sqlite" else None
    order = ("-published_at", "-pk") if fts_ranks is not None else ("-rank", "-published_at", "-pk")
    for pk, country, theme_codes, group_codes, language_codes, rank in documents.order_by(*order).values_list(
        "pk", "country", "themes", "target_groups", "languages", "rank"
    ):
        counts["countries"][country] += 1
        counts["themes"].update(_codes(theme_codes))
        counts["target_groups"].update(_codes(group_codes))
        counts["languages"].update(_codes(language_codes))
        ranked.append((-(fts_ranks.get(pk, 0.0) if fts_ranks is not None else float(rank or 0)), pk))
    if fts_ranks is not None:
        ranked.sort(key=lambda item: item[0])  # stable: the newest first among equal scores
    total = len(ranked)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    window = ranked[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    scores = {pk: -score for score, pk in window}
    by_id = {
        row["pk"]: row
        for row in PracticeSearchDocument.objects.filter(pk__in=list(scores)).values(
            "pk",
            "practice_id",
            "practice__public_id",
            "country",
            "themes",
            "languages",
            "partner__name",
            "cards",
            "practice__origin",
            "practice__sender_installation_id",
        )
    }
    origins = installation_names(
        installation_ids={row["practice__sender_installation_id"] for row in by_id.values()}
    )
    rows = [by_id[pk] | {"rank": score} for pk, score in scores.items() if pk in by_id]
    wanted = (language or get_language() or "").split("-")[0]
    hits = []
    for row in rows:
        cards = row["cards"] or {}
        shown = wanted if wanted in cards and wanted else cards.get("", "")
        title, summary = (cards.get(shown) or ["", ""])[:2]
        hits.append(
            SearchHit(
                practice_id=row["practice_id"],
                public_id=str(row["practice__public_id"]),
                title=title,
                summary=summary,
                language=shown,
                partner=row["partner__name"],
                country=row["country"],
                themes=_codes(row["themes"]),
                languages=_codes(row["languages"]),
                rank=float(row["rank"] or 0),
                origin_installation=origins.get(row["practice__sender_installation_id"], ""),
                is_remote=row["practice__origin"] == "remote",
            )
        )
    labels = {
        "themes": dict(Theme.choices),
        "countries": dict(Country.choices),
        "target_groups": dict(TargetGroup.choices),
        "languages": dict(Language.choices),
    }
    facets = {
        name: [(code, str(labels[name].get(code, code)), n) for code, n in counts[name].most_common()]
        for name in FACETS
    }
    return SearchResult(hits=hits, total=total, page=page, pages=pages, facets=facets)
