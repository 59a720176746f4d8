"""Modelled flows near the edge of a database loaded for some départements only.

The flow model lets residents consult any professional within its cutoff (60 km). On a database of 04 and 13
without the Var, the Verdon CPTS's modelled self-containment was 81.6 %, with two candidate communes and none
« à examiner », where the national database gives 70.4 %, one candidate and four communes « à examiner »
(Quinson, Saint-Laurent-du-Verdon and Sainte-Croix-du-Verdon consult mostly in the Var): the figures were shown
without a word. ``make data --departements`` now places the communes of the other départements
(``communes_hors_chargement``), and a diagnostic whose model reaches some of them says so where its figures are
(flows and pertinence sections, their tables, ``summary.json``) and which départements to load.

Known answers: the mirror's 2018 contours, read here with geopandas (every file of a département not loaded),
and the distance from each of their communes to the Verdon's communes of the mirror's PACA listing.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd
import pytest
import shapely

from pipeline.app.diagnostic import compute
from pipeline.model import DiagnosticOptions
from pipeline.render.sections.flows import flows_section
from pipeline.render.sections.pertinence import pertinence_section
from pipeline.render.summary import summary
from pipeline.store.territory import resolve_territory
from tests.conftest import FIXTURE_DEPARTEMENTS

pytestmark = [pytest.mark.mirror]

CUTOFF_KM = 60  # parametres.toml, [flows] cutoff_km


def _departement(path: Path) -> str:
    return path.name.split("-")[1]


def _contours(mirror: Path, loaded: bool) -> gpd.GeoDataFrame:
    files = sorted((mirror / "contours-communes-2018").glob("communes-*.geojson"))
    frames = [gpd.read_file(f)[["code", "geometry"]].assign(departement=_departement(f)) for f in files
              if (_departement(f) in FIXTURE_DEPARTEMENTS) == loaded]
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=4326)


@pytest.fixture(scope="module")
def others(mirror: Path) -> gpd.GeoDataFrame:
    return _contours(mirror, loaded=False)


def test_every_commune_of_the_other_departements_is_placed_and_those_bordering_the_load_drawn(
        db: duckdb.DuckDBPyConnection, mirror: Path, others: gpd.GeoDataFrame) -> None:
    stored = db.execute("SELECT code, departement, lon, lat, geometry IS NOT NULL AS drawn "
                        "FROM communes_hors_chargement").df().set_index("code")
    assert set(stored.index) == set(others["code"])
    assert (stored["departement"] == others.set_index("code")["departement"].reindex(stored.index)).all()
    # Each point lies inside its commune.
    polygons = others.set_index("code").geometry.reindex(stored.index)
    points = gpd.points_from_xy(stored["lon"], stored["lat"])
    assert shapely.contains(polygons.to_numpy(), points).all() or shapely.intersects(
        polygons.to_numpy(), points).all()
    # Drawn: the communes within 0.01° of a loaded one (Bras-d'Asse's neighbours in the Var, not Toulon's).
    loaded = _contours(mirror, loaded=True)
    near = gpd.sjoin(others, loaded, predicate="dwithin", distance=0.01, how="inner")["code_left"]
    assert set(stored.index[stored["drawn"]]) == set(near)
    assert {"83", "84", "05", "06", "26"} <= set(stored.loc[stored["drawn"], "departement"])
    assert "83137" not in set(stored.index[stored["drawn"]])  # Toulon, 70 km from the 04


def _verdon_perimeter(mirror: Path) -> shapely.Geometry:
    with open(mirror / "cpts" / "paca-cpts-communes.csv", encoding="utf-8") as handle:
        codes = {r["code_insee"] for r in csv.DictReader(handle) if r["cpts"] == "CPTS du Verdon"}
    communes = gpd.read_file(next((mirror / "contours-communes-2018").glob("communes-04-*.geojson")))
    members = communes[communes["code"].isin(codes)]
    assert len(members) >= 14
    return shapely.union_all(members.to_crs(2154).geometry.to_numpy())


def test_verdon_says_which_departements_its_model_reaches_without_them(
        db: duckdb.DuckDBPyConnection, mirror: Path, others: gpd.GeoDataFrame) -> None:
    perimeter = _verdon_perimeter(mirror)
    points = others.to_crs(2154).representative_point()
    within = others.loc[points.distance(perimeter).to_numpy() <= CUTOFF_KM * 1000, "departement"]
    expected = sorted(set(within))
    assert "83" in expected and "33" not in expected

    spec = "cpts:CPTS du Verdon"
    d = compute(db, resolve_territory(db, spec), DiagnosticOptions(territory=spec))
    assert d.flows is not None and d.pertinence is not None and d.pertinence.available
    assert list(d.flows.beyond_the_load) == expected
    assert len(d.flows.caveats) == 1 and d.pertinence.caveats == d.flows.caveats
    caveat = d.flows.caveats[0]
    assert f"({', '.join(expected)})" in caveat and "un auto-confinement surestimé" in caveat
    wanted = ",".join(sorted(set(FIXTURE_DEPARTEMENTS) | set(expected)))
    assert f"make data DEPARTEMENTS={wanted}" in caveat
    assert caveat in d.notes
    # Shown where the figures are, not only among the notes at the top of the report.
    for section in (flows_section(d), pertinence_section(d)):
        assert f"Réserve : {caveat}." in section["paragraphs"], section["title"]
    out = json.loads(json.dumps(summary(d)))
    assert out["flows"]["departements_non_charges_a_portee"] == expected
    assert out["flows"]["reserves"] == [caveat] and out["pertinence"]["reserves"] == [caveat]


def test_mayotte_reaches_no_other_departement(db: duckdb.DuckDBPyConnection) -> None:
    """No French commune outside Mayotte lies within 60 km of it (the Comoros are not French)."""
    spec = "communes:97611"
    d = compute(db, resolve_territory(db, spec), DiagnosticOptions(territory=spec))
    assert d.flows is not None and d.flows.available
    assert d.flows.beyond_the_load == () and d.flows.caveats == []
    assert not any(n.startswith("flux modélisés incomplets") for n in d.notes)


def test_the_editor_says_which_departements_its_zone_reaches_without_them(
        db: duckdb.DuckDBPyConnection, mirror: Path, others: gpd.GeoDataFrame) -> None:
    """The editor's self-containment comes from the same model: near the edge of the load it is overestimated."""
    from pipeline.app.editor import editor_data
    from pipeline.model.perimeter import EditorOptions

    zone = shapely.union_all(_contours(mirror, loaded=True).loc[lambda f: f["departement"] == "04"]
                             .to_crs(2154).geometry.to_numpy())
    points = others.to_crs(2154).representative_point()
    expected = sorted(set(others.loc[points.distance(zone).to_numpy() <= CUTOFF_KM * 1000, "departement"]))
    assert {"05", "06", "83", "84"} <= set(expected)
    data, _ = editor_data(db, EditorOptions(departement="04"))
    notes = [n for n in data.notes if n.startswith("Des départements non chargés")]
    assert len(notes) == 1 and f"de la zone ({', '.join(expected)})" in notes[0]
    assert "l'auto-confinement d'un périmètre proche d'eux est surestimé" in notes[0]
    assert data.sources.startswith("Insee/Etalab")  # the page prefixes « Sources : » (it read « Sources : Sources »)
