"""The README documents the CSV ↔ workbook correspondence, generated from the code (issue 14, item 4).

A column added to a table without a French label would be written with its
machine name in the workbook: every column of a real diagnostic must be in
the catalogue, and the README's tables must be what the code generates.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline.render.column_catalogue import catalogue_markdown
from pipeline.render.coverage import coverage_columns_markdown

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_holds_the_generated_correspondence() -> None:
    text = README.read_text(encoding="utf-8")
    assert catalogue_markdown() in text
    assert coverage_columns_markdown() in text


@pytest.mark.mirror
def test_every_column_of_a_diagnostic_has_a_french_label(db: duckdb.DuckDBPyConnection) -> None:
    from pipeline.app.diagnostic import compute
    from pipeline.model import DiagnosticOptions, parse_signature, parse_what_if
    from pipeline.render.tables import table_entries, uncatalogued
    from pipeline.store.territory import resolve_territory

    options = DiagnosticOptions("cpts:CPTS du Verdon", signature=parse_signature("2025-08-31"),
                                what_if=parse_what_if("médecins généralistes:1@04094"))
    d = compute(db, resolve_territory(db, options.territory), options)
    entries = table_entries(d)
    assert {"communes", "offre", "etablissements", "calendrier", "flux_synthese", "simulation_apl"} <= {
        e.key for e in entries}
    assert {e.key: uncatalogued(e) for e in entries if uncatalogued(e)} == {}
