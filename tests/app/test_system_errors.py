"""Issue 11, item 11: a damaged database, a full disk, special files and a closed pipe, through the CLI.

Every case checks the exact French message and exit code, and that the
database (row counts, ``sources``) and the previous diagnostic's outputs are
unchanged (see :mod:`tests.app.robust_support`).

* A damaged database: the fixture database truncated, for each read command
  (``diagnostic``, ``couverture``, ``territoire``, ``sources``), both where
  DuckDB cannot open it and where it opens and fails on a block a query needs;
  ``data`` rebuilds it.
* A full disk: real write failures of DuckDB, no privilege needed. The write-
  ahead log symlinked to ``/dev/full`` (every write fails with ENOSPC) and the
  process's file size limit (``RLIMIT_FSIZE``, ``ulimit -f``: Python ignores
  SIGXFSZ, so writes past the limit fail with EFBIG).
* Special files given where a file is expected: a FIFO (never opened: it would
  block), ``/dev/zero`` (never read: it has no end) and a directory.
* ``… | head``: the reader of the output has gone; the command stops quietly
  with the shell's code for that, 141 (128 + SIGPIPE).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline.store.connection import verify
from tests.app.robust_support import (
    CODE_ERROR,
    FIXTURES,
    PREVIOUS,
    ROOT,
    Workspace,
    cli,
    database_state,
    error_line,
    module_env,
    output_files,
    run_module,
    snapshot,
)

KEPT = ("La base est celle du dernier chargement achevé (make data écrit dans une copie, qui ne la remplace qu'à la "
        "fin) et les sorties précédentes sont intactes.")
DAMAGED = "La base de données est endommagée (fichier tronqué, corrompu ou qui n'est pas une base DuckDB) ("
REBUILD = " : supprimez le fichier ou relancez « make data », qui reconstruira la base"
READ_COMMANDS = {
    "diagnostic": ["diagnostic", PREVIOUS],
    "couverture": ["couverture", "--departement", "04"],
    "territoire": ["territoire", PREVIOUS],
    "sources": ["sources"],
}




def without_load_times(state: dict[str, Any]) -> dict[str, Any]:
    """``sources`` without ``loaded_at``: a forced reload of identical files changes only that."""
    return {**state, "sources": [row[:5] + row[6:] for row in state["sources"]]}


# --------------------------------------------------------------------------- a damaged database


def _opens_but_is_damaged(db: Path) -> bool:
    """Whether DuckDB opens ``db`` and answers a small query, yet some block is missing."""
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error:
        return False
    try:
        con.execute("SELECT count(*) FROM communes").fetchall()
    except duckdb.Error:
        con.close()
        return False
    try:
        verify(con)
    except duckdb.Error:
        return True
    finally:
        con.close()
    return False


def truncate(db: Path, how: str) -> None:
    """Truncate ``db``: at half its size (DuckDB cannot open it), or where it opens but misses blocks."""
    content = db.read_bytes()
    if how == "illisible":
        db.write_bytes(content[: len(content) // 2])
        return
    for percent in range(95, 50, -5):
        db.write_bytes(content[: len(content) * percent // 100])
        if _opens_but_is_damaged(db):
            return
    raise AssertionError("no truncation of the fixture database opens yet misses a block")


@pytest.mark.parametrize("how", ["illisible", "blocs-manquants"])
@pytest.mark.parametrize("command", list(READ_COMMANDS))
def test_damaged_database_is_named_with_what_to_do(
    ws: Workspace, capsys: pytest.CaptureFixture[str], command: str, how: str
) -> None:
    previous = snapshot(ws)
    truncate(ws.db, how)
    content = ws.db.read_bytes()
    code, out, err = cli(capsys, *READ_COMMANDS[command])
    assert code == CODE_ERROR, (out, err)
    assert err.startswith("Erreur : " + DAMAGED)
    assert err.endswith(f"){REBUILD} (fichier {ws.db})\n")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert ws.db.read_bytes() == content
    assert output_files(ws) == previous["files"]
    assert sorted(os.listdir(ws.maps)) == previous["entries"]["maps"]


def test_data_rebuilds_a_truncated_database(ws: Workspace, mirror: Path) -> None:
    truncate(ws.db, "blocs-manquants")
    code, out, err = run_module(ws, mirror, "data", "--departements", "04", "--sans-demo")
    assert (code, err) == (0, "")
    assert "Base reconstruite entièrement : base endommagée (La base de données est endommagée" in out
    assert out.rstrip().endswith(f"base : {ws.db}")
    code, out, err = run_module(ws, mirror, "territoire", PREVIOUS)
    assert (code, err) == (0, "")
    assert out.startswith("Digne-les-Bains : 1 unité, 17 979 habitants")
    assert not ws.db.with_name("cpts.duckdb.reconstruction").exists()


def test_a_rebuilt_database_keeps_the_departements_of_the_previous_load(ws: Workspace, mirror: Path) -> None:
    """The database remembers its départements, but a damaged one cannot tell them: ``make data`` without
    DEPARTEMENTS= then loaded all of France (a minute and 1.5 GB). The record beside it tells them."""
    record = ws.db.with_name("departements-charges.txt")
    assert record.read_text(encoding="utf-8") == "04,13,33,75,976\n"  # written by the fixture's load
    record.write_text("04\n", encoding="utf-8")  # as a previous « make data DEPARTEMENTS=04 » would have
    truncate(ws.db, "blocs-manquants")
    code, out, err = run_module(ws, mirror, "data", "--sans-demo")
    assert (code, err) == (0, "")
    assert "Départements repris du chargement précédent : 04 (make data FRANCE=1 pour toute la France)." in out
    assert "(départements 04 seulement)" in out
    assert record.read_text(encoding="utf-8") == "04\n"
    code, out, err = run_module(ws, mirror, "territoire", "departement:13")
    assert code == 2 and "hors des départements chargés (base limitée à 04 ;" in err
    # Its « France » is 04 alone: the population note names that, and not Mayotte's frozen census.
    code, out, err = run_module(ws, mirror, "diagnostic", "communes:04070")
    assert (code, err) == (0, "")
    assert "; France (départements chargés : 04) : population légale 2023\n" in out and "Mayotte" not in out


# --------------------------------------------------------------------------- a full disk


def _working_copy_log_on_a_full_disk() -> None:
    """In the child: the write-ahead log of the copy ``make data`` updates is ``/dev/full`` when DuckDB opens it."""
    from pipeline.store import writing

    real_open = writing.open_database

    def open_database(path: Path, read_only: bool = True) -> duckdb.DuckDBPyConnection:
        if path.name.endswith(".mise-a-jour"):
            path.with_name(path.name + ".wal").symlink_to("/dev/full")
        return real_open(path, read_only=read_only)

    writing.open_database = open_database  # type: ignore[assignment]


def test_disk_full_while_writing_the_database(ws: Workspace, mirror: Path) -> None:
    """ENOSPC from DuckDB itself, writing the log of the copy it updates; the message names the database."""
    before = snapshot(ws)
    code, out, err = run_module(ws, mirror, "data", "--cpts", str(FIXTURES / "listing_commune_deux_fois.csv"),
                                setup=_working_copy_log_on_a_full_disk)
    assert (code, err) == (1, f"Erreur système : plus d'espace libre sur le disque (fichier {ws.db}). {KEPT}\n")
    assert "Terminé" not in out
    assert snapshot(ws) == before
    # Neither the copy nor its log is left (the lock file stays, as after any run).
    assert sorted(p.name for p in ws.db.parent.glob("cpts.duckdb*")) == ["cpts.duckdb", "cpts.duckdb.lock"]
    code, out, err = run_module(ws, mirror, "data", "--cpts", str(FIXTURES / "listing_commune_deux_fois.csv"))
    assert (code, err) == (0, "")
    assert "liste de CPTS « listing_commune_deux_fois » chargé" in out


def test_a_log_linked_to_a_device_is_not_copied_as_an_endless_file(ws: Workspace, mirror: Path) -> None:
    """The database's write-ahead log linked to ``/dev/zero``: the run's copy of the database took it for a file
    and copied zeros until the disk was full. Under a size limit a little above the database such a copy fails
    with EFBIG at once; the run must succeed, and the link is gone with the database it stood beside."""
    wal = ws.db.with_name("cpts.duckdb.wal")
    wal.symlink_to("/dev/zero")
    code, out, err = run_limited(ws, mirror, ws.db.stat().st_size + (64 << 20),
                                 "data", "--cpts", str(FIXTURES / "listing_commune_deux_fois.csv"))
    assert (code, err) == (0, "")
    assert "liste de CPTS « listing_commune_deux_fois » chargé" in out
    assert not wal.is_symlink() and not wal.exists()


def _file_size_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def run_limited(ws: Workspace, mirror: Path, limit: int, *args: str) -> tuple[int, str, str]:
    """``python -m pipeline ARGS`` whose files may not grow past ``limit`` bytes (``ulimit -f``)."""
    return run_module(ws, mirror, *args, setup=_file_size_limit(limit), timeout=600)


EFBIG = "fichier trop volumineux (taille maximale permise par le système, « ulimit -f », atteinte)"


def test_file_size_limit_while_writing_the_database(ws: Workspace, mirror: Path) -> None:
    """EFBIG from DuckDB: a forced reload grows the file past the limit; committed steps stay whole."""
    before = snapshot(ws)
    database = database_state(ws.db)
    code, out, err = run_limited(ws, mirror, ws.db.stat().st_size + (1 << 20), "data", "--force", "--sans-demo")
    assert (code, err) == (1, f"Erreur système : {EFBIG} (fichier {ws.db}). {KEPT}\n")
    assert "Terminé" not in out
    # Each source is loaded in one transaction: those committed before the failure hold the same files.
    assert without_load_times(database_state(ws.db)) == without_load_times(database)
    assert output_files(ws) == before["files"]


def test_file_size_limit_while_writing_the_outputs(ws: Workspace, mirror: Path) -> None:
    before = snapshot(ws)
    code, out, err = run_limited(ws, mirror, 64 << 10, "diagnostic", PREVIOUS)
    assert code == 1, err
    assert err.startswith(f"Erreur système : {EFBIG} (fichier {ws.root}/")
    assert err.endswith(f"). {KEPT}\n") and err.count("\n") == 1
    assert "Diagnostic de" not in out
    assert snapshot(ws) == before


# --------------------------------------------------------------------------- special files


def _special(kind: str, tmp_path: Path) -> Path:
    if kind == "fifo":
        path = tmp_path / "tube.csv"
        os.mkfifo(path)
        return path
    if kind == "dev-zero":
        return Path("/dev/zero")
    path = tmp_path / "dossier.csv"
    path.mkdir()
    return path


KINDS = {
    "fifo": "C'est un tube nommé (FIFO), pas un fichier ordinaire : il n'est pas lu (sa lecture pourrait bloquer)",
    "dev-zero": "C'est un périphérique en mode caractère (comme /dev/zero), pas un fichier ordinaire : il n'est "
                "pas lu",
    "dossier": "C'est un dossier, pas un fichier",
}
#: Where a file is expected: (arguments with ``{}`` for the path, environment variable or None, context).
PLACES = {
    "cpts": (["data", "--cpts", "{}"], None, " (option --cpts)"),
    "registre": (["data", "--registre", "{}"], None, " (option --registre ou variable CPTS_REGISTRY)"),
    "CPTS_REGISTRY": (["data"], "CPTS_REGISTRY", " (option --registre ou variable CPTS_REGISTRY)"),
    "savoir-faire": (["data", "--registre", str(FIXTURES / "listing_vide.csv"), "--savoir-faire", "{}"], None,
                     " (option --savoir-faire)"),
    "finess": (["data", "--finess", "{}"], None, " (option --finess ou variable CPTS_FINESS)"),
    "CPTS_FINESS": (["data"], "CPTS_FINESS", " (option --finess ou variable CPTS_FINESS)"),
    "adherents": (["diagnostic", PREVIOUS, "--adherents", "{}"], None, " (option --adherents)"),
    "flux": (["diagnostic", PREVIOUS, "--flux", "{}"], None, " (option --flux)"),
    "territoire": (["diagnostic", "fichier:{}"], None, ""),
    "territoire-commande": (["territoire", "fichier:{}"], None, ""),
}


def _expected(kind: str, place: str, path: Path) -> str:
    if kind == "dossier" and place.startswith("territoire"):
        return error_line("Le territoire doit être un fichier CSV, GeoJSON, GeoPackage ou Shapefile, pas un dossier",
                          path)
    return error_line(KINDS[kind] + PLACES[place][2], path)


@pytest.mark.parametrize("place", list(PLACES))
@pytest.mark.parametrize("kind", list(KINDS))
def test_special_file_is_named_for_what_it_is(ws: Workspace, mirror: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                              kind: str, place: str) -> None:
    """The FIFO through a subprocess with a timeout: a regression that opened it would block, not hang the suite."""
    path = _special(kind, tmp_path)
    template, variable, _ = PLACES[place]
    args = [a.replace("{}", str(path)) for a in template]
    before = snapshot(ws)
    if kind == "fifo":
        code, out, err = run_module(ws, mirror, *args, timeout=60, **({variable: str(path)} if variable else {}))
    else:
        if variable:
            monkeypatch.setenv(variable, str(path))
        code, out, err = cli(capsys, *args)
    assert (code, err) == (CODE_ERROR, _expected(kind, place, path))
    assert "Diagnostic de" not in out and "Terminé" not in out
    assert snapshot(ws) == before


# --------------------------------------------------------------------------- … | head


def run_with_closed_output(ws: Workspace, mirror: Path, *args: str, stderr_closed: bool = False) -> tuple[int, str]:
    """Run with a stdout whose reader is already gone (a pipe whose read end is closed); return (code, stderr)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ROOT, env=module_env(ws, mirror),
                              stdout=write_end, stderr=write_end if stderr_closed else subprocess.PIPE,
                              text=True, timeout=300, check=False)
    finally:
        os.close(write_end)
    return proc.returncode, proc.stderr or ""


