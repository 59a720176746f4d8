"""A CPTS of the comparison with a unit without polygon has no « population non couverte limitrophe » (a review).

A commune re-created after the 2018 contours (Sannerville, 14666) has no polygon: nobody can tell its
neighbours. A CPTS holding it and Cesson-Sévigné showed the uncovered population next to Cesson alone, ranked 1
as a figure. On a copy of the fixture database whose polygon of Aiglun (04001) is removed, the CPTS holding it and
Digne-les-Bains (04070) has the figure « non disponible », without rank; the same CPTS without Aiglun keeps it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.app.registries import listing_step
from pipeline.app.steps import Scope
from tests.conftest import FIXTURE_DEPARTEMENTS
from tests.render.documents_runs import database_copy, run_in, writable_database

pytestmark = [pytest.mark.mirror]


def test_a_unit_without_polygon_leaves_the_nearby_uncovered_population_unknown(fixture_data_dir: Path,
                                                                                 tmp_path: Path) -> None:
    listing = tmp_path / "trou.csv"
    listing.write_text("cpts,code_insee\nCPTS Trou,04070\nCPTS Trou,04001\nCPTS Digne,04070\n", encoding="utf-8")
    data = database_copy(fixture_data_dir, tmp_path)
    with writable_database(data) as con:
        assert listing_step(listing)(con, None, True, Scope(frozenset(FIXTURE_DEPARTEMENTS))).status == "chargé"
        con.execute("DELETE FROM commune_polygons WHERE code = '04001'")
        assert con.sql("SELECT count(*) FROM commune_polygons WHERE code = '04001'").fetchall() == [(0,)]
    run = run_in(data, tmp_path / "maps", ["diagnostics", "--liste", "trou"])
    assert run.code == 0, run.stderr
    table = pd.read_csv(data / "processed" / "comparaison-trou" / "comparaison.csv", dtype={"cpts": str})
    rows = table.set_index("cpts")
    assert pd.isna(rows.loc["CPTS Trou", "parties_du_perimetre"])  # Aiglun's place is unknown
    assert pd.isna(rows.loc["CPTS Trou", "population_non_couverte_proche"])
    assert pd.isna(rows.loc["CPTS Trou", "rang_population_non_couverte_proche"])
    # Digne alone: a figure (the same neighbours minus Aiglun's side), ranked.
    assert rows.loc["CPTS Digne", "population_non_couverte_proche"] >= 0
    assert rows.loc["CPTS Digne", "rang_population_non_couverte_proche"] == 1
