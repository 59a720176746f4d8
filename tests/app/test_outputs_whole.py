"""Issue 11, item 10: outputs stay whole (distinct folders, one run at a time, interrupted swaps undone).

The diagnostics run through ``python -m pipeline`` in their own processes (forked from the
test process, see :mod:`tests.app.forked`, or started anew with a ``setpriv`` prefix) where
processes matter (locks, signals, permissions dropped for a root user), in
the test's process otherwise (folder names). ``CPTS_SWAP_PAUSE`` makes a run stop between the exchange of
its tables folder and that of its maps folder — the one moment where the two
folders hold different runs — and announce it by creating a file: the tests
kill it there, or start a second run of the same territory.

Two runs of the same territory are told apart by their ``--signature``: the
ACI calendar starts 6 months after it, in ``calendrier.csv`` (tables folder)
and in ``rapport.html`` (maps folder).
"""

from __future__ import annotations

import json
import os
import signal
import stat
import time
from pathlib import Path

import pytest

from tests.app.robust_support import (
    PREVIOUS,
    SLUG,
    Process,
    Workspace,
    cli,
    error_line,
    output_files,
    run_module,
    snapshot,
    spawn,
    without_dac_override,
)

#: Signature → first mission start, as the tables and the report write it.
RUNS = {"2024-03-01": ("2024-09-01", "01/09/2024"), "2025-06-01": ("2025-12-01", "01/12/2025")}


def run_of(ws: Workspace, slug: str = SLUG) -> tuple[str | None, str | None]:
    """(signature of the run that wrote the tables, signature of the run that wrote the report)."""
    calendar = (ws.diagnostics / slug / "calendrier.csv").read_text(encoding="utf-8")
    report = (ws.maps / slug / "rapport.html").read_text(encoding="utf-8")
    tables = next((s for s, (iso, _) in RUNS.items() if iso in calendar), None)
    maps = next((s for s, (_, fr) in RUNS.items() if fr in report), None)
    return tables, maps


def hidden(ws: Workspace) -> list[str]:
    """Hidden entries left in the output roots (temporary or set-aside folders)."""
    return sorted(p.name for root in (ws.diagnostics, ws.maps) for p in root.iterdir() if p.name.startswith("."))


def journals(ws: Workspace) -> list[str]:
    locks = ws.data / "processed" / "verrous"
    return sorted(p.name for p in locks.glob("*.journal")) if locks.exists() else []


