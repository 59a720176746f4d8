"""Interactive map builders: content, classification, geometry, escaping and size (no browser here).

Browser behaviour (clustering, CPTS finder, flow arrows) is in ``test_maps_browser.py``.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon, box

from pipeline.render import maps
from pipeline.render.maps import classify, coverage_map, flow_map, prepare_geometries, save_map, territory_map
from pipeline.render.maps.arrows import bezier, curved
from pipeline.render.maps.flows import destinations_panel, prepare_flows
from pipeline.render.maps.geometry import metric_crs
from pipeline.render.palette import ESTABLISHMENT_COLORS, FLOW_COLORS
from tests.render.map_data import (
    INDICATORS,
    LAT0,
    LON0,
    XSS,
    paca_coverage,
    synthetic_coverage,
    synthetic_flows,
    synthetic_territory,
)


def unescape_json(text: str) -> str:
    """Undo the ``\\uXXXX`` escapes of JSON embedded in the page."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


def embedded_features(html: str) -> list[dict]:
    """Every GeoJSON feature embedded in a rendered page (folium layers and clustered points)."""
    features = []
    decoder = json.JSONDecoder()
    for match in re.finditer(r'\{"features":|\{"type": ?"FeatureCollection"', html):
        try:
            obj, _ = decoder.raw_decode(html, match.start())
        except json.JSONDecodeError:
            continue
        features.extend(obj.get("features", []))
    return features


# --------------------------------------------------------------------------- classification and geometry


def test_classify_known_answers() -> None:
    values = pd.Series([1, 2, 3, 10, 11, 12, 50, 51, 100, 101.0])
    classes, bins = classify(values, k=5)
    # Fisher-Jenks optimum (within-class sum of squares 3.5): {1} {2, 3} {10..12} {50, 51} {100, 101}.
    assert bins == [1.0, 3.0, 12.0, 51.0, 101.0]
    assert classes.tolist() == [0, 1, 1, 2, 2, 2, 3, 3, 4, 4]
    classes, bins = classify(values, k=2, scheme="Quantiles")
    assert bins == [11.5, 101.0]  # median
    assert classes.tolist() == [0] * 5 + [1] * 5


def test_classify_constant_nan_and_few_values() -> None:
    classes, bins = classify(pd.Series([9.5, 9.5, 9.5]))
    assert bins == [9.5] and classes.tolist() == [0, 0, 0]
    classes, bins = classify(pd.Series([1.0, np.nan, 2.0]))
    assert bins == [1.0, 2.0] and classes.tolist() == [0, -1, 1]
    classes, bins = classify(pd.Series([np.nan, np.nan]))
    assert bins == [] and classes.tolist() == [-1, -1]


def test_prepare_geometries_rounds_and_simplifies() -> None:
    n = 2000
    ring = [(LON0 + 0.1 * math.cos(2 * math.pi * t / n), LAT0 + 0.1 * math.sin(2 * math.pi * t / n)) for t in range(n)]

    gdf = gpd.GeoDataFrame({"nom": ["cercle"]}, geometry=[Polygon(ring)], crs=4326)
    out = prepare_geometries(gdf, simplify_tolerance=50, precision=5)
    coords = np.asarray(out.geometry.iloc[0].exterior.coords)
    assert len(coords) < n / 5
    assert np.allclose(coords, np.round(coords, 5), atol=0)
    # Area preserved within 1 %.
    assert out.to_crs(2154).area.iloc[0] == pytest.approx(gdf.to_crs(2154).area.iloc[0], rel=0.01)


def test_metric_crs_follows_the_departement_or_the_location() -> None:
    reunion = box(55.4, -21.2, 55.5, -21.1)
    with_code = gpd.GeoDataFrame({"code": ["97411"]}, geometry=[reunion], crs=4326)
    assert metric_crs(with_code).to_epsg() == 2975  # RGR92 / UTM 40S, the IGN's CRS for La Réunion
    without_code = gpd.GeoDataFrame(geometry=[reunion], crs=4326)
    assert metric_crs(without_code).to_epsg() == 32740  # UTM zone 40 south: (55.45 + 180) // 6 + 1 = 40
    assert metric_crs(synthetic_territory()["communes"]).to_epsg() == 2154
    assert metric_crs(gpd.GeoDataFrame(geometry=[box(2.3, 48.8, 2.4, 48.9)], crs=4326)).to_epsg() == 2154


