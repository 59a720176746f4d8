"""A diagnostic says whether its perimeter is in one piece (report, notes, summary.json).

Known answers from the mirror's raw 2018 GeoJSON files, measured here in Lambert 93 with geopandas:
Digne-les-Bains (04070) and Aiglun (04001) share a border, Manosque (04112) is 34 km from Digne.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import geopandas as gpd
import pandas as pd
import pytest

from pipeline.app.diagnostic import compute
from pipeline.model import DiagnosticOptions
from pipeline.model.diagnostic import Diagnostic
from pipeline.render.sections.pertinence import pertinence_section
from pipeline.render.summary import pertinence_summary
from pipeline.store.territory import resolve_territory

pytestmark = [pytest.mark.mirror]


def raw_distance_m(mirror: Path, a: str, b: str) -> float:
    path = next((mirror / "contours-communes-2018").glob("communes-04-*.geojson"))
    polygons = gpd.read_file(path).to_crs(2154).set_index("code").geometry
    return float(polygons[a].distance(polygons[b]))


def diagnostic(con: duckdb.DuckDBPyConnection, spec: str) -> Diagnostic:
    return compute(con, resolve_territory(con, spec), DiagnosticOptions(territory=spec))


def parts_of(d: Diagnostic) -> Any:
    assert d.pertinence is not None
    return d.pertinence.parts


def paragraphs(d: Diagnostic) -> list[str]:
    return [p for p in pertinence_section(d)["paragraphs"] if "tenant" in p or "parties" in p]


def test_a_perimeter_in_two_pieces_is_said_everywhere(db: duckdb.DuckDBPyConnection, mirror: Path) -> None:
    assert raw_distance_m(mirror, "04070", "04001") == 0
    assert raw_distance_m(mirror, "04070", "04112") > 30_000
    d = diagnostic(db, "communes:04070,04001,04112")
    parts = parts_of(d).set_index("code")["part"]
    assert parts["04070"] == parts["04001"] != parts["04112"]
    population = d.units.set_index("unit_code")["population"]
    main = "04112" if population["04112"] > population["04070"] + population["04001"] else "04070"
    assert parts[main] == 1
    apart = sorted(set(parts.index) - ({"04070", "04001"} if main == "04070" else {"04112"}))
    note = next(n for n in d.notes if n.startswith("périmètre en 2 parties séparées de plus de 50 m"))
    assert all(f"({code})" in note for code in apart)
    (text,) = paragraphs(d)
    assert text.startswith("Le périmètre est en 2 parties séparées de plus de 50 m")
    assert all(f"({code}, partie 2, " in text for code in apart)
    # A list of codes typed, not a listing: the sentence does not speak of « la liste » (a review, on
    # departement:976 whose Petite-Terre is apart).
    assert "Une île, une enclave administrative ou un code erroné : à vérifier" in text and "liste" not in text
    summary = parts_summary(d)
    assert summary["nombre"] == 2
    assert sorted(r["code"] for r in summary["hors_partie_principale"]) == apart
    assert {r["partie"] for r in summary["hors_partie_principale"]} == {2}


def parts_summary(d: Diagnostic) -> Any:
    summary = pertinence_summary(d)
    assert summary is not None
    return summary["parties_du_perimetre"]


def test_neighbouring_communes_are_one_piece(db: duckdb.DuckDBPyConnection) -> None:
    d = diagnostic(db, "communes:04070,04001")
    assert parts_of(d)["part"].tolist() == [1, 1]
    assert not [n for n in d.notes if "parties séparées" in n]
    assert paragraphs(d) == ["Le périmètre forme un seul tenant : un ensemble continu, deux unités à moins de 50 m "
                             "l'une de l'autre étant voisines."]
    assert parts_summary(d) == {"nombre": 1, "nombre_parties_dessinees": 1, "hors_partie_principale": [],
                                "unites_sans_contour": [], "hors_departements_charges": None}


def test_a_single_commune_says_nothing_of_its_pieces(db: duckdb.DuckDBPyConnection) -> None:
    d = diagnostic(db, "communes:04070")
    assert paragraphs(d) == []
    assert parts_summary(d)["nombre"] == 1


def test_a_unit_without_polygon_makes_the_continuity_unknown() -> None:
    """A review: Saint-Martin (97801, a collectivité without polygon, 250 km from Guadeloupe) with two
    Guadeloupe communes read « d'un seul tenant » and ``nombre`` 1. Two touching squares and a unit without
    polygon: the drawn units are one piece, the whole perimeter's continuity is not available."""
    from shapely.geometry import box

    from pipeline.app.sections.perimeter_pieces import perimeter_pieces, pieces_note
    from pipeline.model.diagnostic import PertinenceSection
    from pipeline.render.sections.pertinence import _parts_paragraph
    from pipeline.render.summary import perimeter_parts_summary

    units = pd.DataFrame({"unit_code": ["97101", "97113", "97801"], "nom": ["Les Abymes", "Le Gosier",
                                                                           "Saint-Martin"],
                          "population": [53_000, 26_000, 31_000]})
    drawn = gpd.GeoDataFrame({"code": ["97101", "97113"], "population": [53_000, 26_000]},
                             geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], crs=2154)
    parts = perimeter_pieces(units, drawn, 2154)
    assert parts["code"].tolist() == ["97101", "97113", "97801"]
    assert parts["part"].tolist()[:2] == [1, 1] and pd.isna(parts["part"].iloc[2])
    assert pieces_note(parts) is None  # the drawn units are one piece; the missing polygon has its own note
    section = PertinenceSection(origin="", kind="modele", candidate_min_share=0.5, examine_below_share=0.5,
                                parts=parts)
    (text,) = _parts_paragraph(section)
    assert text.startswith("Les unités dessinées du périmètre forment un seul tenant")
    assert text.endswith("1 unité sans contour (Saint-Martin (97801)) : sa place, donc la continuité du "
                         "périmètre entier, est non disponible.")
    assert perimeter_parts_summary(section) == {"nombre": None, "nombre_parties_dessinees": 1,
                                              "hors_partie_principale": [], "unites_sans_contour": ["97801"],
                                              "hors_departements_charges": None}
    far = drawn.assign(geometry=[box(0, 0, 1000, 1000), box(9000, 0, 10_000, 1000)])
    note = pieces_note(perimeter_pieces(units, far, 2154))
    assert note == ("périmètre en 2 parties séparées de plus de 50 m, hors de la partie principale : partie 2 : "
                    "Le Gosier (97113) ; sans contour, non situées : Saint-Martin (97801) (une île, une enclave ou un "
                    "code erroné : à vérifier)")


