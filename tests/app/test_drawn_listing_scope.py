"""A CPTS drawn as a polygon (GeoJSON listing) over the border of a database loaded for some départements.

Its members are the loaded units inside it: without a word, a perimeter over Sisteron (04) and Val
Buëch-Méouge (05, not loaded in the fixture) looked like a whole CPTS of one commune. The listing now reports
the uncovered part of the perimeter (``hors_departements_charges``), and the diagnostic says its figures may be
partial. Known answers: geodesic areas of the raw contours of the mirror (pyproj), not the pipeline's projection.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import geopandas as gpd
import pytest
import shapely
from shapely.geometry import box

from pipeline.app.diagnostic import compute
from pipeline.app.registries import listing_step
from pipeline.app.steps import Scope
from pipeline.model import DiagnosticOptions
from pipeline.sources.cpts_listing.perimeter_members import uncovered_parts
from pipeline.store.territory import resolve_territory
from tests.conftest import FIXTURE_DEPARTEMENTS
from tests.geodesic import geodesic_area_km2

pytestmark = [pytest.mark.mirror]

CONTOURS = "contours-communes-2018/communes-{}.geojson"


def test_uncovered_part_of_two_squares_is_the_second_one() -> None:
    west, east = box(5.9, 44.1, 6.0, 44.3), box(6.0, 44.1, 6.1, 44.3)
    perimeter = gpd.GeoDataFrame({"cpts": ["A"], "cpts_id": ["a"], "feature": [0]},
                                 geometry=[shapely.union(west, east)], crs=4326)
    polygons = gpd.GeoDataFrame({"departement": ["04"]}, geometry=[west], crs=4326)
    gaps = uncovered_parts(perimeter, polygons)
    assert gaps["area_km2"].iloc[0] == pytest.approx(geodesic_area_km2(east), rel=1e-4)
    whole = geodesic_area_km2(box(5.9, 44.1, 6.1, 44.3))
    assert gaps["share"].iloc[0] == pytest.approx(geodesic_area_km2(east) / whole, rel=1e-4)
    # A perimeter meeting no unit has no member, reported apart: no gap row.
    far = perimeter.assign(geometry=[box(7.0, 45.0, 7.1, 45.1)])
    assert uncovered_parts(far, polygons).empty


@pytest.fixture()
def drawn_listing(mirror: Path, fixture_data_dir: Path, tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, float]:
    c04 = gpd.read_file(mirror / CONTOURS.format("04-alpes-de-haute-provence"))
    c05 = gpd.read_file(mirror / CONTOURS.format("05-hautes-alpes"))
    sisteron = c04.loc[c04["code"] == "04209", "geometry"].iloc[0]
    buech = c05.loc[c05["code"] == "05118", "geometry"].iloc[0]
    digne = c04.loc[c04["code"] == "04070", "geometry"].iloc[0]
    features = [{"type": "Feature", "properties": {"cpts": "CPTS Sisteron Buëch"},
                 "geometry": shapely.geometry.mapping(shapely.union(sisteron, buech))},
                {"type": "Feature", "properties": {"cpts": "CPTS Digne"}, "geometry": shapely.geometry.mapping(digne)}]
    path = tmp_path / "dessin.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    database = tmp_path / "cpts.duckdb"
    shutil.copy(fixture_data_dir / "processed" / "cpts.duckdb", database)
    con = duckdb.connect(str(database))
    listing_step(path)(con, mirror, True, Scope(frozenset(FIXTURE_DEPARTEMENTS)))
    # The part of Val Buëch-Méouge that no commune of the 04 covers (the contours are generalised).
    outside = geodesic_area_km2(shapely.difference(buech, c04.geometry.union_all()))
    yield con, outside
    con.close()


def test_perimeter_crossing_the_loaded_departements_is_reported(
        drawn_listing: tuple[duckdb.DuckDBPyConnection, float]) -> None:
    con, outside = drawn_listing
    rows = con.execute("SELECT cpts, code, detail_fr FROM cpts_anomalies "
                       "WHERE listing = 'dessin' AND kind = 'hors_departements_charges'").fetchall()
    assert [r[0] for r in rows] == ["CPTS Sisteron Buëch"]  # Digne's commune contour is all loaded
    assert rows[0][1] is None
    assert f"{outside:.0f} km² de son périmètre" in rows[0][2] and outside > 50
    assert "hors des départements chargés (départements 04, 13, 33, 75, 976)" in rows[0][2]
    territory = resolve_territory(con, "cpts:CPTS Sisteron Buëch")
    assert list(territory.units["unit_code"]) == ["04209"]
    d = compute(con, territory, DiagnosticOptions(territory="cpts:CPTS Sisteron Buëch"))
    assert any(n.startswith("une partie du périmètre dessiné de la CPTS ne recouvre aucune commune chargée")
               for n in d.notes)
    assert not any("commune(s) de la CPTS dans sa liste sont hors" in n for n in d.notes)
