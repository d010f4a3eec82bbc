"""Alerts to an organisation's data protection officers: an e-mail each, sent when the transaction commits.

Kujdes has no in-app notifications; what an alert is about is also an audit event, and the officer's
pages in the audit room (read budget, probing) list the recent alerts at their top. An alert's text names
accounts and counts, never a person of the registry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kujdes.core.models import Membership
from kujdes.core.roles import Role

logger = logging.getLogger(__name__)


def organisation_officers(*, organisation_id: int) -> list[tuple[str, str]]:
    """(e-mail, language) of the organisation's active data protection officers who have an address."""
    memberships = Membership.objects.filter(
        organisation_id=organisation_id,
        role=Role.DATA_PROTECTION_OFFICER,
        user__is_active=True,
    ).select_related("user", "organisation")
    found: dict[str, str] = {}
    for membership in memberships:
        user = membership.user
        if user.email:
            found.setdefault(user.email, user.language or membership.organisation.default_language)
    return sorted(found.items())


def officers_alert(
    *, organisation_id: int, subject: Callable[[], str], body: Callable[[], str], page: str
) -> int:
    """E-mail the organisation's protection officers, each in their language, once the transaction commits.

    `subject` and `body` are called under each officer's language; `page` names the audit-room page the
    e-mail points to. Must run inside the tenant scope of the organisation. Returns the number of officers.
    """
    officers = organisation_officers(organisation_id=organisation_id)
    link = settings.SITE_URL + reverse(page)
    messages = []
    for address, language in officers:
        with translation.override(language):
            text = f"{body()}\n\n{_('Details')}: {link}\n"
            messages.append((f"[Kujdes] {subject()}", text, address))

    def send() -> None:
        for title, text, address in messages:
            try:
                send_mail(title, text, None, [address])
            except Exception:  # noqa: BLE001 - a mail server down must not undo what was recorded
                logger.exception("An alert to a data protection officer could not be sent.")

    transaction.on_commit(send)
    return len(messages)
