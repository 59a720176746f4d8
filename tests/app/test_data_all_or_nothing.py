"""A ``make data`` that stops midway leaves the database as the previous run left it, whichever step stopped it.

Each source is loaded in its own transaction; a review of the downloads stopped a run adding a département
after its communes were committed (a later download failed): the database then held the communes of 05 while
its record of the loaded départements still said 04, and a diagnostic of the région counted 360 units for 198.
Here a listing refused for a missing column stops the run after the base steps have loaded a new département.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.robust_support import Workspace, cli, database_state
from tests.conftest import FIXTURE_DEPARTEMENTS


def test_a_run_adding_a_departement_and_refusing_its_listing_changes_nothing(
        ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    listing = tmp_path / "sans_colonne.csv"
    listing.write_text("code_insee\n05061\n", encoding="utf-8")
    before = database_state(ws.db)
    record = (ws.db.parent / "departements-charges.txt").read_text(encoding="utf-8")
    departements = ",".join(sorted({*FIXTURE_DEPARTEMENTS, "05"}))
    code, out, err = cli(capsys, "data", "--departements", departements, "--cpts", str(listing))
    assert code == 2 and "Colonnes obligatoires absentes" in err, (out, err)
    # The base steps ran before the listing's (the communes of 05 were loaded), then the run was refused.
    assert database_state(ws.db) == before
    assert (ws.db.parent / "departements-charges.txt").read_text(encoding="utf-8") == record
    assert sorted(p.name for p in ws.db.parent.iterdir() if p.name.startswith("cpts.duckdb")) == [
        "cpts.duckdb", "cpts.duckdb.lock"]  # no copy left beside it
