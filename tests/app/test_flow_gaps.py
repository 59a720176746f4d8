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
                       "habitants (auto-confinement, fuites) ne portent que sur les autres unités, et les recours "
                       "réalisés dans le territoire et l'attraction omettent ceux de leurs habitants"]
    assert synthesis["auto_confinement"].iloc[0] == 0.6


def test_a_table_of_a_minority_of_the_inhabitants_gives_no_resident_figure() -> None:
    """Only Bb (300 of 1 000): 70 % of the inhabitants left out, self-containment and leaks « non disponible »,
    and the consultations made in the territory, which miss Aa's and Cc's residents' own (a review: « 16 710 »
    and an attraction of 16,2 % for 8,8 % on the whole table); no row from outside the territory either: the
    attraction is unknown, not 0."""
    table = _table([("04002", "04002", 600), ("04002", "05001", 400)])
    synthesis, caveats = flow_gaps.table_gaps(SYNTHESIS, table, _territory(), ["04001", "04002", "04003"])
    assert "aucun recours d'habitants pour 2 des 3 unités du territoire (70,0 % de ses habitants)" in caveats[0]
    assert caveats[0].endswith("ne sont pas calculés")
    row = synthesis.iloc[0]
    assert all(math.isnan(row[c]) for c in ("recours_residents", "recours_internes", "auto_confinement", "fuites",
                                            "attraction", "recours_exterieurs_entrants", "recours_realises"))
    assert caveats[1].endswith("recours réalisés dans le territoire et attraction non disponibles")


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
    outside. GPs: 70 % of the inhabitants left out, their residents' figures unknown, and so are the
    consultations made in the territory and the attraction (Aa's and Cc's residents' own are missing, though a
    row comes from 05001); nurses: Bb's 30 % left out (figures kept), no row from elsewhere (attraction unknown,
    and the consultations made in the territory: they miss the outsiders')."""
    gp, nurse = "Médecins généralistes", "Infirmiers"
    synthesis = pd.concat([SYNTHESIS.assign(groupe=gp), SYNTHESIS.assign(groupe=nurse)], ignore_index=True)
    table = pd.DataFrame([("04002", "04002", gp, 10.0), ("05001", "04002", gp, 5.0), ("04001", "04001", nurse, 50.0),
                          ("04003", "04001", nurse, 5.0), ("04003", "05001", nurse, 5.0)],
                         columns=["origin", "destination", "groupe", "volume"])
    out, caveats = flow_gaps.table_gaps(synthesis, table, _territory(), ["04001", "04002", "04003"])
    by_group = out.set_index("groupe")
    assert all(math.isnan(by_group.loc[gp, c]) for c in ("recours_residents", "auto_confinement", "fuites"))
    assert math.isnan(by_group.loc[gp, "attraction"]) and math.isnan(by_group.loc[gp, "recours_realises"])
    assert by_group.loc[gp, "recours_exterieurs_entrants"] == 100.0  # 05001's row: what outsiders made is known
    assert by_group.loc[nurse, "auto_confinement"] == 0.6 and math.isnan(by_group.loc[nurse, "attraction"])
    assert math.isnan(by_group.loc[nurse, "recours_realises"])
    assert caveats == [
        "Table origine–destination, Médecins généralistes : aucun recours d'habitants pour 2 des 3 unités du "
        "territoire (70,0 % de ses habitants) : Aa (04001), Cc (04003) ; la table ne les couvre pas, les indicateurs "
        "des habitants (auto-confinement, fuites), les recours réalisés dans le territoire et l'attraction ne sont "
        "pas calculés",
        "Table origine–destination, Infirmiers : aucun recours d'habitants pour 1 des 3 unités du territoire "
        "(30,0 % de ses habitants) : Bb (04002) ; la table ne les couvre pas, les indicateurs des habitants "
        "(auto-confinement, fuites) ne portent que sur les autres unités, et les recours réalisés dans le "
        "territoire et l'attraction omettent ceux de leurs habitants",
        "Table origine–destination (Infirmiers) : aucun recours d'habitants d'autres communes que celles du "
        "territoire (la table ne semble donner que ceux de ses habitants) : recours réalisés dans le territoire et "
        "attraction non disponibles"]


#: A synthesis of a table of the consultations made in the territory: 04001 → 04001 500, 04002 → 04001 200, 04003 →
#: 04003 100, 05001 → 04001 100 (the residents' 800 all inside, 900 made inside of which 100 by outsiders).
INSIDE_ONLY = pd.DataFrame({"groupe": ["médecins généralistes"], "recours_residents": [800.0],
                            "recours_internes": [800.0], "auto_confinement": [1.0], "fuites": [0.0],
                            "recours_realises": [900.0], "recours_exterieurs_entrants": [100.0],
                            "attraction": [100 / 900]})
