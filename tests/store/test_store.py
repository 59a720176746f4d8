"""The DuckDB store: declared schema, transactions, writer lock, damaged and older databases."""

from __future__ import annotations

import json
import multiprocessing
import shutil
import tarfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline.app import data
from pipeline.errors import DataError, PipelineError, StoreBusyError
from pipeline.model import DataOptions
from pipeline.store import connection, load, schema, writing
from pipeline.store.load import Provenance
from tests.conftest import FIXTURE_DEPARTEMENTS

ROOT = Path(__file__).resolve().parents[2]


def _fixture_communes(mirror: Path) -> int:
    """Current communes of the fixture départements, counted in the raw Etalab 6.0.0 package."""
    with tarfile.open(mirror / "decoupage-administratif" / "etalab-decoupage-administratif-6.0.0.tgz") as tar:
        member = tar.extractfile("package/data/communes.json")
        assert member is not None
        communes = json.load(member)
    return sum(1 for c in communes if c["type"] == "commune-actuelle" and c["departement"] in FIXTURE_DEPARTEMENTS)


def _new_store(path: Path) -> duckdb.DuckDBPyConnection:
    with writing.writer(path):
        pass
    return duckdb.connect(str(path))


def test_every_table_is_declared_with_a_primary_key() -> None:
    tables = schema.tables()
    assert {"sources", "communes", "cog_mapping", "commune_polygons", "apl", "cpts_membres", "ps_activites",
            "offre_commune", "etablissements"} <= set(tables)
    assert [name for name, table in tables.items() if not table.primary_key] == []
    for table in tables.values():
        assert table.doc, f"table {table.name} sans documentation dans schema.sql"


def test_loaded_tables_are_exactly_the_declared_ones(db: duckdb.DuckDBPyConnection) -> None:
    found = {r[0] for r in db.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert found == set(schema.tables())
    declared = schema.tables()["cpts_membres"]
    types = dict(db.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'cpts_membres'")
                 .fetchall())
    assert types["date"] == "DATE" and types["statut"] == "VARCHAR"
    assert [c.name for c in declared.columns] == list(types)


def test_a_frame_breaking_a_constraint_is_a_french_error_and_changes_nothing(tmp_path: Path) -> None:
    con = _new_store(tmp_path / "t.duckdb")
    regions = pd.DataFrame({"vintage": [2026], "code": ["93"], "nom": ["Provence-Alpes-Côte d'Azur"]})
    load.load_source(con, {"regions": regions}, Provenance("s", "1", "o", "h1", 1))
    duplicated = pd.DataFrame({"vintage": [2026, 2026], "code": ["11", "11"], "nom": ["Île-de-France", "bis"]})
    with pytest.raises(DataError) as info:
        load.load_source(con, {"regions": duplicated}, Provenance("s", "1", "fichier.csv", "h2", 2))
    assert info.value.message.startswith("Données contraires au schéma de la table regions : Constraint Error")
    assert info.value.path == "fichier.csv"
    assert con.execute("SELECT code FROM regions").fetchall() == [("93",)]
    assert con.execute("SELECT sha256 FROM sources").fetchall() == [("h1",)]


def test_an_undeclared_column_is_refused(tmp_path: Path) -> None:
    con = _new_store(tmp_path / "t.duckdb")
    with pytest.raises(load.SchemaContractError, match="colonnes non déclarées"):
        load.replace_table(con, "regions", pd.DataFrame({"vintage": [2026], "code": ["93"], "nom": ["x"],
                                                         "intrus": [1]}))


def test_failure_mid_load_leaves_previous_content_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    con = _new_store(tmp_path / "t.duckdb")
    regions = pd.DataFrame({"vintage": [2026], "code": ["93"], "nom": ["PACA"]})
    deps = pd.DataFrame({"vintage": [2026], "code": ["04"], "nom": ["Alpes-de-Haute-Provence"], "region": ["93"]})
    load.load_source(con, {"regions": regions, "departements": deps}, Provenance("s", "1", "o", "h1", 2))
    real = load.replace_table
    calls = {"n": 0}

    def failing(con_: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame, origin: str | None = None) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("panne simulée au milieu du chargement")
        real(con_, name, frame, origin)

    monkeypatch.setattr(load, "replace_table", failing)
    with pytest.raises(RuntimeError):
        load.load_source(con, {"regions": regions.assign(code="11"), "departements": deps.assign(code="05")},
                         Provenance("s", "1", "o", "h2", 2))
    assert con.execute("SELECT code FROM regions").fetchall() == [("93",)]
    assert con.execute("SELECT code FROM departements").fetchall() == [("04",)]
    assert con.execute("SELECT sha256 FROM sources").fetchall() == [("h1",)]


def test_interrupted_real_load_keeps_the_previous_database(
    fixture_data_dir: Path, mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "data"
    shutil.copytree(fixture_data_dir, copy)
    monkeypatch.setenv("CPTS_DATA_DIR", str(copy))
    real_population = data.cog_history.population_on_current_geography

    def broken(*args: object, **kwargs: object) -> pd.DataFrame:
        real_population(*args, **kwargs)  # type: ignore[arg-type]
        raise RuntimeError("interruption simulée")

    monkeypatch.setattr(data.cog_history, "population_on_current_geography", broken)
    with pytest.raises(RuntimeError):
        data.run(DataOptions(mirror=mirror, force=True, departements=FIXTURE_DEPARTEMENTS))
    con = duckdb.connect(str(copy / "processed" / "cpts.duckdb"), read_only=True)
    current = "SELECT count(*) FROM communes WHERE vintage = 2026 AND type = 'commune-actuelle'"
    assert con.execute(current).fetchone()[0] == _fixture_communes(mirror)
    con.close()


def _hold_lock(path: str, ready: multiprocessing.synchronize.Event, release: multiprocessing.synchronize.Event) -> None:
    with connection.writer_lock(Path(path)):
        ready.set()
        release.wait(20)


def test_concurrent_writer_gets_a_french_error(tmp_path: Path) -> None:
    path = tmp_path / "c.duckdb"
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(path), ready, release))
    holder.start()
    try:
        assert ready.wait(20)
        with pytest.raises(StoreBusyError, match="Un autre chargement écrit déjà dans la base") as info, \
                writing.writer(path):
            pass
        assert info.value.exit_code == 3
    finally:
        release.set()
        holder.join(20)
    with writing.writer(path) as session:  # free again once the other run ended
        assert session.con.execute("SELECT 1").fetchone() == (1,)