def wait_for(path: Path, proc: Process, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, f"the run ended before its swap: {proc.communicate()}"
        assert time.monotonic() < deadline, "the run never reached its swap"
        time.sleep(0.05)


# --------------------------------------------------------------------------- distinct territories, distinct folders


def test_files_whose_names_slugify_alike_get_distinct_folders(
    ws: Workspace, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """« terr_a.csv » and « terr-a.csv », same communes: two territories, two folders, neither overwritten."""
    folders = {}
    for name in ("terr_a.csv", "terr-a.csv"):
        path = tmp_path / name
        path.write_text("code_insee\n04070\n04001\n", encoding="utf-8")
        code, out, err = cli(capsys, "diagnostic", f"fichier:{path}")
        assert (code, err) == (0, "")
        folders[name] = Path(out.split("  rapport : ")[1].split("\n")[0]).parent
    assert folders["terr_a.csv"] != folders["terr-a.csv"]
    assert folders["terr_a.csv"].name.startswith("fichier-terr-a-")
    assert folders["terr-a.csv"].name.startswith("fichier-terr-a-")
    for folder in folders.values():
        assert (folder / "rapport.html").is_file() and (ws.diagnostics / folder.name / "summary.json").is_file()


def test_long_commune_lists_differing_at_the_end_get_distinct_folders(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    first = ["04001", "04004", "04006", "04007", "04008", "04009", "04012", "04013"]
    second = [*first[:-1], "04070"]
    slugs = []
    for codes in (first, second):
        code, out, err = cli(capsys, "diagnostic", "communes:" + ",".join(codes))
        assert (code, err) == (0, "")
        tables = next(line for line in out.splitlines() if line.startswith("  tableaux"))
        slugs.append(Path(tables.split(" : ", 1)[1]).name)
    assert slugs[0] != slugs[1]
    assert all(s.startswith("communes-04001-04004-04006-et-5-autres-") for s in slugs)
    for slug, codes in zip(slugs, (first, second), strict=True):
        summary = json.loads((ws.diagnostics / slug / "summary.json").read_text(encoding="utf-8"))
        assert summary["territory"] == "communes:" + ",".join(codes)
        assert (ws.maps / slug / "rapport.html").is_file()


# --------------------------------------------------------------------------- two runs of the same territory


def test_second_run_waits_for_the_first_and_never_mixes(ws: Workspace, mirror: Path, tmp_path: Path) -> None:
    pause = tmp_path / "pause"
    first = spawn(ws, mirror, "diagnostic", PREVIOUS, "--signature", "2024-03-01", CPTS_SWAP_PAUSE=str(pause))
    second = None
    try:
        wait_for(pause, first)
        # The first run holds the lock with its tables swapped in and its maps not yet: the second waits.
        assert run_of(ws) == ("2024-03-01", None)
        second = spawn(ws, mirror, "diagnostic", PREVIOUS, "--signature", "2025-06-01")
        assert second.stdout is not None
        waiting = second.stdout.readline()  # printed (and flushed) when it finds the lock taken
        assert waiting == (f"  attente : un autre processus ({first.pid}) écrit les sorties de ce territoire ; "
                           "elles seront remplacées ensuite\n")
        time.sleep(1)
        assert second.poll() is None and run_of(ws) == ("2024-03-01", None)
        pause.unlink()
        out, err = first.communicate(timeout=120)
        assert (first.returncode, err) == (0, "")
        out, err = second.communicate(timeout=300)
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
    assert (second.returncode, err) == (0, "")
    assert out.startswith("Diagnostic de Digne-les-Bains")
    assert run_of(ws) == ("2025-06-01", "2025-06-01")
    assert hidden(ws) == [] and journals(ws) == []


def test_second_run_gives_up_after_the_wait(ws: Workspace, mirror: Path, tmp_path: Path) -> None:
    pause = tmp_path / "pause"
    first = spawn(ws, mirror, "diagnostic", PREVIOUS, "--signature", "2024-03-01", CPTS_SWAP_PAUSE=str(pause))
    try:
        wait_for(pause, first)
        code, _, err = run_module(ws, mirror, "diagnostic", PREVIOUS, "--signature", "2025-06-01",
                                    CPTS_OUTPUTS_WAIT="1")
        assert (code, err) == (3, error_line(
            f"Les sorties de ce territoire sont en cours d'écriture par un autre processus ({first.pid}) depuis "
            "plus de 1 s ; relancez quand il aura terminé (les sorties précédentes sont conservées)",
            ws.maps / SLUG))
        pause.unlink()
        _, err = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    assert (first.returncode, err) == (0, "")
    assert run_of(ws) == ("2024-03-01", "2024-03-01")


# --------------------------------------------------------------------------- killed during the swap


@pytest.mark.parametrize(("signum", "code", "message"), [
    (signal.SIGTERM, 143, "Interrompu : la base et les sorties précédentes sont inchangées.\n"),
    (signal.SIGINT, 130, "Interrompu : la base et les sorties précédentes sont inchangées.\n"),
    (signal.SIGHUP, -signal.SIGHUP, ""),
], ids=["SIGTERM", "SIGINT", "SIGHUP"])
def test_signal_during_the_swap_puts_the_previous_outputs_back(
    ws: Workspace, mirror: Path, tmp_path: Path, signum: int, code: int, message: str
) -> None:
    before = snapshot(ws)
    pause = tmp_path / "pause"
    proc = spawn(ws, mirror, "diagnostic", PREVIOUS, "--signature", "2024-03-01", CPTS_SWAP_PAUSE=str(pause))
    try:
        wait_for(pause, proc)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert (proc.returncode, err) == (code, message)
    assert "Diagnostic de" not in out
    assert snapshot(ws) == before
    assert hidden(ws) == [] and journals(ws) == []


def test_killed_during_the_swap_the_next_run_puts_the_previous_outputs_back(
    ws: Workspace, mirror: Path, tmp_path: Path
) -> None:
    """SIGKILL cannot be caught: the journal lets the next run (any territory) undo the half swap."""
    before = snapshot(ws)
    pause = tmp_path / "pause"
    proc = spawn(ws, mirror, "diagnostic", PREVIOUS, "--signature", "2024-03-01", CPTS_SWAP_PAUSE=str(pause))
    try:
        wait_for(pause, proc)
        proc.kill()
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    # What a SIGKILL leaves: each folder whole (exchanged in one call), the tables of the killed run.
    assert run_of(ws) == ("2024-03-01", None)
    assert len(journals(ws)) == 1 and len(hidden(ws)) == 2
    code, _, err = run_module(ws, mirror, "diagnostic", "communes:04001")
    assert (code, err) == (0, "")
    assert snapshot(ws)["files"] == before["files"]
    assert hidden(ws) == [] and journals(ws) == []


def children_of(pid: int) -> list[int]:
    """The live child processes of ``pid`` (Linux: ``/proc/<pid>/task/<pid>/children``)."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def is_running(pid: int) -> bool:
    """Whether ``pid`` is a live process (not gone, not a zombie waiting to be reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def test_a_batch_stopped_while_two_cpts_are_written_stops_both_writers(
    ws: Workspace, mirror: Path, tmp_path: Path
) -> None:
    """``make diagnostics`` keeps two forked writers at work: stopped then, it stops both, and says so in French.

    Each writer stops in the middle of its swap (``CPTS_SWAP_PAUSE``, up to 60 s); once the batch has two, it
    alone is sent SIGTERM. It waited for its oldest writer to finish (the whole pause) before stopping: now it
    stops both at once, well within 30 s, and undoes their half-done swaps and removes their temporary folders
    (they stayed until the next run), so that « les sorties précédentes sont inchangées » is true when said.
    """
    before = snapshot(ws)
    pause = tmp_path / "pause"
    proc = spawn(ws, mirror, "diagnostics", "--liste", "paca", CPTS_SWAP_PAUSE=str(pause))
    try:
        deadline = time.monotonic() + 240
        while len(writers := children_of(proc.pid)) < 2 or not pause.exists():
            assert proc.poll() is None, f"the batch ended before two writers were at work: {proc.communicate()}"
            assert time.monotonic() < deadline, "the batch never had two writers at work"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert (proc.returncode, err) == (143, "Interrompu : la base et les sorties précédentes sont inchangées.\n")
    assert len(writers) == 2 and not any(is_running(pid) for pid in writers)
    assert "Comparaison" not in out
    assert hidden(ws) == [] and journals(ws) == []
    assert snapshot(ws) == before  # no CPTS folder was swapped in: each writer was stopped in its swap


# --------------------------------------------------------------------------- stale and read-only folders


def test_stale_hidden_folders_of_killed_runs_are_cleaned(ws: Workspace, mirror: Path) -> None:
    dead = 4_000_000  # above Linux's pid_max: no such process
    stale = [ws.maps / f".{SLUG}.{dead}.abcd_123", ws.diagnostics / f".{SLUG}.{dead}.ancien__",
             ws.maps / f".communes-04001.{dead}.zz99zz99"]
    legacy = ws.maps / f".{SLUG}.old"
    live = ws.maps / f".{SLUG}.{os.getpid()}.live_123"
    for folder in [*stale, legacy, live]:
        folder.mkdir()
        (folder / "carte.html").write_text("reste d'une exécution tuée", encoding="utf-8")
    legacy.chmod(stat.S_IRUSR | stat.S_IXUSR)  # read-only: blocked every later run in earlier versions
    old = time.time() - 3600
    os.utime(legacy, (old, old))
    code, _, err = run_module(ws, mirror, "diagnostic", PREVIOUS, prefix=without_dac_override())
    assert (code, err) == (0, "")
    assert hidden(ws) == [live.name]  # a live process's folder is never touched


def test_read_only_previous_folder_is_replaced(ws: Workspace, mirror: Path) -> None:
    """The previous folder and its files made read-only, in a writable parent: the new run replaces it."""
    for folder in (ws.maps / SLUG, ws.diagnostics / SLUG):
        for path in folder.iterdir():
            path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        folder.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    before = output_files(ws)
    code, _, err = run_module(ws, mirror, "diagnostic", PREVIOUS, "--signature", "2025-06-01",
                              prefix=without_dac_override())
    assert (code, err) == (0, "")
    assert run_of(ws) == ("2025-06-01", "2025-06-01")
    assert output_files(ws).keys() >= before.keys()
    assert hidden(ws) == []


def test_read_only_parent_is_named_and_the_next_run_works(ws: Workspace, mirror: Path) -> None:
    before = snapshot(ws)
    mode = ws.maps.stat().st_mode
    ws.maps.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    try:
        code, _, err = run_module(ws, mirror, "diagnostic", PREVIOUS, prefix=without_dac_override())
    finally:
        ws.maps.chmod(mode)
    assert (code, err) == (2, error_line(
        "Dossier de sortie non accessible en écriture (droits ou système de fichiers en lecture seule) : les "
        "sorties précédentes sont conservées", ws.maps))
    assert snapshot(ws) == before
    code, _, err = run_module(ws, mirror, "diagnostic", PREVIOUS, "--signature", "2025-06-01",
                              prefix=without_dac_override())
    assert (code, err) == (0, "")
    assert run_of(ws) == ("2025-06-01", "2025-06-01")


def test_a_database_without_permissions_is_named_in_french(ws: Workspace, mirror: Path) -> None:
    """A review: a read-only ``cpts.duckdb`` given to ``make data`` ended with DuckDB's own « IO Error: Cannot open
    file …: Permission denied »."""
    before = snapshot(ws)
    mode = ws.db.stat().st_mode
    try:
        ws.db.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        code, _, err = run_module(ws, mirror, "data", "--departements", "04", prefix=without_dac_override())
        assert (code, err) == (2, error_line(
            "La base de données n'est pas accessible en écriture (make data la modifie) : droits du fichier ou du "
            "dossier insuffisants pour cet utilisateur (ls -l, chmod u+rw)", ws.db))
        ws.db.chmod(0)
        code, _, err = run_module(ws, mirror, "diagnostic", PREVIOUS, prefix=without_dac_override())
        assert (code, err) == (2, error_line(
            "La base de données n'est pas accessible en lecture : droits du fichier ou du dossier insuffisants pour "
            "cet utilisateur (ls -l, chmod u+r)", ws.db))
    finally:
        ws.db.chmod(mode)
    assert snapshot(ws) == before
