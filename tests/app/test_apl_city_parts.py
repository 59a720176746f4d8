"""A city counted as one unit hides its arrondissements under the APL threshold (a review).

Marseille as one unit has the mean of its arrondissements, above 2.5, while its 16th is under 2.5 with the
under-65 variant (the one of the ARS zoning): the unit was flagged « non » beside a population under 2.5 holding
the 16th's inhabitants. The arrondissements under the threshold are now named, from the DREES workbook's own
arrondissement rows (read here with openpyxl, not through the pipeline).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from pipeline.app.sections.apl import city_parts_under
from pipeline.geography import arrondissement_label
from pipeline.store.queries.apl import apl_current
from tests.app import profile_raw as raw

pytestmark = [pytest.mark.mirror]

THRESHOLD = 2.5  # « sous-dense » (DESIGN.md: the DREES's threshold of 2.5 consultations per year and inhabitant)


def _units(*codes: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame({"unit_code": [c for c, _ in codes], "type": [t for _, t in codes]})


def _expected(prefix: str) -> dict[str, tuple[bool, bool]]:
    """Arrondissements of the workbook's 2023 sheet under 2.5, per variant (all GPs, GPs under 65)."""
    out = {}
    for row in raw.apl_sheet(2023):
        if row["code"].startswith(prefix) and row["code"] != prefix + "055":
            under = (row["apl"] is not None and row["apl"] < THRESHOLD,
                     row["apl_moins_65"] is not None and row["apl_moins_65"] < THRESHOLD)
            if any(under):
                out[row["code"]] = under
    return out


def test_the_arrondissements_under_the_threshold_of_a_city_counted_whole_are_named(db: Any) -> None:
    table = apl_current(db)
    found = city_parts_under(table, _units(("13055", "commune"), ("04070", "commune")), 2023)
    expected = _expected("132")
    assert expected  # the 16th in the 2023 sheet: 2.30 for the GPs under 65
    assert dict(zip(found["code"], zip(found["sous_dense"], found["sous_dense_moins_65"], strict=True),
                    strict=True)) == expected
    assert set(found["ville"]) == {"13055"}
    sheet = {r["code"]: r for r in raw.apl_sheet(2023)}
    assert list(found["population_totale"]) == [sheet[c]["total"] for c in found["code"]]


def test_a_territory_of_arrondissements_has_no_city_counted_whole(db: Any) -> None:
    """Its arrondissements are units of their own, flagged one by one: nothing hidden to name."""
    table = apl_current(db)
    units = _units(*[(f"132{i:02d}", "arrondissement-municipal") for i in range(1, 17)])
    assert city_parts_under(table, units, 2023).empty


def test_arrondissement_labels() -> None:
    assert [arrondissement_label(c) for c in ("13216", "75101", "69382", "04070")] == [
        "Marseille 16e", "Paris 1er", "Lyon 2e", "04070"]
