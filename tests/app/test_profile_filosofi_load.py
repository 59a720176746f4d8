"""``make data`` loads INSEE Filosofi 2019 into declared tables (issue 12, item 2).

Commune rows are attached to current units (arrondissements of Paris, Lyon,
Marseille kept, the whole cities too, marked ``ville``), secret cells stay
NULL (« non diffusé », never 0), EPCI rows are kept, and rows that reach no
current commune are stored and reported by ``make data``.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.app import profile_raw as raw
from tests.conftest import FIXTURE_DEPARTEMENTS

pytestmark = [pytest.mark.mirror]


def _fixture_rows() -> dict[str, dict[str, Any]]:
    def departement(code: str) -> str:
        return code[:3] if code.startswith("97") else code[:2]

    return {c: r for c, r in raw.filosofi().items() if departement(c) in FIXTURE_DEPARTEMENTS}


def test_every_row_of_the_fixture_departements_is_loaded(db: duckdb.DuckDBPyConnection) -> None:
    expected = _fixture_rows()
    rows = {r[0]: r for r in db.execute(
        "SELECT code_source, unite, commune, niveau, personnes, mediane, d1, d9, part_minima_sociaux, secret "
        "FROM filosofi_communes").fetchall()}
    assert set(rows) == set(expected)
    assert db.execute("SELECT count(*) FROM filosofi_non_rattaches").fetchall()[0][0] == 0
    for code, row in expected.items():
        personnes, mediane, d1, d9, minima, secret = rows[code][4:]
        assert personnes == row["personnes"] and mediane == row["mediane"]
        assert d1 == row["d1"] and d9 == row["d9"] and minima == row["part_minima_sociaux"]
        # « non diffusé » is NULL, never 0.
        assert (d1 is None) == secret
    cities = {code: rows[code] for code in ("13055", "75056")}
    assert all(r[3] == "ville" and r[1] == r[2] == code for code, r in cities.items())
    assert rows["13211"][1:4] == ("13211", "13055", "arrondissement")
    assert not any(code.startswith("976") for code in rows)  # Filosofi's field excludes Mayotte


def test_epci_rows_of_the_loaded_epci(db: duckdb.DuckDBPyConnection) -> None:
    loaded = {r[0]: r for r in db.execute("SELECT code, mediane, d1, d9 FROM filosofi_epci").fetchall()}
    known = {r[0] for r in db.execute("SELECT code FROM epci").fetchall()}
    assert set(loaded) == known & set(raw.filosofi("EPCI"))
    row = raw.filosofi("EPCI")["200067437"]
    assert loaded["200067437"][1:] == (row["mediane"], row["d1"], row["d9"])


def test_unmapped_rows_are_stored_and_reported(fixture_data_dir: Path, mirror: Path, tmp_path: Path) -> None:
    """A row of a code no COG vintage knows is not dropped silently: table and ``make data`` details."""
    from pipeline.app.filosofi_step import load_filosofi
    from pipeline.app.steps import Scope

    fake_mirror = tmp_path / "mirror"
    (fake_mirror / "filosofi").mkdir(parents=True)
    source = mirror / "filosofi" / "FILO2019_DISP_COM.csv"
    text = source.read_text(encoding="utf-8-sig").splitlines()
    rows = len(text)
    text.append("04999;Commune inconnue;10;20;15,0;;19000;;;;;;;;;;;;;;;;;;;;;;;;")
    (fake_mirror / "filosofi" / "FILO2019_DISP_COM.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    shutil.copy(mirror / "filosofi" / "FILO2019_DISP_EPCI.csv", fake_mirror / "filosofi")
    database = tmp_path / "cpts.duckdb"
    shutil.copy(fixture_data_dir / "processed" / "cpts.duckdb", database)
    con = duckdb.connect(str(database))
    try:
        scope = Scope(frozenset(FIXTURE_DEPARTEMENTS))
        result = load_filosofi(con, fake_mirror, True, scope)
        unmapped = con.execute("SELECT code, libelle, ligne, raison FROM filosofi_non_rattaches").fetchall()
        again = load_filosofi(con, fake_mirror, False, scope)
    finally:
        con.close()
    assert result.status == "chargé" and again.status == "inchangé"
    assert unmapped == [("04999", "Commune inconnue", rows + 1, "code absent de tous les millésimes du COG chargés")]
    assert any("1 lignes sans commune actuelle" in d and "04999 Commune inconnue (ligne" in d for d in result.details)


def test_provenance_recorded(db: duckdb.DuckDBPyConnection) -> None:
    sources = {r[0]: r for r in db.execute(
        "SELECT source, vintage, row_count, notes FROM sources WHERE source LIKE 'insee-filosofi%'").fetchall()}
    assert set(sources) == {"insee-filosofi-communes", "insee-filosofi-epci"}
    assert sources["insee-filosofi-communes"][1] == "2019"
    assert "Filosofi 2019" in sources["insee-filosofi-communes"][3]
