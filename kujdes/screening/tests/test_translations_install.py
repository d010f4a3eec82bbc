"""`kujdes content translations install` gives an organisation installed before the network's languages
shipped the screening labels in them, as a new version, without touching what it wrote."""

from __future__ import annotations

import io
from typing import Any

from django.core.management import call_command
from django.test import TestCase

from kujdes.core.scoping import system_scope
from kujdes.core.services import network_get_or_create, organisation_create
from kujdes.screening.models import Instrument, InstrumentVersion
from kujdes.screening.services import instruments_install

OLD_LANGUAGES = {"sq", "en", "fr"}


def _as_before(value: Any) -> Any:
    """A definition as Kujdes shipped it before: Albanian, English and French only."""
    if isinstance(value, dict):
        if "en" in value and "sq" in value and all(isinstance(v, str) for v in value.values()):
            return {k: v for k, v in value.items() if k in OLD_LANGUAGES}
        return {k: _as_before(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_before(v) for v in value]
    return value


class TranslationsInstallTests(TestCase):
    databases = "__all__"

    @classmethod
    def setUpTestData(cls) -> None:
        with system_scope():
            network = network_get_or_create(name="Test network")
            cls.org = organisation_create(
                network=network,
                code="al",
                name="Org AL",
                country="AL",
                languages=["sq"],
                default_language="sq",
                root_unit_name="National office",
            )
            instruments_install(organisation=cls.org)
            for version in InstrumentVersion.objects.filter(organisation=cls.org):
                version.definition = _as_before(version.definition)
                version.save(update_fields=["definition"])
            for instrument in Instrument.objects.filter(organisation=cls.org):
                instrument.name = _as_before(instrument.name)
                instrument.save(update_fields=["name"])
            risk = Instrument.objects.get(organisation=cls.org, code="risk-prevention")
            version = risk.versions.get()
            definition = version.definition
            # The organisation rewrote one label in English and wrote its own Turkish for another.
            definition["dimensions"][0]["indicators"][0]["label"]["en"] = "Left school"
            definition["dimensions"][0]["indicators"][1]["label"]["tr"] = "Bizim çevirimiz"
            version.definition = definition
            version.save(update_fields=["definition"])

    def install(self) -> str:
        out = io.StringIO()
        call_command("content", "translations", "install", organisation="al", stdout=out)
        return out.getvalue()

    def test_the_labels_come_as_a_new_version_and_a_second_run_changes_nothing(self) -> None:
        self.assertIn("screening 5", self.install())
        with system_scope():
            risk = Instrument.objects.get(organisation=self.org, code="risk-prevention")
            first, second = risk.versions.order_by("number")
        indicators = second.definition["dimensions"][0]["indicators"]
        street = next(i for i in indicators if i["code"] == "street_situation")
        self.assertEqual(street["label"]["uk"], "Живе чи працює на вулиці")
        self.assertEqual(risk.name["hy"], "Ռիսկի գնահատում կանխարգելման համար (կանայք և երեխաներ)")
        # The earlier version stays as the screenings made with it saw it.
        self.assertNotIn("uk", first.definition["dimensions"][0]["label"])
        # What the organisation wrote is kept: no translation of a rewritten label, its own Turkish.
        self.assertEqual(set(indicators[0]["label"]), OLD_LANGUAGES)
        self.assertEqual(indicators[1]["label"]["tr"], "Bizim çevirimiz")
        self.assertIn("screening 0", self.install())
        with system_scope():
            self.assertEqual(risk.versions.count(), 2)
