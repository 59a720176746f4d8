"""The flow section's bassins de vie on a database loaded for some départements only.

An independent review: on a database of 04, 13 and 75, the « Flux – bassins de vie » table of the Verdon CPTS
said the bassin de vie of Barjols (83012) had 1 commune, all in the territory, « coupé : non », while the
pertinence section (and INSEE's table d'appartenance) counts 10 communes, 9 of them in the Var. A bassin
crossing into départements not loaded counts its communes there, is cut, and the figures of its residents,
who are only partly modelled, are « non disponible ».

Known answers: the mirror's table d'appartenance géographique (INSEE, 2024), read here.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest

from pipeline.app.diagnostic import compute
from pipeline.model import DiagnosticOptions
from pipeline.render.sections.flows import BEYOND_THE_LOAD, RESIDENTS_UNKNOWN, flows_section
from pipeline.render.tables import table_entries
from pipeline.store.territory import resolve_territory
from tests.app import profile_raw as raw
from tests.conftest import FIXTURE_DEPARTEMENTS

pytestmark = [pytest.mark.mirror]

RESIDENTS = ["recours_residents_bv", "part_residents_dans_territoire", "auto_confinement_bv"]


def _bassins(db: duckdb.DuckDBPyConnection, spec: str) -> tuple[object, set[str]]:
    d = compute(db, resolve_territory(db, spec), DiagnosticOptions(territory=spec))
    assert d.flows is not None and d.flows.available
    table = d.flows.bassins_de_vie
    return table[table["groupe"] == "Médecins généralistes"].set_index("bassin_de_vie"), set(d.territory.unit_codes)


@pytest.mark.parametrize("spec", ["cpts:CPTS du Verdon", "communes:04070"])
def test_each_bassin_counts_its_communes_in_the_whole_country(db: duckdb.DuckDBPyConnection, spec: str) -> None:
    table, inside = _bassins(db, spec)
    communes = raw.appartenance()
    for bv, row in table.iterrows():
        members = [c for c, r in communes.items() if r["BV2022"] == bv]
        loaded = [c for c in members if c[:2] in FIXTURE_DEPARTEMENTS]
        assert row["n_communes"] == len(members), bv
        assert row["n_communes_dans_territoire"] == len(inside & set(members)), bv
        assert row["coupe"] == (len(inside & set(members)) < len(members)), bv
        # Residents beyond the load are not modelled: their bassin's figures are unknown, the others' known.
        if len(loaded) < len(members):
            assert all(math.isnan(row[c]) for c in RESIDENTS), bv
        else:
            assert 0 <= row["auto_confinement_bv"] <= 1 and 0 <= row["part_residents_dans_territoire"] <= 1, bv


def test_the_bassin_of_barjols_is_cut_by_the_verdon_and_the_report_says_why_its_figures_are_missing(
        db: duckdb.DuckDBPyConnection) -> None:
    spec = "cpts:CPTS du Verdon"
    d = compute(db, resolve_territory(db, spec), DiagnosticOptions(territory=spec))
    assert d.flows is not None
    table = d.flows.bassins_de_vie.set_index(["bassin_de_vie", "groupe"])
    barjols = table.loc[("83012", "Médecins généralistes")]
    assert (barjols["n_communes"], barjols["n_communes_dans_territoire"], bool(barjols["coupe"])) == (10, 1, True)
    assert math.isnan(barjols["auto_confinement_bv"])
    (shown,) = [t for t in flows_section(d)["tables"] if t["title"] == "Bassins de vie 2022 touchés par le périmètre"]
    assert BEYOND_THE_LOAD in shown["note"]
    assert next(e for e in table_entries(d) if e.key == "flux_bassins_de_vie").note == BEYOND_THE_LOAD


def test_digne_s_bassin_is_wholly_loaded(db: duckdb.DuckDBPyConnection) -> None:
    table, _ = _bassins(db, "communes:04070")
    digne = raw.appartenance()["04070"]["BV2022"]
    assert all(c[:2] == "04" for c, r in raw.appartenance().items() if r["BV2022"] == digne)
    assert 0 < table.loc[digne, "auto_confinement_bv"] <= 1


def test_a_table_without_the_residents_rows_is_not_said_to_reach_unloaded_departements(
        db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """A review: Bordeaux and Le Bouscat (33063, 33069) with a table lacking Bordeaux's rows (most of the
    inhabitants): the bassin de vie of Bordeaux, all of its communes in the loaded 33, was « non disponible »
    with a footnote blaming unloaded départements. The reason is the table's."""
    flows = tmp_path / "bdx.csv"
    flows.write_text("origine;destination;profession;volume\n33069;33069;MG;5000\n33069;33281;MG;2000\n"
                     "33281;33063;MG;1000\n33281;33281;MG;50000\n", encoding="utf-8")
    spec = "communes:33063,33069"
    d = compute(db, resolve_territory(db, spec), DiagnosticOptions(territory=spec, flows=flows))
    assert d.flows is not None and d.flows.synthesis["recours_residents"].isna().all()
    assert d.flows.bassins_de_vie["recours_residents_bv"].isna().all()
    entry = next(e for e in table_entries(d) if e.key == "flux_bassins_de_vie")
    assert entry.note == RESIDENTS_UNKNOWN and BEYOND_THE_LOAD not in entry.note
