"""``make diagnostics`` interrupted once some CPTS are written says which outputs it has already replaced.

A review: stopped (Ctrl-C, ``kill``) after four CPTS, the batch said « la base et les sorties précédentes sont
inchangées » although those four CPTS had their outputs replaced; only the comparison (written at the end) and
the database were untouched. It now names the CPTS already replaced.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.app.registries import listing_step
from pipeline.app.steps import Scope
from tests.app.robust_support import ROOT, Workspace, copy_workspace, spawn
from tests.app.test_outputs_whole import hidden, journals
from tests.conftest import FIXTURE_DEPARTEMENTS
from tests.render.documents_runs import writable_database

pytestmark = [pytest.mark.mirror]

#: Three one-commune CPTS of the Alpes-de-Haute-Provence (fast to diagnose), in the batch's (name) order.
LISTING = {"CPTS Alpha": "04001", "CPTS Beta": "04004", "CPTS Gamma": "04006"}
#: Their output folders (``cpts:CPTS Alpha`` → ``cpts-cpts-alpha``).
SLUGS = {name: "cpts-" + name.lower().replace(" ", "-") for name in LISTING}


def _wait(condition: object, proc: object, what: str, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert proc.poll() is None, f"the batch ended before {what}: {proc.communicate()}"  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, f"the batch never reached {what}"
        time.sleep(0.05)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
                         ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_batch_names_the_cpts_whose_outputs_it_replaced(
    fixture_data_dir: Path, mirror: Path, tmp_path: Path, signum: int, code: int
) -> None:
    ws = Workspace(tmp_path / "ws")
    copy_workspace(fixture_data_dir, None, ws)
    listing = tmp_path / "trio.csv"
    listing.write_text("cpts,code_insee\n" + "".join(f"{n},{c}\n" for n, c in LISTING.items()), encoding="utf-8")
    with writable_database(ws.data) as con:  # as « make data DEPARTEMENTS=… CPTS=trio.csv » loads it
        assert listing_step(listing)(con, None, True, Scope(frozenset(FIXTURE_DEPARTEMENTS))).status == "chargé"
    # Every swap (a CPTS's writer, then the comparison) waits in its middle while the pause file exists.
    pause = tmp_path / "pause"
    proc = spawn(ws, mirror, "diagnostics", "--liste", "trio", CPTS_SWAP_PAUSE=str(pause))
    try:
        _wait(pause.exists, proc, "its first swap")
        pause.unlink()  # the first CPTS's swap goes on…
        _wait(lambda: any((ws.diagnostics / slug / "summary.json").exists() for slug in SLUGS.values()), proc,
              "the first CPTS's outputs")
        _wait(pause.exists, proc, "its next swap")  # …and the next one (a CPTS, or the comparison) waits
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    replaced = [name for name, slug in SLUGS.items() if (ws.diagnostics / slug).exists()]
    assert replaced, "no CPTS written before the signal"
    for name in replaced:  # written whole: tables and report
        assert (ws.diagnostics / SLUGS[name] / "summary.json").exists() and (ws.maps / SLUGS[name] / "rapport.html"
                                                                              ).exists()
    which = ("d'une CPTS déjà diagnostiquée ont été remplacées" if len(replaced) == 1
             else f"de {len(replaced)} CPTS déjà diagnostiquées ont été remplacées")
    assert (proc.returncode, err) == (code, "Interrompu : la base et la comparaison précédente sont inchangées ; les "
                                            f"sorties {which} ({', '.join(replaced)}).\n")
    assert "Comparaison :" not in out
    assert not (ws.data / "processed" / "comparaison-trio").exists() and not (ws.maps / "comparaison-trio").exists()
    assert hidden(ws) == [] and journals(ws) == []


def test_the_interruption_line_names_a_few_cpts_then_an_ellipsis() -> None:
    from pipeline.app.batch import _Done

    done = _Done(cpts=["CPTS A", "CPTS B", "CPTS C", "CPTS D"])
    assert done.interrupted_line() == ("Interrompu : la base et la comparaison précédente sont inchangées ; les "
                                       "sorties de 4 CPTS déjà diagnostiquées ont été remplacées (CPTS A, CPTS B, "
                                       "CPTS C…).")
    assert _Done().interrupted_line() is None  # nothing replaced: the usual line is true


_SWALLOWED = """
import contextlib, signal, sys
from pipeline.app import outcome

def command():
    with contextlib.suppress(KeyboardInterrupt):  # as NumPy clears any error while comparing dtypes
        signal.raise_signal(signal.SIGTERM)
    print("étape 1")
    outcome.check_interrupted()  # between two steps (make data, make diagnostics)
    print("étape 2")
    return 0

sys.exit(outcome.run(command))
"""


def test_a_signal_a_library_swallowed_still_stops_the_run_between_two_steps() -> None:
    """The robustness tests saw « make data » interrupted inside pandas' ``astype`` go on to the end, exit 0: NumPy
    had cleared the handler's exception. The run now stops at the end of the step."""
    run = subprocess.run([sys.executable, "-c", _SWALLOWED], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert (run.returncode, run.stdout, run.stderr) == (
        128 + signal.SIGTERM, "étape 1\n", "Interrompu : la base et les sorties précédentes sont inchangées.\n")
