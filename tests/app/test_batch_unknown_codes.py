"""A batch over a listing whose CPTS names no commune at all is a failure of the run (a review: exit 0,
« 11 CPTS sur 11 calculées », absent from the comparison's tables)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.app.registries import listing_step
from pipeline.app.steps import Scope
from tests.conftest import FIXTURE_DEPARTEMENTS
from tests.render.documents_runs import database_copy, run_in, writable_database

pytestmark = [pytest.mark.mirror]


def test_a_cpts_of_unknown_codes_fails_the_batch_and_is_named(fixture_data_dir: Path, tmp_path: Path) -> None:
    listing = tmp_path / "vide.csv"
    listing.write_text("cpts,code_insee\nCPTS Vide,99999\nCPTS Vide,04999\nCPTS Digne,04070\nCPTS Loin,26198\n",
                       encoding="utf-8")
    data = database_copy(fixture_data_dir, tmp_path)
    with writable_database(data) as con:  # as « make data DEPARTEMENTS=04,13,33,75,976 CPTS=vide.csv » loads it
        assert listing_step(listing)(con, None, True, Scope(frozenset(FIXTURE_DEPARTEMENTS))).status == "chargé"
    run = run_in(data, tmp_path / "maps", ["diagnostics", "--liste", "vide"])
    assert run.code == 2, run.stderr
    assert ("CPTS « CPTS Vide » non diagnostiquée : aucune commune : ses codes sont inconnus du code officiel "
            "géographique (voir les anomalies de la liste)") in run.stderr
    # A CPTS of a département not loaded (the Drôme) is absent by the load's choice: named, not a failure.
    assert "1 CPTS de la liste sans commune chargée dans la base, non diagnostiquées : CPTS Loin" in run.stdout
    folder = data / "processed" / "comparaison-vide"
    failures = pd.read_csv(folder / "echecs.csv", dtype=str)
    assert list(failures["cpts"]) == ["CPTS Vide"]
    assert list(pd.read_csv(folder / "comparaison.csv", dtype=str)["cpts"]) == ["CPTS Digne"]
