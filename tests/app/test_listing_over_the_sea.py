"""A listing's CPTS drawn as a polygon is partly beyond the load only when it holds the point of a commune of an
unloaded département: a coastal CPTS drawn over the sea is whole (a review: its part over the sea made it
« hors des départements chargés », its taille and figures « non disponible »).

On a copy of the fixture database (04, 13, 33, 75, 976), a listing of two discs: « CPTS Côte » over Marseille's
coast (5.37° E, 43.2° N, 0.08°), which no commune of the Var reaches (mirror's 2018 contours), and « CPTS
Durance » around Manosque (5.79° E, 43.83° N, 0.2°), which holds the representative points of communes of the
Var and the Vaucluse.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from shapely.geometry import Point, mapping, shape

from pipeline.app.registries import listing_step
from pipeline.app.steps import Scope
from tests.conftest import FIXTURE_DEPARTEMENTS

pytestmark = [pytest.mark.mirror]


def test_a_coastal_cpts_drawn_over_the_sea_is_whole(mirror: Path, fixture_data_dir: Path, tmp_path: Path) -> None:
    coast, across = Point(5.37, 43.2).buffer(0.08), Point(5.79, 43.83).buffer(0.2)
    offshore = Point(5.0, 42.6).buffer(0.05)  # far off the coast of the Bouches-du-Rhône: no commune anywhere

    def communes(dep: str) -> list[dict[str, object]]:
        path = next((mirror / "contours-communes-2018").glob(f"communes-{dep}-*.geojson"))
        return json.loads(path.read_text(encoding="utf-8"))["features"]

    assert not any(shape(f["geometry"]).intersects(coast) for f in communes("83"))
    assert not any(shape(f["geometry"]).intersects(offshore) for dep in ("13", "83", "30", "34")
                   for f in communes(dep))
    assert any(across.contains(shape(f["geometry"]).representative_point())
               for dep in ("83", "84") for f in communes(dep))
    listing = tmp_path / "discs.geojson"
    listing.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"cpts": "CPTS Côte"}, "geometry": mapping(coast)},
        {"type": "Feature", "properties": {"cpts": "CPTS Durance"}, "geometry": mapping(across)},
        {"type": "Feature", "properties": {"cpts": "CPTS Large"}, "geometry": mapping(offshore)}]}),
        encoding="utf-8")
    db = tmp_path / "cpts.duckdb"
    shutil.copy(fixture_data_dir / "processed" / "cpts.duckdb", db)
    con = duckdb.connect(str(db))
    try:
        listing_step(listing)(con, mirror, True, Scope(frozenset(FIXTURE_DEPARTEMENTS)))
        beyond = {str(c) for (c,) in con.execute(
            "SELECT DISTINCT cpts FROM cpts_anomalies WHERE listing = 'discs' AND kind = 'hors_departements_charges'"
        ).fetchall()}
        empty = con.execute("SELECT cpts, detail_fr FROM cpts_anomalies WHERE listing = 'discs' "
                            "AND kind = 'perimetre_sans_unite'").fetchall()
        members = {str(c) for (c,) in con.execute(
            "SELECT DISTINCT cpts FROM cpts_membres WHERE listing = 'discs'").fetchall()}
    finally:
        con.close()
    assert members == {"CPTS Côte", "CPTS Durance"}
    assert beyond == {"CPTS Durance"}
    # A perimeter at sea holds no commune of any département: it has no member, and it is not « beyond the load ».
    assert empty == [("CPTS Large", "entité n° 3 (« CPTS Large ») : aucune commune n'a son point représentatif dans "
                                    "ce périmètre ; la CPTS n'a aucun membre")]
