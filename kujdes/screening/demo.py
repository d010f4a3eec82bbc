"""Demo data of the screening room: the shipped instruments in every demo organisation.

Called by `kujdes demo` (core finds `demo_populate` by convention) inside a system scope. The
rooms after this one (cases) may record screenings for their stories with
`kujdes.screening.services.screening_record`.
"""

from __future__ import annotations

from kujdes.core.models import Organisation
from kujdes.screening.services import instruments_install


def demo_populate() -> str:
    created = sum(
        instruments_install(organisation=organisation) for organisation in Organisation.objects.order_by("pk")
    )
    return f"Screening: {created} shipped instruments installed (ILO/EC lists, prevention risk screening)."
