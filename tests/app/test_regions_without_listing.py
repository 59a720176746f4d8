"""Where no loaded listing covers a région, its CPTS are unknown, never « none ».

A review diagnosed Valréas (84) with Nyons (26) on a database whose only listing is PACA's: the report said
« 1 CPTS partage des communes avec ce territoire ; aucune autre n'est limitrophe », and a Corsican commune's
candidates were « revendiquées par : aucune ». Known answer: the mirror's listing
(``cpts/paca-cpts-communes.csv``) only holds codes of the PACA départements, read here from the raw file.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline.app.diagnostic import compute
from pipeline.model import DiagnosticOptions
from pipeline.model.diagnostic import Diagnostic
from pipeline.render.sections.members import neighbours_section
from pipeline.render.sections.pertinence import UNKNOWN_CLAIMS, pertinence_section
from pipeline.render.summary import summary
from pipeline.store.territory import resolve_territory

pytestmark = [pytest.mark.mirror]

PACA = {"04", "05", "06", "13", "83", "84"}


def listing_departements(mirror: Path) -> set[str]:
    codes = pd.read_csv(mirror / "cpts" / "paca-cpts-communes.csv", dtype=str)["code_insee"].str.zfill(5)
    return set(codes.str[:2])


def diagnostic(con: duckdb.DuckDBPyConnection, spec: str) -> Diagnostic:
    return compute(con, resolve_territory(con, spec), DiagnosticOptions(territory=spec))


def paragraphs(d: Diagnostic) -> str:
    return " ".join(neighbours_section(d)["paragraphs"])


def test_a_territory_partly_in_a_region_without_listing_says_its_neighbours_there_are_unknown(
        db: duckdb.DuckDBPyConnection, mirror: Path) -> None:
    assert listing_departements(mirror) <= PACA  # no Gironde (Nouvelle-Aquitaine) commune in the listing
    d = diagnostic(db, "communes:04070,33063")
    assert d.regions_without_listing == ["Nouvelle-Aquitaine"]
    assert ("Aucune liste de CPTS ne semble chargée pour la région Nouvelle-Aquitaine (les listes chargées n'y "
            "revendiquent aucune commune, ou trop peu pour la couvrir), où le territoire a des communes "
            "ou des communes limitrophes : ses CPTS n'y sont pas recherchées") in paragraphs(d)
    assert summary(d)["overlaps_regions_sans_liste"] == ["Nouvelle-Aquitaine"]


def test_a_territory_whose_region_is_covered_says_nothing_more(db: duckdb.DuckDBPyConnection) -> None:
    d = diagnostic(db, "cpts:CPTS du Verdon")
    assert d.regions_without_listing == []
    assert "Aucune liste de CPTS ne semble chargée" not in paragraphs(d)
    assert summary(d)["overlaps_regions_sans_liste"] == []
    candidates = d.pertinence.candidates if d.pertinence is not None else pd.DataFrame()
    assert len(candidates) and all(isinstance(c, str) for c in candidates["claimed_by"])  # known: names or ""
    shown = table_frame(d)["claimed_by"]
    assert "non disponible" not in set(shown) and "" not in set(shown)  # names, or « aucune »


def test_candidates_of_a_region_without_listing_are_claimed_by_unknown(db: duckdb.DuckDBPyConnection) -> None:
    d = diagnostic(db, "communes:33063")
    assert d.regions_without_listing == ["Nouvelle-Aquitaine"]
    assert "Aucune liste de CPTS ne semble chargée pour cette région" in paragraphs(d)
    assert d.pertinence is not None
    candidates = d.pertinence.candidates
    assert len(candidates) and candidates["claimed_by"].isna().all()
    (table,) = [t for t in pertinence_section(d)["tables"] if t["title"] == "Communes candidates à l'ajout"]
    assert set(table["data"]["Autre CPTS revendiquant la commune"]) == {UNKNOWN_CLAIMS}
    assert {c["cpts"] for c in summary(d)["pertinence"]["candidats"]} == {None}
    # The CSV and the workbook say it too: an empty cell would read as « aucune » in a spreadsheet.
    assert set(table_frame(d)["claimed_by"]) == {"non disponible"}


def table_frame(d: Diagnostic) -> pd.DataFrame:
    from pipeline.render.tables import table_specs

    (spec,) = [s for s in table_specs(d) if s.key == "pertinence_candidats"]
    return spec.frame


def test_a_listing_claiming_a_few_communes_of_a_region_does_not_make_its_overlaps_none(
        fixture_data_dir: Path, mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The coverage's rule for the overlaps too: a listing whose only CPTS is rooted in the 04 (Digne-les-Bains and
    Aiglun) and claims Abzac across the border (a few per cent of the loaded Gironde, the région's only loaded
    département) does not speak for Nouvelle-Aquitaine, so Arcachon's overlaps are « non disponible », not « none ».
    (Nor would a listing of one CPTS of Bordeaux: one CPTS is what a team loads for itself; two rooted there would.)"""
    from tests.app.robust_support import Workspace, cli, copy_workspace

    ws = Workspace(tmp_path / "ws")
    copy_workspace(fixture_data_dir, None, ws)
    for key, value in ws.env(mirror).items():
        monkeypatch.setenv(key, value)
    listing = tmp_path / "bordeaux.csv"
    listing.write_text("code_insee,cpts\n04070,CPTS Débordante\n04001,CPTS Débordante\n33001,CPTS Débordante\n",
                       encoding="utf-8")
    assert cli(capsys, "data", "--cpts", str(listing))[0] == 0
    con = duckdb.connect(str(ws.data / "processed" / "cpts.duckdb"), read_only=True)
    try:
        region = con.execute("SELECT sum(population) FILTER (WHERE code = '33001') / sum(population) FROM communes "
                             "WHERE vintage = (SELECT max(vintage) FROM communes) AND region = '75' "
                             "AND type = 'commune-actuelle'").fetchall()[0]
        assert region is not None and 0 < region[0] < 0.2  # Abzac: under a fifth of the loaded région
        d = diagnostic(con, "communes:33009")
    finally:
        con.close()
    assert d.neighbours.empty and d.listings_in_region == []
    assert "Aucune liste de CPTS ne semble chargée pour cette région" in paragraphs(d)
    assert summary(d)["overlaps"] is None and summary(d)["overlaps_non_disponibles"]