def test_bezier_curve_bends_to_the_left_of_its_direction() -> None:
    points = bezier((0.0, 0.0), (10.0, 0.0), bend=0.2, samples=5)
    # Control point (5, 2): the middle of a quadratic curve is at half the control point's offset.
    assert points[0].tolist() == [0.0, 0.0] and points[-1].tolist() == [10.0, 0.0]
    assert points[2].tolist() == pytest.approx([5.0, 1.0])
    back = bezier((10.0, 0.0), (0.0, 0.0), bend=0.2, samples=5)
    assert back[2].tolist() == pytest.approx([5.0, -1.0])  # the return trip bends the other way


def test_curved_flows_keep_their_ends_and_drop_zero_length_lines() -> None:
    flows = synthetic_flows()
    flows.loc[len(flows)] = [10, "sortant", "04070", "04070", "Digne", "Digne", shapely.LineString([(6, 44), (6, 44)])]
    out = curved(flows)
    assert len(out) == 2
    for original, line in zip(flows.geometry[:2], out.geometry, strict=True):
        assert line.coords[0] == pytest.approx(original.coords[0])
        assert line.coords[-1] == pytest.approx(original.coords[-1])
        assert len(line.coords) == 24


# --------------------------------------------------------------------------- territory map


def test_territory_map_layers_and_legends() -> None:
    data = synthetic_territory()
    m = territory_map(indicators=INDICATORS, title="CPTS du Pays dignois", demo_data=True, **data)
    html = m.get_root().render()
    layers = [c.layer_name for c in m._children.values() if getattr(c, "control", False)]
    assert layers == [  # the neighbours above the indicators: an overlapping CPTS was hidden under them (a review)
        "Population municipale",
        "APL médecins généralistes (2023)",
        "Médecins généralistes pour 10 000 hab.",
        "Contours des communes",
        "CPTS voisines",
        "Périmètre de la CPTS",
        "Professionnels de santé (par commune)",
        "Établissements de santé",
        "Flux de patients",
    ]
    shown = [c.layer_name for c in m._children.values() if getattr(c, "control", False) and c.show]
    assert "APL médecins généralistes (2023)" not in shown and "Population municipale" in shown
    assert "Flux de patients" not in shown
    html = unescape_json(html)
    assert "Données fictives de démonstration" in html
    assert "Donnée non disponible" in html  # NaN APL
    # Fisher-Jenks classes of the population column (6 distinct values, k = 5), French formatting.
    assert "plus de 300 à 500" in html.replace("\u202f", " ")  # 300 is the first class, « 300 », alone
    assert "https://" in html  # CDN links before inlining ...
    assert "L'Escale" in html


def test_an_apl_near_its_threshold_keeps_the_report_s_decimals_on_the_map() -> None:
    # A review: an APL of 2,455 (below 2,5, « oui » in the report) showed as « 2,5 » on the map, one decimal by
    # magnitude; the legend read « 2,5 | 2,5 | 2,5 ».
    data = synthetic_territory()
    data["communes"] = data["communes"].assign(apl_2023=[2.455, 2.494, 2.5, 1.2, 2.8, 3.9])
    indicators = {"apl_2023": "APL médecins généralistes (2023)"}
    by_magnitude = unescape_json(territory_map(indicators=indicators, **data).get_root().render())
    as_the_report = unescape_json(territory_map(indicators=indicators, indicator_decimals={"apl_2023": 2},
                                                **data).get_root().render())
    # By magnitude (one decimal) Digne's 2,455 reads « 2,5 » in its tooltip: the defect, on the same data. Its
    # legend tells the classes apart all the same (it read « 2,5 | 2,5 | 2,5 »).
    assert re.search(r'Digne-les-Bains</b><table><tr><th>APL[^<]*</th><td class=\\?"n\\?">2,5<', by_magnitude)
    assert "plus de 2,46 à 2,50" in by_magnitude
    for shown in ("2,46", "2,49", "2,50", "1,20"):
        assert shown in as_the_report, shown
    # The professionals' layer names what it counts: every mode of practice, distinct head counts per unit.
    assert "Professionnels de santé libéraux" not in as_the_report
    assert "Professionnels de santé, tous modes d'exercice (effectifs distincts ; une personne exerçant dans deux " \
           "communes compte dans chacune)" in as_the_report