def test_read_only_connection_on_missing_database_is_a_french_error(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match="lancez d'abord « make data »"):
        connection.connect(tmp_path / "absent.duckdb")


def test_a_failed_first_load_leaves_no_database(tmp_path: Path) -> None:
    """A review: a first ``make data`` that failed (a wrong mirror path) left a database with tables and no data;
    every command then blamed the user (« code INSEE inconnu : 04070 »). Now no file is left; and a database
    left empty that way by an earlier version is named as such."""
    path = tmp_path / "processed" / "cpts.duckdb"
    with pytest.raises(DataError), writing.writer(path):
        raise DataError("miroir introuvable")
    assert not path.exists() and not path.with_name(path.name + ".reconstruction").exists()
    with pytest.raises(PipelineError, match="n'existe pas encore"):
        connection.connect(path)
    con = duckdb.connect(str(path))  # what an earlier version left: the declared tables, no row
    schema.create_schema(con)
    con.close()
    with pytest.raises(PipelineError) as err:
        connection.connect(path)
    assert err.value.message == ("La base de données est vide (un premier « make data » n'a pas abouti) : relancez "
                                 "« make data ».")


def test_older_database_is_refused_then_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))  # a database of the previous tool: tables made from frames, no version
    old.execute("CREATE TABLE communes AS SELECT '04070' AS code")
    old.close()
    with pytest.raises(connection.OldSchemaError) as info:
        connection.connect(path)
    assert info.value.message == (
        "La base de données a été créée par une version antérieure de l'outil (schéma 1, attendu "
        f"{schema.SCHEMA_VERSION}) : relancez « make data » pour la reconstruire")
    with writing.writer(path) as session:
        assert session.rebuild == "base créée par une version antérieure de l'outil"
    assert schema.stored_version(connection.connect(path, read_only=False)) == schema.SCHEMA_VERSION


