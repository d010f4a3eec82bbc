"""The camp register imported in a real browser, in Albanian (issue 17: "Playwright in Albanian").

Alma, the Shkodër case worker of the demo (who also manages the diocese's programme here), uploads a
copy of docs/import-samples/camp-register-shkoder.xlsx in which two children's sex is written "V" and
"Dj" (vajzë, djalë: nobody's spelling the importer knows), accepts the suggested columns, maps the
two values, runs the dry run, decides that row 7 is Blerta Kola, registered before, ("same person"),
imports: the page shows the progress bar until the worker has written the rows, then the result;
the camp's page lists the eight participants; the import is undone.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright, with the demo network and the
helpers of kujdes/cases/tests/test_browser_case_work.py; every page is checked with axe-core. The
worker's part runs in the test's thread (`batch_commit_work`), as `kujdes db_worker` would run it.
"""

from __future__ import annotations

import datetime
import io
import os
import re
from pathlib import Path
from typing import Any

import pytest

from kujdes.cases.tests.test_browser_case_work import (  # noqa: F401  (fixtures, used by name)
    Journey,
    albanian_context,
    orm,
)
from kujdes.core.tests.chromium import CHROMIUM
from kujdes.core.tests.test_browser import (  # noqa: F401  (fixtures, used by name)
    async_unsafe_allowed,
    browser,
    demo_accounts,
)

playwright_sync = pytest.importorskip("playwright.sync_api")
pytest.importorskip("axe_playwright_python.sync_playwright")
expect = playwright_sync.expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "keys"]),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"needs Chromium at {CHROMIUM}"),
]

SAMPLE = Path(__file__).resolve().parents[3] / "docs" / "import-samples" / "camp-register-shkoder.xlsx"
DIOCESE = "Arqidioqeza Shkodër-Pult"
CAMP = "Kampi veror Shkodër 2017 (prova)"


def _register_with_two_odd_values(tmp_path: Path) -> Path:
    """The sample with "V" (row 9, Klea) and "Dj" (row 10, Gentian) as the sex."""
    from openpyxl import load_workbook

    workbook = load_workbook(SAMPLE)
    sheet = workbook.active
    assert sheet["C9"].value == "femer" and sheet["C10"].value == "M"
    sheet["C9"] = "V"
    sheet["C10"] = "Dj"
    output = io.BytesIO()
    workbook.save(output)
    path = tmp_path / "kampi-2017.xlsx"
    path.write_bytes(output.getvalue())
    return path


@pytest.fixture
def camp(demo_accounts: dict[str, dict[str, Any]]) -> dict[str, Any]:  # noqa: F811
    """A summer camp of the Shkodër diocese; Alma (case worker) also manages its programme; Blerta Kola
    (row 7 of the register) is registered already."""
    from django.utils import timezone

    from kujdes.accounts.models import User
    from kujdes.core.models import Unit
    from kujdes.core.roles import Role
    from kujdes.core.services import membership_assign
    from kujdes.people.services import person_create
    from kujdes.programme import services
    from kujdes.programme.models import ActivityType

    today = timezone.localdate()
    with orm():
        diocese = Unit.objects.get(organisation__code="caritas-al", name=DIOCESE)
        services.activity_types_install(organisation_id=diocese.organisation_id)
        camp_type = ActivityType.objects.get(organisation_id=diocese.organisation_id, code="summer-camp")
        alma = User.objects.get(username="caseworker-shkoder")
        membership_assign(actor=None, user=alma, unit=diocese, role=Role.PROGRAMME_MANAGER)
        manager = User.objects.get(username="manager-shkoder")
        activity = services.activity_create(
            actor=manager,
            unit=diocese,
            activity_type=camp_type,
            title=CAMP,
            starts_on=today - datetime.timedelta(days=10),
            ends_on=today - datetime.timedelta(days=3),
        )
        blerta = person_create(
            actor=alma,
            unit=diocese,
            given_name="Blerta",
            family_name="Kola",
            sex="Feminine",
            date_of_birth=datetime.date(2010, 11, 23),
            municipality="Vau i Dejës",
        )
        return {
            "activity": str(activity.public_id),
            "diocese": str(diocese.public_id),
            "blerta": str(blerta.public_id),
            "blerta_code": blerta.code,
        }