def test_a_cpts_partly_outside_the_load_has_no_pertinence_nor_continuity(db: duckdb.DuckDBPyConnection,
                                                                        mirror: Path) -> None:
    """A review: the CPTS du Gapençais (31 communes of the PACA listing, 3 of them in the Alpes-de-Haute-Provence,
    the only one of its départements in the fixture database) read « auto-confinement 0 % », its three loaded
    communes « à examiner » (their residents consult at Gap and Tallard, of the same CPTS but not loaded),
    Piégut « une île, une enclave ou un code erroné » (joined to the others through the Hautes-Alpes), and the
    bassin de vie of Gap « 1 commune dans le territoire, 25 hors » (14 and 12)."""
    import csv

    with open(mirror / "cpts" / "paca-cpts-communes.csv", encoding="utf-8") as handle:
        listed = [row["code_insee"] for row in csv.DictReader(handle) if row["cpts"] == "CPTS du Gapençais"]
    beyond = [code for code in listed if not code.startswith("04")]
    assert len(listed) == 31 and len(beyond) == 28 and {code[:2] for code in beyond} == {"05"}
    d = diagnostic(db, "cpts:CPTS du Gapençais")
    assert sorted(d.units["unit_code"]) == sorted(set(listed) - set(beyond))
    p = d.pertinence
    assert p is not None and not p.available and pd.isna(p.self_containment) and p.to_examine.empty
    reason = "28 communes de la CPTS dans sa liste sont hors des départements chargés dans la base (05 ; make data "
    assert str(p.unavailable).startswith("pertinence du périmètre non calculée : " + reason)
    assert "auto-confinement faussé" in str(p.unavailable)
    summary = pertinence_summary(d)
    assert summary is not None and "auto_confinement" not in summary and "a_examiner" not in summary
    parts = summary["parties_du_perimetre"]
    assert parts["nombre"] is None and str(parts["hors_departements_charges"]).startswith(reason[:60])
    assert parts["hors_partie_principale"] == []  # nobody can tell Piégut apart
    assert not any("île" in n for n in d.notes)
    said = any(n.startswith("continuité du périmètre non disponible : ses communes chargées forment") for n in d.notes)
    assert said == (parts["nombre_parties_dessinees"] > 1)
    (text,) = [t for t in pertinence_section(d)["paragraphs"] if t.startswith("Continuité du périmètre")]
    assert text == ("Continuité du périmètre : non disponible (ses communes hors des départements chargés dans la "
                    "base n'y ont pas de contour).")
    # The zones reaching beyond the load hold communes of the CPTS there: their counts are unknown, never the
    # loaded part's.
    gap = next(z for z in summary["zones_coupees"] if z["code"] == "05061")
    assert (gap["unites_dans"], gap["unites_hors"], gap["population_hors"]) == (None, None, None)
