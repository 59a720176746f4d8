"""A CPTS partly outside the loaded départements, in the comparison of ``make diagnostics`` (a review).

On a database of the 04 and the 13, « CPTS Buëch Dévoluy » (1 112 inhabitants loaded) showed « 88,4 % » of
self-containment in the comparison, where its own diagnostic says the pertinence is not computed (« auto-confinement
faussé »), and its population read as a whole CPTS's. And « 57 communes » outside the load were 57 listed codes:
05088 Montmorin and 05150 Sainte-Marie have been part of 05024 Valdoule (also listed) since 2013, 55 communes.

Known answers: the listing written here, the COG's history (Valdoule: INSEE, commune nouvelle of 1 January 2013),
the population of the loaded commune read with SQL.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline.analysis import aci
from pipeline.app.registries import listing_step
from pipeline.app.steps import Scope
from pipeline.geography import slugify
from tests.app import profile_raw as raw
from tests.conftest import FIXTURE_DEPARTEMENTS
from tests.render.documents_runs import database_copy, run_in, writable_database

pytestmark = [pytest.mark.mirror]

#: Two whole CPTS (one in Mayotte), and two partial ones: Aiglun (04) and Valdoule (05) listed with one of its former
#: communes; Aiglun and Nice (06), whose 357 737 inhabitants are nearly all of it; Barcelonnette and Lyon 1er.
LISTING = ("cpts,code_insee\nCPTS Entière,04004\nCPTS Partielle,04001\nCPTS Partielle,05024\n"
           "CPTS Partielle,05088\nCPTS Niçoise,04001\nCPTS Niçoise,06088\nCPTS Mamoudzou,97611\n"
           "CPTS Lyonnaise,04019\nCPTS Lyonnaise,69381\n")


def test_a_partial_cpts_has_no_self_containment_and_counts_its_current_communes(fixture_data_dir: Path,
                                                                                 tmp_path: Path) -> None:
    listing = tmp_path / "duo.csv"
    listing.write_text(LISTING, encoding="utf-8")
    data = database_copy(fixture_data_dir, tmp_path)
    with writable_database(data) as con:  # as « make data DEPARTEMENTS=04,13,33,75,976 CPTS=duo.csv » loads it
        assert listing_step(listing)(con, None, True, Scope(frozenset(FIXTURE_DEPARTEMENTS))).status == "chargé"
    run = run_in(data, tmp_path / "maps", ["diagnostics", "--liste", "duo"])
    assert run.code == 0, run.stderr
    table = pd.read_csv(data / "processed" / "comparaison-duo" / "comparaison.csv", encoding="utf-8-sig",
                        dtype={"departements_non_charges_a_portee": str}).set_index("cpts")
    # Two listed codes outside the load, one current commune (05088 is part of 05024).
    assert table.loc["CPTS Partielle", "communes_hors_base"] == 1
    assert table.loc["CPTS Entière", "communes_hors_base"] == 0
    # Not available, as in its diagnostic; nor a model « reaching » départements for a figure it does not give.
    assert pd.isna(table.loc["CPTS Partielle", "auto_confinement"])
    assert pd.isna(table.loc["CPTS Partielle", "departements_non_charges_a_portee"])
    assert 0 <= table.loc["CPTS Entière", "auto_confinement"] <= 1  # a whole CPTS keeps its figure
    con = duckdb.connect(str(data / "processed" / "cpts.duckdb"), read_only=True)
    try:
        aiglun = con.execute("SELECT population FROM communes WHERE code = '04001' AND vintage = "
                             "(SELECT max(vintage) FROM communes)").fetchone()[0]  # type: ignore[index]
    finally:
        con.close()
    assert table.loc["CPTS Partielle", "population"] == aiglun  # the loaded commune only…
    assert pd.isna(table.loc["CPTS Partielle", "rang_population"])  # …so not ranked as a whole CPTS
    summary = json.loads((data / "processed" / "diagnostics" / "cpts-cpts-partielle" / "summary.json")
                         .read_text(encoding="utf-8"))
    assert summary["pertinence"]["indisponible"].startswith(
        "pertinence du périmètre non calculée : 1 commune de la CPTS dans sa liste (2 codes, dont d'anciennes "
        "communes comptées dans leur commune actuelle) est hors des départements chargés dans la base (05 ; ")
    page = (tmp_path / "maps" / "comparaison-duo" / "index.html").read_text(encoding="utf-8")
    assert '"communes_hors_base":1' in page and "(partielle)" in page
    # The taille of the whole CPTS, its communes beyond the load counted from the national COG (the 2026 package of
    # the mirror); its type only where its loaded communes hold most of it (a review: Aiglun and Nice read « Aire
    # de moins de 50 000 habitants »).
    populations = raw.populations("6.0.0")
    # Lyon 1er (69381) counts as itself, not as the whole of Lyon (a re-check: taille 4 for 31 235 inhabitants).
    for name, codes in (("CPTS Partielle", ("04001", "05024")), ("CPTS Niçoise", ("04001", "06088")),
                        ("CPTS Lyonnaise", ("04019", "69381"))):
        whole = sum(populations[c] for c in codes)
        assert table.loc[name, "taille"] == aci.size_band(whole), name
        assert json.loads((data / "processed" / "diagnostics" / f"cpts-{slugify(name)}" / "summary.json").read_text(
            encoding="utf-8"))["population_territoire_entier"] == whole
    assert populations["04001"] * 2 > populations["04001"] + populations["05024"]
    assert table.loc["CPTS Partielle", "type_territoire"] != "non disponible"  # Aiglun's class: most of it
    assert table.loc["CPTS Niçoise", "type_territoire"] == "non disponible"
    # Mayotte's legal population is its 2017 census (a review: « populations légales 2023 » over its CPTS).
    assert "COG 2026, population légale 2023, 2017 pour Mayotte, aires d" in page
