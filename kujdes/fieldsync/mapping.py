"""From a stored submission to Kujdes records, through the other rooms' services.

A mapper is registered per XForm id (the shipped forms' ids). A form with no mapper keeps its
submissions as received: they are data of their own (issue 15 item 5). Mapping runs in a savepoint
of the receiving transaction, so that a mapper's failure never loses the stored submission.

Not done yet: the shipped forms' mappers and the review queue (issue 15 item 4).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

from kujdes.fieldsync.models import Submission

logger = logging.getLogger(__name__)

Mapper = Callable[[Submission], None]
MAPPERS: dict[str, Mapper] = {}


def submission_map(*, submission: Submission) -> None:
    """Hand the submission to its form's mapper, if it has one."""
    mapper = MAPPERS.get(submission.form.xml_form_id)
    if mapper is None:
        return
    try:
        with transaction.atomic():
            mapper(submission)
    except Exception:
        # The submission stays stored as received; the failure is logged without its content.
        logger.exception("fieldsync: mapping failed for submission %s", submission.public_id)
