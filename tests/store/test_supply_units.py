"""Supply queries on units: an arrondissement counts its own practitioners, the city counts them all.

Synthetic Annuaire Santé rows staged like a real file (the city code with the
arrondissement's postal code, an arrondissement code, a CEDEX postal code
that names no arrondissement), written to a declared store.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline.app.sections.supply import unplaced_notes
from pipeline.sources import annuaire
from pipeline.store import registry_tables
from pipeline.store.queries import supply
from tests.sources.annuaire_files import activity, activity_file
from tests.sources.registry_units import cog_mapping, units
from tests.store.synthetic import declared_store

NURSES = "Infirmiers"


@pytest.fixture()
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = declared_store()
    path = activity_file(tmp_path, [
        activity("A", "60", "13055", "SA07", postcode="13005"),  # nurse A: Marseille 5e ...
        activity("A", "60", "13055", "SA07", postcode="13008"),  # ... and 8e: half a site share in each
        activity("B", "60", "13205", "SA07"),                    # nurse B: written with the arrondissement code
        activity("C", "60", "13055", "SA07", postcode="13331"),  # nurse C: CEDEX, no arrondissement
        activity("D", "60", "01001", "SA07"),                    # nurse D: elsewhere
    ])  # fmt: skip
    staged = annuaire.stage_annuaire(path, units=units(), cog_mapping=cog_mapping())
    registry_tables.write_annuaire(connection, staged.activites, staged.anomalies, staged.extraction)
    return connection


def nurses(con: duckdb.DuckDBPyConnection, codes: list[str]) -> list[float]:
    table = supply.offre_territoire(con, codes).set_index("groupe")
    return [int(table.loc[NURSES, "praticiens"]), float(table.loc[NURSES, "praticiens_etp"])]


def test_an_arrondissement_counts_only_the_practitioners_placed_in_it(con: duckdb.DuckDBPyConnection) -> None:
    assert nurses(con, ["13205"]) == [2, 1.5]  # A (one of two sites) and B
    assert nurses(con, ["13208"]) == [1, 0.5]  # A only
    assert nurses(con, ["13201"]) == [0, 0.0]
    # Two arrondissements: A counts once, with both her shares.
    assert nurses(con, ["13205", "13208"]) == [2, 2.0]
    assert supply.professionnels_sante(con, ["13205", "13208"]) == 2
    assert supply.offre_par_mode(con, ["13205"]).loc[NURSES].sum() == 2


def test_the_city_counts_every_arrondissement_and_the_unplaced(con: duckdb.DuckDBPyConnection) -> None:
    assert nurses(con, ["13055"]) == [3, 3.0]
    # The 16 arrondissements: everyone but C, whose postal code names no arrondissement.
    every = [str(13201 + i) for i in range(16)]
    assert nurses(con, every) == [2, 2.0]
    # The city and one of its arrondissements: nobody counts twice.
    assert nurses(con, ["13055", "13205"]) == [3, 3.0]
    assert nurses(con, ["13055", "01001"]) == [4, 4.0]
    found = supply.sans_arrondissement(con, ["13055", "75056"]).to_dict("records")
    assert found == [{"commune": "13055", "praticiens": 1, "etablissements": 0},
                     {"commune": "75056", "praticiens": 0, "etablissements": 0}]


def test_unplaced_practitioners_are_said_for_a_territory_of_some_arrondissements(
    con: duckdb.DuckDBPyConnection,
) -> None:
    assert unplaced_notes(con, ["13205", "13208"]) == [
        "Marseille : 1 professionnel sans arrondissement déterminé (code postal absent ou "
        "non propre à un arrondissement) n'est compté dans aucun arrondissement du territoire"]
    # The whole city counts them: nothing to say.
    assert unplaced_notes(con, ["13055"]) == []
    assert unplaced_notes(con, ["01001"]) == []
