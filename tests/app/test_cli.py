"""The command line: French help, exit codes, French errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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


def test_missing_database_is_explained(tmp_path: Path) -> None:
    result = run("territoire", "communes:04070", env={"CPTS_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "lancez d'abord « make data »" in result.stderr
