"""Printed maps: PNG/SVG at print quality, true scale bar, legend, title, sources, palette colours.

PNGs are written to ``/tmp/cpts_screenshots/static`` so that a person can look at them.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image
from shapely.geometry import LineString, box

from pipeline.render.maps.classes import choropleth
from pipeline.render.palette import ESTABLISHMENT_COLORS, FLOW_COLORS, establishment_color
from pipeline.render.static_maps import (
    establishments_figure,
    establishments_map,
    flows_figure,
    flows_map,
    indicator_figure,
    indicator_map,
)
from pipeline.render.static_maps.frame import DPI, nice_length
from pipeline.render.static_maps.layers import neighbours_label
from tests.render.map_data import (
    LAT0,
    LON0,
    dense_establishments,
    real_arrondissements,
    real_flows,
    real_territory,
    synthetic_flows,
    synthetic_territory,
)

OUT = Path("/tmp/cpts_screenshots/static")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def texts(fig: Figure) -> list[str]:
    """Every text of the figure: titles, labels, legends (wrapped lines joined)."""
    found = fig.findobj(lambda a: hasattr(a, "get_text") and callable(a.get_text))
    return [t.get_text().replace("\n", " ") for t in found]


def hex_of(rgba: tuple) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(round(v * 255) for v in rgba[:3]))


def test_nice_scale_lengths() -> None:
    assert nice_length(23_000) == 20_000
    assert nice_length(4_900) == 2_000
    assert nice_length(7_000) == 5_000
    assert nice_length(1_000) == 1_000
    assert nice_length(60) == 100


def test_indicator_map_is_a_print_quality_png_with_legend_title_and_sources(tmp_path: Path) -> None:
    data = synthetic_territory()
    png = indicator_map(data["perimeter"], data["communes"], "apl_2023", "APL médecins généralistes 2023",
                        neighbours=data["neighbours"], title="CPTS du Pays dignois – APL", demo_data=True,
                        source="Sources : DREES (APL 2023), IGN.", path=tmp_path / "apl.png")
    assert png.startswith(PNG_SIGNATURE) and (tmp_path / "apl.png").read_bytes() == png
    image = Image.open(io.BytesIO(png))
    assert image.size == (1600, 1240)  # 8 x 6.2 inches at 200 dpi
    (OUT).mkdir(parents=True, exist_ok=True)
    (OUT / "synthetique_apl.png").write_bytes(png)
    fig = indicator_figure(data["perimeter"], data["communes"], "apl_2023", "APL médecins généralistes 2023",
                           neighbours=data["neighbours"], demo_data=True, source="Sources : DREES (APL 2023), IGN.")
    words = texts(fig)
    assert "APL médecins généralistes 2023" in words
    assert "Sources : DREES (APL 2023), IGN." in words
    assert "Données fictives de démonstration" in words
    # Classified legend, French numbers, missing value named as such (not a class).
    classes = choropleth(data["communes"]["apl_2023"])
    for _, label in classes.legend:
        assert label in words
    assert "Donnée non disponible" in words and "2,1" in words
    assert "Autre CPTS : CPTS Durance-Bléone" in words
    # Each commune's fill is its class colour; the one without APL is grey.
    fills = [hex_of(c) for c in fig.axes[0].collections[1].get_facecolor()]
    assert fills == classes.colors


def test_the_legend_has_the_decimals_of_the_tables() -> None:
    # The APL is given with two decimals in the tables: a commune at 2,04 was in a printed class « 0,4 – 2,0 »
    # (one decimal by default, a review). With decimals=2 each value lies within its class's printed bounds.
    data = synthetic_territory()
    values = data["communes"]["apl_2023"]
    fig = indicator_figure(data["perimeter"], data["communes"], "apl_2023", "APL", decimals=2)
    classes = choropleth(values, decimals=2)
    words = texts(fig)
    bounds = []
    for _, label in classes.legend:
        assert label in words
        if label != "Donnée non disponible":
            parts = [float(p.replace(",", ".")) for p in label.split(" – ")]
            assert all(len(p.split(",")[1]) == 2 for p in label.split(" – ") if "," in p)
            bounds.append((parts[0], parts[-1]))
    for value, index in zip(values, classes.classes, strict=True):
        if index >= 0:
            low, high = bounds[index]
            assert low <= round(value, 2) <= high, (value, bounds[index])


def test_scale_bar_measures_true_kilometres_in_lambert_93() -> None:
    data = synthetic_territory()
    fig = indicator_figure(data["perimeter"], data["communes"], "population", "Population")
    ax, legend_ax = fig.axes
    segments = [p for p in legend_ax.patches if str(p.get_gid()).startswith("scale-bar")]
    assert len(segments) == 2
    fig.canvas.draw()
    left = legend_ax.transAxes.transform((segments[0].get_x(), 0))[0]
    right = legend_ax.transAxes.transform((segments[1].get_x() + segments[1].get_width(), 0))[0]
    label = next(t for t in legend_ax.texts if t.get_text().endswith(" km"))
    km = float(label.get_text().split()[0].replace(",", "."))
    # Same length in the map's Lambert 93 metres: display pixels per metre of the map axes.
    x0, x1 = ax.get_xlim()
    metres_per_pixel = (x1 - x0) / ax.get_window_extent().width
    assert (right - left) * metres_per_pixel == pytest.approx(km * 1000, rel=1e-6)
    # The synthetic communes are 0.05° wide: about 4 km at 44° N; three of them fit in the view.
    assert 2 <= km <= 5


def test_north_arrow_follows_the_meridian_convergence() -> None:
    from pipeline.render.static_maps.frame import new_frame, north_arrow

    data = synthetic_territory()
    frame = new_frame([data["communes"]], "T", "Sources : test")
    angle = north_arrow(frame)
    # Lambert 93: convergence ≈ (λ − 3°) · sin(46.5°), true north turned anticlockwise east of 3° E.
    lon = LON0 + 0.075
    assert angle == pytest.approx(-(lon - 3.0) * math.sin(math.radians(46.5)), abs=0.15)


def test_overseas_territory_is_drawn_in_its_own_crs() -> None:
    reunion = gpd.GeoDataFrame({"code": ["97411", "97415"], "nom": ["Saint-Denis", "Saint-Paul"],
                                "population": [150_000, 105_000]},
                               geometry=[box(55.40, -20.95, 55.50, -20.88), box(55.25, -21.05, 55.40, -20.95)],
                               crs=4326)
    perimeter = gpd.GeoDataFrame({"nom": ["CPTS Nord"]}, geometry=[reunion.union_all()], crs=4326)
    fig = indicator_figure(perimeter, reunion, "population", "Population")
    x0, x1 = fig.axes[0].get_xlim()
    y0, _ = fig.axes[0].get_ylim()
    # RGR92 / UTM 40S: eastings around 330 km, northings around 7 680 km.
    assert 300_000 < x0 < x1 < 400_000 and 7_600_000 < y0 < 7_750_000


def test_establishments_map_colours_groups_and_counts_them() -> None:
    data = synthetic_territory()
    fig = establishments_figure(data["perimeter"], data["communes"], data["establishments"])
    scatters = {c.get_gid(): c for c in fig.axes[0].collections if str(c.get_gid()).startswith("groupe-")}
    assert set(scatters) == {"groupe-Hôpital public", "groupe-EHPAD", "groupe-Autre"}
    for gid, scatter in scatters.items():
        assert hex_of(scatter.get_facecolor()[0]) == ESTABLISHMENT_COLORS[gid.removeprefix("groupe-")]
    words = texts(fig)
    assert "Établissements (3)" in words and "EHPAD (1)" in words
    # The other CPTS drawn are said in the legend, as on the territory map (a review found them unsaid).
    with_neighbours = texts(establishments_figure(data["perimeter"], data["communes"], data["establishments"],
                                                  neighbours=data["neighbours"]))
    said = neighbours_label(data["neighbours"])
    assert said.startswith("Autre") and said in with_neighbours and said not in words


def test_establishment_counts_tell_the_territory_from_its_surroundings() -> None:
    """A review read « MSP (2) » on the map of a CPTS with none: the points of its surroundings were counted in.
    Here the hospital is in the territory, the EHPAD and the other one around it."""
    data = synthetic_territory()
    points = data["establishments"].assign(dans_territoire=[g == "Hôpital public" for g in data["establishments"]
                                                            ["groupe"]])
    words = texts(establishments_figure(data["perimeter"], data["communes"], points))
    assert "Hôpital public (1 dans le territoire, 0 autour)" in words
    assert "EHPAD (0 dans le territoire, 1 autour)" in words


def test_flows_map_draws_one_arrow_per_flow_wider_for_larger_volumes() -> None:
    data = synthetic_territory()
    fig = flows_figure(data["flows"], data["perimeter"], data["communes"], volume_label="Recours annuels")
    arrows = [p for p in fig.axes[0].patches if str(p.get_gid()).startswith("flux-")]
    assert [a.get_gid() for a in arrows] == ["flux-sortant", "flux-entrant"]
    assert arrows[0].get_linewidth() > arrows[1].get_linewidth()
    assert hex_of(arrows[0].get_edgecolor()) == FLOW_COLORS["sortant"]
    words = texts(fig)
    assert "Manosque" in words and "Sisteron" in words  # names, not codes
    assert "04112" not in words
    assert "1\u202f200" in words  # volume of the largest flow, French format
    assert "Recours annuels (épaisseur)" in words


def test_the_perimeter_outline_is_a_cpts_s_only_when_its_frame_says_so() -> None:
    """A département or a list of communes is no CPTS: the diagnostic names its outline « Périmètre du
    territoire » in a ``legende`` column; without one the outline stays « Périmètre de la CPTS »."""
    data = synthetic_territory()
    territory = data["perimeter"].assign(legende="Périmètre du territoire")
    for perimeter, shown, hidden in ((territory, "Périmètre du territoire", "Périmètre de la CPTS"),
                                     (data["perimeter"], "Périmètre de la CPTS", "Périmètre du territoire")):
        for fig in (indicator_figure(perimeter, data["communes"], "population", "Population"),
                    establishments_figure(perimeter, data["communes"], data["establishments"]),
                    flows_figure(data["flows"], perimeter, data["communes"])):
            words = texts(fig)
            assert shown in words and hidden not in words, words


def test_svg_output_keeps_legend_and_sources_as_text() -> None:
    data = synthetic_territory()
    svg = flows_map(synthetic_flows(), data["perimeter"], data["communes"], image_format="svg")
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
    # Legend, title and sources stay text (map labels with a white halo are drawn as outlines).
    assert b"Sens des flux" in svg and b"Sources" in svg and "Échelle".encode() in svg


def test_missing_volume_gets_the_thinnest_arrow_not_a_zero() -> None:
    flows = synthetic_flows()
    flows.loc[1, "volume"] = np.nan
    extra = gpd.GeoDataFrame({"volume": [50.0], "sens": ["sortant"], "origine": ["04070"], "destination": ["04001"],
                              "nom_origine": ["Digne"], "nom_destination": ["Aiglun"]},
                             geometry=[LineString([(LON0 + 0.02, LAT0 + 0.02), (LON0 + 0.07, LAT0 + 0.06)])],
                             crs=4326)
    fig = flows_figure(pd.concat([flows, extra], ignore_index=True))
    arrows = [p for p in fig.axes[0].patches if str(p.get_gid()).startswith("flux-")]
    assert len(arrows) == 3 and min(a.get_linewidth() for a in arrows) == pytest.approx(0.8)


@pytest.mark.mirror
def test_real_verdon_and_paris_static_maps(mirror: Path) -> None:
    """Real contours: the Verdon CPTS (15 communes, 6 neighbours) and 1 000 establishments in Paris 18e–20e."""
    OUT.mkdir(parents=True, exist_ok=True)
    verdon = real_territory(mirror)
    assert len(verdon["units"]) >= 14 and len(verdon["neighbours"]) >= 4
    fig = indicator_figure(verdon["perimeter"], verdon["units"], "densite", "Densité (hab./km²)",
                           neighbours=verdon["neighbours"], title="CPTS du Verdon – densité de population")
    named = set(texts(fig)) & set(verdon["units"]["nom"])
    assert len(named) >= 10  # most communes are named without collisions
    indicator_map(verdon["perimeter"], verdon["units"], "densite", "Densité (hab./km²)",
                  neighbours=verdon["neighbours"], title="CPTS du Verdon – densité de population",
                  path=OUT / "verdon_densite.png")

    paris = real_arrondissements(mirror, ["75118", "75119", "75120"])
    perimeter = gpd.GeoDataFrame({"nom": ["Paris 18e–20e"]}, geometry=[paris.union_all()], crs=4326)
    points = dense_establishments(paris, 1000)
    fig = establishments_figure(perimeter, paris, points, title="Paris 18e–20e", demo_data=True)
    words = texts(fig)
    counts = points["groupe"].value_counts()
    for group, n in counts.items():
        assert f"{group} ({n})" in words
        scatter = next(c for c in fig.axes[0].collections if c.get_gid() == f"groupe-{group}")
        assert len(scatter.get_offsets()) == n
        assert hex_of(scatter.get_facecolor()[0]) == establishment_color(group)
    assert "Établissements (1\u202f000)" in words
    establishments_map(perimeter, paris, points, title="Paris 18e–20e – établissements fictifs", demo_data=True,
                       path=OUT / "paris_etablissements.png")

    flows = real_flows(mirror)
    fig = flows_figure(flows, verdon["perimeter"], verdon["units"], volume_label="Recours annuels")
    words = texts(fig)
    assert {"Manosque", "Draguignan", "Digne-les-Bains"} <= set(words)  # the main destinations, by name
    flows_map(flows, verdon["perimeter"], verdon["units"], title="CPTS du Verdon – principaux flux (volumes fictifs)",
              volume_label="Recours annuels", demo_data=True, path=OUT / "verdon_flux.png")


def test_static_maps_survive_missing_data() -> None:
    data = synthetic_territory()
    no_flow = synthetic_flows().iloc[0:0]
    assert flows_map(no_flow, data["perimeter"], data["communes"]).startswith(PNG_SIGNATURE)
    communes = data["communes"].assign(apl_2023=np.nan)
    fig = indicator_figure(data["perimeter"], communes, "apl_2023", "APL")
    assert "Donnée non disponible" in texts(fig)
    unnamed = data["establishments"].drop(columns=["groupe"])
    assert "Autre (3)" in texts(establishments_figure(data["perimeter"], data["communes"], unnamed))
    # Layers given in Lambert 93 are drawn the same as in EPSG:4326.
    projected = indicator_figure(data["perimeter"].to_crs(2154), data["communes"].to_crs(2154), "population", "P")
    plain = indicator_figure(data["perimeter"], data["communes"], "population", "P")
    assert projected.axes[0].get_xlim() == pytest.approx(plain.axes[0].get_xlim())


#: A territory label as long as a « communes: » territory of several long names makes it.
LONG_LABEL = "Bourg-en-Bresse, Péronnas, Saint-Denis-lès-Bourg, Viriat et 4 autres communes"


def title_of(fig: Figure) -> Text:
    """The map's title: the text at the top left of the figure."""
    return next(t for t in fig.texts if t.get_position() == (0.015, 0.955))


