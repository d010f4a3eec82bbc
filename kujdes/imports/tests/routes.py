"""Route expectations of the import pages (collected by kujdes/core/tests/test_route_matrix.py).

Alice's import of persons into diocese A is seen by whoever registers persons there (Alice, Bob,
the programme manager); everyone else, Dave of the other organisation included, gets 404."""

from __future__ import annotations

from typing import Any

from kujdes.core.tests.routes import DENIED, MISSING, OK, REDIRECT, Route

IMPORTERS = ("alice", "bob", "charlie", "dave", "manager", "educator")
OF_DIOCESE_A = ("alice", "bob", "manager")


def fixtures(t: Any) -> None:
    from kujdes.imports.models import MappingTemplate
    from kujdes.imports.services import batch_upload

    t.import_template = MappingTemplate.objects.create(
        organisation=t.org,
        name="Lista e diocezës",
        target="persons",
        mapping={"headers": {"Emri": "given_name"}},
        created_by=t.alice,
    )
    t.import_batch = batch_upload(
        actor=t.alice,
        unit=t.diocese_a,
        target="persons",
        data="Emri,Mbiemri,Datëlindja\nAna,Kola,12.03.2009\nEva,Lami,never\n".encode(),
        filename="lista.csv",
    )


def _batch(t: Any) -> dict[str, Any]:
    return {"public_id": t.import_batch.public_id}


def _of_diocese_a(statuses: set[int], method: str = "POST") -> Route:
    return Route(method=method, kwargs=_batch, expect={n: statuses for n in OF_DIOCESE_A}, others=MISSING)


def _api_batch(t: Any) -> dict[str, Any]:
    return {"batch_id": t.import_batch.public_id}


def _api_of_diocese_a(statuses: set[int], method: str = "POST", **kw: Any) -> Route:
    """The API on Alice's import: whoever registers persons in diocese A; everyone else 404."""
    return Route(
        method=method,
        kwargs=_api_batch,
        expect={n: statuses for n in OF_DIOCESE_A},
        others=MISSING,
        anonymous={401},
        **kw,
    )


def _template(t: Any) -> dict[str, Any]:
    return {"public_id": t.import_template.public_id}


# Whoever imports in organisation "al" uses its templates; Dave (another organisation) gets 404.
OF_AL_IMPORTERS = ("alice", "bob", "charlie", "manager", "educator")

ROUTES: dict[str, Route] = {
    # Whoever registers persons somewhere imports there.
    "import_list": Route(expect={n: OK for n in IMPORTERS}),
    "import_templates": Route(expect={n: OK for n in IMPORTERS}),
    "import_template_rename": Route(
        method="POST",
        kwargs=_template,
        data={"name": "Lista e re"},
        expect={**{n: REDIRECT for n in OF_AL_IMPORTERS}, "dave": MISSING},
        others=DENIED,
    ),
    "import_template_delete": Route(
        method="POST",
        kwargs=_template,
        expect={**{n: REDIRECT for n in OF_AL_IMPORTERS}, "dave": MISSING},
        others=DENIED,
    ),
    # The commit's progress, polled by the batch page (htmx); asked for otherwise, the batch page.
    "import_status": _of_diocese_a(REDIRECT, method="GET"),
    "import_template_save": _of_diocese_a(REDIRECT),
    "import_template_apply": _of_diocese_a(REDIRECT),
    "import_batch": _of_diocese_a(OK, method="GET"),
    "import_reading": _of_diocese_a(REDIRECT),
    "import_mapping": _of_diocese_a(REDIRECT),
    # The rows with errors as a file: an export (re-authenticated, audited).
    "import_errors": _of_diocese_a({200, 302}),
    "import_commit": _of_diocese_a(REDIRECT),
    "import_cancel": _of_diocese_a(REDIRECT),
    "import_undo": _of_diocese_a(REDIRECT),
    # The API mirrors the pages. An upload without a file is refused before anything else.
    "api:imports_upload": Route(method="POST", others={422}, anonymous={401}),
    "api:imports_templates": Route(expect={n: OK for n in IMPORTERS}, others={403}, anonymous={401}),
    "api:imports_batch": _api_of_diocese_a(OK, method="GET"),
    "api:imports_status": _api_of_diocese_a(OK, method="GET"),
    "api:imports_options": _api_of_diocese_a(OK, method="PUT", json=True, data={}),
    "api:imports_check": _api_of_diocese_a(OK),
    # The manager registers the essential fields only: a file with family names is refused (422).
    "api:imports_commit": _api_of_diocese_a({202, 422}),
    # Nothing was imported: nothing to undo.
    "api:imports_undo": _api_of_diocese_a({409}),
    "api:imports_cancel": _api_of_diocese_a(OK),
}
