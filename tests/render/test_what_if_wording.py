"""The what-if scenario in the report's words: units counted once, whatever the number of professions.

A review: a scenario on two professions in Paris 18e–20e said « le scénario modifie l'APL approchée de 6
communes du territoire sur 6 » for three arrondissements, the simulation having one row per unit and
profession; its title wrote « +3 Médecins généralistes … ; -2 Infirmiers » (a capital mid-sentence and a
hyphen for the minus sign).
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from pipeline.model.options import WhatIfChange
from pipeline.render.sections.access import simulation_paragraphs, simulation_tables

NAMES = {"75118": "Paris 18e Arrondissement", "75119": "Paris 19e Arrondissement",
         "75120": "Paris 20e Arrondissement"}
CHANGES = (WhatIfChange("Médecins généralistes", 3.0, "75119"), WhatIfChange("Infirmiers", -2.0, "75120"))
#: The APL approchée is the GPs' model: another profession's figure is said to be an order of magnitude.
NURSES = (" Pour les infirmiers, l'APL approchée reprend la demande standardisée et les paliers de distance de l'APL "
          "aux médecins généralistes : un ordre de grandeur, qui n'est pas une accessibilité propre à ces professions.")


def diagnostic(deltas: dict[tuple[str, str], float]) -> SimpleNamespace:
    """Three arrondissements × two professions; ``deltas`` gives the non-zero changes by (unit, profession)."""
    rows = [{"code": code, "groupe": groupe, "before": 1.0, "after": 1.0 + deltas.get((code, groupe), 0.0),
             "delta": deltas.get((code, groupe), 0.0)}
            for code in NAMES for groupe in ("Médecins généralistes", "Infirmiers")]
    units = pd.DataFrame({"unit_code": list(NAMES), "nom": list(NAMES.values())})
    access = SimpleNamespace(simulation=pd.DataFrame(rows), changes=CHANGES, simulation_territory=None,
                             change_names={})
    return SimpleNamespace(access=access, units=units)


def test_units_are_counted_once_across_professions() -> None:
    # 75119 changes for both professions, 75120 for one: two units of three.
    d = diagnostic({("75119", "Médecins généralistes"): 0.4, ("75119", "Infirmiers"): -0.1,
                    ("75120", "Infirmiers"): -0.3})
    assert simulation_paragraphs(d) == [  # type: ignore[arg-type]
        "Simulation : le scénario modifie l'APL approchée de 2 communes du territoire sur 3." + NURSES]
    (table,) = simulation_tables(d)  # type: ignore[arg-type]
    assert len(table["data"]) == 3  # the three (unit, profession) rows that change
    assert table["note"] == "L'autre commune du territoire ne change pas."


def test_every_unit_changing_leaves_no_note_and_one_unit_is_singular() -> None:
    every = diagnostic({(code, "Infirmiers"): -0.2 for code in NAMES})
    assert simulation_paragraphs(every) == [  # type: ignore[arg-type]
        "Simulation : le scénario modifie l'APL approchée de 3 communes du territoire sur 3." + NURSES]
    assert simulation_tables(every)[0]["note"] is None  # type: ignore[arg-type]
    one = diagnostic({("75118", "Médecins généralistes"): 0.2, ("75118", "Infirmiers"): 0.1})
    assert simulation_paragraphs(one) == [  # type: ignore[arg-type]
        "Simulation : le scénario modifie l'APL approchée de 1 commune du territoire sur 3." + NURSES]
    assert simulation_tables(one)[0]["note"] == "Les 2 autres communes du territoire ne changent pas."  # type: ignore[arg-type]


def test_scenario_title_writes_professions_in_lower_case_and_a_true_minus_sign() -> None:
    d = diagnostic({("75119", "Médecins généralistes"): 0.4})
    (table,) = simulation_tables(d)  # type: ignore[arg-type]
    assert table["title"] == ("Simulation : +3 médecins généralistes à 75119 (Paris 19e Arrondissement) ; "
                              "\u22122 infirmiers à 75120 (Paris 20e Arrondissement) — communes dont l'APL "
                              "approchée change")
    half = SimpleNamespace(access=SimpleNamespace(**{**vars(d.access), "changes": (
        WhatIfChange("Sages-femmes", 1.5, "75118"),)}), units=d.units)
    assert simulation_tables(half)[0]["title"].startswith(  # type: ignore[arg-type]
        "Simulation : +1,5 sage-femme à 75118 (Paris 18e Arrondissement) — ")
    # Below two, the singular (a review: « +1 médecins généralistes »), hyphenated names included.
    one = SimpleNamespace(access=SimpleNamespace(**{**vars(d.access), "changes": (
        WhatIfChange("Médecins généralistes", 1, "75118"), WhatIfChange("Masseurs-kinésithérapeutes", -1, "75119"),
        WhatIfChange("Chirurgiens-dentistes", 2, "75120"))}), units=d.units)
    assert simulation_tables(one)[0]["title"].startswith(  # type: ignore[arg-type]
        "Simulation : +1 médecin généraliste à 75118 (Paris 18e Arrondissement) ; \u22121 masseur-kinésithérapeute "
        "à 75119 (Paris 19e Arrondissement) ; +2 chirurgiens-dentistes à 75120 ")


def test_a_change_in_the_territory_moving_no_unit_is_said_too_small_not_too_far() -> None:
    """A review: a change on Riez, a member of the Verdon, that moved no unit was said « trop loin »."""
    d = diagnostic({})
    d.access.changes = (WhatIfChange("Médecins généralistes", 0.01, "75119"),)
    assert simulation_paragraphs(d) == [  # type: ignore[arg-type]
        "Simulation : le scénario ne modifie l'APL approchée d'aucune commune du territoire : les changements sont "
        "trop faibles pour modifier de 0,01 l'APL approchée d'une de ses communes."]
    d.access.changes = (WhatIfChange("Médecins généralistes", 2, "13201"),)
    assert simulation_paragraphs(d)[0].startswith(  # type: ignore[arg-type]
        "Simulation : le scénario ne modifie l'APL approchée d'aucune commune du territoire : les changements sont "
        "trop loin des communes du territoire (au-delà des paliers de distance du modèle)")


def test_a_scenario_of_gps_only_has_no_caveat() -> None:
    """A review: « Kinés:2@04070 » was labelled as the GPs' APL; GPs alone need no word (the model is theirs);
    « Autres » is « les autres professions », and several groups are enumerated."""
    d = diagnostic({("75119", "Médecins généralistes"): 0.4})
    d.access.changes = CHANGES[:1]
    assert simulation_paragraphs(d) == [  # type: ignore[arg-type]
        "Simulation : le scénario modifie l'APL approchée de 1 commune du territoire sur 3."]
    d.access.changes = (*CHANGES, WhatIfChange("Autres", 1.0, "75119"), WhatIfChange("Psychologues", 1.0, "75119"))
    assert simulation_paragraphs(d)[0].endswith(  # type: ignore[arg-type]
        " Pour les autres professions, les infirmiers et les psychologues, l'APL approchée reprend la demande "
        "standardisée et les paliers de distance de l'APL aux médecins généralistes : un ordre de grandeur, qui "
        "n'est pas une accessibilité propre à ces professions.")


def test_a_rank_correlation_on_a_handful_of_units_is_said_not_to_be_read() -> None:
    """A review: « 0,50 sur 3 communes », where three ranks allow only ±0.5 and ±1."""
    from pipeline.render.sections.access import correlation_caveat

    assert [correlation_caveat(n) for n in (0, 3, 4, 5, 40)] == [
        "", " (trop peu d'unités pour l'interpréter)", " (trop peu d'unités pour l'interpréter)", "", ""]