def banner_of(fig: Figure) -> Text | None:
    return next((t for t in fig.texts if t.get_text() == "Données fictives de démonstration"), None)


def printed_maps(title: str, demo: bool) -> list[Figure]:
    data = synthetic_territory()
    return [indicator_figure(data["perimeter"], data["communes"], "apl_2023", "APL", title=title, demo_data=demo),
            establishments_figure(data["perimeter"], data["communes"], data["establishments"], title=title,
                                  demo_data=demo),
            flows_figure(data["flows"], data["perimeter"], data["communes"], title=title, demo_data=demo)]


def assert_title_inside(fig: Figure) -> None:
    """At every resolution the maps are drawn at, the drawn title lies inside the figure, above the map and left
    of the demonstration label."""
    title, banner = title_of(fig), banner_of(fig)
    for dpi in (72, 100, DPI):
        fig.set_dpi(dpi)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        box, page = title.get_window_extent(renderer), fig.bbox
        assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1, (dpi, box)
        assert box.y0 >= fig.axes[0].get_window_extent(renderer).y1, dpi  # above the map
        if banner is not None:
            patch = banner.get_bbox_patch()
            assert patch is not None and box.x1 < patch.get_window_extent(renderer).x0, dpi
    fig.set_dpi(100)


@pytest.mark.parametrize("demo", [False, True])
def test_long_titles_wrap_within_the_figure_on_every_printed_map(demo: bool) -> None:
    """« Établissements de santé et médico-sociaux – Bourg-en-Bresse, …, Viriat et 4 autres communes » ran off
    the right edge (wrapped at 80 characters): it is now wrapped on measured lines, every word kept."""
    title = f"Établissements de santé et médico-sociaux – {LONG_LABEL}"
    for fig in printed_maps(title, demo):
        drawn = title_of(fig).get_text()
        assert drawn.replace("\n", " ") == title  # wrapped at spaces, nothing lost
        assert drawn.count("\n") == 1  # two lines: a third would run into the map
        assert_title_inside(fig)


