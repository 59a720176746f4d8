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
import csv
import html
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.render.hyphenation import BREAK
from tests.app import profile_raw as raw
from tests.conftest import cli_environment
from tests.docx_reading import read_docx

pytestmark = [pytest.mark.mirror]

VERDON = "CPTS du Verdon"
MARSEILLE = "CPTS Itinéraire Santé"
STRAYS = {"13": 3, "33": 2}
MARSEILLE_POSTCODES = {"13011", "13012", "13013"}
LIMITED = "non disponible (extraction limitée au département 04)"


def _cut(source: Path, target: Path, keep: set[str], strays: dict[str, int]) -> None:
    """Rows of ``source`` whose commune is in a kept département, plus ``strays`` rows elsewhere (in 13, rows of
    Marseille's 11th to 13th arrondissements, the territory of the CPTS Itinéraire Santé)."""
    left = dict(strays)
    with open(source, encoding="utf-8") as handle, open(target, "w", encoding="utf-8") as out:
        header = handle.readline()
        out.write(header)
        columns = header.rstrip("\n").split("|")
        code = columns.index("Code commune (coord. structure)")
        postcode = columns.index("Code postal (coord. structure)")
        for line in handle:
            fields = line.split("|")
            dep = fields[code][:2]
            if dep in keep:
                out.write(line)
            elif left.get(dep, 0) > 0 and (dep != "13" or fields[postcode] in MARSEILLE_POSTCODES):
                left[dep] -= 1
                out.write(line)


def _cut_finess(source: Path, target: Path, departement: str) -> None:
    """The FINESS stock file ``source`` with the establishments of ``departement`` only (both record kinds)."""
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = {f[1] for f in (line.split(";") for line in lines[1:]) if f[0] == "structureet" and f[13] == departement}
    target.write_text(lines[0] + "".join(line for line in lines[1:] if line.split(";")[1] in kept),
                      encoding="utf-8")


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
    finess = work / "etalab-cs1100507-stock-20260101-0000.csv"
    _cut_finess(next((fixture_data_dir / "raw" / "demo").glob("etalab-cs1100507-stock-*.csv")), finess, "04")
    out: dict[str, Any] = {"early": early, "late": late}
    with cli_environment(work / "data", work / "maps"):
        data.run(DataOptions(mirror=mirror, departements=("04", "13", "33"), registry=early, finess=finess,
                             demo="never"))
        data.run(DataOptions(mirror=mirror, registry=late, demo="never"))
        for key, spec in (("verdon", f"cpts:{VERDON}"), ("marseille", f"cpts:{MARSEILLE}")):
            stdout, stderr = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                code = cli.main(["diagnostic", spec])
            assert code == 0, stderr.getvalue()
            tables = Path(re.search(r"tableaux[^:\n]*: (.+)", stdout.getvalue()).group(1).strip())  # type: ignore[union-attr]
            report = Path(re.search(r"rapport : (.+)", stdout.getvalue()).group(1).strip())  # type: ignore[union-attr]
            text = html.unescape(re.sub(r"<[^>]+>", " ", report.read_text(encoding="utf-8").replace(BREAK, "")))
            out[key] = {"summary": json.loads((tables / "summary.json").read_text(encoding="utf-8")),
                        "report": re.sub(r"\s+", " ", text.replace("\u202f", " ")), "tables": tables,
                        "trame": docx_text(report.parent / "rapport.docx"), "maps": report.parent,
                        "stdout": stdout.getvalue()}
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


def test_structure_rows_read_sans_objet_not_the_extraction_limit(partial: dict[str, Any]) -> None:
    """The Verdon lies wholly in 04, the département both files cover: the « dont libéraux » of its MSP and
    centres de santé rows (FINESS structures, no practitioner) read « sans objet », as do their share of sites and
    densities, never « non disponible (extraction limitée au département 04) »."""
    import pandas as pd

    page = (partial["verdon"]["maps"] / "rapport.html").read_text(encoding="utf-8").replace(BREAK, "")
    table = next(t for t in pd.read_html(io.StringIO(page), thousands=None) if "dont libéraux" in t.columns)
    rows = table.set_index("Profession ou structure")
    document = read_docx(partial["verdon"]["maps"] / "rapport.docx")
    word = next([[c.text for c in r.cells] for r in t.rows] for t in document.tables
                if [c.text for c in t.rows[0].cells][2:3] == ["dont libéraux"])
    for group in ("MSP", "Centres de santé"):
        row = rows.loc[group]
        assert row["dont libéraux"] == "sans objet" and row["Professionnels (part des sites)"] == "sans objet"
        assert (row.filter(like="Densité") == "sans objet").all(), group
        assert next(r for r in word if r[0] == group)[2:] == ["sans objet"] * 5, group
    # The GPs' région density is withheld (the file covers 04 only): that one is « non disponible ».
    assert LIMITED in rows.loc["Médecins généralistes"].filter(like="Densité région").iloc[0]


