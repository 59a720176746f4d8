"""Extractions loaded before a département are placed on it once it is loaded.

A review loaded a real registry and FINESS extraction, then added their département with ``data --departements``:
the registry's rows stayed « hors des départements chargés » (the diagnostic said the extraction « ne couvre pas »
the territory) and every establishment « hors du territoire ». Each file a user gave is read again from where it
was loaded when the départements change.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.app.profile_raw import package
from tests.app.robust_support import cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# An extraction whose savoir-faire comes apart (``--savoir-faire``): a re-check found it never placed again.
REGISTRY = FIXTURES / "rpps" / "sans_savoir_faire" / "PS_LibreAcces_Personne_activite_202502010900.txt"
SAVOIR_FAIRE = FIXTURES / "rpps" / "sans_savoir_faire" / "PS_LibreAcces_SavoirFaire_202502010900.txt"
FINESS = FIXTURES / "finess" / "etalab-cs1100507-stock-20250301-0412.csv"


def _registry_codes(path: Path) -> list[str]:
    """The « Code commune (coord. structure) » of every activity line, read from the raw file."""
    header, *rows = path.read_text("utf-8").splitlines()
    column = header.split("|").index("Code commune (coord. structure)")
    return [row.split("|")[column] for row in rows if row]


def _finess_communes(path: Path) -> list[str]:
    """The commune code (département + commune fields) of every ``structureet`` record of the raw file (a name may
    hold a quoted « ; »)."""
    with open(path, encoding="utf-8", newline="") as handle:
        return [fields[13] + fields[12] for fields in csv.reader(handle, delimiter=";") if fields[0] == "structureet"]


def _placed(database: Path) -> tuple[int, int]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return (con.execute("SELECT count(*) FROM ps_activites WHERE commune IS NOT NULL").fetchall()[0][0],
                con.execute("SELECT count(*) FROM etablissements WHERE commune IS NOT NULL").fetchall()[0][0])
    finally:
        con.close()


def test_extractions_are_placed_on_a_departement_loaded_after_them(
        mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    ain = {c["code"] for c in package("6.0.0", "communes")
           if c["type"] == "commune-actuelle" and c["departement"] == "01"}
    in_the_ain = sum(code in ain for code in _registry_codes(REGISTRY))
    establishments_in_the_ain = sum(code in ain for code in _finess_communes(FINESS))
    assert in_the_ain and establishments_in_the_ain  # the files have rows to place (4 and 9 here)
    registry, finess = tmp_path / "registre" / REGISTRY.name, tmp_path / "finess" / FINESS.name
    savoir_faire = tmp_path / "savoir-faire" / SAVOIR_FAIRE.name  # not beside it: given by --savoir-faire
    for source, copy in ((REGISTRY, registry), (FINESS, finess), (SAVOIR_FAIRE, savoir_faire)):
        copy.parent.mkdir()
        shutil.copy(source, copy)
    monkeypatch.setenv("CPTS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CPTS_DATA_MIRROR", str(mirror))
    database = tmp_path / "data" / "processed" / "cpts.duckdb"
    code, _, err = cli(capsys, "data", "--departements", "976", "--registre", str(registry), "--savoir-faire",
                       str(savoir_faire), "--finess", str(finess))
    assert (code, err) == (0, "")
    assert _placed(database) == (0, 0)  # Mayotte only: every row is beyond the load

    code, out, err = cli(capsys, "data", "--departements", "01,976")
    assert (code, err) == (0, "")
    assert _placed(database) == (in_the_ain, establishments_in_the_ain)
    assert "Annuaire Santé du 01/02/2025 replacé sur les départements chargés" in out

    # A file moved since is named, with the option giving it again; the rows stay where they were.
    registry.rename(registry.with_suffix(".moved"))
    code, out, err = cli(capsys, "data", "--departements", "976")
    assert code == 0, err
    assert _placed(database)[1] == 0
    said = (f"Annuaire Santé du 01/02/2025 ({registry} et {savoir_faire} absent ou modifié depuis) : python -m "
            "pipeline data --registre CHEMIN --savoir-faire CHEMIN")
    assert said in " ".join(out.split())
    assert "FINESS du 01/03/2025 replacé sur les départements chargés" in out
    # Said on every load until it is given again, not once (a re-check); back in place, it is placed.
    code, out, err = cli(capsys, "data")
    assert code == 0 and said in " ".join(out.split())
    registry.with_suffix(".moved").rename(registry)
    code, out, err = cli(capsys, "data")
    assert code == 0 and "Annuaire Santé du 01/02/2025 replacé sur les départements chargés" in out
    assert _placed(database) == (0, 0)