@pytest.mark.parametrize("demo", [False, True])
def test_title_too_long_for_two_lines_ends_with_an_ellipsis_at_a_word(demo: bool) -> None:
    title = "Principaux flux modélisés de recours aux médecins généralistes – " + " ".join([LONG_LABEL] * 3)
    for fig in printed_maps(title, demo):
        drawn = title_of(fig).get_text()
        lines = drawn.split("\n")
        assert len(lines) == 2 and lines[-1].endswith("…")
        kept = drawn.replace("\n", " ").removesuffix("…")
        assert title.startswith(kept) and title[len(kept)] in " ,"  # cut between two words
        assert_title_inside(fig)
    # One word wider than the page is cut within itself rather than left to run off the edge.
    for fig in printed_maps("X" * 200, demo):
        assert title_of(fig).get_text().endswith("…")
        assert_title_inside(fig)


def flows_with_one_to_la_reunion() -> gpd.GeoDataFrame:
    """The synthetic flows, and 2 500 consultations of Digne's residents in Saint-Denis (La Réunion, 97411)."""
    far = gpd.GeoDataFrame({"volume": [2500], "sens": ["sortant"], "origine": ["04070"], "destination": ["97411"],
                            "nom_origine": ["Digne-les-Bains"], "nom_destination": ["Saint-Denis"]},
                           geometry=[LineString([(LON0 + 0.02, LAT0 + 0.02), (55.45, -20.88)])], crs=4326)
    return gpd.GeoDataFrame(pd.concat([synthetic_flows(), far], ignore_index=True), crs=4326)