NO_LEAKS = ("Table origine–destination{which} : aucun recours des habitants du territoire hors de celui-ci (la "
            "table ne semble donner que les recours réalisés dans le territoire) : leurs fuites ne sont pas connues, "
            "auto-confinement et fuites non disponibles")


def test_a_table_of_the_consultations_made_inside_gives_no_resident_figure() -> None:
    """A review: a table of the consultations made in the territory (its GPs' patients by commune of residence)
    read « Auto-confinement 100 % », « fuites 0 ». Every unit has rows, none leaves the territory: the residents'
    leaks are unknown; what is made inside (900) and the outsiders' share of it (100 / 900) are known."""
    table = _table([("04001", "04001", 500), ("04002", "04001", 200), ("04003", "04003", 100), ("05001", "04001", 100)])
    synthesis, caveats = flow_gaps.table_gaps(INSIDE_ONLY, table, _territory(), ["04001", "04002", "04003"])
    row = synthesis.iloc[0]
    assert all(math.isnan(row[c]) for c in ("recours_residents", "recours_internes", "auto_confinement", "fuites"))
    assert row["recours_realises"] == 900.0 and row["attraction"] == 100 / 900
    assert caveats == [NO_LEAKS.format(which="")]
    # A leak of volume 0 is none.
    table = pd.concat([table, _table([("04001", "05001", 0)])], ignore_index=True)
    synthesis, caveats = flow_gaps.table_gaps(INSIDE_ONLY, table, _territory(), ["04001", "04002", "04003"])
    assert math.isnan(synthesis["auto_confinement"].iloc[0]) and caveats == [NO_LEAKS.format(which="")]


def test_a_table_of_the_residents_inside_only_says_so_once() -> None:
    """A code review: a table of the residents' consultations made in the territory and nothing else got two
    caveats that contradicted each other (« que les recours réalisés dans le territoire » and « que ceux de ses
    habitants »). One caveat says both, and every figure of the residents and of what is made inside is unknown."""
    table = _table([("04001", "04001", 500), ("04002", "04001", 200), ("04003", "04003", 100)])
    synthesis, caveats = flow_gaps.table_gaps(INSIDE_ONLY, table, _territory(), ["04001", "04002", "04003"])
    assert caveats == ["Table origine–destination : aucun recours hors du territoire ni d'habitants d'autres communes "
                       "(la table ne semble donner que les recours de ses habitants réalisés dans le territoire) : "
                       "auto-confinement, fuites, recours réalisés dans le territoire et attraction non disponibles"]
    row = synthesis.iloc[0]
    assert all(math.isnan(row[c]) for c in ("recours_residents", "recours_internes", "auto_confinement", "fuites",
                                            "recours_realises", "recours_exterieurs_entrants", "attraction"))


def test_leaks_are_judged_per_profession() -> None:
    """GPs: 100 of Aa's 600 consultations leave (their figures kept); nurses: none leaves (theirs unknown)."""
    gp, nurse = "Médecins généralistes", "Infirmiers"
    synthesis = pd.concat([INSIDE_ONLY.assign(groupe=gp), INSIDE_ONLY.assign(groupe=nurse)], ignore_index=True)
    rows = [("04001", "04001", 500), ("04002", "04001", 200), ("04003", "04003", 100), ("05001", "04001", 100)]
    table = pd.concat([_table([*rows, ("04001", "05001", 100)]).assign(groupe=gp), _table(rows).assign(groupe=nurse)],
                      ignore_index=True)
    out, caveats = flow_gaps.table_gaps(synthesis, table, _territory(), ["04001", "04002", "04003"])
    by_group = out.set_index("groupe")
    assert by_group.loc[gp, "auto_confinement"] == 1.0  # the synthesis given, untouched
    assert math.isnan(by_group.loc[nurse, "auto_confinement"]) and math.isnan(by_group.loc[nurse, "fuites"])
    assert by_group.loc[nurse, "attraction"] == 100 / 900
    assert caveats == [NO_LEAKS.format(which=" (Infirmiers)")]


