"""``make data`` registry steps: stage then write, idempotence, reload when the loader changes, failures."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from pipeline import config
from pipeline.app.registries import FINESS_LOADER_VERSION, finess_step, registry_step
from pipeline.app.steps import Scope
from pipeline.errors import DataError
from pipeline.sources import annuaire, finess
from pipeline.store import load, writing
from tests.sources.registry_units import cog_mapping, units

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ACTIVITE = FIXTURES / "rpps" / "PS_LibreAcces_Personne_activite_202501150800.txt"


def _database(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    path = tmp_path / "t.duckdb"
    with writing.writer(path):
        pass
    con = duckdb.connect(str(path))
    load.replace_table(con, "cog_mapping", cog_mapping().assign(kind="actuelle", last_vintage=config.CURRENT_VINTAGE))
    load.replace_table(con, "communes", units().assign(vintage=config.CURRENT_VINTAGE, region="84", population=1))
    return con


def test_same_file_is_not_reloaded_but_a_new_loader_version_is(tmp_path: Path) -> None:
    path = tmp_path / ACTIVITE.name
    shutil.copy(ACTIVITE, path)
    con = _database(tmp_path)
    step = registry_step(path)
    assert step(con, None, False, Scope()).status == "chargé"
    assert step(con, None, False, Scope()).status == "inchangé"
    row = con.execute("SELECT loader_version FROM sources WHERE source = ?", [annuaire.SOURCE_NAME]).fetchall()
    assert row == [(annuaire.LOADER_VERSION,)]
    # A database loaded by an older loader derives its tables differently: the same file is loaded again.
    con.execute("UPDATE sources SET loader_version = '2' WHERE source = ?", [annuaire.SOURCE_NAME])
    assert step(con, None, False, Scope()).status == "chargé"


def test_provenance_and_tables(tmp_path: Path) -> None:
    con = _database(tmp_path)
    result = registry_step(ACTIVITE)(con, None, False, Scope())
    assert result.rows == 14 and "Annuaire Santé du 15/01/2025" in result.details[0]
    rows = con.execute("SELECT source, vintage, origin, sha256, row_count, notes FROM sources").fetchall()
    assert rows[0][:5] == ("annuaire-sante", "2025-01-15", str(ACTIVITE), annuaire.sha256_file(ACTIVITE), 14)
    assert "fictives" not in rows[0][5]
    assert con.execute("SELECT count(*) FROM ps_activites").fetchall() == [(14,)]
    assert con.execute("SELECT count(*) FROM ps_anomalies").fetchall() == [(4,)]
    assert con.execute("SELECT sum(effectif) FROM offre_commune WHERE groupe = 'Médecins généralistes'").fetchall() \
        == [(2,)]


def test_malformed_file_leaves_the_previous_tables(tmp_path: Path) -> None:
    con = _database(tmp_path)
    registry_step(ACTIVITE)(con, None, False, Scope())
    bad = tmp_path / "PS_LibreAcces_Personne_activite_202502010000.txt"
    lines = ACTIVITE.read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([*lines[:-1], lines[-1][:40]]) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        registry_step(bad)(con, None, False, Scope())
    assert err.value.line == 15
    assert con.execute("SELECT count(*) FROM ps_activites").fetchall() == [(14,)]
    assert con.execute("SELECT vintage FROM sources").fetchall() == [("2025-01-15",)]


def test_finess_step(tmp_path: Path) -> None:
    con = _database(tmp_path)
    path = FIXTURES / "finess" / "etalab-cs1100507-stock-20250301-0412.csv"
    step = finess_step(path)
    assert step(con, None, False, Scope()).status == "chargé"
    assert step(con, None, False, Scope()).status == "inchangé"
    assert con.execute("SELECT source, vintage, row_count, loader_version FROM sources").fetchall() == [
        (finess.SOURCE_NAME, "2025-03-01", 13, FINESS_LOADER_VERSION)
    ]
    assert con.execute("SELECT unite FROM etablissements WHERE finess = '750000031'").fetchall() == [("75101",)]


def test_a_cog_load_recounts_the_registry_per_area(fixture_data_dir: Path, mirror: Path, tmp_path: Path) -> None:
    """The head counts per département and région place the registry's communes with the COG: loading the COG
    again (a new one can move a commune to another département) counts them again, without the registry."""
    from pipeline.app.data import load_decoupage
    from tests.conftest import FIXTURE_DEPARTEMENTS

    database = tmp_path / "cpts.duckdb"
    shutil.copy(fixture_data_dir / "processed" / "cpts.duckdb", database)
    con = duckdb.connect(str(database))
    try:
        counted = "SELECT niveau, code, groupe, praticiens FROM effectifs_zones ORDER BY ALL"
        before = con.execute(counted).fetchall()
        assert len({code for level, code, _, _ in before if level == "departement"}) == len(FIXTURE_DEPARTEMENTS)
        con.execute("UPDATE effectifs_zones SET praticiens = 0")  # stands for counts made with another COG
        result = load_decoupage(con, mirror, True, Scope(frozenset(FIXTURE_DEPARTEMENTS)))
        assert result.status == "chargé"
        assert con.execute(counted).fetchall() == before
    finally:
        con.close()


def test_an_older_extraction_loaded_after_a_newer_one_is_said_to_date_the_evolution_only(tmp_path: Path) -> None:
    """A review: loading an extraction of 2021 after one of 2025 printed « Annuaire Santé du … » as if it were now
    the one counted, while diagnostics keep counting the newest; ``--seule-extraction`` keeps only the one given."""
    older = tmp_path / "PS_LibreAcces_Personne_activite_202112020908.txt"
    older.write_bytes(b"".join(ACTIVITE.read_bytes().splitlines(keepends=True)[:-1]))  # one activity less
    con = _database(tmp_path)
    assert registry_step(ACTIVITE)(con, None, False, Scope()).warning is None
    result = registry_step(older)(con, None, False, Scope())
    assert result.status == "chargé" and result.warning == (
        "l'Annuaire Santé du 15/01/2025, plus récent, reste chargé : les diagnostics comptent l'offre de cette date ; "
        f"l'extraction du 02/12/2021 ({older}) ne sert qu'à l'évolution de l'offre. Pour ne garder qu'elle : "
        "python -m pipeline data --registre CHEMIN --seule-extraction")
    again = registry_step(older)(con, None, False, Scope())  # the same file again: still not the one counted
    assert again.status == "inchangé" and again.warning == result.warning
    dates = "SELECT DISTINCT extraction::VARCHAR FROM ps_activites ORDER BY 1"
    assert [d for (d,) in con.execute(dates).fetchall()] == ["2021-12-02", "2025-01-15"]
    # The same file again with --seule-extraction is loaded again, alone: not « inchangé ».
    alone = registry_step(older, keep_older=False)(con, None, False, Scope())
    assert alone.status == "chargé" and alone.warning is None
    assert [d for (d,) in con.execute(dates).fetchall()] == ["2021-12-02"]
    assert [v for (v,) in con.execute("SELECT vintage FROM sources WHERE source = ?",
                                      [annuaire.SOURCE_NAME]).fetchall()] == ["2021-12-02"]
    assert registry_step(older, keep_older=False)(con, None, False, Scope()).status == "inchangé"


def test_only_extraction_without_a_registry_is_refused_in_french() -> None:
    from pipeline.app.registries import registry_steps
    from pipeline.errors import PipelineError
    from pipeline.model import DataOptions

    with pytest.raises(PipelineError) as err:
        registry_steps(DataOptions(registry_only=True), None)
    assert err.value.exit_code == 2 and err.value.message.startswith("L'option --seule-extraction garde")