def test_a_flow_to_another_zone_leaves_the_printed_map_on_the_territory() -> None:
    """A review: one row of a table to La Réunion drew Paris as a dot on a map of half the planet, with a tilted
    north arrow and a scale 20 % wrong. The territory (six squares of 0.05°, about 12 km by 11 km) is drawn; the
    far flow is said, not drawn; the two near flows are."""
    data = synthetic_territory()
    fig = flows_figure(flows_with_one_to_la_reunion(), data["perimeter"], data["communes"])
    arrows = [p for p in fig.axes[0].patches if str(p.get_gid()).startswith("flux-")]
    assert [a.get_gid() for a in arrows] == ["flux-sortant", "flux-entrant"]
    x0, x1 = fig.axes[0].get_xlim()
    assert x1 - x0 < 100_000  # metres: the territory and its near flows, not an ocean
    words = texts(fig)
    assert any(w.startswith("Carte limitée à : France métropolitaine ; ce qui est ailleurs") for w in words)
    assert not any("Carte limitée" in w for w in texts(flows_figure(synthetic_flows(), data["perimeter"],
                                                                     data["communes"])))


def test_the_interactive_maps_open_on_the_territory_s_zone_with_the_others_a_click_away() -> None:
    from pipeline.render.maps.geometry import METROPOLE, home_zone, view_bounds

    data = synthetic_territory()
    reunion = gpd.GeoDataFrame({"code": ["97411"], "nom": ["Saint-Denis"]},
                               geometry=[box(55.40, -20.93, 55.50, -20.86)], crs=4326)
    assert home_zone(data["communes"]) == METROPOLE and home_zone(reunion) == "La Réunion"
    bounds, places = view_bounds([flows_with_one_to_la_reunion(), data["communes"], reunion], METROPOLE)
    # The near flows reach Manosque (0.25° east, 0.05° south of LON0, LAT0) and Sisteron (0.08° west, 0.15°
    # north): the view holds them, and nothing farther.
    assert bounds == [[pytest.approx(LAT0 - 0.05), pytest.approx(LON0 - 0.08)],
                      [pytest.approx(LAT0 + 0.15), pytest.approx(LON0 + 0.25)]]
    assert places == [("La Réunion", [[-20.93, 55.40], [-20.86, 55.50]])]  # the line to it names no place
    assert view_bounds([reunion, data["communes"]], "La Réunion")[1][0][0] == METROPOLE


