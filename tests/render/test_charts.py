"""Report charts: axes from zero (or visibly broken), labels that never overlap, French numbers, « non disponible »."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text

from pipeline.nomenclatures import GROUPES_TRAME
from pipeline.render import charts
from pipeline.render.palette import ESTABLISHMENT_COLORS, LEVEL_COLORS

LEVELS = ("Territoire", "Département", "Région", "France")


def text_boxes(fig: Figure, texts: list) -> list:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    return [t.get_window_extent(renderer) for t in texts if t.get_text()]


def shown_title(ax: Axes) -> Text:
    """The title drawn: the charts set it on the left, where ``ax.title`` is the (empty) centre one."""
    found = [t for t in (ax.title, ax._left_title, ax._right_title) if t.get_text()]  # type: ignore[attr-defined]
    assert len(found) == 1, found
    return found[0]


def overlapping(boxes: list) -> list:
    return [(a, b) for a, b in itertools.combinations(boxes, 2) if a.overlaps(b)]


def test_grouped_density_chart_labels_never_overlap_with_every_trame_row() -> None:
    rng = np.random.default_rng(1)
    table = {g: {lev: float(rng.uniform(0, 40)) for lev in LEVELS} for g in GROUPES_TRAME}
    fig = charts.grouped_supply_figure(table)
    ax = fig.axes[0]
    # Professions are rows: their (wrapped) names do not collide, nor do the value labels.
    assert overlapping(text_boxes(fig, ax.get_yticklabels())) == []
    values = [t for t in ax.texts]
    assert len(values) == len(GROUPES_TRAME) * len(LEVELS)
    assert overlapping(text_boxes(fig, values)) == []
    assert ax.get_xlim()[0] == 0  # densities start at zero
    plt.close(fig)


def test_grouped_chart_colours_levels_and_writes_missing_as_nd() -> None:
    table = {"Médecins généralistes": {"Territoire": 7.1, "Département": 8.9, "Région": None, "France": 8.4}}
    fig = charts.grouped_supply_figure(table)
    ax = fig.axes[0]
    bars = {c.get_label(): c.patches[0].get_facecolor() for c in ax.containers}
    assert set(bars) == set(LEVELS)
    for level in LEVELS:
        assert bars[level][:3] == pytest.approx(tuple(int(LEVEL_COLORS[level][i:i + 2], 16) / 255 for i in (1, 3, 5)))
    labels = [t.get_text() for t in ax.texts]
    # French decimal comma; the missing value is not a zero bar (a horizontal bar: its words on one line)
    assert labels == ["7,1", "8,9", "non disponible", "8,4"]
    region = next(c for c in ax.containers if c.get_label() == "Région")
    assert region.patches[0].get_width() == 0
    plt.close(fig)


def test_population_axis_is_broken_when_values_are_far_from_zero() -> None:
    svg = str(charts.population_chart([2010, 2015, 2021], [24_100, 24_800, 25_310]))
    assert "axis-break" in svg and "axe interrompu" in svg
    assert "25\u202f310" in svg
    fig = charts.population_figure([2010, 2015, 2021], [24_100, 24_800, 25_310])
    low, high = fig.axes[0].get_ylim()
    assert 0 < low < 24_100 and high > 25_310
    plt.close(fig)


def test_population_axis_starts_at_zero_when_values_vary_a_lot() -> None:
    fig = charts.population_figure([2010, 2015, 2021], [1_200, 2_400, 3_100])
    assert fig.axes[0].get_ylim()[0] == 0
    assert not [line for line in fig.axes[0].lines if line.get_gid() == "axis-break"]
    plt.close(fig)
    assert "axis-break" not in str(charts.population_chart([2010, 2021], [1_200, 3_100]))


def test_supply_chart_starts_at_zero_and_marks_missing_levels() -> None:
    fig = charts.supply_figure({"Territoire": 7.1, "Département": 8.9, "Région": None, "France": 8.4})
    ax = fig.axes[0]
    assert ax.get_ylim()[0] == 0
    assert [t.get_text() for t in ax.texts] == ["7,1", "8,9", "non\ndisponible", "8,4"]
    plt.close(fig)


def test_tick_values_keep_the_decimals_they_need() -> None:
    assert charts._tick_text(2.5) == "2,5"
    assert charts._tick_text(5.0) == "5"
    assert charts._tick_text(25_000.0) == "25\u202f000"
    assert charts._tick_text(0.25) == "0,25"
    fig = charts.supply_figure({"Territoire": 7.1, "Département": 18.9})
    fig.canvas.draw()
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    # Steps of 1, 2 or 5 × 10ⁿ: no « 3 » standing for 2.5.
    numbers = [float(t.replace("\u202f", "").replace(",", ".")) for t in ticks if t]
    steps = {round(b - a, 6) for a, b in itertools.pairwise(numbers)}
    assert len(steps) == 1 and steps.pop() in {1, 2, 2.5, 5, 10}
    plt.close(fig)


def test_establishment_chart_uses_palette_colours_and_order() -> None:
    fig = charts.establishments_figure({"EHPAD": 12, "MSP": 3, "Groupe inconnu": 2})
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["MSP", "EHPAD", "Groupe inconnu"]  # order of the FINESS groups, unknown last
    assert fig.axes[0].get_xlim()[0] == 0
    plt.close(fig)
    svg = str(charts.establishments_chart({"EHPAD": 12, "MSP": 3}))
    assert f"fill: {ESTABLISHMENT_COLORS['EHPAD']}" in svg
    assert f"fill: {ESTABLISHMENT_COLORS['MSP']}" in svg


def test_png_output_for_the_word_document() -> None:
    png = charts.to_png(charts.supply_figure({"Territoire": 7.1, "France": 8.4}), dpi=200)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000


@pytest.mark.parametrize("levels", [
    LEVELS,
    # The labels of a load of some départements (the fixture's, as the report writes them).
    ["Territoire", "Département (Bouches-du-Rhône)",
     "Région (Provence-Alpes-Côte d'Azur, départements chargés : 04, 13)",
     "France (départements chargés : 04, 13, 33, 75, 976)"],
])
def test_grouped_chart_legend_stays_within_the_figure_width_and_under_its_title(levels: list[str]) -> None:
    # A legend wider than the figure widened the saved (« tight ») image: the page then showed the bars and their
    # labels at half size.
    table = {"Médecins généralistes": dict.fromkeys(levels, 10.0), "Infirmiers": dict.fromkeys(levels, 90.0)}
    fig = charts.grouped_supply_figure(table, title="Densité comparée")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent(renderer)
    assert legend.x0 >= 0 and legend.x1 <= fig.bbox.width
    title = shown_title(ax).get_window_extent(renderer)
    assert title.y0 >= legend.y1  # the title above the legend, not over it
    # The legend's entries still name every level, whole (wrapping only adds line breaks).
    shown = [t.get_text().replace("\n", " ") for t in ax.get_legend().get_texts()]
    assert shown == list(levels)
    plt.close(fig)


@pytest.mark.parametrize("demo", [True, False])
def test_the_establishments_chart_pasted_alone_carries_its_sources_and_demo_label(demo: bool) -> None:
    # A review: graphique-etablissements.png, made to be pasted elsewhere, had neither sources nor the
    # « Données fictives de démonstration » label that the printed maps carry.
    from pipeline.render.figures import _label_alone

    # A title of two lines, as a long territory name gives.
    fig = charts.establishments_figure({"EHPAD": 3, "SSR": 1}, title="Établissements du territoire par groupe – "
                                       "Bourg-en-Bresse, Péronnas,\nSaint-Denis-lès-Bourg, Viriat et 4 autres communes")
    _label_alone(fig, "Sources : FINESS, extraction du 01/01/2026 (données fictives de démonstration).", demo)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    ax = fig.axes[0]
    shown = {t.get_text(): t.get_window_extent(renderer) for t in ax.texts}
    source = shown["Sources : FINESS, extraction du 01/01/2026 (données fictives de démonstration)."]
    assert source.y1 <= ax.xaxis.label.get_window_extent(renderer).y0  # under the axis label, not over it
    banner = shown.get("Données fictives de démonstration")
    if demo:
        title = shown_title(ax)
        assert "Bourg-en-Bresse" in title.get_text()
        assert banner is not None and banner.y0 >= title.get_window_extent(renderer).y1  # above the title
    else:
        assert banner is None
    png = charts.to_png(fig)  # the saved image holds them (« tight » bounds take every text)
    assert png.startswith(b"\x89PNG")
    plt.close(fig)
