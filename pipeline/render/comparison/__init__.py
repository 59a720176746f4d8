"""Comparison of the CPTS of a listing (``make diagnostics``): a page and its tables.

:func:`write_comparison` writes ``maps/comparaison-<name>/index.html``
(sortable table, choropleth map with a selectable indicator, offline, French;
``window.cptsComparison`` for scripts) and ``comparaison.csv`` /
``comparaison.xlsx`` in ``data/processed/comparaison-<name>/``, both folders
swapped in together.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pipeline import config
from pipeline.model.perimeter import Comparison
from pipeline.render.comparison.page import payload, render_page
from pipeline.render.comparison.tables import comparison_specs, write_comparison_tables
from pipeline.render.outputs import atomic_dirs

__all__ = ["comparison_specs", "payload", "render_page", "write_comparison"]



def write_comparison(comparison: Comparison, generated: date | None = None) -> tuple[Path, Path]:
    """Write the page and the tables; return (page path, tables folder)."""
    generated = generated or date.today()
    page_dir = config.maps_dir() / f"comparaison-{comparison.name}"
    tables_dir = config.processed_dir() / f"comparaison-{comparison.name}"
    with atomic_dirs(tables_dir, page_dir) as (tables_tmp, page_tmp):
        write_comparison_tables(comparison, tables_tmp, generated)
        (page_tmp / "index.html").write_text(render_page(payload(comparison, generated)), encoding="utf-8")
    return page_dir / "index.html", tables_dir
