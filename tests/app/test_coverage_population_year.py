"""The coverage outputs say which legal populations and COG they count with (the diagnostic's summary does)."""

from __future__ import annotations

import pandas as pd

from pipeline import config
from pipeline.render.coverage import SOURCE, summary


def test_coverage_names_its_population_year() -> None:
    # Package 6.0.0 (COG 2026) carries the legal populations 2023 (tests/sources/test_population_years.py).
    assert (config.CURRENT_VINTAGE, config.POPULATION_YEAR[config.CURRENT_VINTAGE]) == (2026, 2023)
    assert "découpage administratif au 1er janvier 2026 et populations légales 2023" in SOURCE
    empty = pd.DataFrame({"population": pd.Series([], dtype="float64"), "cpts_ids": pd.Series([], dtype=object),
                          "n_cpts": pd.Series([], dtype="int64"), "type": pd.Series([], dtype=str),
                          "kind": pd.Series([], dtype=str)})

    class Empty:
        zone, label, notes, timings = "departement-04", "Alpes-de-Haute-Provence", [], {}
        claims = units = white = overlaps = polygon_overlaps = atone = candidates = quality = empty
        outside_listings = known_units = None

    s = summary(Empty())  # type: ignore[arg-type]
    assert (s["population_vintage"], s["cog_vintage"]) == (2023, 2026)