def test_a_region_a_listing_speaks_for_in_part_is_named_by_its_unknown_departements(
        db: duckdb.DuckDBPyConnection) -> None:
    """A review: with a Drôme listing loaded, a Drôme CPTS's report said « Aucune liste de CPTS ne semble chargée
    pour la région Auvergne-Rhône-Alpes » while it listed ten Drôme neighbours. A région of which some département
    is spoken for is named by its unknown départements."""
    from types import SimpleNamespace

    from pipeline.app.sections.neighbours import regions_without_listing
    from pipeline.render.sections.members import unsearched_regions

    units = pd.DataFrame({"code": ["04070"], "region": ["93"], "departement": ["04"]})
    touching = pd.DataFrame({"code": ["33063", "13201"], "region": ["75", "93"], "departement": ["33", "13"]})
    whole, partly = regions_without_listing(db, units, touching, frozenset({"04070"}), frozenset({"93"}))
    assert (whole, partly) == (["Nouvelle-Aquitaine"], ["Bouches-du-Rhône (13)"])
    d = SimpleNamespace(regions_without_listing=whole, departements_without_listing=partly)
    text = unsearched_regions(d)  # type: ignore[arg-type]
    assert text[0].startswith("Aucune liste de CPTS ne semble chargée pour la région Nouvelle-Aquitaine (")
    assert text[1].startswith("Aucune liste de CPTS ne semble chargée pour ce département : Bouches-du-Rhône (13) (les "
                              "listes chargées n'y revendiquent aucune commune, ou trop peu pour le couvrir)")


def test_a_neighbour_sharing_nothing_reads_aucune_not_a_blank() -> None:
    """A review: « Unités partagées » was blank beside « Population partagée » 0 for a bordering CPTS."""
    from types import SimpleNamespace

    from pipeline.render.sections.members import neighbours_section

    neighbours = pd.DataFrame({"liste": ["paca", "paca"], "cpts": ["CPTS A", "CPTS B"],
                               "unites_communes": ["04001", ""], "population_commune": [1399, 0],
                               "part_population_territoire": [0.125, 0.0], "part_population_cpts": [float("nan"), 0.0],
                               "limitrophe": [True, True]})
    d = SimpleNamespace(neighbours=neighbours, listing_anomalies=None, territory=SimpleNamespace(cpts=None),
                        near_duplicate_notes=[], regions_without_listing=[], departements_without_listing=[],
                        listings_in_region=["paca"])
    table = neighbours_section(d)["tables"][0]["data"]  # type: ignore[arg-type]
    assert list(table["Unités partagées"]) == ["04001", "aucune"]
    assert list(table["Population partagée"]) == [1399, 0]
    # The shares in percent; one unknown (the other CPTS partly outside the load) stays unknown, not 0.
    assert table["Part de la population du territoire (%)"].tolist() == [12.5, 0.0]
    assert pd.isna(table["Part de la population de l'autre CPTS (%)"].iloc[0])


def test_the_written_tables_say_aucune_where_a_neighbour_shares_nothing(db: duckdb.DuckDBPyConnection) -> None:
    """The report said « aucune » (test above) but the CSV, the workbook and the Word Trame, written from the same
    table, still had a blank cell beside « 0 » shared inhabitants. Digne-les-Bains (04070) is claimed by one PACA
    CPTS and borders others; ``summary.json`` keeps its empty list (a key users read)."""
    from pipeline.render.csv_files import csv_text
    from pipeline.render.tables import table_specs

    d = diagnostic(db, "communes:04070")
    rows = list(csv.DictReader(io.StringIO(csv_text(next(s for s in table_specs(d) if s.key == "voisins")))))
    assert {r["unites_communes"] for r in rows if r["population_commune"] != "0"} == {"04070"}
    assert {r["unites_communes"] for r in rows if r["population_commune"] == "0"} == {"aucune"}
    assert sum(r["population_commune"] == "0" for r in rows) >= 1
    assert {o["unites_communes"] for o in summary(d)["overlaps"]} == {"04070", ""}