def test_destination_shares_of_unknown_residents_are_unknown() -> None:
    """A review: Manosque « 100 % » of the nurses' consultations of the residents, whose volume was « non
    disponible ». Nurses' residents unknown: their destination's share NaN, its volume kept; the GPs' kept."""
    synthesis = pd.DataFrame({"groupe": ["Médecins généralistes", "Infirmiers"],
                              "recours_residents": [400.0, math.nan]})
    dest = pd.DataFrame({"groupe": ["Médecins généralistes", "Infirmiers"], "destination": ["05001", "05001"],
                         "volume": [100.0, 50.0], "part_des_residents": [0.25, 1.0]})
    bassins = pd.DataFrame({"bassin_de_vie": ["04001", "04001"], "groupe": ["Médecins généralistes", "Infirmiers"],
                            "recours_residents_bv": [500.0, 50.0], "auto_confinement_bv": [0.8, 0.0],
                            "flux_exterieur_vers_interieur": [10.0, 0.0]})
    out, bv = flow_gaps.resident_shares_unknown(dest, bassins, synthesis)
    assert out["part_des_residents"].iloc[0] == 0.25 and math.isnan(out["part_des_residents"].iloc[1])
    assert out["volume"].tolist() == [100.0, 50.0]
    assert bv["auto_confinement_bv"].iloc[0] == 0.8 and math.isnan(bv["auto_confinement_bv"].iloc[1])
    assert math.isnan(bv["recours_residents_bv"].iloc[1]) and bv["flux_exterieur_vers_interieur"].iloc[1] == 0.0


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
    assert note == ["Table origine–destination : moins d'1 recours par habitant pour 1 commune hors du territoire "
                    "(Bb (04002) 5 recours pour 300 habitants) : la table ne donne pas tous les recours de leurs "
                    "habitants, leur part vers le territoire n'est pas connue et elle n'est pas proposée à "
                    "l'ajout"]
    assert flow_gaps.without_partial_origins(table[table["origin"] != "04002"], {"04001"}, units)[1] == []


def test_an_outside_origin_of_implausible_volumes_is_no_candidate() -> None:
    """A review: Majastres (5 inhabitants) sending 1 000 GP consultations into the territory was proposed at 100 %,
    where the same volume inside was said implausible. Cc (100 inhabitants): 10 001 consultations is more than 100
    per inhabitant, set aside; 10 000 is exactly 100, kept."""
    units = UNITS.rename(columns={"unit_code": "code"})
    assert units.set_index("code").loc["04003", "population"] == 100
    heavy = _table([("04001", "04001", 700), ("04003", "04001", 10_001)])
    kept, notes = flow_gaps.without_partial_origins(heavy, {"04001"}, units)
    assert kept["origin"].tolist() == ["04001"]
    assert notes == ["Table origine–destination : volumes invraisemblables, plus de 100 recours par habitant pour "
                     "1 commune hors du territoire (Cc (04003) 10\u202f001 recours pour 100 habitants) : elle n'est "
                     "pas proposée à l'ajout ; vérifiez l'unité et la période de la table"]
    edge = _table([("04001", "04001", 700), ("04003", "04001", 10_000)])
    kept, notes = flow_gaps.without_partial_origins(edge, {"04001"}, units)
    assert kept.equals(edge) and notes == []
    # An unknown population tells nothing: not « 10 001 recours pour non disponible habitants ».
    unknown = units.assign(population=units["population"].astype("float64").where(units["code"] != "04003"))
    kept, notes = flow_gaps.without_partial_origins(heavy, {"04001"}, unknown)
    assert kept.equals(heavy) and notes == []


def test_the_range_of_the_real_self_containment_tells_its_bounds_apart() -> None:
    """300 consultations of 63 300 to unknown codes: a review read « 0 % des recours des habitants,
    auto-confinement réel entre 100 % et 100 % » for 0.47 % and 99.5–100 % (63 000/63 300 and 63 300/63 300)."""
    assert flow_gaps.containment_range("MG", flow_gaps.uncertain_share(300, 63_300), 63_000 / 63_300 * 100, 100.0) == (
        "MG : 0,5 % des recours des habitants, auto-confinement réel entre 99,5 % et 100,0 %")
    assert flow_gaps.containment_range("MG", flow_gaps.uncertain_share(4, 100), 64.2, 68.1) == (
        "MG : 4 % des recours des habitants, auto-confinement réel entre 64 % et 68 %")
    assert flow_gaps.uncertain_share(1, 1_000_000) == "moins de 0,01 % des recours des habitants"


def test_flow_from_outside_a_bassin_is_unknown_when_the_consultations_from_outside_are() -> None:
    """A review: a table of the residents' nurse consultations only (no row from outside the territory) read
    « 0 » for the flow from the bassin de vie's outside part, where the synthesis said « non disponible »."""
    synthesis = pd.DataFrame({"groupe": ["Médecins généralistes", "Infirmiers"],
                              "recours_residents": [400.0, 90.0], "recours_exterieurs_entrants": [30.0, math.nan]})
    bassins = pd.DataFrame({"bassin_de_vie": ["04070", "04070"], "groupe": ["Médecins généralistes", "Infirmiers"],
                            "recours_residents_bv": [500.0, 90.0], "flux_exterieur_vers_interieur": [10.0, 0.0]})
    _, bv = flow_gaps.resident_shares_unknown(pd.DataFrame(), bassins, synthesis)
    flow_in = bv["flux_exterieur_vers_interieur"]
    assert flow_in.iloc[0] == 10.0 and math.isnan(flow_in.iloc[1])
    assert bv["recours_residents_bv"].tolist() == [500.0, 90.0]  # the residents' figures are known