def test_the_apl_s_sous_dense_threshold_starts_a_class() -> None:
    """The DREES calls « sous-dense » an APL below 2,5: natural breaks (« 2,20 – 2,60 ») hid which communes are
    under it; a class now starts at 2,5, the nearest break giving way so that there are still five classes."""
    from pipeline.analysis.indicators import APL_UNDER_SERVED
    from pipeline.render.maps.classes import choropleth, with_break_at
    from pipeline.render.profile_layers import LAYER_BREAKS

    assert LAYER_BREAKS == {"apl_2023": APL_UNDER_SERVED, "apl_moins_65_2023": APL_UNDER_SERVED} == {
        "apl_2023": 2.5, "apl_moins_65_2023": 2.5}
    below = float(np.nextafter(2.5, 0))  # upper bounds are inclusive: 2,5 itself opens the next class
    # 2 and 3 are both 0,5 from 2,5: the first gives way; 2,4 is nearest; a threshold outside the values is ignored.
    assert with_break_at([1.0, 2.0, 3.0, 4.0, 5.0], 2.5, 0.5) == [1.0, below, 3.0, 4.0, 5.0]
    assert with_break_at([1.0, 2.4, 3.0, 4.0, 5.0], 2.5, 0.5) == [1.0, below, 3.0, 4.0, 5.0]
    assert with_break_at([1.0, 2.0, 5.0], 7.0, 0.5) == with_break_at([1.0, 2.0, 5.0], 0.2, 0.5) == [1.0, 2.0, 5.0]
    assert with_break_at([1.0, 2.0, 5.0], 0.5, 0.5) == [1.0, 2.0, 5.0]  # nothing below the minimum to set apart
    values = pd.Series([1.0, 1.1, 2.2, 2.3, 2.49, 2.5, 2.6, 3.9, 4.0, 6.0, 6.1, np.nan])
    assert below not in classify(values, k=5)[1]
    classes, bins = classify(values, k=5, threshold=2.5)
    assert len(bins) == 5 and below in bins
    split = bins.index(below)
    under = values < 2.5
    assert (classes[under.to_numpy()] <= split).all() and (classes[(values >= 2.5).to_numpy()] > split).all()
    legend = [label for _, label in choropleth(values, threshold=2.5, decimals=2).legend]
    # The shared bound belongs to the class above it, which the label says (elsewhere it is the class below's).
    assert legend[split].endswith(" – moins de 2,50") and legend[split + 1].startswith("2,50 – ")
    assert legend[-1] == "Donnée non disponible"
    # A break given way leaving a class empty (nothing between 1,1 and 2,5): merged, the threshold's bound kept.
    gap = pd.Series([1.0, 1.1, 2.6, 2.7, 3.0, 3.5, 4.0, 4.5])
    classes, bins = classify(gap, k=5, threshold=2.5)
    assert bins[0] == below and np.bincount(classes).min() > 0
    labels = [label for _, label in choropleth(gap, threshold=2.5, decimals=2).legend]
    assert labels[0] == "1,00 – moins de 2,50" and labels[1].startswith("2,50 – ") and len(labels) == len(bins)
    # A lower bound written as the threshold (2,496 at two decimals) keeps its own decimals: never « 2,50 – moins
    # de 2,50 » (a review).
    close = choropleth(pd.Series([2.496, 2.6, 3.0, 3.4, 4.1, 5.2, 6.0]), threshold=2.5, decimals=2).legend
    assert close[0][1] == "2,496 – moins de 2,50"
    # The territory map's APL layer, as the report draws it.
    data = synthetic_territory()
    data["communes"] = data["communes"].assign(apl_2023=[1.2, 2.2, 2.3, 2.6, 2.8, 3.9])
    page = unescape_json(territory_map(indicators={"apl_2023": "APL"}, indicator_decimals={"apl_2023": 2},
                                       indicator_breaks=LAYER_BREAKS, **data).get_root().render())
    assert "– moins de 2,50" in page and "2,50 –" in page


