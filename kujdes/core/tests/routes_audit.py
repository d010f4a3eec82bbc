"""Route expectations of the audit room's read-budget and probing pages (issue 21).

Each organisation's data protection officer reads their organisation's figures (the other organisation's
officer gets their own, empty page); every other role is refused.
"""

from __future__ import annotations

from kujdes.core.tests.routes import DENIED, OK, Route

OFFICERS = {"dpo": OK, "other_dpo": OK}

ROUTES: dict[str, Route] = {
    "audit_reads": Route(expect=OFFICERS, others=DENIED),
    "audit_probing": Route(expect=OFFICERS, others=DENIED),
}
