"""What a mapper needs around the records it writes: the instance's values, the records an earlier
version of the same instance made, and the review queue."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from defusedxml import ElementTree as SafeElementTree
from django.db import models

from kujdes.core.audit import audit_record
from kujdes.fieldsync.models import MappedRecord, ReviewItem, ReviewReason, ReviewState, Submission


@dataclass
class MappingResult:
    """What a mapper did: the records it wrote or found (by key) and the review items it opened."""

    records: dict[str, models.Model] = field(default_factory=dict)
    review: list[ReviewItem] = field(default_factory=list)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class InstanceData:
    """The values of a submitted instance by field name, whatever group holds them.

    `value(name)` is the first element with that local name ("" when absent or empty); a repeat is
    read with `repeats(name)`, each item an InstanceData of its own. Space-separated select_multiple
    answers come back as lists from `choices(name)`.
    """

    def __init__(self, element: Any) -> None:
        self._element = element

    @classmethod
    def from_xml(cls, xml: str | bytes) -> InstanceData:
        return cls(SafeElementTree.fromstring(xml.encode() if isinstance(xml, str) else xml))

    @classmethod
    def of(cls, submission: Submission) -> InstanceData:
        return cls.from_xml(submission.xml)

    def _find(self, name: str) -> Any:
        for element in self._element.iter():
            if _local(element.tag) == name:
                return element
        return None

    def value(self, name: str) -> str:
        element = self._find(name)
        if element is None or len(element):
            return ""
        return (element.text or "").strip()

    def choices(self, name: str) -> list[str]:
        return self.value(name).split()

    def repeats(self, name: str) -> list[InstanceData]:
        return [InstanceData(e) for e in self._element.iter() if _local(e.tag) == name]

    def values(self) -> dict[str, str]:
        """Every leaf's value by its local name (the first of each name), for review and export."""
        out: dict[str, str] = {}
        for element in self._element.iter():
            if len(element) == 0:
                out.setdefault(_local(element.tag), (element.text or "").strip())
        return out


def _origin(submission: Submission) -> Submission:
    """The first version of an instance (an edit's `replaces` chain followed to its start)."""
    origin = submission
    while origin.replaces_id is not None:
        origin = origin.replaces  # type: ignore[assignment]
    return origin


def record_get(*, submission: Submission, key: str) -> models.Model | None:
    """The record an earlier version (or an earlier run) of this instance made under `key`."""
    link = MappedRecord.objects.filter(origin=_origin(submission), key=key).first()
    if link is None:
        return None
    from django.apps import apps

    model = apps.get_model(link.model)
    return model._default_manager.filter(pk=link.object_pk).first()


def record_link(*, submission: Submission, key: str, obj: models.Model) -> None:
    """Note that this instance made (or now writes) `obj` under `key`."""
    MappedRecord.objects.update_or_create(
        origin=_origin(submission),
        key=key,
        defaults={
            "organisation_id": submission.organisation_id,
            "model": obj._meta.label,
            "object_pk": str(obj.pk),
            "submission": submission,
        },
    )


def review_open(
    *,
    submission: Submission,
    reason: ReviewReason,
    part: str = "",
    detail: dict[str, Any] | None = None,
) -> ReviewItem:
    """Put (part of) a submission in its unit's review queue; the same reason and part once only.

    `detail` holds what the reviewer needs that is not identifying (candidates' public ids, field
    names, the refused message); the submission's own values are read from the sealed instance.
    """
    item, created = ReviewItem.objects.get_or_create(
        submission=submission,
        reason=reason,
        part=part[:100],
        defaults={
            "organisation_id": submission.organisation_id,
            "unit": submission.unit,
            "detail": detail or {},
        },
    )
    if not created and item.state != ReviewState.OPEN and detail is not None:
        item.detail = detail
        item.state = ReviewState.OPEN
        item.decided_at = None
        item.decided_by = None
        item.save(update_fields=["detail", "state", "decided_at", "decided_by"])
    if created:
        audit_record(
            actor=submission.submitted_by,
            organisation=submission.organisation_id,
            action="fieldsync.review.opened",
            obj=item,
            unit=submission.unit,
            details={"submission": str(submission.public_id), "reason": str(reason), "part": part[:100]},
        )
    return item
