"""An Annuaire Santé extraction loaded, none of whose rows lies in the loaded départements.

A review loaded the mirror's real sample extraction (its rows are in the Ain, or have no address) on a database
of other départements: the supply section and the pertinence said « Aucune extraction de l'Annuaire Santé n'est
chargée » while the dynamics section and the sources listed the file. The extraction is loaded; it does not
cover the territory, which the figures must say (« non disponible », never 0).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from tests.app.robust_support import Workspace, cli, copy_workspace

SAMPLE = "samples/PS_LibreAcces_Personne_activite_202112020908-extrait.txt"


def _text(path: Path) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", path.read_text("utf-8"))).split())


def test_an_extraction_outside_the_load_is_loaded_and_does_not_cover_the_territory(
        fixture_data_dir: Path, mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    sample = mirror / SAMPLE
    header, *rows = sample.read_text("utf-8").splitlines()
    column = header.split("|").index("Code commune (coord. structure)")
    communes = {row.split("|")[column] for row in rows}
    # Independently of the loader: no row of the sample is in a département of the fixture database.
    assert {c[:2] for c in communes if c} and not {c[:2] for c in communes} & {"04", "13", "33", "75", "97"}
    ws = Workspace(tmp_path / "ws")
    copy_workspace(fixture_data_dir, None, ws)
    for key, value in ws.env(mirror).items():
        monkeypatch.setenv(key, value)
    code, _, err = cli(capsys, "data", "--registre", str(sample))
    assert (code, err) == (0, "")
    code, _, err = cli(capsys, "diagnostic", "communes:04070")
    assert code == 0, err
    report = _text(ws.maps / "communes-04070" / "rapport.html")
    assert "Aucune extraction de l'Annuaire Santé n'est chargée" not in report
    assert "aucune extraction de l'Annuaire Santé n'est chargée" not in report
    assert "ne couvre pas le territoire (départements non couverts : 04)" in report
    assert "Médecins généralistes non disponible (aucun département couvert par l'extraction)" in report


def test_with_no_registry_covering_the_load_the_supply_is_not_available_never_zero(
        fixture_data_dir: Path, mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A review of the change above: with the FINESS sample too (its 100 rows in the Ain), no file covered any
    loaded département and the coverage was read as « no registry »: 0 practitioners, densities 0.0, an APL
    approchée of 0.0 everywhere, « groupe inconnu » for any --ajout."""
    import csv

    ws = Workspace(tmp_path / "ws")
    copy_workspace(fixture_data_dir, None, ws)
    for key, value in ws.env(mirror).items():
        monkeypatch.setenv(key, value)
    code, _, err = cli(capsys, "data", "--registre", str(mirror / SAMPLE),
                       "--finess", str(mirror / "samples" / "finess-etablissements-20201231-extrait.csv"))
    assert (code, err) == (0, "")
    code, _, err = cli(capsys, "diagnostic", "communes:04070")
    assert code == 0, err
    tables = ws.data / "processed" / "diagnostics" / "communes-04070"
    with open(tables / "offre.csv", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all(row["praticiens"] == "" and row["densite_10000"] == "" for row in rows)  # missing, not 0
    assert not (tables / "apl_approchee.csv").exists()
    report = _text(ws.maps / "communes-04070" / "rapport.html")
    assert "ne couvre pas le territoire (départements non couverts : 04)" in report
    # Why there is no APL approchée, in summary.json and in the report's access section (a review: null, unsaid).
    summary = json.loads((tables / "summary.json").read_text(encoding="utf-8"))
    assert summary["access"] is None
    why = summary["access_indisponible"]
    assert why.startswith("APL approchée non calculée : ") and "ne couvre pas le territoire" in why
    assert f"{why}." in report
    code, _, err = cli(capsys, "diagnostic", "communes:04070", "--ajout", "MG:2@04070")
    assert code == 2 and "Simulation impossible : l'extraction de l'Annuaire Santé chargée ne couvre pas" in err
