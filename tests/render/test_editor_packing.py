"""Data packing of the perimeter editor page: geometry, OD table, payload, validation (no browser)."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from pipeline.errors import DataError, PipelineError
from pipeline.render.editor import InitialPerimeter, ListedPerimeter, build_editor_page, editor_payload
from pipeline.render.editor.packing import (
    decode_geometry,
    decode_ring,
    encode_geometry,
    pack_od,
    simplify_units,
    unpack_od,
)
from pipeline.render.offline import remote_references
from tests.render import editor_cases as case

# --------------------------------------------------------------------------- geometry


def test_ring_is_first_vertex_then_differences_in_quantised_degrees() -> None:
    square = Polygon([(5.0, 45.0), (5.1, 45.0), (5.1, 45.1), (5.0, 45.1)])
    # Worked by hand at 1e5 per degree: start (500000, 4500000), then +10000 east, +10000 north, -10000 west.
    assert encode_geometry(square) == [[[500000, 4500000, 10000, 0, 0, 10000, -10000, 0]]]


def test_polygon_with_hole_and_multipolygon_round_trip_at_the_quantum() -> None:
    shell = [(5.123456, 45.0), (5.3, 45.000004), (5.3, 45.2), (5.0, 45.2)]
    hole = [(5.1, 45.05), (5.2, 45.05), (5.2, 45.1)]
    island = box(6.0, 43.0, 6.01, 43.01)
    geometry = MultiPolygon([Polygon(shell, [hole]), island])
    decoded = decode_geometry(encode_geometry(geometry))
    assert decoded is not None and len(decoded.geoms) == 2
    first = decoded.geoms[0]
    assert np.allclose(np.asarray(first.exterior.coords)[:-1], np.round(np.asarray(shell) * 1e5) / 1e5, atol=1e-12)
    assert len(first.interiors) == 1
    assert np.allclose(np.asarray(first.interiors[0].coords)[:-1], hole, atol=1e-12)
    assert abs(decoded.area - geometry.area) < 1e-6  # vertices moved by at most half a quantum (5e-6°)


def test_vertices_equal_after_quantisation_are_dropped_and_degenerate_rings_too() -> None:
    # 5.000001 and 5.000004 both round to 500000; the closing vertex is implied.
    polygon = Polygon([(5.0, 45.0), (5.000004, 45.000001), (5.1, 45.0), (5.1, 45.1)])
    assert encode_geometry(polygon) == [[[500000, 4500000, 10000, 0, 0, 10000]]]
    sliver = Polygon([(5.0, 45.0), (5.000001, 45.0), (5.000002, 45.000001)])
    assert encode_geometry(sliver) == []
    assert encode_geometry(None) == []
    assert decode_geometry([]) is None


def test_decode_ring_accumulates_differences() -> None:
    assert decode_ring([10, 20, 1, -2, 3, 4], scale=10).tolist() == [[1.0, 2.0], [1.1, 1.8], [1.4, 2.2]]


def test_coverage_simplification_keeps_shared_borders_identical() -> None:
    # West unit against two east units along a jagged border (many vertices), the east units meeting at a
    # vertex in its middle. Simplified, every border must stay common edge for edge, so that the page can
    # cancel the edges two selected units share: the edges found once are exactly the outer outline.
    ys = np.linspace(45.0, 45.1, 61)
    xs = 5.1 + 0.0005 * np.sin(np.arange(61) * 1.7)
    border = list(zip(xs, ys, strict=True))
    west = Polygon([(5.0, 45.0), *border, (5.0, 45.1)])
    south_east = Polygon([*border[:31], (5.2, 45.05), (5.2, 45.0)])
    north_east = Polygon([*border[30:], (5.2, 45.1), (5.2, 45.05)])
    frame = gpd.GeoSeries([west, south_east, north_east], crs=4326)
    simplified = simplify_units(frame, ["01", "01", "01"], tolerance_m=150.0)
    assert simplified.crs.to_epsg() == 4326
    assert shapely.get_num_coordinates(simplified.values).sum() < shapely.get_num_coordinates(frame.values).sum() / 2
    count: dict[tuple[tuple[float, float], ...], int] = {}
    for geometry in simplified:
        ring = [tuple(p) for p in decode_ring(encode_geometry(geometry)[0][0]).tolist()]
        for pair in zip(ring, ring[1:] + ring[:1], strict=True):
            key = tuple(sorted(pair))
            count[key] = count.get(key, 0) + 1
    once = [edge for edge, n in count.items() if n == 1]
    assert sum(float(np.hypot(b[0] - a[0], b[1] - a[1])) for a, b in once) == pytest.approx(0.6, abs=1e-4)


def test_invalid_and_mixed_geometries_keep_their_polygonal_part() -> None:
    bowtie = Polygon([(5.0, 45.0), (5.1, 45.1), (5.1, 45.0), (5.0, 45.1)])  # self-intersecting
    mixed = shapely.GeometryCollection([box(5.2, 45.0, 5.3, 45.1), shapely.LineString([(5, 45), (6, 46)])])
    simplified = simplify_units(gpd.GeoSeries([bowtie, mixed], crs=4326), ["01", "01"], tolerance_m=0.0)
    assert simplified.iloc[0].is_valid and simplified.iloc[0].area == pytest.approx(0.005, rel=1e-3)
    assert simplified.iloc[1].area == pytest.approx(0.01, rel=1e-3)
    assert len(encode_geometry(simplified.iloc[0])) == 2  # the two triangles of the bow tie


def test_simplification_keeps_missing_and_non_polygonal_geometries_as_missing() -> None:
    frame = gpd.GeoSeries([box(55.2, -21.1, 55.3, -21.0), None, shapely.Point(5, 45)], crs=4326)
    simplified = simplify_units(frame, ["974", "01", "01"], tolerance_m=30.0)
    assert simplified.iloc[0] is not None and abs(simplified.iloc[0].area - 0.01) < 1e-6
    assert simplified.iloc[1] is None and simplified.iloc[2] is None


# --------------------------------------------------------------------------- OD table


def test_od_is_packed_by_origin_with_duplicates_summed_and_unserved_kept() -> None:
    od = pd.DataFrame({
        "origin": ["01002", "01001", "01001", "01001", "01002", "99999"],
        "destination": ["01001", "01002", "01002", None, "88888", "01001"],
        "volume": [5.0, 1.25, 2.5, 4.0, 0.0004, 7.0],
    })
    packed = pack_od(od, ["01001", "01002"])
    # 01002→88888 (0.0004) rounds to 0 and is left out, so 88888 is no code of the table.
    # Index: 0 = 01001, 1 = 01002, then the other codes sorted: 2 = 99999.
    assert packed["extra_codes"] == ["99999"]
    assert packed["start"] == [0, 2, 3, 4]
    assert packed["dest"] == [-1, 1, 0, 0]
    assert packed["vol"] == [4.0, 3.75, 5.0, 7.0]


def test_od_round_trip_equals_the_aggregated_table() -> None:
    rng = np.random.default_rng(3)
    codes = [f"01{i:03d}" for i in range(1, 40)]
    od = pd.DataFrame({
        "origin": pd.Categorical(rng.choice(codes, 500)),
        "destination": pd.Categorical(rng.choice([*codes, "02001"], 500)),
        "volume": rng.uniform(0.01, 100, 500).round(2),
    })
    back = unpack_od(pack_od(od, codes[:30]), codes[:30])
    plain = od.astype({"origin": str, "destination": str})
    # Rows with neither end among the page's units change no figure and are left out.
    plain = plain[plain["origin"].isin(codes[:30]) | plain["destination"].isin(codes[:30])]
    assert len(plain) < len(od)
    expected = plain.groupby(["origin", "destination"])["volume"].sum()
    got = back.groupby(["origin", "destination"])["volume"].sum()
    pd.testing.assert_series_equal(got.sort_index(), expected.round(2).sort_index(), check_exact=False, atol=1e-9)


def test_od_rows_outside_the_page_are_dropped() -> None:
    od = pd.DataFrame({"origin": ["02001", "02001", "01001"], "destination": ["02002", "01001", "02003"],
                       "volume": [9.0, 1.0, 2.0]})
    packed = pack_od(od, ["01001"])
    assert packed["extra_codes"] == ["02001", "02003"]
    assert unpack_od(packed, ["01001"]).values.tolist() == [["01001", "02003", 2.0], ["02001", "01001", 1.0]]


def test_empty_od_gives_empty_rows_for_every_unit() -> None:
    assert pack_od(None, ["01001", "01002"]) == {"extra_codes": [], "start": [0, 0, 0], "dest": [], "vol": [],
                                                 "decimals": 2}


# --------------------------------------------------------------------------- payload and page


def test_payload_indexes_units_claims_groups_and_initial() -> None:
    payload = editor_payload(case.editor_data())
    units = payload["units"]
    assert units["code"] == [case.A, case.B, case.C, case.D, case.E, case.F, case.G]
    assert units["population"] == [25000, 15000, 8000, 1000, 500, 300, None]
    assert units["annee"] == [2022, 2022, 2022, 2022, 2022, 2017, None]
    names = payload["perimeters"]["nom"]
    assert [[names[p] for p in claims] for claims in units["claims"]] == [
        ["CPTS Alpha"], ["CPTS Alpha", "CPTS Beta"], ["CPTS Beta"], ["CPTS Alpha"], [case.HOSTILE], [], []]
    assert payload["perimeters"]["hors_zone"] == [0, 0, 1]  # 02001 is outside the zone
    assert payload["perimeters"]["hors_zone_codes"] == [[], [], ["02001"]]
    assert payload["bv"] == {"code": ["01001", "01002"], "nom": ["Aubert", "Belleville"], "total": [3, 4],
                             "hors_base": [0, 0]}
    assert payload["epci"]["total"] == [3, 3]
    assert units["epci"][-1] == -1 and units["bv"][-1] == -1
    assert payload["initial"] == {"units": [0, 1, 3], "nom": "CPTS Alpha", "cpts": "CPTS Alpha", "liste": "L1"}
    assert units["geom"][-1] == []
    assert payload["aci"]["funding"]["2"] == {"total_possible": 242000, "volet_supplementaire": 45000,
                                             "maximum": 287000}
    colours = payload["perimeters"]["couleur"]
    assert colours[0] != colours[1]  # Alpha and Beta share B: different outline colours


def test_arrondissements_are_grouped_under_their_city() -> None:
    frame = case.units().iloc[:3].copy()
    frame["code"] = ["13201", "13202", "13203"]
    payload = editor_payload(case.editor_data(units=frame, perimeters=[], initial=InitialPerimeter(), od=None,
                                              bv_totals=None))
    assert payload["cities"] == {"13055": [0, 1, 2]}


def test_page_is_offline_and_data_cannot_close_the_script() -> None:
    page, tolerance = build_editor_page(case.editor_data())
    assert tolerance == 30.0
    assert remote_references(page) == []
    assert "dist/leaflet.js (copie locale)" in page and "dist/leaflet.css (copie locale)" in page
    data = page.split('<script id="editor-data" type="application/json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data
    assert json.loads(data)["perimeters"]["nom"][2] == case.HOSTILE
    assert len(re.findall(r"<script\b", page)) == len(re.findall(r"</script>", page))


def test_a_hostile_title_stays_text() -> None:
    title = "{{DATA}} </title><script>alert(1)</script> {{CSS}}"
    page, _ = build_editor_page(case.editor_data(title=title))
    assert "<title>&#123;&#123;DATA&#125;&#125; &lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    data = page.split('<script id="editor-data" type="application/json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(data)["meta"]["titre"] == title


def test_page_over_budget_is_simplified_further() -> None:
    # Round units (8 000 vertices each): doubling the tolerance from 30 m to 60 m removes vertices.
    frame = case.units()
    frame.loc[frame.geometry.notna(), "geometry"] = [
        shapely.Point(g.centroid.x, g.centroid.y).buffer(0.04, quad_segs=2000) for g in frame.geometry.dropna()]
    data = case.editor_data(units=frame)
    first, tolerance = build_editor_page(data)
    assert tolerance == 30.0
    budget = len(first.encode("utf-8")) - 1
    page, tolerance = build_editor_page(data, max_bytes=budget)
    assert tolerance == 60.0 and len(page.encode("utf-8")) <= budget


def test_page_over_budget_because_of_the_od_is_refused_at_once() -> None:
    page, _ = build_editor_page(case.editor_data())
    with pytest.raises(PipelineError, match=r"trop lourde.*table origine-destination"):
        build_editor_page(case.editor_data(), max_bytes=len(page.encode("utf-8")) // 2)


def test_every_input_problem_is_reported_at_once() -> None:
    frame = case.units()
    frame.loc[1, "code"] = case.A  # duplicate
    frame.loc[2, "population"] = -5
    frame.loc[3, "code"] = "1004"  # four characters
    frame["cpts"] = [["CPTS Alpha"], [], [], [], [], [], []]
    od = case.od()
    od.loc[0, "volume"] = -1.0
    data = case.editor_data(units=frame, od=od,
                            initial=InitialPerimeter(codes=("01001", "09999"), name="x", cpts=None),
                            former_codes={case.C: case.A, "01999": "09998"})  # a unit itself; a target absent
    with pytest.raises(DataError) as error:
        editor_payload(data)
    text = str(error.value)
    for expected in ("unités en double : 01001", "population non entière ou négative pour : 01003",
                     "codes d'unité invalides", "1004", "09999", "volumes absents, négatifs",
                     "CPTS de la colonne cpts",
                     f"anciens codes déjà unités de la zone, ou rattachés à une unité absente de la zone : {case.C}, "
                     "01999"):
        assert expected in text, expected


def test_a_cpts_column_agreeing_with_the_listing_is_accepted_in_any_list_form() -> None:
    frame = case.units()
    frame["cpts"] = [np.array(["CPTS Alpha"]), ("CPTS Alpha", "CPTS Beta"), ["CPTS Beta"], "CPTS Alpha",
                     [case.HOSTILE], None, np.array([], dtype=object)]
    assert editor_payload(case.editor_data(units=frame))["units"]["code"][0] == case.A


def test_former_codes_of_the_zone_go_in_the_page() -> None:
    payload = editor_payload(case.editor_data(former_codes={"01998": case.A}))
    assert payload["former"] == {"01998": case.A}


def test_units_in_another_crs_are_reprojected() -> None:
    payload = editor_payload(case.editor_data(units=case.units().to_crs(2154)))
    ring = decode_ring(payload["units"]["geom"][0][0][0])
    # Unit A is the square 5.0-5.1 E, 45.1-45.2 N (vertex order may start elsewhere after the round trip).
    assert sorted(map(tuple, ring.round(4).tolist())) == [(5.0, 45.1), (5.0, 45.2), (5.1, 45.1), (5.1, 45.2)]


def test_perimeter_claims_outside_the_zone_do_not_fail() -> None:
    data = case.editor_data(perimeters=[ListedPerimeter("CPTS Hors zone", "L3", ("02001", "02002"))])
    payload = editor_payload(data)
    assert payload["perimeters"]["units"] == [[]]
    assert payload["perimeters"]["hors_zone"] == [2]
