"""Supply dynamics between dated extractions, on hand-made extractions with hand-counted answers.

Practitioners p1…p6 are made up; U1, U2, U3 are ordinary communes (unit = commune), 75101/75102 two
arrondissements of Paris (commune 75056). The territory is U1, U2, 75101, 75102.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from pipeline.analysis.dynamics import (
    NO_FORECAST_NOTE,
    changes_by_place,
    supply_dynamics,
    territory_changes,
)

GP, NURSE = "Médecins généralistes", "Infirmiers"
TERRITORY = ["U1", "U2", "75101", "75102"]


def extraction(rows: list[tuple[str | None, str, str]]) -> pd.DataFrame:
    """One row per activity: (rpps, groupe, unite); the commune of an arrondissement is Paris."""
    frame = pd.DataFrame(rows, columns=["rpps", "groupe", "unite"])
    frame["commune"] = frame["unite"].where(~frame["unite"].str.startswith("751"), "75056")
    return frame


N2 = extraction([
    ("p1", GP, "U1"),
    ("p2", GP, "U1"), ("p2", GP, "U2"),  # two sites
    ("p3", GP, "75101"),
    ("p4", NURSE, "U2"),
    ("p5", GP, "U3"),  # outside the territory
])  # fmt: skip
N1 = extraction([
    ("p1", GP, "U1"), ("p1", GP, "U1"),  # two activities on one site count once
    ("p2", GP, "U2"),  # p2 left U1, stays in U2
    ("p3", GP, "75102"),  # p3 moved to another arrondissement
    ("p5", GP, "U1"),  # p5 moved into the territory
    ("p6", NURSE, "U2"),  # p6 arrived; p4 left
    (None, GP, "U1"),  # no identifier: cannot be matched
])  # fmt: skip


def by_key(frame: pd.DataFrame, *keys: str) -> dict[tuple[str, ...], list[int]]:
    cols = ["present_start", "present_end", "arrivals", "departures", "net_change"]
    return {tuple(row[k] for k in keys): [int(row[c]) for c in cols] for _, row in frame.iterrows()}


def test_changes_per_group_and_unit() -> None:
    out = by_key(changes_by_place(N2, N1), "groupe", "unite")
    # [start, end, arrivals, departures, net]
    assert out == {
        (GP, "75101"): [1, 0, 0, 1, -1],
        (GP, "75102"): [0, 1, 1, 0, 1],
        (GP, "U1"): [2, 2, 1, 1, 0],  # p5 arrived, p2 left; p1 counted once
        (GP, "U2"): [1, 1, 0, 0, 0],
        (GP, "U3"): [1, 0, 0, 1, -1],
        (NURSE, "U2"): [1, 1, 1, 1, 0],
    }


def test_unit_rows_carry_their_commune() -> None:
    out = changes_by_place(N2, N1).set_index("unite")["commune"]
    assert out["75101"] == "75056" and out["U1"] == "U1"


def test_a_move_between_arrondissements_is_no_change_for_the_city() -> None:
    out = by_key(changes_by_place(N2, N1, place="commune"), "groupe", "commune")
    assert out[(GP, "75056")] == [1, 1, 0, 0, 0]


def test_territory_moves_inside_are_neither_arrivals_nor_departures() -> None:
    out = by_key(territory_changes(N2, N1, TERRITORY), "groupe")
    # GP: start p1 p2 p3, end p1 p2 p3 p5 (p3 moved between two units of the territory)
    assert out[(GP,)] == [3, 4, 1, 0, 1]
    assert out[(NURSE,)] == [1, 1, 1, 1, 0]


def test_three_extractions_give_two_ordered_periods() -> None:
    n = extraction([("p1", GP, "U1"), ("p6", NURSE, "U2"), ("p7", GP, "U2")])
    changes = supply_dynamics([(date(2025, 1, 1), n), (date(2023, 1, 1), N2), (date(2024, 1, 1), N1)], TERRITORY)
    assert [(c.start, c.end) for c in changes] == [
        (date(2023, 1, 1), date(2024, 1, 1)),
        (date(2024, 1, 1), date(2025, 1, 1)),
    ]
    assert changes[0].rows_left_out == {"start": 0, "end": 1}
    last = by_key(changes[1].territory, "groupe")
    # GP: start p1 p2 p3 p5, end p1 p7: one arrival (p7), three departures (p2, p3, p5)
    assert last[(GP,)] == [4, 2, 1, 3, -2]
    assert last[(NURSE,)] == [1, 1, 0, 0, 0]


def test_matching_uses_the_national_identifier_only() -> None:
    # Same name, other identifier: an ADELI number replaced by an RPPS number is a departure and an arrival.
    before = extraction([("0123456789", NURSE, "U1")]).assign(nom="MARTIN")
    after = extraction([("81000000001", NURSE, "U1")]).assign(nom="MARTIN")
    assert by_key(changes_by_place(before, after), "groupe", "unite")[(NURSE, "U1")] == [1, 1, 1, 1, 0]


def test_without_territory_and_bad_calls() -> None:
    (change,) = supply_dynamics([(date(2023, 1, 1), N2), (date(2024, 1, 1), N1)])
    assert change.territory is None
    with pytest.raises(ValueError, match="au moins deux"):
        supply_dynamics([(date(2023, 1, 1), N2)])
    with pytest.raises(ValueError, match="même date"):
        supply_dynamics([(date(2023, 1, 1), N2), (date(2023, 1, 1), N1)])
    with pytest.raises(ValueError, match="rpps"):
        changes_by_place(N2.drop(columns="rpps"), N1)


def test_the_note_says_departures_cannot_be_forecast() -> None:
    assert "date de naissance" in NO_FORECAST_NOTE and "ne peuvent pas être prévus" in NO_FORECAST_NOTE


def test_empty_sides_give_only_arrivals_or_an_empty_table() -> None:
    out = by_key(changes_by_place(N2.iloc[:0], N2), "groupe", "unite")
    assert out[(GP, "U1")] == [0, 2, 2, 0, 2]
    nobody = territory_changes(N2, N1, ["ailleurs"])
    assert nobody.empty and list(nobody.columns) == [
        "groupe", "present_start", "present_end", "arrivals", "departures", "net_change",
    ]  # fmt: skip