@pytest.mark.parametrize("args", [["sources"], ["territoire", "departement:13"], ["territoire", PREVIOUS]],
                         ids=" ".join)
def test_reader_gone_ends_quietly(ws: Workspace, mirror: Path, args: list[str]) -> None:
    before = snapshot(ws)
    assert run_with_closed_output(ws, mirror, *args) == (141, "")
    assert snapshot(ws) == before


def test_error_with_both_streams_closed_keeps_its_exit_code(ws: Workspace, mirror: Path) -> None:
    assert run_with_closed_output(ws, mirror, "territoire", "communes:99999", stderr_closed=True) == (CODE_ERROR, "")


@pytest.mark.parametrize("command", ["sources | head -1", "territoire departement:13 | head -3"])
def test_pipe_into_head(ws: Workspace, mirror: Path, command: str) -> None:
    """The shell's own ``| head``: no traceback, no « Erreur inattendue »; 0 or 141 depending on timing."""
    bash = shutil.which("bash")
    assert bash is not None
    python = f"{sys.executable} -m pipeline"
    proc = subprocess.run([bash, "-c", f"{python} {command}; echo \"statut=${{PIPESTATUS[0]}}\" >&2"], cwd=ROOT,
                          env=module_env(ws, mirror), capture_output=True, text=True, timeout=300, check=False)
    lines = command.rpartition("head -")[2]
    assert len(proc.stdout.splitlines()) == int(lines)
    assert proc.stderr in ("statut=0\n", "statut=141\n")
