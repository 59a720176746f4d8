"""One colour per category: fixed tables, lookups, and the same colour in maps, static maps and charts."""

from __future__ import annotations

import json
import re

import pandas as pd

from pipeline import config
from pipeline.nomenclatures import GROUPES_FINESS, GROUPES_TRAME
from pipeline.render import charts, palette
from pipeline.render.maps import territory_map
from pipeline.render.palette import (
    ESTABLISHMENT_COLORS,
    LEVEL_COLORS,
    PROFESSION_COLORS,
    RESERVE,
    establishment_color,
    establishment_order,
    level_color,
    profession_color,
    reserve_color,
    sequential,
)
from pipeline.render.static_maps import establishments_figure
from tests.render.map_data import INDICATORS, synthetic_territory

HEX = re.compile(r"^#[0-9a-f]{6}$")


def test_every_finess_group_and_trame_row_has_its_own_colour() -> None:
    categories = pd.read_csv(config.PACKAGE_DATA / "finess_categories.csv", dtype=str)
    # « Hôpital » rows become « Hôpital public » or « Hôpital privé » (codesph); all others are kept as they are.
    produced = (set(categories["groupe"]) - {"Hôpital"}) | {"Hôpital public", "Hôpital privé", "Autre"}
    assert produced <= set(ESTABLISHMENT_COLORS)
    assert set(GROUPES_FINESS) <= set(ESTABLISHMENT_COLORS)
    finess = [ESTABLISHMENT_COLORS[g] for g in GROUPES_FINESS]
    assert len(set(finess)) == len(finess)  # an EHPAD never looks like an SSIAD
    trame = [PROFESSION_COLORS[g] for g in GROUPES_TRAME]
    assert len(set(trame)) == len(trame)
    assert len(set(LEVEL_COLORS.values())) == 4
    for color in [*ESTABLISHMENT_COLORS.values(), *PROFESSION_COLORS.values(), *LEVEL_COLORS.values(), *RESERVE]:
        assert HEX.match(color), color
    # The Trame's structure rows take the colour of the FINESS group they count.
    assert profession_color("MSP") == establishment_color("MSP")
    assert profession_color("Centres de santé") == establishment_color("Centre de santé")


def test_lookups_ignore_case_accents_and_qualifiers() -> None:
    assert establishment_color("ehpad") == establishment_color("EHPAD") == "#d7191c"
    assert establishment_color("hopital PUBLIC") == ESTABLISHMENT_COLORS["Hôpital public"]
    assert profession_color("medecins generalistes") == PROFESSION_COLORS["Médecins généralistes"]
    assert level_color("Departement") == level_color("Département (04)") == LEVEL_COLORS["Département"]
    assert level_color("Territoire de la CPTS") == LEVEL_COLORS["Territoire"]
    assert level_color("France métropolitaine") == LEVEL_COLORS["France"]
    # Missing values are « Autre » / « Autres », never a random colour.
    assert establishment_color(None) == establishment_color(float("nan")) == ESTABLISHMENT_COLORS["Autre"]
    assert profession_color(None) == PROFESSION_COLORS["Autres"]


def test_unknown_categories_get_a_stable_reserve_colour() -> None:
    first = establishment_color("Centre thermal")
    assert first in RESERVE and first == reserve_color("centre thermal")
    assert first not in ESTABLISHMENT_COLORS.values()
    # Stable across calls and independent of the other categories present.
    assert [establishment_color(g) for g in ("Zzz", "Centre thermal")][1] == first
    assert establishment_order(["Inconnu", "EHPAD", "MSP", "EHPAD", None]) == ["MSP", "EHPAD", "Inconnu"]


def test_sequential_palette_spreads_classes() -> None:
    assert sequential(1) == [palette.SEQUENTIAL[2]]
    assert sequential(3) == [palette.SEQUENTIAL[0], palette.SEQUENTIAL[2], palette.SEQUENTIAL[4]]
    seven = sequential(7)
    assert len(set(seven)) == 7 and seven[0] == palette.SEQUENTIAL[0] and seven[-1] == palette.SEQUENTIAL[-1]


def test_same_group_same_colour_in_territory_map_static_map_and_chart() -> None:
    """« EHPAD » is red in the interactive map, in the printed map and in the report's chart."""
    data = synthetic_territory()
    expected = ESTABLISHMENT_COLORS["EHPAD"]
    html = territory_map(indicators=INDICATORS, **data).get_root().render()
    decoder = json.JSONDecoder()
    start = html.index('{"features"', html.index("L.geoJSON("))
    points, _ = decoder.raw_decode(html, start)
    in_map = {f["properties"]["group"]: f["properties"]["fill"] for f in points["features"]}
    assert in_map["EHPAD"] == expected

    figure = establishments_figure(data["perimeter"], data["communes"], data["establishments"])
    scatter = next(c for c in figure.axes[0].collections if c.get_gid() == "groupe-EHPAD")
    rgba = scatter.get_facecolor()[0]
    assert "#{:02x}{:02x}{:02x}".format(*(round(v * 255) for v in rgba[:3])) == expected

    svg = str(charts.establishments_chart({"EHPAD": 4, "MSP": 2}))
    assert f"fill: {expected}" in svg and f"fill: {ESTABLISHMENT_COLORS['MSP']}" in svg


def test_levels_have_the_same_colour_in_every_chart() -> None:
    levels = {"Territoire": 7.1, "Département": 8.9, "Région": 9.6, "France": 8.4}
    single = str(charts.supply_chart(levels))
    grouped = str(charts.grouped_supply_chart({"Infirmiers": levels, "Pharmaciens": levels}))
    for level, color in LEVEL_COLORS.items():
        assert f"fill: {color}" in single and f"fill: {color}" in grouped, level
