"""Route expectations of the reports room (collected by kujdes/core/tests/test_route_matrix.py).

Every role with `reports.view` (case workers, programme managers, field educators, viewers and
organisation administrators, in either organisation) has a dashboard, the catalogue, the builder and
a list of its own saved reports; the volunteer, the protection officer and the network coordinator get
403. A saved report and its kept files belong to their owner (the manager of diocese A): everyone else
gets 404, exactly as for a report that does not exist.
"""

from __future__ import annotations

import datetime
from typing import Any

from kujdes.core.tests.routes import DENIED, MISSING, OK, REDIRECT, Route

REPORTERS = ("alice", "bob", "charlie", "dave", "admin", "other_admin", "manager", "educator", "viewer")
API_ANON = {401}


def _reporters(statuses: set[int], **kw: Any) -> Route:
    return Route(expect={name: statuses for name in REPORTERS}, others=DENIED, **kw)


def _owner(statuses: set[int], **kw: Any) -> Route:
    return Route(expect={"manager": statuses}, others=MISSING, **kw)


def _report(t: Any) -> dict[str, Any]:
    return {"public_id": t.rp_report.public_id}


def fixtures(t: Any) -> None:
    from kujdes.reports.models import ReportFile
    from kujdes.reports.services import saved_report_create

    t.rp_report = saved_report_create(
        actor=t.manager,
        name="Raporti mujor",
        unit=t.diocese_a,
        indicators=["direct_beneficiaries", "cases_opened"],
        dims=["sex"],
        period="last_month",
        language="sq",
        monthly=True,
    )
    t.rp_file = ReportFile.objects.create(
        organisation=t.org,
        report=t.rp_report,
        starts_on=datetime.date(2026, 10, 1),
        ends_on=datetime.date(2026, 10, 31),
        format="csv",
        content=b"\xef\xbb\xbfa,b\r\n",
        size=7,
        scheduled=True,
    )


ROUTES: dict[str, Route] = {
    # The lead's pages (views.py).
    "report_dashboard": _reporters(OK),
    "report_catalogue": _reporters(OK),
    "report_indicator": _reporters(OK, kwargs=lambda t: {"code": "direct_beneficiaries"}),
    "report_settings": Route(expect={"admin": OK, "other_admin": OK}, others=DENIED),
    # The builder (without choices the export sends back to the builder).
    "report_builder": _reporters(OK),
    "report_builder_export": _reporters(REDIRECT),
    "report_list": _reporters(OK),
    # The manager's saved report and its kept file.
    "report_detail": _owner(OK, kwargs=_report),
    "report_edit": _owner(OK, kwargs=_report),
    "report_delete": _owner(REDIRECT, method="POST", kwargs=_report),
    "report_export": _owner(REDIRECT, kwargs=_report),
    "report_pdf_background": _owner(REDIRECT, method="POST", kwargs=_report),
    "report_file_download": _owner(OK, kwargs=lambda t: {"public_id": t.rp_file.public_id}),
    # The API: the catalogue; figures without indicators are 422 for those who report.
    "api:reports_indicators": Route(
        expect={name: OK for name in REPORTERS}, others={403}, anonymous=API_ANON
    ),
    "api:reports_figures": Route(
        expect={name: {422} for name in REPORTERS}, others={403}, anonymous=API_ANON
    ),
}
