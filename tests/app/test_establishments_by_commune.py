"""Establishments are in a territory by their commune, whatever their coordinates say.

A FINESS record whose coordinates were mistyped (x and y swapped by a spreadsheet, degrees under a Lambert 93
token) used to fall outside the bounding box searched around the territory, and so out of its own
territory's counts: « 5 établissements » for 7 with a commune code of the territory.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from pipeline.app.sections.supply import establishments_near
from pipeline.render.sections.supply import establishments_section

#: A square around Digne-les-Bains (04070), in degrees.
DIGNE = shapely.box(6.15, 44.05, 6.32, 44.15)


def _table() -> pd.DataFrame:
    rows = [  # finess, commune, lon, lat
        ("040000011", "04070", 6.235, 44.092),   # placed in its commune
        ("040000021", "04070", 38.47, -7.90),    # x and y swapped: the other side of the world
        ("040000031", "04070", None, None),      # no coordinates
        ("040000041", "04001", 6.40, 44.10),     # Aiglun, about 7 km east of the square: nearby, not inside
        ("130000011", "13001", 5.45, 43.53),     # Aix-en-Provence, 90 km away: neither
    ]
    return pd.DataFrame({
        "finess": [r[0] for r in rows], "commune": [r[1] for r in rows], "unite": [r[1] for r in rows],
        "lon": [r[2] for r in rows], "lat": [r[3] for r in rows], "groupe": "MSP",
        "nom": [f"Établissement {r[0]}" for r in rows],
    })


def test_every_establishment_of_the_territory_is_counted_once_whatever_its_coordinates() -> None:
    perimeter = gpd.GeoDataFrame(geometry=[DIGNE], crs=4326)
    found = establishments_near(None, perimeter, ["04070"], 2154, 10.0, every_establishment=_table())  # type: ignore[arg-type]
    assert found is not None
    inside = sorted(found.loc[found["dans_territoire"], "finess"])
    assert inside == ["040000011", "040000021", "040000031"]
    assert sorted(found.loc[~found["dans_territoire"], "finess"]) == ["040000041"]
    assert found["finess"].is_unique
    assert set(found.loc[found["dans_territoire"], "distance_km"]) == {0.0}
    # Its coordinates: in the square, the other side of the world, none (not known, never « non »).
    said = found.set_index("finess")["coordonnees_dans_le_territoire"]
    assert said.astype(object).loc[["040000011", "040000021", "040000031"]].tolist() == [True, False, pd.NA]


def _contradicting() -> pd.DataFrame:
    west = 6.15 + 0.3 / (111.32 * math.cos(math.radians(44.10)))  # 300 m inside the square's west edge
    rows = [  # finess, commune, lon, lat
        ("040000011", "04070", 6.235, 44.092),   # in the territory by its commune
        ("040010011", "04001", 6.235, 44.10),    # Aiglun by its code, at the square's centre: 5.5 km inside
        ("040010021", "04001", west, 44.10),     # Aiglun, geocoded 300 m across the boundary: at the edge
        ("040010031", None, 6.235, 44.10),       # no commune, no postal code, at the centre
        ("040010041", "04001", 6.40, 44.10),     # Aiglun, 6.4 km east of the square
    ]
    return pd.DataFrame({
        "finess": [r[0] for r in rows], "commune": [r[1] for r in rows], "unite": [r[1] for r in rows],
        "lon": [r[2] for r in rows], "lat": [r[3] for r in rows], "groupe": "MSP",
        "nom": [f"Établissement {r[0]}" for r in rows], "categorie_libelle": "Maison de santé",
    })


def test_coordinates_deep_inside_for_a_commune_outside_give_no_distance() -> None:
    """A review: an establishment of Aiglun whose coordinates are Digne's centre was listed « à 0,0 km » of a
    Digne territory, as was one without any commune. Kilometres inside the territory, an outside record
    contradicts itself: its distance is not known (NaN), and the column says why. 300 m across the boundary is
    geocoding's slack: 0.0 km. The one 6.4 km east: its distance, in closed form (the square's edge at 6.32° E
    is 0.08° of longitude away: 0.08 × 111.32 × cos 44.1° = 6.40 km)."""
    perimeter = gpd.GeoDataFrame(geometry=[DIGNE], crs=4326)
    found = establishments_near(None, perimeter, ["04070"], 2154, 10.0,  # type: ignore[arg-type]
                                every_establishment=_contradicting()).set_index("finess")
    assert list(found.loc[["040010011", "040010031"], "coordonnees_contradictoires"]) == [True, True]
    assert found.loc[["040010011", "040010031"], "distance_km"].isna().all()
    assert not found.loc[["040000011", "040010021", "040010041"], "coordonnees_contradictoires"].any()
    # « Coordonnées dans le territoire » says what the coordinates say, for every row (a review: « non » for the
    # establishments of the territory lying in it): all are in the square but the one 6.4 km east of it.
    inside = found["coordonnees_dans_le_territoire"]
    assert list(inside.loc[["040000011", "040010011", "040010021", "040010031", "040010041"]]) == [
        True, True, True, True, False]
    assert found.loc["040010021", "distance_km"] == 0.0 and not found.loc["040010021", "dans_territoire"]
    expected = 0.08 * 111.32 * math.cos(math.radians(44.10))
    assert abs(found.loc["040010041", "distance_km"] - expected) < 0.15  # Lambert 93's scale, rounding to 0.1


def _diagnostic(establishments: pd.DataFrame, units: list[tuple[str, str, str]], covered: bool = True) -> object:
    zones = pd.DataFrame({"niveau": ["territoire"], "finess": [covered], "finess_non_couverts": [None if covered
                                                                                                 else "01"]})
    return SimpleNamespace(
        establishments=establishments, registry_coverage=SimpleNamespace(zones=zones),
        units=pd.DataFrame(units, columns=["unit_code", "commune_code", "nom"]), place_names={},
        territory=SimpleNamespace(slug="essai"), is_demo=lambda source: False)


def test_the_report_lists_no_contradicted_establishment_at_a_distance_and_names_them() -> None:
    perimeter = gpd.GeoDataFrame(geometry=[DIGNE], crs=4326)
    found = establishments_near(None, perimeter, ["04070"], 2154, 10.0,  # type: ignore[arg-type]
                                every_establishment=_contradicting())
    section = establishments_section(_diagnostic(found, [("04070", "04070", "Digne-les-Bains")]))  # type: ignore[arg-type]
    nearest = next(t for t in section["tables"] if t["title"].startswith("Établissements les plus proches"))
    assert list(nearest["data"]["Établissement"]) == ["Établissement 040010021", "Établissement 040010041"]
    said = next(p for p in section["paragraphs"] if "à l'intérieur du territoire" in p)
    assert said.startswith("2 établissements hors du territoire par leur commune (ou sans commune connue) ont des "
                           "coordonnées à plus de 1 km à l'intérieur du territoire")
    assert "Établissement 040010011 (04001)" in said and "Établissement 040010031 (non disponible)" in said


def test_an_establishment_of_marseille_without_arrondissement_is_not_named_after_the_first_one() -> None:
    """A review: 13055 (postal code 13272 CEDEX) was shown as « Marseille 1er Arrondissement (13055) »."""
    table = pd.DataFrame({"finess": ["130000011"], "commune": ["13055"], "unite": ["13055"], "lon": [5.37],
                          "lat": [43.30], "groupe": "MSP", "nom": ["Centre X"], "categorie_libelle": "Maison de santé",
                          "dans_territoire": [False], "distance_km": [1.0], "coordonnees_dans_le_territoire": [False],
                          "coordonnees_contradictoires": [False]})
    d = _diagnostic(table, [("13201", "13055", "Marseille 1er Arrondissement"),
                            ("13202", "13055", "Marseille 2e Arrondissement")])
    nearest = next(t for t in establishments_section(d)["tables"]  # type: ignore[arg-type]
                   if t["title"].startswith("Établissements les plus proches"))
    assert list(nearest["data"]["Commune"]) == ["Marseille, arrondissement non déterminé (13055)"]


def test_a_list_cut_to_thirty_says_where_the_others_are_when_finess_does_not_cover_the_territory() -> None:
    """A review: 31 establishments of an uncovered territory were listed as 30, without a word."""
    table = pd.DataFrame({"finess": [f"0100000{i:02d}" for i in range(31)], "commune": "01053", "unite": "01053",
                          "lon": 5.2, "lat": 46.2, "groupe": "MSP", "nom": [f"E{i:02d}" for i in range(31)],
                          "categorie_libelle": "Maison de santé", "dans_territoire": True, "distance_km": 0.0})
    content = establishments_section(_diagnostic(table, [("01053", "01053", "Bourg-en-Bresse")],  # type: ignore[arg-type]
                                                 covered=False))
    listed = content["tables"][0]
    assert listed["title"].endswith("(liste non exhaustive, 30 premiers sur 31)") and len(listed["data"]) == 30
    assert listed["note"].startswith("L'autre est dans le fichier etablissements.csv")


def test_the_city_establishments_without_arrondissement_are_said_without_a_registry(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A review: with FINESS loaded alone, the « sans arrondissement déterminé » note was never written; with no
    registry, the practitioners are unknown, not « 0 professionnels »."""
    from pipeline.app.sections import supply

    counts = pd.DataFrame({"commune": ["13055"], "praticiens": [0], "etablissements": [1]})
    monkeypatch.setattr(supply.supply_queries, "sans_arrondissement", lambda con, cities: counts)
    assert supply.unplaced_notes(None, ["13201", "13202"], registry=False) == [  # type: ignore[arg-type]
        "Marseille : 1 établissement sans arrondissement déterminé (code postal absent ou non propre à un "
        "arrondissement) n'est compté dans aucun arrondissement du territoire"]
    counts["praticiens"] = 4
    assert supply.unplaced_notes(None, ["13201"], registry=True)[0].startswith(  # type: ignore[arg-type]
        "Marseille : 4 professionnels et 1 établissement sans arrondissement déterminé (code postal absent ou non "
        "propre à un arrondissement) ne sont comptés dans aucun")
    assert supply.unplaced_notes(None, ["04070"], registry=True) == []  # type: ignore[arg-type]


def test_summary_counts_the_establishments() -> None:
    """summary.json had no establishment figure (a review): counts per group, those with contradicted coordinates."""
    from pipeline.render.summary import establishments_summary

    perimeter = gpd.GeoDataFrame(geometry=[DIGNE], crs=4326)
    found = establishments_near(None, perimeter, ["04070"], 2154, 10.0,  # type: ignore[arg-type]
                                every_establishment=_contradicting())
    assert establishments_summary(_diagnostic(found, [("04070", "04070", "Digne")])) == {  # type: ignore[arg-type]
        "dans_territoire": 1, "a_proximite": 4, "par_groupe": {"MSP": 1}, "coordonnees_contradictoires": 2,
        "extraction_demonstration": False}
    uncovered = establishments_summary(_diagnostic(found, [("04070", "04070", "Digne")], covered=False))  # type: ignore[arg-type]
    assert uncovered is not None and uncovered["indisponible"].startswith("établissements non disponibles")
