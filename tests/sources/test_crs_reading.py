"""Metres without a declared CRS: Lambert 93 or Web Mercator, told apart by how the perimeter follows communes.

An independent review saved a perimeter of the Aisne from a web map (Web
Mercator) without its CRS: read as Lambert 93 it became two communes of the
Gironde coast. Both readings fall in France for the north of the country, so
the reader asks which one follows the communes' borders.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box, mapping

from pipeline.sources.cpts_listing.crs_reading import boundary_misfit
from pipeline.sources.cpts_listing.perimeters import LAMBERT93_NOTE, read_features

KM = 1000.0


def grid(west: float, south: float, side: float, columns: int, rows: int) -> gpd.GeoDataFrame:
    """Square units in ETRS89-LAEA (metres), returned in EPSG:4326 like the store's polygons."""
    cells = [box(west + i * side, south + j * side, west + (i + 1) * side, south + (j + 1) * side)
             for j in range(rows) for i in range(columns)]
    return gpd.GeoDataFrame({"code": [f"u{k}" for k in range(len(cells))]}, geometry=cells,
                            crs=3035).to_crs(4326)


# Units of 10 km in the north of France (the Somme, about 2.1° E 50.1° N), in ETRS89-LAEA.
WEST, SOUTH, SIDE = 3_760_000.0, 3_030_000.0, 10 * KM


def in_degrees(*shapes: object) -> gpd.GeoSeries:
    return gpd.GeoSeries(list(shapes), crs=3035).to_crs(4326)


def test_a_union_of_whole_units_follows_their_borders() -> None:
    units = grid(WEST, SOUTH, SIDE, 2, 2)
    two_units = box(WEST, SOUTH, WEST + 2 * SIDE, SOUTH + SIDE)
    assert boundary_misfit(in_degrees(two_units), units) == pytest.approx(0.0, abs=1e-9)


def test_a_cut_unit_counts_its_smaller_part_and_the_area_over_no_unit_counts_whole() -> None:
    units = grid(WEST, SOUTH, SIDE, 2, 2)
    # One unit whole and half of its neighbour: the half cut (0.5 of a unit) over 1.5 units drawn.
    cut = box(WEST, SOUTH, WEST + 1.5 * SIDE, SOUTH + SIDE)
    assert boundary_misfit(in_degrees(cut), units) == pytest.approx(1 / 3, rel=1e-9)
    # One unit whole and half a unit beyond the grid: 0.5 over no unit, over 1.5 drawn.
    beyond = box(WEST - 0.5 * SIDE, SOUTH, WEST + SIDE, SOUTH + SIDE)
    assert boundary_misfit(in_degrees(beyond), units) == pytest.approx(1 / 3, rel=1e-9)
    # A quarter of one unit: its smaller part is the quarter itself, the whole drawing.
    assert boundary_misfit(in_degrees(box(WEST, SOUTH, WEST + SIDE / 2, SOUTH + SIDE / 2)), units) == \
        pytest.approx(1.0, rel=1e-9)
    assert boundary_misfit(in_degrees(cut), units.iloc[:0]) == 1.0


