"""Zonings of the analysis units on the national database: communes created or restored since the 2024 INSEE table.

The table d'appartenance 2024 does not know Conques-en-Rouergue's 2026 code (12218, which absorbed Grand-Vabre
and Noailhac): without its zonings it was in no bassin de vie, so no perimeter ever cut one through it (a review
counted 102 such units). It takes its former communes' zonings. Known answer: the raw INSEE table and the
decoupage-administratif package of the 2026 COG.
"""

from __future__ import annotations

from collections import Counter

import duckdb
import pytest

from pipeline.store.queries import perimeter
from pipeline.store.territory import resolve_territory
from tests.app import profile_raw as raw

pytestmark = [pytest.mark.national, pytest.mark.xdist_group("national")]


def test_commune_created_since_the_insee_table_takes_its_former_communes_zonings(
        national_db: duckdb.DuckDBPyConnection) -> None:
    table = raw.appartenance()
    communes = raw.package("6.0.0", "communes")
    former = [c["code"] for c in communes if c["type"] == "commune-deleguee" and c.get("chefLieu") == "12218"]
    assert "12218" not in table and any(code in table for code in former)
    expected = Counter(table[code]["BV2022"] for code in former if code in table).most_common(1)[0][0]
    units = perimeter.analysis_units(national_db).set_index("code")
    assert units.loc["12218", "bv2022"] == expected
    # Every unit of a département has a bassin de vie.
    missing = units[units["bv2022"].isna() & (units["zone"] != "com")]
    assert missing.empty, missing.index.tolist()


def test_commune_restored_since_the_insee_table_takes_the_zonings_of_the_commune_it_was_part_of(
        national_db: duckdb.DuckDBPyConnection) -> None:
    # Celles (15031), Chalinargues, Chavagnac and Sainte-Anastasie were communes déléguées of Neussargues en
    # Pinatelle (15141) in the 2024 COG of the table, and are communes again in 2026.
    table = raw.appartenance()
    parent = {c["code"]: c.get("chefLieu") for c in raw.package("4.1.0", "communes") if c["type"] == "commune-deleguee"}
    current = {c["code"] for c in raw.package("6.0.0", "communes") if c["type"] == "commune-actuelle"}
    restored = sorted(code for code in current if code not in table and parent.get(code) in table)
    assert {"15031", "15035", "15047", "15171"} <= set(restored)
    units = perimeter.analysis_units(national_db).set_index("code")
    for code in restored:
        expected = table[parent[code]]
        assert (units.loc[code, "bv2022"], units.loc[code, "uu2020"], units.loc[code, "aav2020"]) == (
            expected["BV2022"], expected["UU2020"], expected["AAV2020"]), code


def test_bassin_de_vie_territory_is_on_the_current_geography(national_db: duckdb.DuckDBPyConnection) -> None:
    table = raw.appartenance()
    parent = {c["code"]: c.get("chefLieu") for c in raw.package("4.1.0", "communes") if c["type"] == "commune-deleguee"}
    current = {c["code"] for c in raw.package("6.0.0", "communes") if c["type"] == "commune-actuelle"}
    # Murat (15138): its communes of the table, all current, and the four communes restored from 15141.
    listed = {code for code, row in table.items() if row["BV2022"] == "15138"}
    restored = {code for code in current - set(table) if parent.get(code) in listed}
    assert listed <= current and restored == {"15031", "15035", "15047", "15171"}
    murat = resolve_territory(national_db, "bv:15138")
    assert set(murat.units["unit_code"]) == listed | restored
    # Marcillac-Vallon (12138): Conques-en-Rouergue once, under its current code, without a note.
    marcillac = resolve_territory(national_db, "bv:12138")
    codes = list(marcillac.units["unit_code"])
    assert "12218" in codes and "12076" not in codes and len(codes) == len(set(codes))
    assert marcillac.notes == []


def test_a_commune_is_in_one_bassin_de_vie_territory_as_in_the_zone_sizes(
        national_db: duckdb.DuckDBPyConnection) -> None:
    # Tannay-le-Mont-Dieu (08439), in Vouziers (08490) in the table, absorbed Le Mont-Dieu (08300, in 08409
    # Sedan): it belongs to 08490 only, and 08409 has as many units as zones_unites counts.
    table = raw.appartenance()
    assert (table["08439"]["BV2022"], table["08300"]["BV2022"]) == ("08490", "08409")
    sedan = resolve_territory(national_db, "bv:08409")
    assert "08439" not in set(sedan.units["unit_code"])
    assert "08439" in set(resolve_territory(national_db, "bv:08490").units["unit_code"])
    size = national_db.execute("SELECT unites FROM zones_unites WHERE niveau = 'BV2022' AND code = '08409'").fetchone()
    assert size is not None and len(sedan.units) == size[0]


def test_every_aire_has_the_population_of_all_its_communes(national_db: duckdb.DuckDBPyConnection) -> None:
    # Σ of the legal populations of the COG 2024 package over the table's communes of each aire: the figure a
    # database of some départements needs for an aire crossing their border (Avignon, 278 777 of its 342 908
    # inhabitants in the PACA départements).
    table = raw.appartenance()
    population = {c["code"]: int(c["population"]) for c in raw.package("4.1.0", "communes")
                  if c["type"] == "commune-actuelle" and c.get("population") is not None}
    expected: Counter[str] = Counter()
    for code, row in table.items():
        if row["AAV2020"] and row["AAV2020"] != "000":
            expected[row["AAV2020"]] += population[code]
    stored = dict(national_db.execute("SELECT code, population FROM aires_populations").fetchall())
    assert stored == dict(expected)


def test_a_national_database_places_no_commune_outside_its_load(national_db: duckdb.DuckDBPyConnection) -> None:
    """Every département is loaded: no flow model reaches beyond the load (``communes_hors_chargement`` empty),
    where a database of 04 alone places the 35 159 other communes of the mirror's contours."""
    assert national_db.execute("SELECT count(*) FROM communes_hors_chargement").fetchone() == (0,)
