"""``--ajout`` read as ``FLUX=`` and ``ADHERENTS=`` are: a team's words for a profession, former commune codes.

A review: « MG:2@04094 » was refused (« groupe inconnu ») where the flow and members files accept « MG », and
« médecins généralistes:2@04003 » — Albiosc, commune associée of Esparron-de-Verdon (04081) since 2019 (INSEE,
COG) and inside the CPTS du Verdon — was called « hors du voisinage du territoire ».
"""

from __future__ import annotations

import json

import duckdb
import pytest

from pipeline.app.sections.what_if_inputs import what_if_as_read
from pipeline.model import WhatIfChange
from tests.app.robust_support import Workspace, cli
from tests.docx_reading import read_docx

GROUPS = ["Infirmiers", "Médecins généralistes"]


def test_a_scenario_in_a_team_s_words_is_read_as_supply_groups_and_current_communes(
        db: duckdb.DuckDBPyConnection) -> None:
    given = [WhatIfChange("MG", 2, "04003"), WhatIfChange("médecin généraliste", 1, "13201"),
             WhatIfChange("chamane", 1, "04094"), WhatIfChange("infirmiers", -1, "04070")]
    assert what_if_as_read(db, given, GROUPS) == [
        WhatIfChange("Médecins généralistes", 2, "04081"),  # the commune Albiosc belongs to
        WhatIfChange("Médecins généralistes", 1, "13201"),  # an arrondissement stays itself, not Marseille
        WhatIfChange("chamane", 1, "04094"),  # no profession: refused later (« groupe inconnu »), as typed
        WhatIfChange("Infirmiers", -1, "04070"),
    ]


@pytest.mark.parametrize(("typed", "profession"), [("pharmaciens", "Pharmaciens"), ("sage-femme", "Sages-femmes"),
                                                          ("ostéopathe", "Autres")])
def test_a_profession_without_flow_rates_is_said_not_modelled_not_unknown(
        db: duckdb.DuckDBPyConnection, typed: str, profession: str) -> None:
    """A review: « pharmaciens:1@04166 » was refused as « groupe inconnu », a profession of the Trame."""
    from pipeline.model import WhatIfSyntaxError

    with pytest.raises(WhatIfSyntaxError) as info:
        what_if_as_read(db, [WhatIfChange("MG", 1, "04070"), WhatIfChange(typed, 1, "04166")], GROUPS)
    assert str(info.value) == (
        f"Scénario : élément 2, profession « {typed} » ({profession}) non modélisée : l'APL approchée ne couvre que "
        "les professions dont le modèle de recours a des taux (Infirmiers, Médecins généralistes).")


def test_the_diagnostic_places_a_change_typed_with_a_former_code_on_its_commune(
        ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "diagnostic", "communes:04070,04081", "--ajout", "MG:2@04003")
    assert (code, err) == (0, "")
    summary = json.loads((ws.diagnostics / "communes-04070-04081" / "summary.json").read_text("utf-8"))
    assert [(c["groupe"], c["commune"]) for c in summary["simulation"]["changements"]] == [
        ("Médecins généralistes", "04081")]


def test_a_former_code_outside_the_neighbourhood_is_named_as_typed() -> None:
    """A review: « MG:2@69011 » (Arbuissonnas, merged into 69172) on the Verdon said « hors du voisinage : 69172 »,
    a code the user never typed."""
    from pipeline.app.sections.what_if_inputs import check_what_if_places
    from pipeline.errors import PipelineError

    with pytest.raises(PipelineError) as info:
        check_what_if_places([WhatIfChange("Médecins généralistes", 2, "69172")], {"04070"}, None, {"69172": "69011"})
    assert str(info.value.message).endswith("hors du voisinage du territoire : 69011 (commune actuelle 69172)")


def test_what_was_read_is_said() -> None:
    """A review: « MG:2@04166;MG:2@04166 » made +4 without a word, and 04003 was read as 04081 silently."""
    from pipeline.app.sections.what_if_inputs import what_if_notes

    read = [WhatIfChange("Médecins généralistes", 2, "04166"), WhatIfChange("Infirmiers", -1, "04081"),
            WhatIfChange("Médecins généralistes", 2.5, "04166")]
    assert what_if_notes(read, {"04081": "04003"}) == [
        "Simulation : 04003 lu comme 04081 (commune actuelle)",
        "Simulation : les éléments 1 et 3 portent tous sur les médecins généralistes de 04166 : leurs variations "
        "s'ajoutent (+4,5)"]
    assert what_if_notes(read[:2], {}) == []


def test_the_first_professional_of_a_group_absent_from_the_neighbourhood_is_modelled() -> None:
    """A review: the groups a scenario may name were those with practitioners nearby, so the first dentist of a
    zone without any was « non modélisé ». The model has rates for them: one dentist at A, within the first
    distance step of A (1 km) and B (5 km), serves their 3 000 inhabitants: 1 / 3 000 × 100 000 = 33,33 each."""
    import pandas as pd

    from pipeline.analysis import access

    demand = pd.DataFrame({"code": ["A", "B"], "population": [1000.0, 2000.0]})
    supply = pd.DataFrame({"code": ["A"], "groupe": ["Médecins généralistes"], "effectif": [2.0]})
    distances = pd.DataFrame({"origin": ["A", "A", "B", "B"], "destination": ["A", "B", "A", "B"],
                              "km": [1.0, 5.0, 5.0, 1.0]})
    result = access.what_if(demand, supply, distances, [WhatIfChange("Chirurgiens-dentistes", 1.0, "A")])
    assert list(result["before"]) == [0.0, 0.0]
    assert list(result["after"]) == pytest.approx([100_000 / 3000] * 2)


