"""Demo data of field capture (found by `kujdes demo` after the programme room's demo).

Caritas Shqiptare's ready-made forms published to the whole organisation, a phone for the Lezhë
field educator, and what that phone sent: an anonymous headcount at an awareness activity (mapped),
and a participant registered as new although she resembles a registered participant, waiting in the
review queue as a possible duplicate. Invented throughout.
"""

from __future__ import annotations

import uuid
from xml.sax.saxutils import escape

from django.utils import timezone

from kujdes.accounts.models import User
from kujdes.core.models import Membership, Organisation, Unit
from kujdes.fieldsync.models import Form
from kujdes.fieldsync.receiving import submission_receive
from kujdes.fieldsync.selectors import principal_for_device
from kujdes.fieldsync.services import device_create
from kujdes.fieldsync.shipped import shipped_forms_install
from kujdes.people.selectors import persons_with_keys
from kujdes.programme.models import Activity, ActivityStatus, Participation


def _instance(form: Form, fields: dict[str, str]) -> bytes:
    version = form.current_version.version if form.current_version else ""
    body = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in fields.items())
    return (
        f'<data id="{form.xml_form_id}" version="{escape(version)}">{body}'
        f"<meta><instanceID>uuid:{uuid.uuid4()}</instanceID></meta></data>"
    ).encode()


def demo_populate() -> str:
    organisation = Organisation.objects.filter(code="caritas-al").first()
    educator = User.objects.filter(username="educator-lezhe").first()
    if organisation is None or educator is None:
        return "Field capture: no demo organisation."
    top = Unit.objects.filter(organisation=organisation, parent__isnull=True).order_by("pk").first()
    membership = Membership.objects.filter(user=educator, organisation=organisation).first()
    if top is None or membership is None:
        return "Field capture: no demo organisation."
    installed = shipped_forms_install(actor=None, unit=top)
    device, token = device_create(
        actor=None, user=educator, unit=membership.unit, name="Telefoni i terrenit 1"
    )
    principal = principal_for_device(device=device)
    sent = 0
    if principal is not None:
        forms = {f.xml_form_id: f for f in Form.objects.filter(organisation=organisation)}
        today = timezone.localdate()
        activities = Activity.objects.filter(
            organisation=organisation, unit__path__startswith=membership.unit.path
        ).exclude(status=ActivityStatus.CANCELLED)
        awareness = (
            activities.filter(
                activity_type__kind__in=("mass", "meeting", "advocacy", "visit"), starts_on__lte=today
            )
            .order_by("-starts_on")
            .first()
        )
        if awareness is not None and "kujdes_headcount" in forms:
            fields = {
                "activity": str(awareness.public_id),
                # A day the activity ran, today at the latest.
                "date": max(awareness.starts_on, min(today, awareness.ends_on or today)).isoformat(),
                "n_f_12": "17",
                "n_m_12": "11",
            }
            submission_receive(principal=principal, xml=_instance(forms["kujdes_headcount"], fields))
            sent += 1
        participation = (
            Participation.objects.filter(activity__in=activities).select_related("person", "activity").first()
        )
        if participation is not None and "kujdes_participant_register" in forms:
            (person,) = persons_with_keys([participation.person])
            if person.given_name:
                fields = {
                    "activity": str(participation.activity.public_id),
                    "person_mode": "new",
                    # The same girl as a registered participant, her name spelt without diacritics.
                    "given_name": person.given_name.replace("ë", "e").replace("ç", "c"),
                    "family_name": person.family_name.replace("ë", "e").replace("ç", "c"),
                    "sex": person.sex,
                    "birth_year": str(person.birth_year or ""),
                }
                submission_receive(
                    principal=principal, xml=_instance(forms["kujdes_participant_register"], fields)
                )
                sent += 1
    return (
        f"Field capture: {len(installed)} ready-made forms, a phone for educator-lezhe "
        f"(server URL /openrosa/key/{token}/), {sent} submissions sent from it."
    )
