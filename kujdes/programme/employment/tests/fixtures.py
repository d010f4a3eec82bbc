"""Employment objects shared by the tests (created on the test class `t`, after BaseTestCase's cast).

At Centre A1 (below diocese A, where the field educator works): a cooking course of 2025 whose eight
graduates (`em_graduates`) completed it on 28 March 2025, an employer (`em_employer`, checked and
cleared) and one whose check found concerns (`em_bad_employer`); `em_placement` places the first
graduate. `em_other_employer` belongs to the other organisation. Charlie (diocese B) and Dave (the other
organisation) see none of the pathway's records.
"""

from __future__ import annotations

import datetime
from typing import Any

from kujdes.core.scoping import tenant_scope

COURSE_END = datetime.date(2025, 3, 28)


def employment_fixtures(t: Any) -> None:
    from kujdes.people.services import person_create
    from kujdes.programme import services as programme
    from kujdes.programme.employment import services as s
    from kujdes.programme.models import ActivityType
    from kujdes.screening.services import instruments_install

    with tenant_scope(organisation_ids=[t.org.pk, t.other_org.pk]):
        for organisation in (t.org, t.other_org):
            programme.activity_types_install(organisation_id=organisation.pk)
        instruments_install(organisation=t.org)
        course_type = ActivityType.objects.get(organisation=t.org, code="vocational-course")
        t.em_course = programme.activity_create(
            actor=t.manager,
            unit=t.centre_a,
            activity_type=course_type,
            title="Kurs kuzhine",
            starts_on=datetime.date(2025, 1, 6),
            ends_on=COURSE_END,
            municipality="Shkodër",
        )
        t.em_graduates = []
        people = [
            ("Arta", "Feminine", 2000),
            ("Blerta", "Feminine", 2001),
            ("Drita", "Feminine", 1999),
            ("Ermal", "Masculine", 2002),
            ("Fatbardha", "Feminine", 2003),
            ("Gentiana", "Feminine", 2000),
            ("Hana", "Feminine", 1998),
            ("Ilir", "Masculine", 1997),
        ]
        for name, sex, year in people:
            person = person_create(
                actor=t.alice, unit=t.diocese_a, given_name=name, family_name="Test", sex=sex, birth_year=year
            )
            participation = programme.participant_enrol(actor=t.manager, activity=t.em_course, person=person)
            programme.participation_complete(
                actor=t.manager, participation=participation, completed_on=COURSE_END
            )
            participation.refresh_from_db()
            participation.person = person  # cached: tests read it outside a scope
            t.em_graduates.append(participation)
        t.em_employer = s.employer_create(
            actor=t.manager,
            unit=t.centre_a,
            name="Restorant Liqeni",
            sector="I",
            municipality="Shkodër",
            contact_name="Gjon Prela",
            agreement="memorandum",
            checked_on=datetime.date(2025, 1, 10),
            written_contracts=True,
            pays_minimum_wage=True,
            legal_hours=True,
            no_document_retention=True,
        )
        t.em_bad_employer = s.employer_create(
            actor=t.manager,
            unit=t.centre_a,
            name="Fasoneri Veriu",
            sector="C",
            municipality="Shkodër",
            checked_on=datetime.date(2025, 1, 12),
            written_contracts=True,
            pays_minimum_wage=False,
            legal_hours=True,
            no_document_retention=True,
            red_flags=["cash_only"],
        )
        other_root = t.other_root
        t.em_other_employer = s.employer_create(
            actor=t.other_manager,
            unit=other_root,
            name="Boulangerie du Port",
            sector="I",
            municipality="Marseille",
        )
        t.em_placement = s.placement_create(
            actor=t.educator,
            person=t.em_graduates[0].person,
            unit=t.centre_a,
            kind="job",
            employer=t.em_employer,
            position="Ndihmëse kuzhiniere",
            starts_on=datetime.date(2025, 4, 7),
            contract="formal",
            wage_band="minimum",
            hours_per_week=40,
            course=t.em_graduates[0],
        )


def other_manager(t: Any) -> Any:
    from kujdes.core.roles import Role
    from kujdes.core.scoping import system_scope
    from kujdes.core.tests.base import user_create

    with system_scope():
        return user_create(
            username="other_manager", organisation=t.other_org, unit=t.other_root, role=Role.PROGRAMME_MANAGER
        )
