"""Route expectations of the field-capture room (collected by kujdes/core/tests/test_route_matrix.py).

The OpenRosa doors ignore the browser's session: without a device token or HTTP Basic credentials
every caller gets 401 (an unknown token too); their roots answer 404 with an OpenRosa message. The
forms pages are for organisation administrators (another organisation's form is 404); every staff
member manages their own phones; a phone is revoked by its user or their organisation's administrator.
"""

from __future__ import annotations

import uuid
from typing import Any

from kujdes.core.tests.routes import MISSING, OK, REDIRECT, Route, everyone

UNAUTHORISED = {401}


def fixtures(t: Any) -> None:
    from kujdes.fieldsync.services import device_create
    from kujdes.fieldsync.tests.helpers import publish, xlsform_bytes

    t.fieldsync_version = publish(data=xlsform_bytes(), units=[t.diocese_a])
    t.fieldsync_device, _token = device_create(
        actor=None, user=t.educator, unit=t.centre_a, name="Matrix phone"
    )
    from kujdes.fieldsync.receiving import submission_receive
    from kujdes.fieldsync.selectors import principal_for_device
    from kujdes.fieldsync.tests.helpers import instance_xml

    principal = principal_for_device(device=t.fieldsync_device)
    t.fieldsync_submission, _created = submission_receive(principal=principal, xml=instance_xml())
    from kujdes.fieldsync.mapping.records import review_open
    from kujdes.fieldsync.models import ReviewReason

    # An item of the centre's queue (below diocese A): its case workers and manager review it.
    t.fieldsync_review = review_open(
        submission=t.fieldsync_submission, reason=ReviewReason.UNKNOWN_PERSON, part="person", detail={}
    )


def _token(t: Any) -> dict[str, Any]:
    return {"token": "not-a-token"}


def _openrosa(name: str, kwargs: Any = None, method: str = "GET") -> dict[str, Route]:
    plain = kwargs or (lambda t: {})
    keyed = (lambda t: {**plain(t), **_token(t)}) if kwargs else _token
    return {
        f"openrosa_{name}": everyone(UNAUTHORISED, anonymous=UNAUTHORISED, method=method, kwargs=plain),
        f"openrosa_key_{name}": everyone(UNAUTHORISED, anonymous=UNAUTHORISED, method=method, kwargs=keyed),
    }


def _form(t: Any) -> dict[str, Any]:
    return {"xml_form_id": "visit"}


ROUTES: dict[str, Route] = {
    "openrosa_root": everyone(MISSING, anonymous=MISSING),
    "openrosa_key_root": everyone(MISSING, anonymous=MISSING, kwargs=_token),
    **_openrosa("form_list"),
    **_openrosa("form_download", _form),
    **_openrosa("form_manifest", _form),
    **_openrosa("form_media", lambda t: {"xml_form_id": "visit", "filename": "logo.png"}),
    **_openrosa("submission", method="POST"),
    "fieldsync_forms": Route(expect={"admin": OK, "other_admin": OK}, others={403}),
    "fieldsync_form": Route(
        kwargs=lambda t: {"public_id": t.fieldsync_version.form.public_id},
        expect={"admin": OK},
        others=MISSING,
    ),
    # GET only: the page that explains encryption (the POST acts, after a re-authentication).
    "fieldsync_form_encrypt": Route(
        kwargs=lambda t: {"public_id": t.fieldsync_version.form.public_id},
        expect={"admin": OK},
        others=MISSING,
    ),
    "fieldsync_submissions": Route(
        kwargs=lambda t: {"public_id": t.fieldsync_version.form.public_id},
        expect={"admin": OK},
        others=MISSING,
    ),
    "fieldsync_submission": Route(
        kwargs=lambda t: {"public_id": t.fieldsync_submission.public_id}, expect={"admin": OK}, others=MISSING
    ),
    "fieldsync_submissions_export": Route(
        method="POST",
        kwargs=lambda t: {"public_id": t.fieldsync_version.form.public_id},
        data={"format": "csv"},
        expect={"admin": OK},
        others=MISSING,
    ),
    "fieldsync_submission_attachment": Route(
        kwargs=lambda t: {"public_id": t.fieldsync_submission.public_id, "attachment_id": uuid.uuid4()},
        expect={"admin": MISSING},
        others=MISSING,
    ),
    # The review queue: staff who see persons and case files (case workers, programme managers) of
    # their units; field educators, volunteers and administrators do not review (403); an item of
    # another unit or organisation is 404.
    "fieldsync_review": Route(
        expect={n: OK for n in ("alice", "bob", "charlie", "dave", "manager")}, others={403}
    ),
    "fieldsync_review_item": Route(
        kwargs=lambda t: {"public_id": t.fieldsync_review.public_id},
        expect={n: OK for n in ("alice", "bob", "manager")},
        others=MISSING,
    ),
    # The ready-made forms' button: administrators install them to a unit they configure; a unit they
    # do not configure (here: none) is 404; anyone else 403 as on the forms page. Installing is
    # tested in test_shipped_programme.py.
    "fieldsync_shipped_install": Route(
        method="POST",
        data={"unit": "00000000-0000-4000-8000-000000000000"},
        expect={"admin": MISSING, "other_admin": MISSING},
        others={403},
    ),
    # The API: every signed-in user lists the forms they administer or may submit to (maybe none);
    # a form's submissions are for its administrators, 403 for those who may only submit to it
    # (diocese A's staff: the matrix form is published there for every role), 404 for the others.
    "api:fieldsync_forms_list": everyone(OK, anonymous={401}),
    "api:fieldsync_form_submissions": Route(
        kwargs=lambda t: {"form_id": t.fieldsync_version.form.public_id},
        expect={"admin": OK, **{n: {403} for n in ("alice", "bob", "manager", "educator", "volunteer")}},
        others=MISSING,
        anonymous={401},
    ),
    "fieldsync_devices": everyone(OK),
    "fieldsync_device_revoke": Route(
        method="POST",
        kwargs=lambda t: {"public_id": t.fieldsync_device.public_id},
        expect={"educator": REDIRECT, "admin": REDIRECT},
        others=MISSING,
    ),
}
