"""Issue 11, item 8: no shell injection through ``make``.

Each case runs the project's real ``Makefile``, copied into an empty temporary
folder (the recipes' working directory), with ``PY`` pointing at this
interpreter and the package of this worktree. The hostile values try every way
a shell or make could run a command — double and single quotes, backquotes,
``$(...)``, ``$$(...)``, ``;``, ``#`` and make's own ``$(shell ...)`` — each
creating a marker file in that folder. A value must reach the program as one
verbatim argument: the French error quotes it exactly, the program's exit code
(make reports « Error 2 ») is that of bad input, no marker exists, and the
database and the previous outputs are unchanged.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.app.robust_support import (
    PREVIOUS,
    ROOT,
    Workspace,
    error_line,
    module_env,
    output_files,
    snapshot,
)

#: Every way a value could be re-read, each touching a marker named after it.
HOSTILE = ("q\"dq'sq`touch MARK_BACKQUOTE`$(touch MARK_DOLLAR)$$(touch MARK_DOUBLE_DOLLAR)"
           "$(shell touch MARK_MAKE_SHELL);touch MARK_SEMICOLON # ${IFS}x")


def make(folder: Path, ws: Workspace, mirror: Path, target: str, **variables: str) -> tuple[int, str, str]:
    """``make TARGET NAME=VALUE...`` with the project's Makefile copied into ``folder``."""
    shutil.copy(ROOT / "Makefile", folder / "Makefile")
    args = ["make", "--no-print-directory", "-f", "Makefile", target, f"PY={sys.executable}"]
    args += [f"{name}={value}" for name, value in variables.items()]
    # Run as a top-level make even under ``make test``: a sub-make names itself « make[1] » in its messages.
    env = {k: v for k, v in module_env(ws, mirror).items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    proc = subprocess.run(args, cwd=folder, env=env, capture_output=True, text=True, timeout=300, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def markers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("MARK"))


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    made = tmp_path / "make"
    made.mkdir()
    return made


def test_hostile_file_name_reaches_the_program_verbatim(ws: Workspace, mirror: Path, folder: Path) -> None:
    """A territory file whose name holds every shell and make metacharacter is read, and nothing runs."""
    territory = folder / f"territoire {HOSTILE}.csv"
    territory.write_text("code_insee\n04070\n04001\n", encoding="utf-8")
    previous = output_files(ws)
    code, out, err = make(folder, ws, mirror, "diagnostic", TERRITORY=f"fichier:{territory}", NOM="Périmètre hostile")
    assert (code, err) == (0, "")
    assert markers(folder) == []
    assert "Diagnostic de Périmètre hostile : 2 unités, " in out
    slug = next(p.name for p in ws.maps.iterdir() if p.name.startswith("perimetre-hostile-"))
    assert (ws.maps / slug / "rapport.html").is_file() and (ws.diagnostics / slug / "summary.json").is_file()
    assert output_files(ws) == previous


def _refused_cases() -> list[object]:
    return [
        pytest.param("diagnostic", {"TERRITORY": f"fichier:{HOSTILE}.csv"},
                     error_line("Fichier de territoire introuvable", f"{HOSTILE}.csv"), id="diagnostic-territory"),
        pytest.param("diagnostic", {"TERRITORY": PREVIOUS, "SIGNATURE": HOSTILE},
                     error_line(f"Date de signature invalide « {HOSTILE} » : attendu AAAA-MM-JJ ou JJ/MM/AAAA"),
                     id="diagnostic-signature"),
        pytest.param("diagnostic", {"TERRITORY": PREVIOUS, "FLUX": HOSTILE},
                     error_line("Fichier introuvable (option --flux)", HOSTILE), id="diagnostic-flux"),
        pytest.param("diagnostic", {"TERRITORY": PREVIOUS, "ADHERENTS": HOSTILE},
                     error_line("Fichier introuvable (option --adherents)", HOSTILE), id="diagnostic-adherents"),
        pytest.param("coverage", {"REGION": "93; touch MARK_REGION"},
                     error_line("Région inconnue : 93; touch MARK_REGION"), id="coverage-region-semicolon"),
        pytest.param("coverage", {"REGION": HOSTILE}, error_line(f"Région inconnue : {HOSTILE}"),
                     id="coverage-region"),
        pytest.param("coverage", {"DEPARTEMENT": "04 `touch MARK_DEP`"},
                     error_line("Département inconnu : 04 `touch MARK_DEP`"), id="coverage-departement"),
        pytest.param("data", {"CPTS": HOSTILE}, error_line("Fichier introuvable (option --cpts)", HOSTILE),
                     id="data-cpts"),
        pytest.param("data", {"REGISTRY": HOSTILE}, error_line(
            "Fichier introuvable (option --registre ou variable CPTS_REGISTRY)", HOSTILE),
                     id="data-registry"),
        pytest.param("data", {"FINESS": HOSTILE}, error_line(
            "Fichier introuvable (option --finess ou variable CPTS_FINESS)", HOSTILE),
                     id="data-finess"),
        pytest.param("data", {"DEPARTEMENTS": "04 `touch MARK_DEPS`;x"},
                     error_line("Département(s) inconnu(s) dans --departements : 04 `touch MARK_DEPS`;x (codes du "
                                "COG 2026 : 01 à 95, 2A, 2B, 971 à 976)"), id="data-departements"),
    ]


@pytest.mark.parametrize(("target", "variables", "expected"), _refused_cases())
def test_hostile_value_is_one_argument_and_runs_nothing(
    ws: Workspace, mirror: Path, folder: Path, target: str, variables: dict[str, str], expected: str
) -> None:
    before = snapshot(ws)
    code, _, err = make(folder, ws, mirror, target, **variables)
    assert code == 2
    program, _, make_line = err.rpartition("make: *** ")
    assert program == expected
    assert make_line.endswith("] Error 2\n")  # the program's own exit code: bad input
    assert markers(folder) == []
    assert snapshot(ws) == before


def test_hostile_threshold_is_refused_by_the_program(ws: Workspace, mirror: Path, folder: Path) -> None:
    code, _, err = make(folder, ws, mirror, "coverage", REGION="93", SEUIL="1 `touch MARK_SEUIL` $(touch MARK_S)")
    assert code == 2
    assert ("python -m pipeline couverture : erreur : option --seuil : seuil invalide « 1 `touch MARK_SEUIL` "
            "$(touch MARK_S) » : attendu un nombre entier d'habitants, par ex. 20000\n") in err
    assert markers(folder) == []


def test_missing_territory_is_explained(ws: Workspace, mirror: Path, folder: Path) -> None:
    code, out, err = make(folder, ws, mirror, "diagnostic")
    assert code == 2 and out == ""
    assert err.startswith("Erreur : précisez TERRITORY=..., ex. make diagnostic TERRITORY=\"cpts:CPTS du Verdon\"\n")


@pytest.mark.parametrize(("target", "variable", "option"), [
    ("diagnostic", "PDF", "--pdf"), ("coverage", "FRANCE", "--france"), ("data", "FRANCE", "--toute-la-france"),
])
def test_a_flag_set_to_no_is_off(folder: Path, target: str, variable: str, option: str) -> None:
    """A review: ``PDF=0`` printed the PDF and ``FRANCE=0`` meant all of France (any value was « on »)."""
    def arguments(value: str, zone: tuple[str, ...] = ("DEPARTEMENT=04",)) -> list[str]:
        proc = subprocess.run(["make", "-s", "--no-print-directory", "-f", str(ROOT / "Makefile"), target,
                               "PY=echo", "TERRITORY=communes:04070", *zone, f"{variable}={value}"],
                              cwd=folder,
                              capture_output=True, text=True, timeout=60, check=True)
        return proc.stdout.split()

    for off in ("0", "non", "Non", "no", "false", "faux", "off", ""):
        assert option not in arguments(off), off
    for on in ("1", "oui", "yes", "true"):  # FRANCE=1 is the coverage's zone: no DEPARTEMENT= beside it
        assert option in arguments(on, () if target == "coverage" else ("DEPARTEMENT=04",)), on


def test_make_help_names_every_variable_a_user_can_give(folder: Path) -> None:
    """A review: ``make help`` left out SIGNATURE, ADHERENTS, AJOUT, FLUX, CPTS, REGISTRY, FINESS and SEUIL."""
    import re

    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    declared = re.search(r"^USER_VARIABLES := (.*?)\n(?!\s)", text, flags=re.M | re.S)
    assert declared is not None
    variables = declared.group(1).replace("\\", " ").split()
    assert {"TERRITORY", "SIGNATURE", "SEUIL", "LISTE"} <= set(variables)
    shown = subprocess.run(["make", "-s", "--no-print-directory", "-f", str(ROOT / "Makefile"), "help"], cwd=folder,
                           capture_output=True, text=True, timeout=60, check=True).stdout
    assert [v for v in variables if f"{v}=" not in shown] == []


def test_make_coverage_without_a_zone_says_which_variables(folder: Path) -> None:
    """A review: it printed argparse's « l'une des options --region --departement --france est obligatoire »."""
    for extra in ([], ["FRANCE=0"]):
        proc = subprocess.run(["make", "-s", "--no-print-directory", "-f", str(ROOT / "Makefile"), "coverage",
                               "PY=echo", *extra], cwd=folder, capture_output=True, text=True, timeout=60, check=False)
        assert proc.returncode == 2 and proc.stdout == ""
        assert proc.stderr.startswith("Erreur : précisez REGION=..., DEPARTEMENT=... ou FRANCE=1")


@pytest.mark.parametrize(("target", "variables", "expected"), [
    ("diagnostics", ["LISTE=paca", "REGION=93"], "Erreur : LISTE=... ou REGION=..., pas les deux"),
    ("coverage", ["REGION=93", "DEPARTEMENT=04"], "Erreur : une seule zone à la fois : REGION=..., DEPARTEMENT=... "
                                                  "ou FRANCE=1, pas plusieurs"),
    ("coverage", ["DEPARTEMENT=04", "FRANCE=oui"], "Erreur : une seule zone à la fois"),
])
def test_two_zones_are_refused_in_make_variables(folder: Path, target: str, variables: list[str],
                                                 expected: str) -> None:
    """A review: ``make diagnostics LISTE=paca REGION=93`` answered « option --region : incompatible avec l'option
    --liste », options a make user never typed."""
    proc = subprocess.run(["make", "-s", "--no-print-directory", "-f", str(ROOT / "Makefile"), target, "PY=echo",
                           *variables], cwd=folder, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith(expected)