def test_a_change_on_a_commune_of_a_departement_not_loaded_says_so_not_unknown(db: duckdb.DuckDBPyConnection) -> None:
    """A review: « MG:2@83012 » on a database of 04, 13, 33, 75 and 976 said « code INSEE inconnu », sending the user
    looking for a typo in a real commune of the Var (Barjols, 83012: in the COG, département 83 not loaded)."""
    from pipeline.app.sections.what_if_inputs import check_what_if_loaded
    from pipeline.errors import PipelineError

    with pytest.raises(PipelineError) as info:
        check_what_if_loaded(db, [WhatIfChange("Médecins généralistes", 2, "04070"),
                                  WhatIfChange("Médecins généralistes", 2, "83012")])
    assert str(info.value.message).startswith("Simulation : commune 83012 : hors des départements chargés")
    assert "make data DEPARTEMENTS=04,13,33,75,83,976" in str(info.value.message)
    # A code of no département is left to the « inconnu » refusal that follows.
    check_what_if_loaded(db, [WhatIfChange("Médecins généralistes", 2, "99999")])


def test_a_change_beside_the_territory_in_a_departement_not_loaded_says_so(
        ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    """A review: « MG:1@05170 » (Tallard, a few kilometres from Curbans, 04066; the Hautes-Alpes not loaded) read
    « hors du voisinage du territoire »: the database names every commune of France, so it was not « unknown »."""
    code, _, err = cli(capsys, "diagnostic", "communes:04066,04037", "--ajout", "MG:1@05170")
    assert code == 2
    assert err.startswith("Erreur : Simulation : commune 05170 : hors des départements chargés (base limitée à 04, "
                          "13, 33, 75, 976 ; ")


def test_a_change_on_a_postal_code_of_the_territory_s_city_names_both_places(
        ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    """A review: « MG:2@69003 » on Lyon 1er–3e placed the GPs in Albigny-sur-Saône (INSEE 69003), 12 km away,
    and the report never named it; 69003 is also Lyon 3e's postal code. Here Marseille: 13002 is Allauch's INSEE
    code (COG) and Marseille 2e's postal code (13202)."""
    code, out, err = cli(capsys, "diagnostic", "communes:13201,13202", "--ajout", "MG:2@13002")
    assert (code, err) == (0, "")
    assert ("  note : Simulation : 13002 est le code INSEE d'Allauch, où le scénario place ses professionnels ; "
            "c'est aussi le code postal de Marseille 2e, dont le code INSEE est 13202\n") in out
    report = (ws.maps / "communes-13201-13202" / "rapport.html").read_text("utf-8")
    assert "+2 médecins généralistes à 13002 (Allauch)" in report.replace("\u202f", " ").replace("\xa0", " ")
    # The Word Trame holds no simulation: its remarks leave the scenario's note out (a review read « où le
    # scénario place ses professionnels » in a document without a scenario); summary.json keeps it.
    summary = json.loads((ws.diagnostics / "communes-13201-13202" / "summary.json").read_text("utf-8"))
    assert sum(note.startswith("Simulation : 13002 est le code INSEE d'Allauch") for note in summary["notes"]) == 1
    document = read_docx(ws.maps / "communes-13201-13202" / "rapport.docx")
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "Remarques sur les données" in text and "Allauch" not in text and "Simulation" not in text


def test_a_change_in_the_territory_but_outside_the_model_s_zone_says_so() -> None:
    """A review: on « communes:04070,97611,97411 », modelled around one zone, « MG:2@97611 » was refused as « hors
    du voisinage du territoire », Mamoudzou being in the territory."""
    from pipeline.app.sections.what_if_inputs import check_what_if_places
    from pipeline.errors import PipelineError

    with pytest.raises(PipelineError) as info:
        check_what_if_places([WhatIfChange("Médecins généralistes", 2.0, "97611")], {"97411", "97415"},
                             territory=["04070", "97611", "97411"])
    assert str(info.value) == (
        "Simulation : 97611 est dans le territoire, mais hors de la zone du modèle de recours, qui ne couvre qu'une "
        "partie du territoire (voir les notes des flux) : la simulation n'y est pas possible")
    with pytest.raises(PipelineError, match=r"hors du voisinage du territoire : 04001$"):
        check_what_if_places([WhatIfChange("Médecins généralistes", 2.0, "04001")], {"97411"},
                             territory=["97411"])


def test_a_paris_postal_code_is_refused_with_both_readings(db: duckdb.DuckDBPyConnection) -> None:
    """A review: « MG:1@75019 » on Paris 18e–19e was read as 92019 (Châtenay-Malabry, whose code before 1968 it
    was), and the simulation found no effect. The COG's passage table (fixture database) maps 75020 to 92020."""
    from pipeline.errors import PipelineError

    mapped = db.execute("SELECT current_code FROM cog_mapping_hors_chargement WHERE code = '75020'").fetchall()
    assert mapped == [("92020",)]
    with pytest.raises(PipelineError) as info:
        what_if_as_read(db, [WhatIfChange("MG", 1, "75120"), WhatIfChange("MG", 1, "75020")], GROUPS)
    assert str(info.value).startswith("Simulation : élément 2, 75020 est le code postal de Paris 20e (code INSEE "
                                      "75120)")
    assert str(info.value).endswith(" : indiquez le code INSEE voulu")