def test_establishments_are_clustered_and_coloured_by_group() -> None:
    m = territory_map(indicators=INDICATORS, **synthetic_territory())
    html = m.get_root().render()
    assert "L.markerClusterGroup(" in html and "leaflet.markercluster" in html
    points = [f for f in embedded_features(html) if f["geometry"]["type"] == "Point" and "group" in f["properties"]]
    fills = {unescape_json(f["properties"]["group"]): f["properties"]["fill"] for f in points}
    assert fills == {"Hôpital public": ESTABLISHMENT_COLORS["Hôpital public"], "EHPAD": ESTABLISHMENT_COLORS["EHPAD"],
                     "Autre": ESTABLISHMENT_COLORS["Autre"]}
    # Legend: one entry per group with its count, in the order of the FINESS groups.
    legend = unescape_json(html)
    assert legend.index("Hôpital public <span class=\\\"count\\\">(1)") < legend.index("EHPAD <span")
    # Told apart from the surroundings when the points say where they are (« MSP (2) » read as the CPTS's own).
    data = synthetic_territory()
    data["establishments"] = data["establishments"].assign(dans_territoire=[True, False, False])
    told = unescape_json(territory_map(indicators=INDICATORS, **data).get_root().render())
    assert "EHPAD <span class=\\\"count\\\">(0 dans le territoire, 1 autour)" in told


def test_missing_column_is_reported() -> None:
    data = synthetic_territory()
    data["communes"] = data["communes"].drop(columns=["nom"])
    with pytest.raises(ValueError, match="nom"):
        territory_map(indicators=INDICATORS, **data)


# --------------------------------------------------------------------------- coverage map


def test_coverage_map_size_small(tmp_path: Path) -> None:
    path = save_map(coverage_map(**synthetic_coverage(), demo_data=False), tmp_path / "couverture.html")
    text = path.read_text(encoding="utf-8")
    text = unescape_json(text)
    assert "Données fictives de démonstration" not in text
    assert "proposition – Haute-Bléone" in text
    # Leaflet + jQuery + leaflet-search inlined, no Bootstrap / Font Awesome.
    assert path.stat().st_size < 400_000
    assert "bootstrap" not in text.lower()


def test_coverage_legend_lists_every_cpts_with_a_search_box() -> None:
    units, perimeters = synthetic_coverage()["units"], grid_of_named(25)
    html = unescape_json(coverage_map(units, perimeters).get_root().render())
    items = re.findall(r'<li data-key=\\"(\d+)\\" data-name=\\"([^"\\]+)\\"', html)
    assert len(items) == 25  # all of them, not the first 25 of a longer list cut short
    assert [name for _, name in items] == sorted(name for _, name in items)
    assert "Rechercher une CPTS…" in html


