"""The command line: French help, exit codes, French errors."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True,
                          cwd=ROOT, env=full_env, check=False)


def test_help_is_in_french() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "utilisation : python -m pipeline" in result.stdout
    assert "afficher cette aide et quitter" in result.stdout
    assert "charger les sources dans la base DuckDB" in result.stdout


def test_unknown_code_exits_non_zero_with_french_message(fixture_data_dir: Path) -> None:
    result = run("territoire", "communes:99999", env={"CPTS_DATA_DIR": str(fixture_data_dir)})
    assert result.returncode == 2
    assert "Erreur : Territoire non résolu" in result.stderr
    assert "code INSEE inconnu : 99999" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("args", "option", "byte", "position"), [
    ([b"territoire", b"communes:04070", b"--nom", b"CPTS de l'\xc9tang"], "--nom", "c9", 11),
    ([b"territoire", b"cpts:CPTS Activ'Sant\xe9"], "territoire", "e9", 21),
    ([b"diagnostic", b"communes:04070", b"--ajout", b"m\xe9decins g\xe9n\xe9ralistes:1@04070"], "--ajout", "e9", 2),
])
def test_a_value_typed_in_latin_1_is_refused_naming_the_option(fixture_data_dir: Path, args: list[bytes],
                                                               option: str, byte: str, position: int) -> None:
    """« É » typed in a Latin-1 terminal or saved in an ANSI script stopped the run with « Erreur inattendue
    (UnicodeEncodeError) » (a review)."""
    import os

    result = subprocess.run([sys.executable.encode(), b"-m", b"pipeline", *args], capture_output=True, cwd=ROOT,
                            env={**os.environ, "CPTS_DATA_DIR": str(fixture_data_dir)}, check=False)
    stderr = result.stderr.decode("utf-8")
    assert result.returncode == 2, stderr
    assert stderr.startswith(f"Erreur : {option} « "), stderr
    assert f"l'octet 0x{byte} (caractère n° {position}) n'est pas de l'UTF-8" in stderr
    assert "Traceback" not in stderr


def test_a_file_name_in_latin_1_is_still_a_file_name(fixture_data_dir: Path, tmp_path: Path) -> None:
    """Any bytes make a Linux file name: one with « é » saved in Latin-1 is read as given."""
    import os

    folder = os.fsencode(tmp_path) + b"/territoire-\xe9t\xe9.csv"
    with open(folder, "w", encoding="utf-8") as handle:
        handle.write("code_insee\n04070\n")
    result = subprocess.run([sys.executable.encode(), b"-m", b"pipeline", b"territoire", b"fichier:" + folder],
                            capture_output=True, cwd=ROOT,
                            env={**os.environ, "CPTS_DATA_DIR": str(fixture_data_dir)}, check=False)
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    assert b"1 unit" in result.stdout and b"04070" in result.stdout


def test_missing_database_is_explained(tmp_path: Path) -> None:
    result = run("territoire", "communes:04070", env={"CPTS_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "lancez d'abord « make data »" in result.stderr


#: A command stopped by a signal while DuckDB runs one of its queries: DuckDB catches the exception the
#: signal handler raises inside the query and raises its own ``RuntimeError("Query interrupted")`` instead
#: (seen on ``make data`` killed during a COMMIT). The stand-in does exactly that, deterministically.
INTERRUPTED_QUERY = """
import signal, sys
import duckdb  # imported, as by any command that runs a query
signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal, whatever started this test
from pipeline.app import outcome
def query():
    try:
        signal.raise_signal(getattr(signal, sys.argv[1]))
    except KeyboardInterrupt as exc:
        if sys.argv[2] == "query":
            raise RuntimeError("Query interrupted") from None
        if sys.argv[2] == "named":  # a library reporting the Python exception it met, by its name only
            raise duckdb.InvalidInputException(f"Python exception: {type(exc).__name__}: {exc}") from None
        raise ValueError("échec du rappel") from exc  # chained to it
    return 0
sys.exit(outcome.run(query))
"""


@pytest.mark.parametrize("wrapped", ["query", "named", "chained"])
@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM"])
def test_signal_during_a_database_query_is_an_interruption(name: str, wrapped: str) -> None:
    """Ctrl-C or ``kill`` while a query runs ends like any interruption (128 + the signal), not as a bug, even
    when a library turned the interruption into its own error (a ``make test`` run once saw « Erreur inattendue
    … Terminated: » for a load stopped by SIGTERM)."""
    result = subprocess.run([sys.executable, "-c", INTERRUPTED_QUERY, name, wrapped], capture_output=True,
                            text=True, cwd=ROOT, check=False, timeout=120)
    assert (result.returncode, result.stderr) == (128 + getattr(signal, name),
                                                  "Interrompu : la base et les sorties précédentes sont inchangées.\n")


def test_duckdb_interruptions_are_recognised_and_nothing_else() -> None:
    import duckdb

    from pipeline.store.connection import is_interrupted_query

    assert is_interrupted_query(RuntimeError("Query interrupted"))
    assert is_interrupted_query(duckdb.InterruptException("INTERRUPT Error: Interrupted!"))
    assert not is_interrupted_query(RuntimeError("Query interrupted by a bug"))
    assert not is_interrupted_query(duckdb.IOException("Query interrupted"))


#: Runs ``python -m pipeline ARGS`` in this interpreter, then prints which heavy libraries it imported.
IMPORTED = """
import json, runpy, sys
sys.argv = ["pipeline", *sys.argv[1:]]
try:
    runpy.run_module("pipeline", run_name="__main__")
except SystemExit:
    pass
print(json.dumps(sorted(m for m in ("pandas", "geopandas", "shapely", "pyproj", "matplotlib") if m in sys.modules)))
"""


@pytest.mark.parametrize(("args", "imported"), [
    (["--help"], []),
    (["territoire", "communes:04070"], ["pandas"]),
    (["sources"], ["pandas"]),
], ids=["help", "territoire", "sources"])
def test_light_commands_import_no_geometry_library(fixture_data_dir: Path, args: list[str],
                                                   imported: list[str]) -> None:
    """The help and the listing commands answer in about half a second: no geopandas, shapely or pyproj."""
    import json
    import os

    result = subprocess.run([sys.executable, "-c", IMPORTED, *args], capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, "CPTS_DATA_DIR": str(fixture_data_dir), "CPTS_QUIET": "1"},
                            check=False, timeout=120)
    assert json.loads(result.stdout.splitlines()[-1]) == imported, result.stderr