@pytest.mark.parametrize(("stored", "what"), [(str(int(schema.SCHEMA_VERSION) + 1), "plus récente"),
                                              (f"{int(schema.SCHEMA_VERSION) + 1}a", "inconnue"),
                                              (f"{int(schema.SCHEMA_VERSION) + 1}.0", "inconnue"),
                                              (f"0{schema.SCHEMA_VERSION}", "inconnue")])
def test_a_database_of_a_newer_tool_is_refused_and_never_rebuilt(fixture_data_dir: Path, tmp_path: Path,
                                                                 stored: str, what: str) -> None:
    """A review: schema 16 was called « antérieure », and ``make data`` threw the newer database away; then « 16a »
    or « 16.0 » still were: only a plain older number is rebuilt."""
    path = tmp_path / "cpts.duckdb"
    shutil.copy(fixture_data_dir / "processed" / "cpts.duckdb", path)
    con = duckdb.connect(str(path))
    con.execute("UPDATE schema_info SET value = ? WHERE key = 'schema_version'", [stored])
    con.close()
    before = path.read_bytes()
    expected = (f"La base de données a été créée par une version {what} de l'outil (schéma « {stored} », attendu "
                f"{schema.SCHEMA_VERSION}) : mettez l'outil à jour (git pull puis make install) ; « make data » ne "
                "la remplace pas (pour repartir d'une base de cette version, déplacez d'abord ce fichier)")
    with pytest.raises(connection.NewerSchemaError) as info:
        connection.connect(path)
    assert (info.value.message, info.value.exit_code) == (expected, 2)
    with pytest.raises(connection.NewerSchemaError), writing.writer(path):
        pass
    assert path.read_bytes() == before


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_damaged_database_names_the_file_then_is_rebuilt(fixture_data_dir: Path, tmp_path: Path,
                                                          damage: str) -> None:
    path = tmp_path / "cpts.duckdb"
    if damage == "garbage":
        path.write_bytes(b"ceci n'est pas une base" * 100)
    else:
        shutil.copy(fixture_data_dir / "processed" / "cpts.duckdb", path)
        with open(path, "r+b") as handle:
            handle.truncate(path.stat().st_size // 2)
    before = path.read_bytes()
    if damage == "garbage":
        with pytest.raises(connection.DamagedDatabaseError) as info:
            connection.connect(path)
        assert "La base de données est endommagée" in info.value.message
        assert info.value.path == str(path)
        assert "relancez « make data », qui reconstruira la base" in info.value.message
    with writing.writer(path) as session:
        assert session.rebuild is not None and session.rebuild.startswith("base endommagée")
        assert path.read_bytes() == before  # the damaged file stays until the rebuild succeeds
    assert schema.stored_version(connection.connect(path, read_only=False)) == schema.SCHEMA_VERSION


def test_failed_rebuild_leaves_the_damaged_file_in_place(tmp_path: Path) -> None:
    path = tmp_path / "cpts.duckdb"
    path.write_bytes(b"x" * 5000)
    with pytest.raises(RuntimeError), writing.writer(path):
        raise RuntimeError("interruption simulée")
    assert path.read_bytes() == b"x" * 5000
    assert not path.with_name(path.name + ".reconstruction").exists()


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_a_database_path_that_is_not_a_file_is_named(tmp_path: Path, kind: str) -> None:
    import os

    path = tmp_path / "cpts.duckdb"
    if kind == "directory":
        path.mkdir()
        expected = "Le chemin de la base de données est un dossier, pas un fichier"
    else:
        os.mkfifo(path)
        expected = "Le chemin de la base de données n'est pas un fichier ordinaire (tube, périphérique…)"
    with pytest.raises(PipelineError) as info:
        connection.connect(path)
    assert info.value.message == expected


def test_schema_documentation_is_current() -> None:
    from pipeline.store.schema_doc import render

    assert (ROOT / "docs" / "schema.md").read_text(encoding="utf-8") == render(), (
        "docs/schema.md n'est plus à jour : python -m pipeline.store.schema_doc")


def test_a_diagnostic_connection_keeps_duckdb_within_its_memory_limit(
        fixture_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The diagnostic's connection caps DuckDB's memory (it otherwise caches national table blocks read once);
    the other connections keep DuckDB's default."""
    monkeypatch.setenv("CPTS_DATA_DIR", str(fixture_data_dir))
    calls: list[str | None] = []
    opened = connection.connect

    def spy(path: Path | None = None, read_only: bool = True,
            memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
        calls.append(memory_limit)
        return opened(path, read_only, memory_limit)

    from pipeline.app import diagnostic
    from pipeline.model import DiagnosticOptions

    monkeypatch.setattr(diagnostic, "connect", spy)
    monkeypatch.setattr(diagnostic, "compute", lambda con, territory, options: (_ for _ in ()).throw(
        RuntimeError(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])))
    with pytest.raises(RuntimeError, match=r"^95\.3 MiB$"):  # 100 MB, as DuckDB writes it
        diagnostic.run_diagnostic(DiagnosticOptions(territory="communes:04070"))
    assert calls == [connection.DIAGNOSTIC_MEMORY] == ["100MB"]
    default = connection.connect()
    try:
        assert default.execute("SELECT current_setting('memory_limit')").fetchone()[0] != "95.3 MiB"
    finally:
        default.close()


def test_the_memory_limit_ends_with_its_connection_and_running_out_is_a_memory_error(
        fixture_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB shares settings between the connections of a process to one file: :func:`release` gives the
    others DuckDB's defaults back. DuckDB running out of memory reads as a MemoryError (« mémoire
    insuffisante » on the command line), not as a bug."""
    monkeypatch.setenv("CPTS_DATA_DIR", str(fixture_data_dir))
    setting = "SELECT current_setting('memory_limit')"
    other = connection.connect()
    try:
        default = other.execute(setting).fetchone()[0]
        limited = connection.connect(memory_limit="100MB")
        assert other.execute(setting).fetchone()[0] == "95.3 MiB"
        connection.release(limited)
        assert other.execute(setting).fetchone()[0] == default != "95.3 MiB"
        starved = connection.connect(memory_limit="1MB")
        try:
            starved.execute("SET temp_directory = ''")  # nowhere to spill
            with pytest.raises(duckdb.OutOfMemoryException) as caught:
                starved.execute("SELECT count(*) FROM (SELECT range % 100000 AS k, list(range) FROM range(3000000) "
                                "GROUP BY k)").fetchall()
            assert isinstance(connection.translate_error(caught.value), MemoryError)
        finally:
            connection.release(starved)
    finally:
        other.close()


def test_a_linked_database_is_updated_where_it_lies_and_leftover_copies_are_removed(tmp_path: Path) -> None:
    """A review: the lock was taken beside the link and the working copy beside the file, so that two runs (through
    the link and through the file) could share one copy under two locks; and a killed rebuild's copy survived the
    next updates."""
    real = tmp_path / "real" / "cpts.duckdb"
    real.parent.mkdir()
    with writing.writer(real):
        pass
    link = tmp_path / "cpts.duckdb"
    link.symlink_to(real)
    stale = real.with_name("cpts.duckdb.reconstruction")
    stale.write_bytes(b"left by a killed rebuild")
    with writing.writer(link) as session:
        assert session.path == real.with_name("cpts.duckdb.mise-a-jour")
        assert connection.lock_path(real).exists() and not stale.exists()
    assert link.is_symlink() and link.resolve() == real
    assert sorted(p.name for p in real.parent.iterdir()) == ["cpts.duckdb", "cpts.duckdb.lock"]


def test_a_database_held_open_at_the_swap_is_busy_and_its_copy_removed(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows refuses to replace a file another process holds open: the load ends as « busy » (exit 3), its
    database-sized copy removed, the database as it was (os.replace made to refuse as Windows does)."""
    path = tmp_path / "cpts.duckdb"
    with writing.writer(path):
        pass
    before = path.read_bytes()

    def refuse(source: object, destination: object) -> None:
        raise PermissionError(13, "Permission denied", str(destination))

    monkeypatch.setattr(writing.os, "replace", refuse)
    with pytest.raises(StoreBusyError, match="ouverte par un autre processus"), writing.writer(path):
        pass
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cpts.duckdb", "cpts.duckdb.lock"]