def test_characters_the_font_cannot_draw_are_left_out_of_titles_without_warnings() -> None:
    """A review: emoji in a CPTS's name printed as empty boxes, and matplotlib warned in English about each."""
    import warnings

    from pipeline.render.glyphs import drawable

    assert drawable("CPTS 🏥👩‍⚕️ du Verdon") == "CPTS ⚕ du Verdon"  # the staff of Aesculapius is in DejaVu Sans
    assert drawable("CPTS de l'Étang מרכז") == "CPTS de l'Étang מרכז"
    data = synthetic_territory()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = flows_figure(data["flows"], data["perimeter"], data["communes"], title="Flux – CPTS 🏥 du Verdon")
    assert "Flux – CPTS du Verdon" in texts(fig)
    # Names in the legend and on the map too (a review: 18 warnings in one batch, from a neighbour's name).
    neighbours = data["neighbours"].assign(nom=["CPTS 🏥 Santé 👩‍⚕️"])
    communes = data["communes"].assign(nom=[f"{name} 🏥" for name in data["communes"]["nom"]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = indicator_figure(data["perimeter"], communes, "apl_2023", "APL", neighbours=neighbours,
                               source="Sources : DREES (APL 2023), IGN.")
    assert "Autre CPTS : CPTS Santé ⚕" in texts(fig) and "Aiglun" in texts(fig)


def test_a_territory_in_two_zones_opens_where_its_flows_are_and_counts_what_it_draws() -> None:
    """Reviews: a territory of Mayotte and La Réunion, modelled in La Réunion, opened its flow maps on Mayotte,
    without a flow; its one perimeter, centred at sea, made an « Autres territoires » button; the printed
    establishments map counted those of the zone it did not draw."""
    from pipeline.render.maps.flows import flow_home
    from pipeline.render.maps.geometry import view_bounds

    communes = gpd.GeoDataFrame({"code": ["97611", "97610", "97411"], "nom": ["Mamoudzou", "Koungou", "Saint-Denis"]},
                                geometry=[box(45.20, -12.80, 45.25, -12.75), box(45.18, -12.74, 45.23, -12.70),
                                          box(55.40, -20.93, 55.50, -20.86)], crs=4326)
    perimeter = gpd.GeoDataFrame({"nom": ["CPTS"]}, geometry=[communes.union_all()], crs=4326)
    flows = gpd.GeoDataFrame({"volume": [900], "sens": ["sortant"], "origine": ["97411"], "destination": ["97415"],
                              "nom_origine": ["Saint-Denis"], "nom_destination": ["Saint-Paul"]},
                             geometry=[LineString([(55.45, -20.90), (55.30, -21.00)])], crs=4326)
    assert list(flow_home(communes, flows)["code"]) == ["97411"]
    assert list(flow_home(communes, flows.iloc[:0])["code"]) == ["97611", "97610", "97411"]
    _, places = view_bounds([perimeter, communes], "Mayotte")
    assert [name for name, _ in places] == ["La Réunion"]  # the perimeter, in two zones, names no place
    fig = flows_figure(flows, perimeter, communes)
    assert any(w.startswith("Carte limitée à : La Réunion") for w in texts(fig))
    points = gpd.GeoDataFrame({"nom": ["A", "B", "C"], "groupe": ["EHPAD", "EHPAD", "EHPAD"]},
                              geometry=[shapely.Point(45.21, -12.78), shapely.Point(45.22, -12.72),
                                        shapely.Point(55.45, -20.90)], crs=4326)
    words = texts(establishments_figure(perimeter, communes, points))
    assert "Établissements (2)" in words  # Mayotte's two, the map's zone (two communes of three)