def test_uncovered_territory_has_no_counts(partial: dict[str, Any]) -> None:
    s = partial["marseille"]["summary"]
    for group, row in s["supply"].items():
        if group in ("MSP", "Centres de santé"):
            continue
        assert row["praticiens"] is None and row["densite_10000"] is None, group
        assert row["densite_departement"] is None and row["densite_france"] is None, group
    assert LIMITED in partial["marseille"]["report"]
    # Said on the console too, as the flows' are (a review: only summary.json's notes told, beside blank figures).
    notes = [line for line in partial["marseille"]["stdout"].splitlines() if line.startswith("  note : ")]
    assert any(line.startswith("  note : effectifs de professionnels de santé non disponibles, car l'extraction "
                               "de l'Annuaire Santé chargée ne couvre pas le territoire (départements non "
                               "couverts : 13)") for line in notes), notes
    assert not any("effectifs de professionnels" in line for line in partial["verdon"]["stdout"].splitlines())


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
    assert ("l'extraction du 01/11/2026 ne couvre pas le département 13 du territoire"
            in marseille["indisponible"])
    assert "Arrivées et départs : non disponible" in partial["marseille"]["report"]
    # The same columns, in the same order, whether the period is withheld or not (a review: « debut » came first).
    headers = [(partial[key]["tables"] / "dynamique_territoire.csv").read_text(encoding="utf-8-sig").splitlines()[0]
               for key in ("verdon", "marseille")]
    assert headers[0] == headers[1] and headers[0].startswith('"groupe","presents_debut"')


def docx_text(path: Path) -> str:
    """Paragraph texts of a Word file, one line each."""

    return "\n".join(paragraph.text for paragraph in read_docx(path).paragraphs)


def test_uncovered_territory_has_no_recours_mode_flows_or_pertinence(partial: dict[str, Any]) -> None:
    """The 2026 file holds 3 stray rows in 13: split by recours or mode, or as the supply of a flow model
    (« auto-confinement 100 % »), they would be figures of a file that does not describe Marseille."""
    marseille = partial["marseille"]
    for name in ("recours.csv", "mode_exercice.csv"):
        rows = list(csv.DictReader(io.StringIO((marseille["tables"] / name).read_text(encoding="utf-8-sig"))))
        assert rows, name
        assert all(value == "" for row in rows for key, value in row.items() if key != "groupe"), name
    reason = ("l'extraction de l'Annuaire Santé chargée ne couvre pas le territoire (départements non couverts : "
              "13) ; calculés sur ses seuls professionnels présents, les chiffres seraient faux")
    s = marseille["summary"]
    assert s["flows"] == {"indisponible": f"flux non calculés : {reason} (donnez FLUX= pour une table réelle des "
                                          "recours)"}
    assert s["access"] is None
    assert s["pertinence"]["indisponible"] == (f"pertinence du périmètre non calculée : {reason} (donnez FLUX= "
                                               "pour une table réelle des recours)")
    assert "Auto-confinement du périmètre" not in marseille["report"]
    # Verdon, in the covered département, keeps every figure.
    verdon = partial["verdon"]["summary"]
    assert "auto_confinement" in verdon["flows"] and verdon["access"] is not None
    assert "indisponible" not in verdon["pertinence"]


def test_establishments_not_counted_where_finess_does_not_cover(partial: dict[str, Any]) -> None:
    """The FINESS file holds 04 only: Marseille's establishments are « non disponibles », not « 0 »."""
    text = ("Établissements non disponibles : l'extraction FINESS chargée ne couvre pas le territoire (départements "
            "non couverts : 13)")
    assert text in partial["marseille"]["report"] and text in partial["marseille"]["trame"]
    assert "0 établissement dans le territoire" not in partial["marseille"]["report"]
    assert text not in partial["verdon"]["report"]
    assert re.search(r"\d+ établissements? dans le territoire", partial["verdon"]["report"])


def test_uncovered_territory_has_no_professionals_count_for_its_taille(partial: dict[str, Any]) -> None:
    """A review: the Trame said « Professionnels de santé recensés dans le territoire […] : 0 » and summary.json
    « taille_professionnels »: 0 for a territory the registry does not cover (its stray rows counted)."""
    marseille = partial["marseille"]
    assert marseille["summary"]["taille_professionnels"] is None
    assert ("Professionnels de santé recensés dans le territoire : non disponible (l'extraction de l'Annuaire "
            "Santé chargée ne couvre pas le territoire (départements non couverts : 13)") in marseille["trame"]
    assert "taille 4++) : 0" not in marseille["trame"]
    assert partial["verdon"]["summary"]["taille_professionnels"] > 0  # covered: counted


@pytest.mark.browser
def test_withheld_figures_wrap_and_the_printed_supply_table_fits_the_page(partial: dict[str, Any]) -> None:
    """A review: « non disponible (…) » kept on one line in each figure cell made the printed supply table 2 001 px
    wide on a 718 px page, its last columns cut from the PDF."""
    from tests.browser import close_page, open_page
    from tests.render.test_report_print import A4_CONTENT_PX

    page, errors, _ = open_page(partial["marseille"]["maps"] / "rapport.html", width=A4_CONTENT_PX)
    try:
        page.emulate_media(media="print")
        wide = page.evaluate("""() => [...document.querySelectorAll('table')].filter(
            t => t.scrollWidth > document.documentElement.clientWidth).map(
            t => t.closest('figure').querySelector('figcaption').textContent)""")
        withheld = page.evaluate("""() => [...document.querySelectorAll('td.num')].filter(
            td => td.textContent.startsWith('non disponible (')).length""")
        assert errors == [] and withheld > 0 and wide == []
    finally:
        close_page(page)
