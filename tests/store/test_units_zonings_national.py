"""Zonings of the analysis units on the national database: a commune created since the 2024 INSEE table.

The table d'appartenance 2024 does not know Conques-en-Rouergue's 2026 code (12218, which absorbed Grand-Vabre
and Noailhac): without its zonings it was in no bassin de vie, so no perimeter ever cut one through it (a review
counted 102 such units). It takes its former communes' zonings. Known answer: the raw INSEE table and the
decoupage-administratif package of the 2026 COG.
"""

from __future__ import annotations

from collections import Counter

import duckdb
import pytest

from pipeline.store.queries import perimeter
from tests.app import profile_raw as raw

pytestmark = [pytest.mark.national, pytest.mark.xdist_group("national")]


def test_commune_created_since_the_insee_table_takes_its_former_communes_zonings(
        national_db: duckdb.DuckDBPyConnection) -> None:
    table = raw.appartenance()
    communes = raw.package("6.0.0", "communes")
    former = [c["code"] for c in communes if c["type"] == "commune-deleguee" and c.get("chefLieu") == "12218"]
    assert "12218" not in table and any(code in table for code in former)
    expected = Counter(table[code]["BV2022"] for code in former if code in table).most_common(1)[0][0]
    units = perimeter.analysis_units(national_db).set_index("code")
    assert units.loc["12218", "bv2022"] == expected
    # Every unit of a département has a bassin de vie, except the communes restored since the table (Cantal).
    missing = units[units["bv2022"].isna() & (units["zone"] != "com")]
    assert len(missing) < 10
