# ruff: noqa: E501  (the planted records read best one per line)
"""The engine end to end on a small synthetic registry: the intake examples of issue 16 are found,
the sister is not merged, and the command writes a cluster for every record."""

from __future__ import annotations

import csv
import random
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import SimpleTestCase
from django.utils import translation

from kujdes.people.linkage.compare import Prepared
from kujdes.people.linkage.engine import Engine

# fmt: off
GIVEN_F = ["Ermira", "Blerina", "Lindita", "Valbona", "Rudina", "Entela", "Jonida", "Elona", "Mirela", "Arjeta", "Anila", "Teuta", "Zamira", "Besa", "Shpresa", "Vjosa", "Ilda", "Greta"]
SURNAMES = ["Shehu", "Berisha", "Krasniqi", "Gashi", "Kelmendi", "Rama", "Leka", "Dervishi", "Gjoka", "Kola", "Marku", "Prifti", "Bregu", "Lika", "Dibra", "Ymeri", "Xhaferi", "Zeneli", "Bajrami", "Hasani", "Muça", "Shala", "Morina", "Hyseni"]
FATHERS = ["Agim", "Artan", "Besnik", "Blerim", "Bujar", "Dritan", "Edmond", "Elton", "Erion", "Fatmir", "Ilir", "Kujtim", "Petrit", "Sokol"]
PLACES = ["Tiranë", "Durrës", "Elbasan", "Shkodër", "Vlorë", "Korçë", "Fier", "Berat", "Lushnjë", "Kukës"]
UA_GIVEN = ["Оксана", "Наталія", "Тетяна", "Олена", "Ірина", "Катерина", "Марія", "Ольга", "Світлана"]
UA_SUR = ["Шевченко", "Бондаренко", "Ткаченко", "Кравченко", "Олійник", "Бойко", "Мельник", "Лисенко"]


def registry() -> list[dict]:
    rng = random.Random(16)
    rows = []
    for n in range(500):
        ua = n % 7 == 0
        rows.append(
            {
                "given_name": rng.choice(UA_GIVEN if ua else GIVEN_F),
                "surname": rng.choice(UA_SUR if ua else SURNAMES),
                "father_name": rng.choice(FATHERS) if rng.random() < 0.6 else "",
                "sex": "F",
                "dob": f"{rng.randrange(1970, 2010)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                "birth_place": rng.choice(PLACES) if rng.random() < 0.6 else "",
                "nationality": "UA" if ua else "AL",
            }
        )
    # ordinary duplicates, so that EM has matches to learn from
    for n in range(0, 500, 4):
        dup = dict(rows[n])
        dup["given_name"] = dup["given_name"].upper()
        if rng.random() < 0.3:
            dup["birth_place"] = ""
        rows.append(dup)
    return rows


# fmt: off
PLANTED = [
    # (record, its other registration, should they be one person)
    (
        dict(
            given_name="Ardita",
            surname="Hoxha",
            dob="2001-04-09",
            father_name="Gëzim",
            birth_place="Shkodër",
            nationality="AL",
            sex="F",
        ),
        dict(
            given_name="Ardita",
            surname="Hoxhaj",
            dob="2001-04-09",
            birth_place="Shkodra",
            nationality="AL",
            sex="F",
        ),
        True,
    ),
    (
        dict(given_name="Юлія", surname="Коваленко", dob="1995-07-21", nationality="UA", sex="F"),
        dict(given_name="Julija", surname="Kovalenko", dob="1995-07-21", nationality="UA", sex="F"),
        True,
    ),
    (
        dict(
            given_name="Yuliia",
            surname="Kovalenko",
            dob="1995-07-21",
            nationality="UA",
            sex="F",
            birth_place="Kharkiv",
        ),
        dict(
            given_name="Julija",
            surname="Kowalenko",
            dob="1995-07-21",
            nationality="UA",
            sex="F",
            birth_place="Charkiw",
        ),
        True,
    ),
    (
        dict(given_name="Mohamed", surname="Haidari", dob="1988-03-14", nationality="AF", sex="M"),
        dict(given_name="Muhammad", surname="Haidari", dob="1988-03-14", nationality="AF", sex="M"),
        True,
    ),
    (
        dict(
            given_name="Drita",
            surname="Kastrati",
            dob="2003-05-11",
            father_name="Ramiz",
            nationality="AL",
            sex="F",
        ),
        dict(
            given_name="Drita",
            surname="Kastrati",
            dob="2003-11-05",
            father_name="Ramiz",
            nationality="AL",
            sex="F",
        ),
        True,
    ),
    (
        dict(
            given_name="Fitore",
            surname="Bushati",
            dob="1999-08-30",
            father_name="Naim",
            nationality="AL",
            sex="F",
        ),
        dict(
            given_name="Bushati",
            surname="Fitore",
            dob="1999-08-30",
            father_name="Naim",
            nationality="AL",
            sex="F",
        ),
        True,
    ),
    (
        dict(
            given_name="Jehona",
            surname="Vokshi",
            dob="2005-01-01",
            father_name="Hysen",
            birth_place="Kukës",
            nationality="AL",
            sex="F",
        ),
        dict(
            given_name="Jehona",
            surname="Vokshi",
            dob="2002-10-17",
            father_name="Hysen",
            birth_place="Kukës",
            nationality="AL",
            sex="F",
        ),
        True,
    ),
    # the sister: same family name, father and birthplace, another given name and date
    (
        dict(
            given_name="Arbnora",
            surname="Gjonbalaj",
            dob="2000-02-03",
            father_name="Shaban",
            birth_place="Pejë",
            nationality="XK",
            sex="F",
        ),
        dict(
            given_name="Rinora",
            surname="Gjonbalaj",
            dob="2003-06-25",
            father_name="Shaban",
            birth_place="Pejë",
            nationality="XK",
            sex="F",
        ),
        False,
    ),
]


class EngineTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        rows = registry()
        cls.planted_at = []
        for a, b, _same in PLANTED:
            cls.planted_at.append((len(rows), len(rows) + 1))
            rows += [a, b]
        cls.records = [Prepared(f"r{i}", **row) for i, row in enumerate(rows)]
        cls.engine = Engine(use_document=False, u_pairs=20_000, session_pairs=20_000)
        cls.result = cls.engine.run(cls.records)

    def test_planted_variants_are_one_cluster_and_the_sister_is_not(self) -> None:
        cluster = self.result.cluster_of
        for (i, j), (a, b, same) in zip(self.planted_at, PLANTED, strict=False):
            with self.subTest(a=a["given_name"] + " " + a["surname"], b=b["given_name"] + " " + b["surname"]):
                self.assertEqual(cluster[i] == cluster[j], same)

    def test_the_weights_make_sense(self) -> None:
        m = self.result.model
        for f in (0, 1, 2):  # names and date of birth: agreement for, disagreement against
            self.assertGreater(m.weights[f][0], 0)
            self.assertLess(m.weights[f][-1], 0)

    def test_explanation_of_a_pair(self) -> None:
        i, j = self.planted_at[4]  # the day/month swap
        with translation.override("en"):
            e = self.engine.explain(self.records[i], self.records[j])
        texts = [f.text for f in e.fields]
        self.assertIn("date of birth: day and month swapped", texts)
        self.assertGreater(e.probability, 0.5)
        self.assertFalse(e.vetoed)
        i, j = self.planted_at[-1]
        self.assertTrue(self.engine.explain(self.records[i], self.records[j]).vetoed)

    def test_every_candidate_pair_is_compared_once(self) -> None:
        pairs = list(zip(self.result.left, self.result.right, strict=False))
        self.assertEqual(len(pairs), len(set(pairs)))
        self.assertTrue(all(i < j for i, j in pairs))


    def test_the_candidate_pairs_are_the_pairs_that_share_an_enumerated_key(self) -> None:
        from kujdes.people.linkage.keys import record_keys

        keys = [record_keys(r, use_document=False) for r in self.records]
        blocks: dict[tuple[int, str], list[int]] = {}
        for i, mine in enumerate(keys):
            for t, kind in enumerate(mine):
                for key in kind:
                    blocks.setdefault((t, key), []).append(i)
        small = {k for k, members in blocks.items() if 2 <= len(members) <= self.engine.max_block}
        large = {k for k, members in blocks.items() if len(members) > self.engine.max_block}
        expected = set()
        for (t, key), members in blocks.items():
            if (t, key) not in small:
                continue
            for x, i in enumerate(members):
                for j in members[x + 1 :]:
                    shared = {(e, k) for e in range(t) for k in set(keys[i][e]) & set(keys[j][e])}
                    if not shared:  # the first kind the two records share at all is this one
                        expected.add((i, j))
        self.assertTrue(large or small)
        self.assertEqual(set(zip(self.result.left, self.result.right, strict=False)), expected)

    def test_workers_give_the_same_pairs_weights_and_clusters(self) -> None:
        engine = Engine(use_document=False, u_pairs=20_000, session_pairs=20_000, threads=2)
        result = engine.run(self.records)
        one = sorted(zip(self.result.left, self.result.right, self.result.weight, strict=False))
        two = sorted(zip(result.left, result.right, result.weight, strict=False))
        self.assertEqual(one, two)
        self.assertEqual(result.cluster_of, self.result.cluster_of)


class CommandTests(SimpleTestCase):
    def test_run_writes_a_cluster_for_every_record(self) -> None:
        rows = registry()[:120] + [PLANTED[0][0], PLANTED[0][1]]
        with tempfile.TemporaryDirectory() as tmp:
            src, dst = Path(tmp) / "in.csv", Path(tmp) / "out.csv"
            with src.open("w", newline="") as handle:
                fields = [
                    "record_id",
                    "entity_id",
                    "given_name",
                    "surname",
                    "father_name",
                    "sex",
                    "dob",
                    "birth_place",
                    "nationality",
                    "document_id",
                    "office",
                ]
                writer = csv.DictWriter(handle, fieldnames=fields)
                writer.writeheader()
                for n, row in enumerate(rows):
                    writer.writerow({"record_id": f"id{n}", "entity_id": "x", **row})
            out = StringIO()
            call_command("linkage", "run", "--input", str(src), "--output", str(dst), "--no-id", stdout=out)
            with dst.open() as handle:
                result = list(csv.DictReader(handle))
            self.assertEqual([r["record_id"] for r in result], [f"id{n}" for n in range(len(rows))])
            ids = {r["record_id"] for r in result}
            self.assertTrue(all(r["cluster_id"] in ids for r in result))
            self.assertEqual(out.getvalue(), "")  # nothing personal (nothing at all) is printed

    def test_bad_input_is_a_clear_error(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "in.csv"
            src.write_text("name,dob\nArdita,2001-01-01\n")
            with self.assertRaisesMessage(CommandError, "no record_id column"):
                call_command("linkage", "run", "--input", str(src), "--output", str(Path(tmp) / "o.csv"))
            with self.assertRaisesMessage(CommandError, "No input file"):
                call_command(
                    "linkage",
                    "run",
                    "--input",
                    str(Path(tmp) / "none.csv"),
                    "--output",
                    str(Path(tmp) / "o.csv"),
                )
