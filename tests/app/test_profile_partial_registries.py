"""Partial registries (issue 11 item 4): figures only where the loaded extraction covers the area.

A database of three départements (04, 13, 33) is loaded with two real-layout
Annuaire Santé extractions cut from the fixture's demonstration files: on
1 January 2025 the départements 04 and 13, on 1 November 2026 the
département 04 only, with a few stray rows in 13 and 33 (practitioners of
the file with a secondary site across the border, as in a regional
extraction). Densities of the région, of France or of a territory in 13
computed on the 2026 file would be absurdly low: they must read « non
disponible (extraction limitée au département 04) », and the supply dynamics
of 13 between the two files must be withheld.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.app import profile_raw as raw
from tests.conftest import cli_environment

pytestmark = [pytest.mark.mirror]

VERDON = "CPTS du Verdon"
MARSEILLE = "CPTS Itinéraire Santé"
STRAYS = {"13": 3, "33": 2}
LIMITED = "non disponible (extraction limitée au département 04)"


def _cut(source: Path, target: Path, keep: set[str], strays: dict[str, int]) -> None:
    """Rows of ``source`` whose commune is in a kept département, plus ``strays`` rows elsewhere."""
    left = dict(strays)
    with open(source, encoding="utf-8") as handle, open(target, "w", encoding="utf-8") as out:
        header = handle.readline()
        out.write(header)
        code = header.rstrip("\n").split("|").index("Code commune (coord. structure)")
        for line in handle:
            dep = line.split("|")[code][:2]
            if dep in keep:
                out.write(line)
            elif left.get(dep, 0) > 0:
                left[dep] -= 1
                out.write(line)


def _nurses(path: Path, communes: set[str]) -> set[str]:
    with open(path, encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("|")
        ident, code, profession = (header.index(c) for c in (
            "Identification nationale PP", "Code commune (coord. structure)", "Code profession"))
        return {f[ident] for f in (line.rstrip("\n").split("|") for line in handle)
                if f[code] in communes and f[profession] == "60"}


@pytest.fixture(scope="module")
def partial(fixture_data_dir: Path, mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from pipeline import cli
    from pipeline.app import data
    from pipeline.model import DataOptions

    work = tmp_path_factory.mktemp("partial-registry")
    demo = raw.demo_extractions(fixture_data_dir)
    early = work / "PS_LibreAcces_Personne_activite_202501010000.txt"
    late = work / "PS_LibreAcces_Personne_activite_202611010000.txt"
    _cut(demo["2025-01-01"], early, {"04", "13"}, {})
    _cut(demo["2026-01-01"], late, {"04"}, STRAYS)
    out: dict[str, Any] = {"early": early, "late": late}
    with cli_environment(work / "data", work / "maps"):
        data.run(DataOptions(mirror=mirror, departements=("04", "13", "33"), registry=early, demo="never"))
        data.run(DataOptions(mirror=mirror, registry=late, demo="never"))
        for key, spec in (("verdon", f"cpts:{VERDON}"), ("marseille", f"cpts:{MARSEILLE}")):
            stdout, stderr = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                code = cli.main(["diagnostic", spec])
            assert code == 0, stderr.getvalue()
            tables = Path(re.search(r"tableaux[^:\n]*: (.+)", stdout.getvalue()).group(1).strip())  # type: ignore[union-attr]
            report = Path(re.search(r"rapport : (.+)", stdout.getvalue()).group(1).strip())  # type: ignore[union-attr]
            text = html.unescape(re.sub(r"<[^>]+>", " ", report.read_text(encoding="utf-8")))
            out[key] = {"summary": json.loads((tables / "summary.json").read_text(encoding="utf-8")),
                        "report": re.sub(r"\s+", " ", text.replace("\u202f", " ")), "tables": tables}
        yield out


def test_covered_departements_recorded(partial: dict[str, Any]) -> None:
    coverage = partial["verdon"]["summary"]["offre_couverture"]
    assert coverage["departements"] == ["04"]
    assert coverage["complet"] is False
    zones = {(z["niveau"], z["code"]): z for z in coverage["zones"]}
    assert zones[("territoire", "")]["annuaire"] is True
    assert zones[("departement", "04")]["annuaire"] is True
    assert zones[("region", "93")]["annuaire"] is False and zones[("region", "93")]["non_couverts"] == "13"
    assert zones[("france", "")]["annuaire"] is False


def test_densities_only_where_the_file_covers(partial: dict[str, Any]) -> None:
    supply = partial["verdon"]["summary"]["supply"]["Infirmiers"]
    # The territory and its département are covered: head counts from the raw file.
    verdon = _nurses(partial["late"], set(raw.listing_units(VERDON)))
    assert supply["praticiens"] == len(verdon)
    population = raw.populations("6.0.0")
    codes = raw.listing_units(VERDON)
    assert supply["densite_10000"] == pytest.approx(len(verdon) / sum(population[c] for c in codes) * 1e4, abs=1e-3)
    dep = _nurses(partial["late"], set(raw.departement_codes("6.0.0", "04")))
    dep_population = sum(population[c] for c in raw.departement_codes("6.0.0", "04"))
    assert supply["densite_departement"] == pytest.approx(len(dep) / dep_population * 1e4, abs=1e-3)
    # The région and France are not: no « France 0,18 », no figure at all.
    assert supply["densite_region"] is None and supply["densite_france"] is None
    report = partial["verdon"]["report"]
    assert LIMITED in report
    assert "l'extraction de l'Annuaire Santé chargée ne couvre que le département 04" in report


def test_uncovered_territory_has_no_counts(partial: dict[str, Any]) -> None:
    s = partial["marseille"]["summary"]
    for group, row in s["supply"].items():
        if group in ("MSP", "Centres de santé"):
            continue
        assert row["praticiens"] is None and row["densite_10000"] is None, group
        assert row["densite_departement"] is None and row["densite_france"] is None, group
    assert LIMITED in partial["marseille"]["report"]


def test_dynamics_withheld_where_one_file_does_not_cover(partial: dict[str, Any]) -> None:
    verdon = partial["verdon"]["summary"]["dynamique_offre"]
    assert verdon["extractions"] == ["2025-01-01", "2026-11-01"]
    period = verdon["periodes"][0]
    assert period["indisponible"] is None
    codes = set(raw.listing_units(VERDON))
    before = raw.extraction_presence(partial["early"], codes)
    after = raw.extraction_presence(partial["late"], codes)
    everyone = period["territoire"]["Ensemble des professionnels"]
    assert (everyone["arrivees"], everyone["departs"]) == (len(after - before), len(before - after))
    marseille = partial["marseille"]["summary"]["dynamique_offre"]["periodes"][0]
    assert marseille["territoire"] is None
    assert ("l'extraction du 01/11/2026 ne couvre(nt) pas les départements du territoire (13)"
            in marseille["indisponible"])
    assert "Arrivées et départs : non disponible" in partial["marseille"]["report"]
