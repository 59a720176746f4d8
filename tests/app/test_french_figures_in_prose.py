"""Figures written inside French sentences follow the tables' formatting (an independent review).

« 12543 professionnels présents au début » (no thousands separator), « solde -1 » (an ASCII hyphen where the
tables print « −1 »), « 81% » in the map's pertinence popups where the report says « 80,8 % ».
"""

from __future__ import annotations

import re

import duckdb
import pytest

from pipeline.app.diagnostic import compute
from pipeline.model import DiagnosticOptions
from pipeline.render.diagnostic_report import territory_map
from pipeline.render.report import NNBSP, format_number
from pipeline.render.sections.dynamics import TOTAL, dynamics_section, signed
from pipeline.store.territory import resolve_territory
from tests.render.test_maps import unescape_json

pytestmark = [pytest.mark.mirror]


@pytest.mark.parametrize(("value", "text"), [(3, "+3"), (-1, "\u22121"), (0, "0"), (-1234, f"\u22121{NNBSP}234"),
                                             (2500.0, f"+2{NNBSP}500")])
def test_a_balance_is_signed_the_way_the_tables_write_numbers(value: float, text: str) -> None:
    assert signed(value) == text


def test_the_supply_dynamics_sentence_writes_counts_the_french_way(db: duckdb.DuckDBPyConnection) -> None:
    spec = "departement:04"
    d = compute(db, resolve_territory(db, spec), DiagnosticOptions(territory=spec))
    assert d.dynamics is not None and d.dynamics.periods
    period = d.dynamics.periods[-1]
    total = period.territory[period.territory["groupe"] == TOTAL].iloc[0]
    assert total["present_start"] >= 1000  # a count that needs a thousands separator
    latest = dynamics_section(d)["subsections"][0]
    text = " ".join(latest["paragraphs"])
    assert f"{format_number(total['present_start'])} professionnels présents au début" in text
    assert f"{format_number(total['present_end'])} à la fin" in text
    assert f"(solde {signed(total['net_change'])})" in text
    assert not re.search(r"\d{4}", re.sub(r"\d\d/\d\d/\d{4}", "", text))  # no bare 4-digit count
    # The tables sign the balance as the sentence does (a review: « 24 » beside « −5 » read as a count).
    balances = latest["tables"][0]["data"]["Solde"].tolist()
    expected = period.territory["net_change"].tolist()
    assert balances == [signed(v) for v in expected]
    assert any(v > 0 for v in expected)
    assert all(t == f"+{int(v)}" for t, v in zip(balances, expected, strict=True) if 0 < v < 1000)


def test_the_diagnostic_map_shows_the_apl_with_the_report_s_decimals(db: duckdb.DuckDBPyConnection) -> None:
    # The decimals are passed by the diagnostic's own map (LAYER_DECIMALS), not only by the map toolkit's test.
    spec = "communes:04070,04001,04019"
    d = compute(db, resolve_territory(db, spec), DiagnosticOptions(territory=spec))
    html = unescape_json(territory_map(d, None).get_root().render())
    label = "APL médecins généralistes 2023 (DREES)"
    shown = re.findall(re.escape(label) + r'</th><td class=\\"n\\">([^<]*)</td>', html)  # JSON-escaped quotes
    values = d.communes_geo["apl_2023"].dropna()
    assert len(values) and sorted(shown) == sorted(format_number(v, 2) for v in values)