def test_coverage_map_greys_unknown_units_and_frames_the_zone() -> None:
    """Units of unknown coverage are grey, not the white of a white zone; the view is the zone's units even when
    a CPTS reaches far beyond them (a review: Manosque with Bordeaux framed 04 from the Atlantic to the Alps)."""
    data = synthetic_coverage()
    east = [k % 4 == 3 for k in range(len(data["units"]))]
    data["units"]["couverture"] = ["non connue" if e else None for e in east]
    far = box(-0.60, 44.80, -0.55, 44.85)  # Bordeaux
    data["perimeters"].loc[0, "geometry"] = data["perimeters"].geometry.iloc[0].union(far)
    page = coverage_map(**data).get_root().render()
    styler = re.search(r"_styler\(feature\) \{\s*switch\(feature.id\) \{(.*?)\}\s*\}", page, re.S)
    assert styler is not None
    cases = re.findall(r"((?:case \"\d+\": )+)\s*return (\{[^}]*\})|default:\s*return (\{[^}]*\})", styler.group(1))
    fills: dict[str, str] = {}
    for listed, style, default in cases:
        ids = re.findall(r"\"(\d+)\"", listed) if listed else ["default"]
        fills.update(dict.fromkeys(ids, json.loads(style or default)["fillColor"]))
    unit_fill = {str(k): fills.get(str(k), fills["default"]) for k in range(len(east))}
    assert {k for k, v in unit_fill.items() if v == "#d9d9d9"} == {str(k) for k, e in enumerate(east) if e}
    assert {k for k, v in unit_fill.items() if v == "#ffffff"} == {str(k) for k, e in enumerate(east) if not e}
    assert "Couverture non connue (voir la bulle)" in page
    # The view: the 4 x 3 squares of the units (6,20–6,40 E, 44,05–44,20 N), not Bordeaux.
    view = re.search(r"fitBounds\(bounds \|\| (\[\[[^)]*\]\]),", page)
    assert view is not None and json.loads(view.group(1)) == [[44.05, 6.2], [44.2, 6.4]]


