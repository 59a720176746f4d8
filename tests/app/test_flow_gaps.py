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


def test_coverage_and_attraction_are_judged_per_profession() -> None:
    """A review: GP rows from Bb only (300 of the 1 000 inhabitants) beside nurses' rows from Aa and Cc gave a GP
    self-containment of 100 % without a word, and the nurses an attraction of 0 though no nurse row came from
    outside. GPs: 70 % of the inhabitants left out, their residents' figures unknown; nurses: Bb's 30 % left out
    (figures kept), no row from elsewhere (attraction unknown); the GPs' attraction is known (a row from 05001)."""
    gp, nurse = "Médecins généralistes", "Infirmiers"
    synthesis = pd.concat([SYNTHESIS.assign(groupe=gp), SYNTHESIS.assign(groupe=nurse)], ignore_index=True)
    table = pd.DataFrame([("04002", "04002", gp, 10.0), ("05001", "04002", gp, 5.0), ("04001", "04001", nurse, 50.0),
                          ("04003", "04001", nurse, 5.0)], columns=["origin", "destination", "groupe", "volume"])
    out, caveats = flow_gaps.table_gaps(synthesis, table, _territory(), ["04001", "04002", "04003"])
    by_group = out.set_index("groupe")
    assert all(math.isnan(by_group.loc[gp, c]) for c in ("recours_residents", "auto_confinement", "fuites"))
    assert by_group.loc[gp, "attraction"] == SYNTHESIS["attraction"].iloc[0]
    assert by_group.loc[nurse, "auto_confinement"] == 0.6 and math.isnan(by_group.loc[nurse, "attraction"])
    assert caveats == [
        "Table origine–destination, Médecins généralistes : aucun recours d'habitants pour 2 des 3 unités du "
        "territoire (70,0 % de ses habitants) : Aa (04001), Cc (04003) ; la table ne les couvre pas, les indicateurs "
        "des habitants (auto-confinement, fuites) ne sont pas calculés",
        "Table origine–destination, Infirmiers : aucun recours d'habitants pour 1 des 3 unités du territoire "
        "(30,0 % de ses habitants) : Bb (04002) ; la table ne les couvre pas, les indicateurs des habitants "
        "(auto-confinement, fuites) ne portent que sur les autres unités",
        "Table origine–destination (Infirmiers) : aucun recours d'habitants d'autres communes que celles du "
        "territoire (la table ne semble donner que ceux de ses habitants) : attraction non disponible"]


def test_rows_of_volume_zero_cover_no_unit() -> None:
    """A review: Aa (600 of 1 000 inhabitants) whose only rows were of volume 0 counted as covered, and the 100 %
    of the others read as the territory's. Aa and Cc (70 %) have no consultation: no residents' figure."""
    table = _table([("04001", "04001", 0), ("04001", "05001", 0), ("04002", "04002", 90), ("05001", "04002", 5)])
    missing, share = flow_gaps.uncovered_units(table, UNITS.rename(columns={"unit_code": "code"}))
    assert missing["code"].tolist() == ["04001", "04003"] and share == 0.7
    synthesis, caveats = flow_gaps.table_gaps(SYNTHESIS, table, _territory(), ["04001", "04002", "04003"])
    assert math.isnan(synthesis["auto_confinement"].iloc[0]) and caveats[0].endswith("ne sont pas calculés")


def test_malformed_and_missing_destinations_enter_the_range(tmp_path: object) -> None:
    """A review: a resident's rows to « 99999 », to « Etranger » and to nothing gave « entre 86 % et 91 % » since
    only the COG-unknown one was counted. The residents of 04070, 04001, 04081 sent 800 + 100 + 10 = 910
    consultations inside, 100 to 04112, and 50 + 50 + 100 = 200 to unknown places: 200 / 1 210 = 17 %,
    self-containment between 910 / 1 210 = 75 % and 1 110 / 1 210 = 92 %."""
    from pathlib import Path

    from pipeline.sources import od_table

    path = Path(str(tmp_path)) / "od.csv"
    path.write_text("origine;destination;volume\n04070;04070;800\n04070;04112;100\n04070;99999;50\n04070;;50\n"
                    "04070;Etranger;100\n04001;04070;100\n04081;04070;10\n04112;04070;20\n04112;04112;200\n",
                    encoding="utf-8")
    raw = od_table.read_od_table(path)
    known = {code: code for code in ("04070", "04001", "04081", "04112")}
    staged = od_table.filter_known_codes(raw, known, ["04"])
    inside = {"04070", "04001", "04081"}
    leaks, unknown = flow_gaps.resident_rows_left_out(raw, staged, inside, known)
    assert leaks.empty and unknown["ligne"].tolist() == [4, 5, 6] and unknown["volume"].sum() == 200
    table = od_table.to_flow_table(staged, units=True)
    lost = od_table.to_flow_table(od_table.StagedOD(unknown, staged.problems.iloc[:0]), units=True)
    said = flow_gaps.unknown_destinations_caveat(table, lost, inside)
    assert said is not None and said.endswith("(non précisé : 17 % des recours des habitants, auto-confinement réel "
                                              "entre 75 % et 92 %)")


