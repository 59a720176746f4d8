"""The coverage outputs say which legal populations and COG they count with (the diagnostic's summary does)."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import config
from pipeline.analysis.population.legal_year import years_label, zone_year
from pipeline.render.coverage import POPULATION_YEAR, source_line, summary


@pytest.mark.parametrize(("departements", "year", "years"), [
    (["04"], 2023, "population légale 2023"),
    # Mayotte's legal population is its 2017 census in every package (a review read « 2023 » on its coverage).
    (["976"], 2017, "population légale 2017 (Mayotte, dernier recensement)"),
    (["04", "976", "976"], 2023, "population légale 2023, 2017 pour Mayotte"),
])
def test_coverage_names_its_population_year(departements: list[str], year: int, years: str) -> None:
    # Package 6.0.0 (COG 2026) carries the legal populations 2023 (tests/sources/test_population_years.py).
    assert (config.CURRENT_VINTAGE, POPULATION_YEAR) == (2026, 2023)
    assert (zone_year(departements, POPULATION_YEAR), years_label(departements, POPULATION_YEAR)) == (year, years)
    empty = pd.DataFrame({"population": pd.Series([], dtype="float64"), "cpts_ids": pd.Series([], dtype=object),
                          "n_cpts": pd.Series([], dtype="int64"), "type": pd.Series([], dtype=str),
                          "kind": pd.Series([], dtype=str)})

    class Empty:
        zone, label, notes, timings = "departement-04", "Alpes-de-Haute-Provence", [], {}
        claims = units = white = overlaps = polygon_overlaps = atone = candidates = quality = empty
        outside_listings = known_units = None
        population_year, population_years_label = year, years

    assert f"découpage administratif au 1er janvier 2026 et {years} ;" in source_line(Empty())  # type: ignore[arg-type]
    s = summary(Empty())  # type: ignore[arg-type]
    assert (s["population_vintage"], s["cog_vintage"], s["population_libelle_annees"]) == (year, 2026, years)