def grid_of_named(n: int) -> gpd.GeoDataFrame:
    side = math.ceil(math.sqrt(n))
    cells = [(i % side, i // side) for i in range(n)]
    return gpd.GeoDataFrame({"cpts": [f"CPTS n°{k:02d}" for k in range(n)]},
                            geometry=[box(LON0 + i * 0.05, LAT0 + j * 0.05, LON0 + (i + 1) * 0.05,
                                          LAT0 + (j + 1) * 0.05) for i, j in cells], crs=4326)


def test_region_scale_coverage_map_stays_small(tmp_path: Path) -> None:
    """~1 000 communes with 200-vertex boundaries (≈ a région) stay far below 15 MB."""
    rng = np.random.default_rng(0)
    n_side, size, vertices = 32, 0.06, 200
    polys, names = [], []
    for i in range(n_side):
        for j in range(n_side):
            cx, cy = 4.5 + i * size, 43.2 + j * size * 0.75
            t = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
            r = size * 0.5 * (1 + 0.02 * rng.standard_normal(vertices))
            polys.append(Polygon(np.c_[cx + r * np.cos(t), cy + 0.75 * r * np.sin(t)]))
            names.append(f"Commune {i}-{j}")
    units = gpd.GeoDataFrame(
        {"code": [f"{k:05d}" for k in range(len(polys))], "nom": names, "population": 1000, "n_cpts": 1, "cpts": "A"},
        geometry=polys,
        crs=4326,
    )
    half = n_side * size / 2
    quadrants = [
        shapely.segmentize(
            box(4.5 + a * half, 43.2 + b * half * 0.75, 4.5 + (a + 1) * half, 43.2 + (b + 1) * half * 0.75), 0.001
        )
        for a in range(2)
        for b in range(2)
    ]
    perimeters = gpd.GeoDataFrame({"cpts": list("ABCD")}, geometry=quadrants, crs=4326)
    raw = len(units.to_json()) + len(perimeters.to_json())
    path = save_map(coverage_map(units, perimeters), tmp_path / "region.html")
    size = path.stat().st_size
    assert size < 15 * 1024 * 1024
    assert size < raw / 2  # simplification + rounding


@pytest.mark.mirror
def test_real_paca_coverage_map_stays_under_15_mb(mirror: Path, tmp_path: Path) -> None:
    units, perimeters = paca_coverage(mirror)
    assert len(units) > 900 and perimeters["cpts"].nunique() == len(perimeters) > 60
    path = save_map(coverage_map(units, perimeters, title="Couverture PACA"), tmp_path / "paca.html")
    assert path.stat().st_size < 15 * 1024 * 1024
    html = unescape_json(path.read_text(encoding="utf-8"))
    assert html.count("<li data-key=") == len(perimeters)


# --------------------------------------------------------------------------- flow map


def test_flows_carry_names_keys_and_widths() -> None:
    f = prepare_flows(synthetic_flows(), max_width=14.0)
    assert f["_volume"].tolist() == [1200.0, 300.0]  # largest first
    # The commune outside the territory: the destination of an outgoing flow, the origin of an incoming one.
    assert f["_key"].tolist() == ["04112", "04209"] and f["_outside"].tolist() == ["Manosque", "Sisteron"]
    assert f["_from"].tolist() == ["Digne-les-Bains", "Sisteron"]
    assert f["_width"].tolist() == pytest.approx([14.0, 1.5 + 12.5 * math.sqrt(300 / 1200)])


def test_flow_names_fall_back_to_codes_and_missing_volume_is_not_zero() -> None:
    flows = synthetic_flows().drop(columns=["nom_origine", "nom_destination"])
    flows.loc[1, "volume"] = np.nan
    f = prepare_flows(flows, max_width=14.0)
    assert f["_outside"].tolist() == ["04112", "04209"]
    html = destinations_panel(f, None, 10, 0, "Volume")
    assert ">non disponible</td>" in html and ">0</td>" not in html


def test_flow_map_table_lists_destinations_by_name(tmp_path: Path) -> None:
    data = synthetic_territory()
    table = pd.DataFrame({"destination": ["04112", "04209"], "nom": ["Manosque", XSS], "volume": [1200.4, 80.0],
                          "part_des_residents": [0.123, np.nan]})
    m = flow_map(data["flows"], perimeter=data["perimeter"], communes=data["communes"], table=table,
                 volume_label="Recours annuels modélisés")
    html = unescape_json(m.get_root().render())
    assert "Principales destinations des habitants" in html
    assert "Recours annuels modélisés" in html
    assert "12,3\u202f%" in html and ">non disponible</td>" in html  # a missing share, never 0
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and XSS not in html
    assert "Principales origines des patients extérieurs" in html and "Sisteron" in html
    colors = {f["properties"]["color"] for f in embedded_features(html) if "key" in f["properties"]}
    assert colors == {FLOW_COLORS["sortant"], FLOW_COLORS["entrant"]}


def test_maps_module_exports() -> None:
    assert callable(maps.territory_map) and callable(maps.coverage_map) and callable(maps.flow_map)
    assert callable(maps.save_map) and callable(maps.classify) and callable(maps.prepare_geometries)


def test_maps_without_drawable_flows_or_figures_still_render() -> None:
    data = synthetic_territory()
    no_flow = data["flows"].iloc[0:0]
    html = unescape_json(flow_map(no_flow, perimeter=data["perimeter"], communes=data["communes"])
                         .get_root().render())
    assert "Aucun flux à représenter" in html and "Aucun flux de ce sens." in html
    located_nowhere = data["flows"].assign(geometry=None)
    assert "Aucun flux à représenter" in unescape_json(flow_map(located_nowhere).get_root().render())
    # A territory whose indicator is missing everywhere: grey units, « Donnée non disponible », no class.
    communes = data["communes"].assign(apl_2023=np.nan)
    html = unescape_json(territory_map(data["perimeter"], communes, {"apl_2023": "APL"},
                                       establishments=data["establishments"].drop(columns=["groupe"]),
                                       flows=no_flow).get_root().render())
    assert "Donnée non disponible" in html and "Autre <span" in html


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_fisher_jenks_equals_the_reference_implementation(seed: int) -> None:
    """The hand-written Fisher-Jenks gives mapclassify's breaks (the reference) on skewed data."""
    import mapclassify

    values = np.random.default_rng(seed).lognormal(3.0, 1.0, 40 + 60 * seed)
    for k in (3, 5, 7):
        _, bins = classify(pd.Series(values), k=k)
        assert bins == pytest.approx(list(mapclassify.FisherJenks(values, k=k).bins), rel=1e-12)
        _, bins = classify(pd.Series(values), k=k, scheme="Quantiles")
        assert bins == pytest.approx(list(mapclassify.Quantiles(values, k=k).bins), rel=1e-12)


def test_fisher_jenks_on_many_values_keeps_the_extremes_and_is_fast_enough() -> None:
    values = pd.Series(np.random.default_rng(7).lognormal(3.0, 1.0, 35_000))
    classes, bins = classify(values, k=5)
    assert len(bins) == 5 and bins[-1] == values.max()
    assert classes.min() == 0 and classes.max() == 4
    assert bins == sorted(bins)


def test_a_large_map_is_named_by_its_file_name_in_plain_french(tmp_path: Path,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    """Maps are written in a hidden folder swapped in at the end: the warning names the file, not that folder,
    and says what the size means for the user instead of naming the function's parameters."""
    hidden = tmp_path / ".region-93.1234.tmp"
    with caplog.at_level("WARNING"):
        path = save_map(coverage_map(**synthetic_coverage(), demo_data=False), hidden / "carte.html", max_bytes=2**18)
    size = f"{path.stat().st_size / 2**20:.1f}".replace(".", ",")
    assert path.stat().st_size > 2**18  # the vendored Leaflet and folium assets alone are over 256 Kio
    assert [r.getMessage() for r in caplog.records] == [
        f"Carte carte.html volumineuse ({size} Mo, au-delà de 0,25 Mo) : elle peut être lente à ouvrir dans un "
        "navigateur"]


# --------------------------------------------------------------------------- the review of the maps (HEAD 763811a)


def test_tooltips_say_non_disponible_and_where_an_establishment_is() -> None:
    """A missing figure reads « non disponible » in the tooltips, as in the report (never « n.d. »); an
    establishment says whether it is in the territory, and how far when it is not."""
    data = synthetic_territory()
    data["establishments"] = data["establishments"].assign(dans_territoire=[True, False, False],
                                                           distance_km=[0.0, 3.14, np.nan])
    html = unescape_json(territory_map(indicators={"apl_2023": "APL"}, **data).get_root().render())
    infos = [f["properties"].get("info", "") for f in embedded_features(html)]
    apl = [i for i in infos if "<th>APL</th>" in i]
    assert len(apl) == len(data["communes"]) and any(">non disponible<" in i for i in apl)
    assert not [i for i in infos if "n.d." in i]
    situations = sorted(re.search(r"<th>Situation</th><td class=\"n\">([^<]*)<", i).group(1)  # type: ignore[union-attr]
                        for i in infos if "<th>Situation</th>" in i)
    assert situations == ["dans le territoire", "hors du territoire", "hors du territoire (à 3,1 km)"]
    assert "(0 dans le territoire, 1 autour)" in html and "(1 dans le territoire, 0 autour)" in html  # the legend
    # One outside by its commune whose coordinates lie inside (drawn in the outline): both said (a review).
    data["establishments"] = data["establishments"].assign(coordonnees_contradictoires=[False, False, True])
    html = unescape_json(territory_map(indicators={"apl_2023": "APL"}, **data).get_root().render())
    assert ("hors du territoire par sa commune, mais ses coordonnées sont dans le territoire"
            in [re.search(r"<th>Situation</th><td class=\"n\">([^<]*)<", f["properties"]["info"]).group(1)  # type: ignore[union-attr]
                for f in embedded_features(html) if "<th>Situation</th>" in f["properties"].get("info", "")])


def test_class_labels_never_share_a_bound() -> None:
    """« 0,0 » then « 0,0 – 6,2 » put 0 in two classes (a review): a class whose lower bound is the previous one's
    upper bound says « plus de »; the APL's 2,5 keeps « … – moins de 2,50 » / « 2,50 – … »."""
    from pipeline.render.maps.classes import choropleth

    labels = [label for _, label in choropleth(pd.Series([0.0] * 6 + [6.2, 7, 8, 9, 20, 21, 22, 40, 41, 60, 61]),
                                               k=5, decimals=1).legend]
    assert labels[0] == "0,0" and labels[1].startswith("plus de 0,0 à ")
    assert all(label.startswith("plus de ") for label in labels[1:])
    apl = [label for _, label in choropleth(pd.Series([1.0, 1.1, 2.2, 2.3, 2.49, 2.5, 2.6, 3.9, 4.0, 6.0, 6.1]),
                                            threshold=2.5, decimals=2).legend]
    assert apl == ["1,00 – 1,10", "plus de 1,10 à 2,30", "plus de 2,30 – moins de 2,50", "2,50 – 4,00",
                   "plus de 4,00 à 6,10"]


def test_classes_that_would_read_alike_get_the_decimals_that_tell_them_apart() -> None:
    """APL of 0,001, 0,002 and 0,004 were three classes « 0,00 »: the legend adds decimals where its bounds would
    merge, and keeps the tables' decimals (and the tooltips') otherwise."""
    from pipeline.render.maps.classes import choropleth

    tiny = choropleth(pd.Series([0.001, 0.002, 0.004, 0.006, 1.0]), k=5, decimals=2, threshold=2.5)
    assert [label for _, label in tiny.legend] == ["0,001", "0,002", "0,004", "0,006", "1,000"]
    assert tiny.decimals == 2
    # Classes 0,0011–0,0042 and above up to 3,1 read « 0,00 » and « plus de 0,00 à 3,10 ».
    low = choropleth(pd.Series([0.0011, 0.0012, 0.0013, 0.0041, 0.0042, 3.0, 3.1, 4.0, 4.1, 6.0, 6.1]), k=5,
                     decimals=2)
    assert [label for _, label in low.legend][:2] == ["0,001 – 0,004", "plus de 0,004 à 3,100"]
    kept = choropleth(pd.Series([1.0, 1.1, 2.2, 2.3, 2.49, 2.5, 2.6, 3.9, 4.0, 6.0, 6.1]), threshold=2.5, decimals=2)
    assert [label for _, label in kept.legend][-1] == "plus de 4,00 à 6,10"


def test_a_small_share_of_the_residents_is_not_zero() -> None:
    """644 consultations of a département's residents were « 0,0 % » of them."""
    f = prepare_flows(synthetic_flows(), max_width=14.0)
    table = pd.DataFrame({"destination": ["04112", "04209", "04070"], "nom": ["Manosque", "Sisteron", "Digne"],
                          "volume": [644, 80, 10], "part_des_residents": [0.00021, 0.0006, np.nan]})
    html = destinations_panel(f, table, 10, 0, "Recours")
    assert "moins de 0,1\u202f%" in html and "0,1\u202f%</td>" in html and "0,0\u202f%" not in html
    assert ">non disponible</td>" in html


def test_a_commune_two_flows_end_at_is_named_once() -> None:
    """A review: two drawn flows ending at Manosque (from Digne and from Aiglun) wrote its name twice, stacked."""
    from shapely.geometry import LineString

    data = synthetic_territory()
    flows = synthetic_flows()
    second = gpd.GeoDataFrame({"volume": [500], "sens": ["sortant"], "origine": ["04001"], "destination": ["04112"],
                               "nom_origine": ["Aiglun"], "nom_destination": ["Manosque"]},
                              geometry=[LineString([(6.12, 44.07), (6.25, 43.95)])], crs=4326)
    both = gpd.GeoDataFrame(pd.concat([flows, second], ignore_index=True), crs=4326)
    html = unescape_json(flow_map(both, perimeter=data["perimeter"], communes=data["communes"]).get_root().render())
    # The labels are inside a script's string: their quotes are escaped.
    assert len(re.findall(r'cpts-place\\?"[^>]*data-key=\\?"04112', html)) == 1
