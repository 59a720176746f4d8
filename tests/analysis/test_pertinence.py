"""Pertinence of a perimeter (seed 003 §6.1), on a hand-made origin–destination table.

Seed 003: « Le territoire pertinent d'une CPTS est avant tout le “territoire vécu” [...] en cohérence
avec les parcours effectifs des patients. » Every expected figure below is computed by hand from the
table in :func:`flows`.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipeline.analysis.pertinence import PertinenceThresholds, perimeter_pertinence, self_containment

PERIMETER = ["A", "B", "C"]


def flows() -> pd.DataFrame:
    """Consultations per year from residents of ``origin`` made in ``destination`` (None = unserved)."""
    rows = [
        ("A", "A", 80), ("A", "B", 20),  # A: 100 % inside
        ("B", "B", 30), ("B", "D", 70),  # B: 30 % inside, main destination D (70 %)
        ("C", "C", 50), ("C", "E", 25), ("C", "F", 25), ("C", None, 10),  # C: 50 % inside, 10 unserved
        ("D", "A", 60), ("D", "D", 40),  # D: 60 % into the perimeter
        ("E", "B", 50), ("E", "E", 50),  # E: exactly 50 % into the perimeter
        ("F", "F", 100),  # F: 0 %
        ("G", None, 30),  # G: only unserved demand, share undefined
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["origin", "destination", "volume"])


def units(with_claims: bool = True) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "code": ["A", "B", "C", "D", "E", "F", "G"],
            "nom": ["Aville", "Bbourg", "Cmont", "Dval", "Eport", "Fcamp", "Gmer"],
            "population": [1000, 500, 300, 200, 100, 50, 10],
            "bv2022": ["bv1", "bv1", "bv2", "bv3", "bv3", "bv2", "bv4"],
            "epci": ["e1", "e1", "e1", "e1", "e2", "e2", "e2"],
        }
    )
    if with_claims:
        frame["cpts_claims"] = [[], [], [], ["CPTS du Val", "CPTS Autre"], [], [], []]
    return frame


def test_self_containment_is_the_share_of_residents_consultations_made_inside() -> None:
    # residents' served consultations: A 100 + B 100 + C 100 = 300; inside: 100 + 30 + 50 = 180
    assert self_containment(flows(), PERIMETER) == pytest.approx(180 / 300)
    result = perimeter_pertinence(flows(), PERIMETER, units())
    assert result.self_containment == pytest.approx(0.6)
    assert (result.resident_volume, result.internal_volume) == (300.0, 180.0)
    assert result.unserved_volume == 10.0  # C's unserved demand is reported, not counted in the share
    assert result.population == 1800.0


def test_candidates_send_at_least_half_of_their_consultations_into_the_perimeter() -> None:
    result = perimeter_pertinence(flows(), PERIMETER, units())
    cand = result.candidates
    # D sends 60/100, E exactly 50/100 (the bound is inclusive); F 0; G has no served consultation
    assert list(cand["code"]) == ["D", "E"]
    assert list(cand["share_into_perimeter"]) == pytest.approx([0.6, 0.5])
    assert list(cand["volume_into_perimeter"]) == [60.0, 50.0]
    assert list(cand["nom"]) == ["Dval", "Eport"]
    assert list(cand["population"]) == [200.0, 100.0]
    assert list(cand["claimed_by"]) == [["CPTS Autre", "CPTS du Val"], []]


def test_self_containment_and_population_with_the_candidates_added() -> None:
    result = perimeter_pertinence(flows(), PERIMETER, units())
    # P' = A B C D E: served 500; inside: A 100, B 30 + 70 (D) = 100, C 50 + 25 (E) = 75, D 100, E 100
    assert result.self_containment_with_candidates == pytest.approx(475 / 500)
    assert result.population_with_candidates == 1800.0 + 200 + 100


def test_inside_units_mostly_consulting_elsewhere_with_their_main_destination() -> None:
    result = perimeter_pertinence(flows(), PERIMETER, units())
    examine = result.to_examine
    # B keeps 30 % (< 0.5); C keeps exactly 50 %, which is not « less than half »
    assert list(examine["code"]) == ["B"]
    row = examine.iloc[0]
    assert row["share_inside"] == pytest.approx(0.3)
    assert (row["main_destination"], row["main_destination_nom"]) == ("D", "Dval")
    assert row["main_destination_share"] == pytest.approx(0.7)
    assert (row["nom"], row["population"]) == ("Bbourg", 500.0)


def test_exactly_half_in_decimal_volumes_is_half() -> None:
    """A review: 0.3 in and 0.1 + 0.2 out is 0.49999999999999994 in floating point; the commune outside was no
    candidate and the one inside « à examiner », though each sends exactly half (the bounds are « at least half »
    and « less than half »)."""
    table = pd.DataFrame([("A", "A", 0.3), ("A", "X", 0.1), ("A", "Y", 0.2),
                          ("D", "A", 0.3), ("D", "X", 0.1), ("D", "Y", 0.2)],
                         columns=["origin", "destination", "volume"])
    assert 0.3 / (0.1 + 0.2 + 0.3) < 0.5  # the floating-point sum the shares come from
    result = perimeter_pertinence(table, ["A"], units())
    assert list(result.candidates["code"]) == ["D"]
    assert result.to_examine.empty


def test_bassins_de_vie_and_epci_cut_by_the_perimeter() -> None:
    cuts = perimeter_pertinence(flows(), PERIMETER, units()).cut_zones
    # bv1 = A B (all inside): not cut; bv2 = C inside, F outside: cut; bv3 = D E: untouched
    # e1 = A B C inside, D outside: cut; e2 = E F G: untouched
    assert cuts[["level", "zone", "n_units_in", "n_units_out"]].values.tolist() == [
        ["bassin de vie 2022", "bv2", 1, 1],
        ["EPCI", "e1", 3, 1],
    ]
    assert cuts["population_in"].tolist() == [300.0, 1800.0]
    assert cuts["population_out"].tolist() == [50.0, 200.0]
    assert cuts["units_out"].tolist() == [["F"], ["D"]]


def test_thresholds_are_parameters() -> None:
    strict = PertinenceThresholds(candidate_min_share=0.55, examine_below_share=0.6)
    result = perimeter_pertinence(flows(), PERIMETER, units(), strict)
    assert list(result.candidates["code"]) == ["D"]
    assert list(result.to_examine["code"]) == ["B", "C"]  # C keeps 50 % < 60 %
    assert result.self_containment_with_candidates == pytest.approx((180 + 70 + 100) / 400)
    with pytest.raises(ValueError, match="entre 0 et 1"):
        PertinenceThresholds(candidate_min_share=1.5)


def test_a_unit_whose_claims_are_unknown_is_not_claimed_by_none() -> None:
    # E lies in a région no loaded listing covers: its cell is None (unknown), D's list stays known.
    frame = units()
    frame["cpts_claims"] = [[], [], [], ["CPTS du Val"], None, [], []]
    result = perimeter_pertinence(flows(), PERIMETER, frame)
    assert list(result.candidates["code"]) == ["D", "E"]
    assert list(result.candidates["claimed_by"]) == [["CPTS du Val"], None]


def test_unknown_claims_and_populations_stay_unknown() -> None:
    # No CPTS listing loaded: « revendiquée par » is unknown (None), not « aucune ».
    result = perimeter_pertinence(flows(), PERIMETER, units(with_claims=False))
    assert list(result.candidates["claimed_by"]) == [None, None]
    # A perimeter unit without population makes the perimeter's population unknown, never an undercount.
    partial = units()
    partial.loc[partial["code"] == "C", "population"] = None
    result = perimeter_pertinence(flows(), PERIMETER, partial)
    assert math.isnan(result.population)
    assert math.isnan(result.population_with_candidates)
    assert math.isnan(result.cut_zones.loc[result.cut_zones["zone"] == "bv2", "population_in"].iloc[0])


def test_perimeter_unit_without_consultations_is_listed_not_counted() -> None:
    result = perimeter_pertinence(flows(), [*PERIMETER, "G"], units())
    assert result.units_without_flows == ["G"]
    assert result.self_containment == pytest.approx(0.6)  # G adds no served consultation
    assert result.unserved_volume == 40.0
    assert "G" not in set(result.to_examine["code"])


def test_no_served_consultation_gives_nan_not_zero() -> None:
    table = pd.DataFrame({"origin": ["A"], "destination": [None], "volume": [5.0]})
    result = perimeter_pertinence(table, ["A"], units())
    assert math.isnan(result.self_containment)
    assert result.candidates.empty and result.to_examine.empty


def test_groups_are_never_mixed_silently() -> None:
    gp = flows().assign(groupe="Médecins généralistes")
    other = flows().assign(groupe="Infirmiers", volume=1.0)
    both = pd.concat([gp, other], ignore_index=True)
    with pytest.raises(ValueError, match="plusieurs groupes"):
        perimeter_pertinence(both, PERIMETER, units())
    chosen = perimeter_pertinence(both, PERIMETER, units(), groupe="Médecins généralistes")
    assert chosen.self_containment == pytest.approx(0.6)


def test_bad_tables_are_refused() -> None:
    with pytest.raises(ValueError, match="volume"):
        perimeter_pertinence(flows().drop(columns="volume"), PERIMETER, units())
    with pytest.raises(ValueError, match="négatifs"):
        perimeter_pertinence(flows().assign(volume=-1.0), PERIMETER, units())
    with pytest.raises(ValueError, match="aucune unité"):
        perimeter_pertinence(flows(), [], units())