def write_metres(path: Path, shapes: gpd.GeoSeries, epsg: int) -> Path:
    """A perimeter saved in ``epsg`` metres without its CRS (a web map's or a QGIS export's)."""
    features = [{"type": "Feature", "properties": {"nom": "CPTS"}, "geometry": mapping(g)}
                for g in shapes.to_crs(epsg)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def note_for(kept: str, why: str, kept_share: str, other_share: str, other: str) -> str:
    return (f"coordonnées en mètres sans CRS déclaré, plausibles en Lambert 93 comme en Web Mercator : lues en {kept}, "
            f"{why} (part du tracé qui ne suit pas les limites communales : {kept_share} de sa surface, contre "
            f"{other_share} en {other}) ; déclarez le CRS ou exportez en WGS84 pour lever le doute")


USUAL = "la lecture habituelle, aucune des deux ne suivant nettement les limites des communes chargées"


def test_web_mercator_metres_that_follow_the_communes_are_read_as_web_mercator(tmp_path: Path) -> None:
    units = grid(WEST, SOUTH, SIDE, 3, 3)
    drawn = in_degrees(box(WEST, SOUTH, WEST + 2 * SIDE, SOUTH + SIDE))
    path = write_metres(tmp_path / "carte-web.geojson", drawn, 3857)
    frame, notes, errors = read_features(path, units_near=lambda _box: units)
    assert errors == []
    assert frame.geometry.iloc[0].bounds == pytest.approx(drawn.iloc[0].bounds, abs=1e-7)
    # Read as Lambert 93, the same metres lie far to the south-west, where no unit was given: all of it over no
    # unit.
    assert notes == [note_for("Web Mercator (EPSG:3857)", "où le tracé suit les limites des communes", "0 %",
                              "100 %", "Lambert 93")]


def test_lambert93_metres_that_follow_the_communes_stay_lambert93(tmp_path: Path) -> None:
    # In the south of the Gironde (0.5° W 44.3° N): read as Web Mercator, its Lambert 93 metres would lie in the
    # north of France.
    west, south = 3_480_000.0, 2_410_000.0
    units = grid(west, south, SIDE, 3, 3)
    drawn = in_degrees(box(west, south, west + SIDE, south + 2 * SIDE))
    path = write_metres(tmp_path / "qgis.geojson", drawn, 2154)
    frame, notes, _ = read_features(path, units_near=lambda _box: units)
    assert frame.geometry.iloc[0].bounds == pytest.approx(drawn.iloc[0].bounds, abs=1e-7)
    assert notes == [note_for("Lambert 93 (EPSG:2154)", "où le tracé suit les limites des communes", "0 %",
                              "100 %", "Web Mercator")]
    # Without units to compare with (a drawing over no loaded commune), the usual reading, said as a doubt.
    frame, notes, _ = read_features(path, units_near=lambda _box: units.iloc[:0])
    assert frame.geometry.iloc[0].bounds == pytest.approx(drawn.iloc[0].bounds, abs=1e-7)
    assert notes == [note_for("Lambert 93 (EPSG:2154)", USUAL, "100 %", "100 %", "Web Mercator")]
    # A caller without the store (no units at all) keeps the note it always wrote.
    assert read_features(path)[1] == [LAMBERT93_NOTE]


def grid_under_the_other_reading(drawn: gpd.GeoSeries, written: int, read_as: int) -> gpd.GeoDataFrame:
    """Units of 4 km where ``drawn``'s metres in ``written`` land when read as ``read_as``, offset by 1.3 km so
    that the drawing cuts them (communes loaded there too)."""
    other = drawn.to_crs(written).set_crs(read_as, allow_override=True).to_crs(3035)
    west, south, _, _ = other.total_bounds
    return grid(west - 1_300.0, south - 1_300.0, 4 * KM, 10, 10)


def test_both_readings_over_loaded_communes_keep_the_one_that_follows_them(tmp_path: Path) -> None:
    """The ratio decides when both readings lie over communes: the wrong one cuts them."""
    import pandas as pd

    drawn = in_degrees(box(WEST, SOUTH, WEST + 2 * SIDE, SOUTH + SIDE))
    units = gpd.GeoDataFrame(pd.concat([grid(WEST, SOUTH, SIDE, 3, 3),
                                        grid_under_the_other_reading(drawn, 3857, 2154)], ignore_index=True),
                             crs=4326)
    frame, notes, _ = read_features(write_metres(tmp_path / "web.geojson", drawn, 3857), units_near=lambda _b: units)
    assert frame.geometry.iloc[0].bounds == pytest.approx(drawn.iloc[0].bounds, abs=1e-7)
    assert notes[0].startswith("coordonnées en mètres sans CRS déclaré, plausibles en Lambert 93 comme en Web "
                               "Mercator : lues en Web Mercator (EPSG:3857), où le tracé suit les limites des communes "
                               "(part du tracé qui ne suit pas les limites communales : 0 % de sa surface, contre ")
    other = re.search(r"contre (\d+) % en Lambert 93", notes[0])
    assert other is not None and 0 < int(other.group(1)) < 100  # the other reading cut the units under it


def test_a_drawing_over_unloaded_communes_is_not_read_as_the_projection_over_loaded_ones(tmp_path: Path) -> None:
    """A code review: a Lambert 93 perimeter of an unloaded département (no unit under it: misfit 1) was read as
    Web Mercator over loaded communes it cut by a quarter. A reading is kept only when it follows the borders."""
    west, south = 3_480_000.0, 2_410_000.0
    drawn = in_degrees(box(west, south, west + SIDE, south + 2 * SIDE))
    loaded_elsewhere = grid_under_the_other_reading(drawn, 2154, 3857)
    frame, notes, _ = read_features(write_metres(tmp_path / "qgis.geojson", drawn, 2154),
                                    units_near=lambda _b: loaded_elsewhere)
    assert frame.geometry.iloc[0].bounds == pytest.approx(drawn.iloc[0].bounds, abs=1e-7)
    assert notes[0].startswith("coordonnées en mètres sans CRS déclaré, plausibles en Lambert 93 comme en Web "
                               f"Mercator : lues en Lambert 93 (EPSG:2154), {USUAL} (part du tracé qui ne suit pas "
                               "les limites communales : 100 % de sa surface, contre ")
    other = re.search(r"contre (\d+) % en Web Mercator", notes[0])
    assert other is not None and 10 <= int(other.group(1)) < 100  # over loaded units, cutting them


def test_a_listing_is_judged_by_its_feature_that_follows_the_communes(tmp_path: Path) -> None:
    """A review: a Web Mercator listing of a union of communes and a large hand-drawn circle was judged on both
    together; the circle's area outweighed the communes and the whole file was read as Lambert 93."""
    from shapely.geometry import Point

    units = grid(WEST, SOUTH, SIDE, 6, 6)
    communes = box(WEST, SOUTH, WEST + 2 * SIDE, SOUTH + SIDE)
    circle = Point(WEST + 4.3 * SIDE, SOUTH + 4.3 * SIDE).buffer(1.6 * SIDE)
    drawn = in_degrees(communes, circle)
    frame, notes, _ = read_features(write_metres(tmp_path / "liste.geojson", drawn, 3857),
                                    units_near=lambda _b: units)
    assert [g.bounds for g in frame.geometry] == [pytest.approx(g.bounds, abs=1e-7) for g in drawn]
    assert notes[0].startswith("coordonnées en mètres sans CRS déclaré, plausibles en Lambert 93 comme en Web "
                               "Mercator : lues en Web Mercator (EPSG:3857), où le tracé suit les limites des communes "
                               "(entité qui suit le mieux les limites communales : 0 % de sa surface ne les suit pas, "
                               "contre 100 % en Lambert 93)")


def test_metres_west_of_greenwich_are_web_mercator(tmp_path: Path) -> None:
    """A review: Caen and Cherbourg saved from a web map were refused as « pas du Lambert 93 »: no projection of
    France but Web Mercator has negative eastings there."""
    from pipeline.sources.cpts_listing.perimeters import WEB_MERCATOR_NOTE

    caen = gpd.GeoSeries([box(-0.40, 49.15, -0.33, 49.21)], crs=4326)  # west of Greenwich
    frame, notes, errors = read_features(write_metres(tmp_path / "caen.geojson", caen, 3857))
    assert errors == [] and notes == [WEB_MERCATOR_NOTE]
    assert frame.geometry.iloc[0].bounds == pytest.approx(caen.iloc[0].bounds, abs=1e-7)
