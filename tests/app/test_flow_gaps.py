"""What a given origin–destination table (``FLUX=``) leaves unknown about the residents, in closed form.

A review: a table of 2 of the Verdon's 15 communes gave a confident « 60 % » self-containment, and « 0,0 % »
attraction when the table had no row from elsewhere; leaks to a département not loaded were set aside, making
the self-containment 100 %, and consultations to unknown codes left it overstated without saying by how much.
"""

from __future__ import annotations

import math

import pandas as pd

from pipeline.app.sections import flow_gaps
from pipeline.model import Territory

NNBSP = "\u202f"  # the thousands separator of French figures

UNITS = pd.DataFrame({"unit_code": ["04001", "04002", "04003"], "commune_code": ["04001", "04002", "04003"],
                      "nom": ["Aa", "Bb", "Cc"], "type": "commune-actuelle", "population": [600, 300, 100],
                      "departement": "04", "region": "93"})
SYNTHESIS = pd.DataFrame({"groupe": ["médecins généralistes"], "recours_residents": [1000.0],
                          "recours_internes": [600.0], "auto_confinement": [0.6], "fuites": [400.0],
                          "recours_realises": [700.0], "recours_exterieurs_entrants": [100.0], "attraction": [1 / 7]})


def _territory() -> Territory:
    return Territory(spec="communes:04001,04002,04003", kind="communes", label="Essai", units=UNITS)


def _table(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["origin", "destination", "volume"]).assign(groupe="médecins généralistes")


def test_a_table_of_some_units_says_the_share_of_inhabitants_it_leaves_out() -> None:
    """Cc (100 of the 1 000 inhabitants) has no row: 10,0 %, the figures kept (under half left out)."""
    table = _table([("04001", "04001", 500), ("04002", "04001", 100), ("04002", "05001", 400), ("05001", "04001", 100)])
    synthesis, caveats = flow_gaps.table_gaps(SYNTHESIS, table, _territory(), ["04001", "04002", "04003"])
    assert caveats == ["Table origine–destination : aucun recours d'habitants pour 1 des 3 unités du territoire "
                       "(10,0 % de ses habitants) : Cc (04003) ; la table ne les couvre pas, les indicateurs des "
                       "habitants (auto-confinement, fuites) ne portent que sur les autres unités"]
    assert synthesis["auto_confinement"].iloc[0] == 0.6


def test_a_table_of_a_minority_of_the_inhabitants_gives_no_resident_figure() -> None:
    """Only Bb (300 of 1 000): 70 % of the inhabitants left out, self-containment and leaks « non disponible »;
    no row from outside the territory either: the attraction is unknown, not 0."""
    table = _table([("04002", "04002", 600), ("04002", "05001", 400)])
    synthesis, caveats = flow_gaps.table_gaps(SYNTHESIS, table, _territory(), ["04001", "04002", "04003"])
    assert "aucun recours d'habitants pour 2 des 3 unités du territoire (70,0 % de ses habitants)" in caveats[0]
    assert caveats[0].endswith("ne sont pas calculés")
    row = synthesis.iloc[0]
    assert all(math.isnan(row[c]) for c in ("recours_residents", "recours_internes", "auto_confinement", "fuites",
                                            "attraction", "recours_exterieurs_entrants"))
    assert row["recours_realises"] == 700.0  # not a residents' figure
    assert caveats[1].endswith("attraction non disponible")


def test_a_whole_table_says_nothing() -> None:
    table = _table([("04001", "04001", 1), ("04002", "04001", 1), ("04003", "05001", 1), ("05001", "04001", 1)])
    synthesis, caveats = flow_gaps.table_gaps(SYNTHESIS, table, _territory(), ["04001", "04002", "04003"])
    assert caveats == [] and synthesis.equals(SYNTHESIS)


def test_consultations_to_unknown_codes_give_the_range_of_the_self_containment() -> None:
    """Kept: 600 inside of 1 000; 500 to unknown codes: all outside gives 600 / 1 500 = 40 %, all inside
    1 100 / 1 500 = 73 %, and they are 500 / 1 500 = 33 % of the residents' consultations."""
    table = _table([("04001", "04001", 600), ("04001", "05001", 400), ("05001", "04001", 50)])
    lost = _table([("04001", "99999", 300), ("04002", "04999", 200)])
    said = flow_gaps.unknown_destinations_caveat(table, lost, {"04001", "04002", "04003"})
    assert said is not None and said.endswith("(médecins généralistes : 33 % des recours des habitants, "
                                              "auto-confinement réel entre 40 % et 73 %)")
    assert flow_gaps.unknown_destinations_caveat(table, lost.iloc[:0], {"04001"}) is None


def test_an_implausible_volume_is_said() -> None:
    """A review: 90 001 000 consultations for Riez (1 610 inhabitants) gave « 0,0 % » without a word. Here Bb
    (300 inhabitants) sends 30 001 consultations, more than 100 per inhabitant; Aa's 600 for 600 are plausible."""
    table = _table([("04001", "04001", 600), ("04002", "05001", 30000), ("04002", "04002", 1), ("04003", "04001", 1),
                    ("05001", "04001", 1)])
    _, caveats = flow_gaps.table_gaps(SYNTHESIS, table, _territory(), ["04001", "04002", "04003"])
    assert caveats == ["Table origine–destination : volumes invraisemblables, plus de 100 recours par habitant : Bb "
                       f"(04002) 30{NNBSP}001 recours pour 300 habitants ; vérifiez l'unité et la période de la table"]
