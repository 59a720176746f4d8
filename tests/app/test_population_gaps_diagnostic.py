"""The evolution of a territory of communes nouvelles leaves out the package that does not describe them.

A review: Porte-de-Benauge (33008), Blaignan-Prignac (33055) and Val-de-Livenne (33380), created on 1 January
2019, had 1 218 inhabitants in 2016 in the diagnostic (their main former communes only: the package of COG 2019
keys the 2016 legal populations by its own communes) and 2 818 in 2019: « +12,88 % par an ». The 2016 figure is
now « non disponible », the rate runs from 2019, and the Gironde's too (its 2016 sum lacks the same communes).

Expected figures are read from the raw packages of the mirror (tarfile, json), not through the pipeline.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import tarfile
from pathlib import Path

import pytest

from tests.conftest import cli_environment, mirror_path, private_outputs

pytestmark = [pytest.mark.mirror]

TERRITORY = "communes:33055,33380,33008"
#: The current communes and the codes each holds in the packages of 2021 on (Saint-Genis-du-Bois, 33409, joined
#: Porte-de-Benauge in 2025; the communes absorbed in 2019 have no population of their own after 2019).
MEMBERS = {"33008": ("33008", "33409"), "33055": ("33055",), "33380": ("33380",)}


def _package_population(version: str) -> int:
    path = mirror_path() / "decoupage-administratif" / f"etalab-decoupage-administratif-{version}.tgz"
    with tarfile.open(path) as archive:
        member = archive.extractfile("package/data/communes.json")
        assert member is not None
        records = {r["code"]: r for r in json.load(member) if r["type"] == "commune-actuelle"}
    return sum(records[code]["population"] for codes in MEMBERS.values() for code in codes if code in records)


@pytest.fixture(scope="module")
def run(fixture_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    from pipeline import cli

    data = private_outputs(fixture_data_dir, tmp_path_factory.mktemp("gaps-data"))
    with cli_environment(data, tmp_path_factory.mktemp("gaps-maps")):
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = cli.main(["diagnostic", TERRITORY])
    assert code == 0, stderr.getvalue()
    tables = Path(re.search(r"tableaux[^:\n]*: (.+)", stdout.getvalue()).group(1).strip())  # type: ignore[union-attr]
    return {"stdout": stdout.getvalue(), "tables": tables,
            "summary": json.loads((tables / "summary.json").read_text(encoding="utf-8"))}


def test_the_2016_package_is_left_out_and_the_rate_runs_from_2019(run: dict[str, object]) -> None:
    from pipeline import config

    summary = run["summary"]
    assert isinstance(summary, dict)
    first = _package_population(config.DECOUPAGE_VERSIONS[2021])  # the legal population 2019
    last = _package_population(config.DECOUPAGE_VERSIONS[config.CURRENT_VINTAGE])
    by_year = summary["population_by_vintage"]
    assert list(by_year) == ["2019", "2020", "2022", "2023"]
    assert (by_year["2019"], by_year["2023"]) == (first, last) == (2818, 2844)
    with open(Path(str(run["tables"])) / "references.csv", encoding="utf-8-sig", newline="") as handle:
        rows = {r["niveau"]: r for r in csv.DictReader(handle)}
    territory = rows["territoire"]
    assert territory["population_2016"] == "" and territory["periode_taux"] == "2019 à 2023"
    assert float(territory["taux_annuel_pct"]) == pytest.approx(((last / first) ** (1 / 4) - 1) * 100, abs=0.005)
    # The Gironde's 2016 sum lacks the same communes (and 384 others elsewhere): not available either.
    assert rows["departement"]["population_2016"] == "" and rows["departement"]["periode_taux"] == "2019 à 2023"
    stdout = str(run["stdout"])
    assert ("population légale 2016 non disponible pour le territoire : le millésime qui la publie la donne sur une "
            "autre géographie que la sienne (communes fusionnées ou rétablies depuis : 33008 sans 33092 (absorbée "
            "depuis) ; 33055 sans 33338 (absorbée depuis) ; 33380 sans 33267 (absorbée depuis))") in stdout
