"""From a stored submission to Kujdes records, through the other rooms' services.

A mapper is registered per XForm id (`mapper_register`). It reads the instance (`InstanceData`),
writes records through the owning room's services as the submitting user, and notes each record
it made with `record_link`, so that a resend or an edit of the same instance finds it again instead
of making a second one. What it cannot map with certainty it sends to the review queue
(`review_open`); the submission is then *waiting for review* instead of *mapped*.

A form with no mapper keeps its submissions as received: they are data of their own (the
submissions table, exports and API). Mapping runs in a savepoint of the receiving transaction, so
that a mapper's failure never loses the stored submission.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

from kujdes.fieldsync.mapping.records import MappingResult
from kujdes.fieldsync.models import Submission, SubmissionState

logger = logging.getLogger(__name__)

Mapper = Callable[[Submission], MappingResult]
MAPPERS: dict[str, Mapper] = {}


def mapper_register(xml_form_id: str) -> Callable[[Mapper], Mapper]:
    """Decorator: `fn(submission) -> MappingResult` maps the submissions of forms with this id."""

    def register(fn: Mapper) -> Mapper:
        MAPPERS[xml_form_id] = fn
        return fn

    return register


def submission_map(*, submission: Submission) -> None:
    """Hand the submission to its form's mapper, if it has one, and record the outcome in its state."""
    mapper = MAPPERS.get(submission.form.xml_form_id)
    if mapper is None or submission.state in (SubmissionState.SUPERSEDED, SubmissionState.REJECTED):
        # A replaced version maps nothing (its edit did); replaying it must not undo the edit. A
        # rejected submission stays rejected.
        return
    try:
        with transaction.atomic():
            result = mapper(submission)
    except Exception:
        # The submission stays stored as received; the failure is logged without its content.
        logger.exception("fieldsync: mapping failed for submission %s", submission.public_id)
        return
    state = SubmissionState.REVIEW if result.review else SubmissionState.MAPPED
    if submission.state != state:
        submission.state = state
        submission.save(update_fields=["state", "updated_at"])