def test_a_far_city_given_whole_and_by_arrondissements_is_added_up_and_said() -> None:
    """A review: rows 04070 → 13055 (40) and 04070 → 13201 (50) made Marseille 90 without a word, as a city's
    subtotal beside its arrondissements would. Marseille's rows fold into 13055 (40 + 50 + 5 = 95, and 3 from
    its 6e), Paris's 1er into 75056; only the pair given both ways is said."""
    from pipeline.app.sections.flow_table import _far_cities_whole

    gp = "Médecins généralistes"
    table = pd.DataFrame([("04070", "13055", gp, 40.0), ("04070", "13201", gp, 50.0), ("04070", "13202", gp, 5.0),
                          ("13206", "04070", gp, 3.0), ("04070", "75101", gp, 30.0),
                          ("04070", "13055", "Infirmiers", 4.0), ("04070", "13203", "Infirmiers", 1.0)],
                         columns=["origin", "destination", "groupe", "volume"])
    folded, notes = _far_cities_whole(table, ["04070"])
    assert folded[["origin", "destination", "groupe", "volume"]].values.tolist() == [
        ["04070", "13055", "Infirmiers", 5.0], ["04070", "13055", gp, 95.0], ["04070", "75056", gp, 30.0],
        ["13055", "04070", gp, 3.0]]
    # One note per city, whatever the professions (a review: each pair was said again per profession).
    assert notes == ["Table origine–destination : Marseille donnée à la fois entière (13055) et par arrondissements "
                     "pour le couple 04070 → 13055 : volumes additionnés ; vérifiez que la ligne de la ville n'est "
                     "pas le total de ses arrondissements"]
    # Two far cities: Marseille's 13055 → Paris given whole and 13201 → 75101, folded on both ends.
    far = pd.DataFrame([("13055", "75056", gp, 2.0), ("13201", "75101", gp, 1.0)],
                       columns=["origin", "destination", "groupe", "volume"])
    folded, notes = _far_cities_whole(far, ["04070"])
    assert folded[["origin", "destination", "volume"]].values.tolist() == [["13055", "75056", 3.0]]
    assert [n.split(" : volumes")[0] for n in notes] == [
        "Table origine–destination : Marseille donnée à la fois entière (13055) et par arrondissements pour le "
        "couple 13055 → 75056", "Table origine–destination : Paris donnée à la fois entière (75056) et par "
        "arrondissements pour le couple 13055 → 75056"]


def test_an_outside_origin_with_too_few_consultations_is_no_candidate() -> None:
    """A review: a table giving Marseille (886 040 inhabitants) 7 consultations, all into the territory, proposed it
    as a candidate at 100 %. An outside origin with fewer than one consultation per inhabitant is set aside
    (Bb: 5 for 300 inhabitants); one with 3 per inhabitant stays (Cc: 300 for 100); the residents' rows stay
    whatever their volume (Aa: 1 for 600)."""
    table = _table([("04001", "04001", 1), ("04002", "04001", 5), ("04003", "04001", 200), ("04003", "05001", 100)])
    units = UNITS.rename(columns={"unit_code": "code"})
    kept, note = flow_gaps.without_partial_origins(table, {"04001"}, units)
    assert sorted(set(kept["origin"])) == ["04001", "04003"] and len(kept) == 3
    assert note == ("Table origine–destination : moins d'1 recours par habitant pour 1 commune hors du territoire "
                    "(Bb (04002) 5 recours pour 300 habitants) : la table ne donne pas tous les recours de leurs "
                    "habitants, leur part vers le territoire n'est pas connue et elles ne sont pas proposées à "
                    "l'ajout")
    assert flow_gaps.without_partial_origins(table[table["origin"] != "04002"], {"04001"}, units)[1] is None
