"""A realistic-size editor page (région PACA from the data mirror): size, build time, figures, display.

Built by :func:`tests.render.editor_mirror.paca_editor_data` (961 units, the
real PACA listing, a synthetic OD of about 57 000 pairs). The figures the
page computes are checked against sums written here with pandas and against
:func:`pipeline.analysis.flows.territory_flow_indicators`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from pipeline.analysis.flows import territory_flow_indicators
from pipeline.render.editor import EditorData, EditorPage, write_editor_page
from tests.browser import blocked_requests, close_page, open_page, screenshot, settle
from tests.render.editor_mirror import paca_editor_data

pytestmark = [pytest.mark.mirror, pytest.mark.browser]

SCREENS = Path("/tmp/cpts-screens")
BUDGET_BYTES = 15_000_000


@pytest.fixture(scope="module")
def paca(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[EditorData, EditorPage]:
    data = paca_editor_data(mirror)
    start = time.perf_counter()
    page = write_editor_page(data, tmp_path_factory.mktemp("paca") / "editeur.html")
    print(f"\nPACA editor page: {len(data.units)} units, {len(data.od)} OD rows, "
          f"{page.size_bytes / 1e6:.2f} MB, built in {time.perf_counter() - start:.2f} s "
          f"(tolerance {page.tolerance_m:.0f} m)")
    return data, page


def test_paca_page_fits_the_size_budget(paca: tuple[EditorData, EditorPage]) -> None:
    data, page = paca
    assert len(data.units) == 961  # 945 current communes + 16 Marseille arrondissements
    assert len(data.od) > 20_000
    assert page.size_bytes < BUDGET_BYTES
    assert page.seconds < 60


def test_paca_page_figures_match_independent_sums(paca: tuple[EditorData, EditorPage]) -> None:
    data, page = paca
    view, errors, console = open_page(page.path, width=1400, height=900)
    try:
        state: Any = view.evaluate("window.cptsEditor.state()")
        initial = list(data.initial.codes)
        units = data.units.set_index("code")
        assert state["communes"] == sorted(initial)
        assert state["population"] == int(units.loc[initial, "population"].sum())
        od = data.od.assign(groupe="MG")
        expected = territory_flow_indicators(od, initial)["synthese"].iloc[0]
        # Volumes are packed rounded to 0.01 consultation: the ratio moves by far less than 1e-6.
        assert state["autoconfinement"] == pytest.approx(expected["auto_confinement"], abs=1e-6)
        assert state["attraction"] == pytest.approx(expected["attraction"], abs=1e-6)
        screenshot(view, SCREENS / "editeur-paca.png")

        # Marseille by its city code: its 16 arrondissements; the listing gives them to other CPTS.
        marseille = [f"132{i:02d}" for i in range(1, 17)]
        state = view.evaluate("window.cptsEditor.load(['13055'])")
        assert state["communes"] == marseille
        assert state["population"] == int(units.loc[marseille, "population"].sum())
        assert state["unites_partagees"] == marseille
        assert state["taille"] == 4
        started = time.perf_counter()
        view.evaluate("window.cptsEditor.add('13001')")  # Aix-en-Provence
        assert time.perf_counter() - started < 1.0
        view.evaluate("void window.cptsEditor.map.fitBounds([[43.17, 5.2], [43.6, 5.65]])")
        settle(view)
        screenshot(view, SCREENS / "editeur-paca-marseille.png")
        assert errors == [] and console == [] and blocked_requests(view) == []
    finally:
        close_page(view)