def test_a_case_worker_imports_the_camp_register_in_albanian_and_undoes_it(
    live_server: Any,
    demo_accounts: dict[str, dict[str, Any]],  # noqa: F811
    albanian_context: Any,  # noqa: F811
    camp: dict[str, Any],
    tmp_path: Path,
) -> None:
    from kujdes.imports.models import ImportBatch
    from kujdes.imports.tasks import batch_commit_work
    from kujdes.programme.models import Participation

    register = _register_with_two_odd_values(tmp_path)
    page = albanian_context.new_page()
    journey = Journey(page, live_server.url)
    journey.sign_in(demo_accounts["caseworker-shkoder"])

    # Upload: the unit, "participants of an activity", the camp, the file.
    page.goto(journey.url("/imports/"))
    journey.check("imports")
    page.select_option("#id_unit", camp["diocese"])
    page.select_option("#id_target", "participants")
    page.select_option("#id_activity", camp["activity"])
    page.set_input_files("#id_upload", str(register))
    with page.expect_navigation():
        page.locator("main form[enctype] button[type=submit]").click()
    assert re.search(r"/imports/[0-9a-f-]{36}/$", page.url), page.url
    journey.check("import: mapping")

    # The suggested columns are accepted as they are.
    expect(page.locator("#column-1")).to_have_value("full_name")
    expect(page.locator("#column-2")).to_have_value("sex")
    expect(page.locator("#column-3")).to_have_value("date_of_birth")
    # The two values nobody knows block the import until they are mapped.
    odd_v = page.locator("tr.has-error:has(label:text-is('V')) select")
    odd_dj = page.locator("tr.has-error:has(label:text-is('Dj')) select")
    expect(odd_v).to_have_count(1)
    expect(odd_dj).to_have_count(1)
    expect(page.locator("form[action$='/commit']")).to_have_count(0)
    odd_v.select_option("Feminine")
    odd_dj.select_option("Masculine")
    with page.expect_navigation():
        page.locator("form[action$='/mapping'] button[type=submit]").click()
    journey.check("import: dry run")

    # Row 7 looks like Blerta Kola, registered before: the same person.
    decision = page.locator("#decision-7")
    expect(decision).to_have_count(1)
    decision.select_option(camp["blerta"])
    with page.expect_navigation():
        page.locator("form[action$='/mapping'] button[type=submit]").click()
    expect(page.locator("#decision-7")).to_have_value(camp["blerta"])
    expect(page.locator("tr.has-error")).to_have_count(0)

    # Import: queued for the worker; the page shows the progress bar and polls.
    with page.expect_navigation():
        page.locator("form[action$='/commit'] button[type=submit]").click()
    progress = page.locator("progress#import-progress")
    expect(progress).to_be_visible()
    expect(page.locator("label[for='import-progress']")).to_be_visible()
    journey.check("import: progress")
    public_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    with orm():
        batch = ImportBatch.objects.get(public_id=public_id)
        assert batch.state == "committing"
    # The worker's part (in its own scope, as in `kujdes db_worker`); the page, polling every 2 s,
    # reloads itself with the result.
    from django.db import connections

    try:
        assert batch_commit_work(batch_pk=batch.pk) == "done"
    finally:
        connections.close_all()
    expect(page.locator("#result")).to_be_visible(timeout=20_000)
    journey.check("import: result")
    with orm():
        enrolled = Participation.objects.filter(activity__public_id=camp["activity"])
        assert enrolled.count() == 8
        assert enrolled.filter(person__public_id=camp["blerta"]).count() == 1

    # The camp's page lists them, Blerta by the code she had.
    with page.expect_navigation():
        page.locator(f"a[href*='{camp['activity']}']").first.click()
    expect(page.get_by_text(camp["blerta_code"], exact=True)).to_be_visible()
    journey.check("activity with the imported participants")

    # Undo: every participation the import made and the seven children it registered are removed;
    # Blerta stays as she was.
    page.go_back()
    page.wait_for_load_state()
    with page.expect_navigation():
        page.locator("form[action$='/undo'] button[type=submit]").click()
    with orm():
        assert ImportBatch.objects.get(public_id=public_id).state == "undone"
        assert Participation.objects.filter(activity__public_id=camp["activity"]).count() == 0
        from kujdes.people.models import Person

        assert Person.objects.filter(public_id=camp["blerta"]).exists()
    journey.check("import: undone")
    assert not journey.server_errors, journey.server_errors
    assert not journey.problems, "\n".join(journey.problems)
