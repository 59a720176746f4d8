"""The coverage of a zone shows its own CPTS only: the overlaps of perimeters drawn elsewhere, and the anomalies of
a file with no CPTS in the zone, stay out of it (a review: a listing drawn in the 04 put its six overlapping pairs
and its « système de coordonnées » note into the coverage of Paris and of the Bouches-du-Rhône).

On a copy of the fixture database, a listing « l93 » drawn as QGIS writes it (Lambert 93 metres, no ``crs``: a
file-level note) with two CPTS over the 04: « Nord » over Digne-les-Bains (04070) and Marcoux (04112), « Sud »
over Marcoux and Entrages (04076); they share Marcoux's polygon. Known answer: the shared area is Marcoux's area
(its polygon is in both), from the mirror's contour (geodesic, pyproj), within the pipeline's projection error.
"""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import duckdb
import folium
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import mapping, shape

from pipeline.app.coverage import compute
from pipeline.app.registries import listing_step
from pipeline.app.steps import Scope
from pipeline.model import CoverageOptions
from pipeline.render.maps.coverage import coverage_map
from tests.conftest import FIXTURE_DEPARTEMENTS
from tests.geodesic import geodesic_area_km2

pytestmark = [pytest.mark.mirror]

#: Identifiers the loader gives the file's two CPTS (from their names).
IDS = ("cpts-nord", "cpts-sud")


@pytest.fixture(scope="module")
def drawn(mirror: Path, fixture_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    contours = next((mirror / "contours-communes-2018").glob("communes-04-*.geojson"))
    shapes = {f["properties"]["code"]: shape(f["geometry"])
              for f in json.loads(contours.read_text(encoding="utf-8"))["features"]}
    to_l93 = Transformer.from_crs(4326, 2154, always_xy=True)

    def lambert(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(to_l93.transform(xy[:, 0], xy[:, 1]))

    gap = next(shape(f["geometry"]) for f in json.loads(next((mirror / "contours-communes-2018").glob(
        "communes-05-*.geojson")).read_text(encoding="utf-8"))["features"] if f["properties"]["code"] == "05061")
    drawn = {"CPTS Nord": shapely.union(shapes["04070"], shapes["04112"]),
             "CPTS Sud": shapely.union(shapes["04112"], shapes["04076"]),
             # Barcelonnette and Gap (05, not loaded): drawn partly over no loaded commune, its population unknown.
             "CPTS Frontière": shapely.union(shapes["04019"], gap)}
    features = [{"type": "Feature", "properties": {"cpts": name},
                 "geometry": mapping(shapely.transform(geometry, lambert))} for name, geometry in drawn.items()]
    folder = tmp_path_factory.mktemp("zone-scope")
    path = folder / "l93.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    db = folder / "cpts.duckdb"
    shutil.copy(fixture_data_dir / "processed" / "cpts.duckdb", db)
    con = duckdb.connect(str(db))
    try:
        listing_step(path)(con, mirror, True, Scope(frozenset(FIXTURE_DEPARTEMENTS)))
        notes = con.execute("SELECT count(*) FROM cpts_anomalies WHERE listing = 'l93' AND cpts IS NULL").fetchone()
        assert notes is not None and notes[0] >= 1  # the file's own note: Lambert 93 read without a declared CRS
        zones = {code: compute(con, CoverageOptions("departement", code)) for code in ("04", "75", "13")}
    finally:
        con.close()
    return {"zones": zones, "marcoux_km2": geodesic_area_km2(shapes["04112"])}


def test_polygon_overlaps_are_those_of_the_zones_cpts(drawn: dict[str, object]) -> None:
    zones = drawn["zones"]
    assert isinstance(zones, dict)
    pairs = zones["04"].polygon_overlaps
    ours = pairs[pairs["cpts_id_a"].isin(IDS) | pairs["cpts_id_b"].isin(IDS)]
    assert len(ours) == 1
    assert ours["shared_area_m2"].iloc[0] / 1e6 == pytest.approx(drawn["marcoux_km2"], rel=0.01)
    # Named, with the listing's statut (none given: « non renseigné »), as the overlaps of units are.
    pair = ours.iloc[0]
    assert (pair["cpts_a"], pair["cpts_b"]) == ("CPTS Nord", "CPTS Sud")
    assert (pair["statut_a"], pair["statut_b"]) == ("non renseigné", "non renseigné")
    assert pair["date_a"] is None and pair["date_b"] is None
    for code in ("75", "13"):  # no CPTS of the file there
        assert zones[code].polygon_overlaps.empty, code


def test_a_files_own_anomalies_go_with_the_zones_where_it_has_a_cpts(drawn: dict[str, object]) -> None:
    zones = drawn["zones"]
    assert isinstance(zones, dict)
    quality = zones["04"].quality
    assert ((quality["listing"] == "l93") & quality["cpts"].isna()).any()
    for code in ("75", "13"):
        assert not (zones[code].quality["listing"] == "l93").any(), code


def test_a_partly_loaded_cpts_tells_its_population_is_not_available(drawn: dict[str, object]) -> None:
    """A CPTS drawn over the 04 and the 05 (not loaded): its population is unknown. The tables say
    « non disponible »; the map's tooltip dropped the row (a review). A CPTS listed by codes reaching into the 06
    (« CPTS Hauts Pays du Verdon & Monts d'Azur ») has the population of all its communes (the COG's)."""
    zones = drawn["zones"]
    assert isinstance(zones, dict)
    layers = zones["04"].geometries
    partial = layers["perimeters"][layers["perimeters"]["population"].isna()]
    assert list(partial["cpts"]) == ["CPTS Frontière"]
    listed = layers["perimeters"].set_index("cpts").loc["CPTS Hauts Pays du Verdon & Monts d'Azur"]
    assert listed["population"] > 0 and pd.isna(listed["unites"])  # its units beyond the load unknown
    m = coverage_map(layers["units"], layers["perimeters"])
    tips = {f["properties"]["info"] for layer in m._children.values() if isinstance(layer, folium.GeoJson)
            for f in layer.data["features"] if "info" in f["properties"]}
    for name in partial["cpts"]:
        shown = [t for t in tips if t.startswith(f'<div class="cpts-tip"><b>{html.escape(name)}</b>')]
        assert len(shown) == 1, name
        assert "<th>Population</th><td class=\"n\">non disponible (communes hors des départements chargés)</td>" \
            in shown[0]
