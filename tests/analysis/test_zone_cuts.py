"""Zones cut by a set of units, on hand-made attributes."""

from __future__ import annotations

import math

import pandas as pd

from pipeline.analysis.zone_cuts import zones_cut_by


def attributes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "population": [100.0, 200.0, 300.0, math.nan, 50.0],
            "bv2022": ["b1", "b1", "b2", "b2", None],
            "canton": ["k1", "k1", "k1", "k2", "k2"],
        },
        index=pd.Index(["u1", "u2", "u3", "u4", "u5"], name="code"),
    )


def test_only_zones_with_units_on_both_sides_are_reported() -> None:
    cuts = zones_cut_by(attributes(), ["u1", "u3"])
    # b1: u1 in, u2 out; b2: u3 in, u4 out (population unknown); the « epci » column is absent: skipped
    assert cuts[["level", "zone", "n_units_in", "n_units_out"]].values.tolist() == [
        ["bassin de vie 2022", "b1", 1, 1],
        ["bassin de vie 2022", "b2", 1, 1],
    ]
    assert cuts["population_in"].tolist() == [100.0, 300.0]
    assert cuts.loc[0, "population_out"] == 200.0 and math.isnan(cuts.loc[1, "population_out"])
    assert cuts["units_out"].tolist() == [["u2"], ["u4"]]


def test_levels_are_a_parameter_and_whole_zones_are_not_cut() -> None:
    cuts = zones_cut_by(attributes(), ["u1", "u2", "u3"], {"canton": "canton"})
    # k1 = u1 u2 u3, all inside: not cut; k2 has no unit inside
    assert cuts.empty and list(cuts.columns)[:2] == ["level", "zone"]
    cuts = zones_cut_by(attributes(), ["u4"], {"canton": "canton"})
    assert cuts[["zone", "n_units_in", "n_units_out", "population_out"]].values.tolist() == [["k2", 1, 1, 50.0]]
    assert math.isnan(cuts.loc[0, "population_in"])


def test_zone_crossing_the_loaded_departements_is_cut_with_an_unknown_population_outside() -> None:
    # b1 has 5 units in the country, 2 of them loaded (u1, u2), both inside: the 3 others are outside, their
    # population unknown. b2 is whole in the attributes (size 2) and half inside: as without sizes.
    sizes = {"bv2022": {"b1": 5, "b2": 2}}
    cuts = zones_cut_by(attributes(), ["u1", "u2", "u3"], sizes=sizes)
    assert cuts[["zone", "n_units_in", "n_units_out", "n_units_unloaded"]].values.tolist() == [
        ["b1", 2, 3, 3], ["b2", 1, 1, 0]]
    assert cuts.loc[0, "population_in"] == 300.0 and math.isnan(cuts.loc[0, "population_out"])
    assert cuts.loc[0, "units_out"] == []
    # A zone whose every unit is loaded and inside is not cut, sizes or not.
    assert zones_cut_by(attributes(), ["u1", "u2"], sizes={"bv2022": {"b1": 2}}).empty
    assert zones_cut_by(attributes(), ["u1", "u2"]).empty


def test_national_zone_units_count_current_units_once() -> None:
    from pipeline.analysis.zone_cuts import national_zone_units

    # The table on the current geography: b1 = A (B merged into it since, not a current commune), M (Marseille,
    # split into 16 arrondissements); b2 = C and N (a new commune that took b2 from its former communes).
    # Populations: 100, 886 040, 30, unknown (N: its whole zones have none, never a sum short of it).
    communes = pd.DataFrame({"code": ["A", "13055", "C", "N"], "epci": ["e1", "e1", None, "e2"],
                             "population": pd.array([100, 886_040, 30, None], dtype="Int64"),
                             "departement": ["04", "13", "05", "05"]})
    appartenance = pd.DataFrame({"code": ["A", "B", "13055", "C", "N", "X"],
                                 "bv2022": ["b1", "b1", "b1", "b2", "b2", "b2"]})
    units = national_zone_units(communes, appartenance)
    assert units.astype(object).where(units.notna(), None).values.tolist() == [
        ["BV2022", "b1", 1 + 16, 100 + 886_040, "04,13"], ["BV2022", "b2", 2, None, "05"],
        ["EPCI", "e1", 17, 100 + 886_040, "04,13"], ["EPCI", "e2", 1, None, "05"]]
