"""Annuaire Santé staging rules: recours of the setting, localisation, arrondissement units, weights."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.sources import annuaire
from tests.sources.annuaire_files import activity, activity_file
from tests.sources.registry_units import cog_mapping, units


def stage(path: Path) -> annuaire.StagedAnnuaire:
    return annuaire.stage_annuaire(path, units=units(), cog_mapping=cog_mapping())


def column(staged: annuaire.StagedAnnuaire, name: str) -> dict[str, object]:
    frame = staged.activites
    return {r: (None if pd.isna(v) else v) for r, v in zip(frame["rpps"], frame[name], strict=True)}


def anomalies(staged: annuaire.StagedAnnuaire) -> list[list[object]]:
    return staged.anomalies[["type", "code", "nb_lignes", "premiere_ligne"]].values.tolist()


def test_premier_recours_requires_ambulatory_practice(tmp_path: Path) -> None:
    """Seed 000, footnote: « La notion de professionnel de santé de premier recours implique une certaine
    notion d'accessibilité et de proximité. Cela se traduit par une pratique en ambulatoire et un exercice
    de manière libérale ou salarié en centre de santé. »"""
    path = activity_file(tmp_path, [
        activity("1", "10", "01001", "SA07", sf="SM54"),  # GP, cabinet individuel: premier
        activity("2", "10", "01001", "SA01", "S", sf="SM54"),  # GP salarié, hôpital public: not premier
        activity("3", "10", "01001", "SA05", "S", sf="SM54"),  # GP salarié en centre de santé: premier
        activity("4", "10", "01001", "SA52", sf="SM54"),  # GP in a maison de santé: premier
        activity("5", "21", "01001", "SA33"),  # pharmacien d'officine: premier
        activity("6", "21", "01001", "SA01", "S"),  # pharmacien hospitalier: not premier
        activity("7", "60", "01001", "SA33", "S"),  # infirmier salarié in an officine: not premier
        activity("8", "60", "01001", "SA17", "S"),  # infirmier in an EHPAD (médico-social): not premier
        activity("9", "10", "01001", "SA07", sf="SM04"),  # cardiologue en cabinet: second recours
        activity("10", "91", "01001", "SA07"),  # orthophoniste: not classified by seed 000
    ])  # fmt: skip
    staged = stage(path)
    got = {r: f"{p or '-'}/{c or '-'}" for (r, p), c in zip(column(staged, "recours_profession").items(),
                                                          column(staged, "recours").values(), strict=True)}
    assert got == {
        "1": "premier/premier",
        "2": "premier/hors ambulatoire",
        "3": "premier/premier",
        "4": "premier/premier",
        "5": "premier/premier",
        "6": "premier/hors ambulatoire",
        "7": "premier/hors ambulatoire",
        "8": "premier/hors ambulatoire",
        "9": "second/second",
        "10": "-/-",
    }


def test_liberal_practice_is_ambulatory_outside_hospitals(tmp_path: Path) -> None:
    """Seed 000: « une pratique en ambulatoire et un exercice de manière libérale ou salarié en centre de
    santé » — both. The bug of a real file: libéral GPs with an empty « secteur d'activité » were « hors
    ambulatoire », so a whole département had no premier recours: a libéral site without a secteur is
    ambulatory; a libéral site in a hospital or a clinic is not « une pratique en ambulatoire »."""
    path = activity_file(tmp_path, [
        activity("1", "10", "01001", "", "L", sf="SM54"),  # libéral GP, secteur empty: premier
        activity("2", "60", "01001", "SA01", "L"),  # libéral nurse recorded in a public hospital: not premier
        activity("3", "10", "01001", "", "S", sf="SM54"),  # salaried GP, setting unknown: non renseigné
        activity("4", "10", "01001", "SA99", "S", sf="SM54"),  # unknown secteur code: non renseigné
        activity("5", "70", "01001", "", ""),  # no mode, no secteur: non renseigné
        activity("6", "10", "01001", "", "S", sf="SM04"),  # second recours stays second
        activity("7", "10", "01001", "SA04", "L", sf="SM54"),  # libéral GP in a private clinic: not premier
        activity("8", "10", "01001", "SA50", "L", sf="SM54"),  # libéral GP, permanence des soins ambulatoires
        activity("9", "10", "01001", "SA43", "L", sf="SM54"),  # libéral GP, « secteur non défini »: premier
    ])  # fmt: skip
    staged = stage(path)
    assert column(staged, "recours") == {
        "1": "premier", "2": "hors ambulatoire", "3": "non renseigné", "4": "non renseigné",
        "5": "non renseigné", "6": "second", "7": "hors ambulatoire", "8": "premier", "9": "premier",
    }  # fmt: skip
    assert column(staged, "cadre") == {
        "1": "non renseigné", "2": "établissement de santé", "3": "non renseigné", "4": "non renseigné",
        "5": "non renseigné", "6": "non renseigné", "7": "établissement de santé", "8": "autre", "9": "autre",
    }  # fmt: skip
    assert column(staged, "mode")["5"] == "non renseigné"
    assert anomalies(staged) == [
        ["recours_non_renseigne", "", 3, 4],
        ["secteur_inconnu", "SA99", 1, 5],
    ]


def test_postal_code_then_name_locate_rows_without_commune_code(tmp_path: Path) -> None:
    path = activity_file(tmp_path, [
        activity("1", "60", postcode="01400"),  # one commune has 01400: Alpha
        activity("2", "60", postcode="01640", town="Saint-Gamma"),  # 01640 is shared: the name chooses
        activity("3", "60", postcode="01640", bureau="01640 ST GAMMA"),  # La Poste line, « ST » for Saint
        activity("4", "60", postcode="01640"),  # shared code, no name: ambiguous, not located
        activity("5", "60", postcode="01640", town="Ailleurs"),  # a name that matches neither: ambiguous
        activity("6", "60", postcode="01650", town="Delta"),  # 01650 is Beta's only: located
        activity("7", "60", postcode="01640", town="DELTA"),  # the old commune's name (01099 -> 01002)
        activity("8", "60", postcode="01012", bureau="01012 ALPHA CEDEX"),  # CEDEX: by name in the département
        activity("9", "60", postcode="01999", town="Nowhere"),  # unknown code, unknown name
        activity("10", "60", "01002", postcode="01400"),  # the commune code wins over the postal code
        activity("11", "60", "98765", postcode="01400"),  # unknown commune code: the postal code locates
        activity("12", "60", "1001"),  # a code that lost its leading zero
        activity("13", "60"),  # no address at all
    ])  # fmt: skip
    staged = stage(path)
    assert column(staged, "commune") == {
        "1": "01001", "2": "01003", "3": "01003", "4": None, "5": None, "6": "01002", "7": "01002",
        "8": "01001", "9": None, "10": "01002", "11": "01001", "12": "01001", "13": None,
    }  # fmt: skip
    assert column(staged, "localisation") == {
        "1": "code postal", "2": "code postal et libellé", "3": "code postal et libellé", "4": "ambigu",
        "5": "ambigu", "6": "code postal", "7": "code postal et libellé", "8": "code postal et libellé",
        "9": "non localisé", "10": "code commune", "11": "code postal", "12": "code commune",
        "13": "non localisé",
    }  # fmt: skip
    assert anomalies(staged) == [
        ["code_postal_ambigu", "01640", 2, 5],
        ["code_postal_inconnu", "01999", 1, 10],
        ["commune_inconnue", "98765", 1, 12],
        ["sans_adresse", "", 1, 14],
    ]
    assert not staged.anomalies.duplicated(["extraction", "type", "code"]).any()
    ambiguous = staged.anomalies[staged.anomalies["type"] == "code_postal_ambigu"]["message"].iloc[0]
    assert "2 communes (Beta-sur-Ain, Saint-Gamma)" in ambiguous and "« Ailleurs »" in ambiguous


def test_a_commune_code_both_the_postal_code_and_the_name_contradict(tmp_path: Path) -> None:
    """A review: « 13008 » in the commune column with « 13008 MARSEILLE 08 » counted a Marseille GP in Aurons
    (INSEE 13008), silently. The address's other two fields decide when they name one commune; reported."""
    path = activity_file(tmp_path, [
        activity("1", "60", "01001", postcode="01640", town="Saint-Gamma"),  # Alpha's code, Saint-Gamma's address
        activity("2", "60", "01001", postcode="13008", town="MARSEILLE 08"),  # a city's arrondissement
        activity("3", "60", "01001", postcode="01640", town="Nowhere"),  # the address names no commune: code kept
        activity("4", "60", "01001", postcode="01640", town="Alpha"),  # the name fits the code: nothing to say
        activity("5", "60", "01001", postcode="01400", town="Ailleurs"),  # the postal code fits: nothing to say
        activity("6", "60", "01099", postcode="01650", town="Delta"),  # an old code and its old name
        activity("7", "60", "01002", postcode="01400"),  # no name: the code wins, as before
        activity("8", "60", "01002", postcode="01012", town="ALPHA CEDEX"),  # a CEDEX code is no commune's
        activity("9", "60", "01002", postcode="01400", bureau="01400 ALPHA"),  # the delivery line: not the name
    ])  # fmt: skip
    staged = stage(path)
    assert column(staged, "commune") == {"1": "01003", "2": "13055", "3": "01001", "4": "01001", "5": "01001",
                                         "6": "01002", "7": "01002", "8": "01002", "9": "01002"}
    assert column(staged, "unite")["2"] == "13208"
    assert column(staged, "localisation") == {
        "1": "code postal et libellé", "2": "code postal", "3": "code commune", "4": "code commune",
        "5": "code commune", "6": "code commune", "7": "code commune", "8": "code commune", "9": "code commune",
    }  # fmt: skip
    assert anomalies(staged) == [["code_commune_contredit", "01001", 3, 2]]
    message = staged.anomalies["message"].iloc[0]
    assert "le code 01001 désigne Alpha" in message and "« MARSEILLE 08 »" in message


def test_unlocated_rows_get_no_weight_and_practitioners_count_once(tmp_path: Path) -> None:
    # A nurse with three rows: 01001, an ambiguous postal code, 01002. Only two are located: 1/2 each,
    # never a share in each candidate commune of the ambiguous code.
    path = activity_file(tmp_path, [
        activity("1", "60", "01001"), activity("1", "60", postcode="01640"), activity("1", "60", "01002"),
    ])  # fmt: skip
    frame = stage(path).activites
    assert frame["commune"].tolist()[0] == "01001" and pd.isna(frame["commune"].tolist()[1])
    assert frame["poids"].tolist()[0] == 0.5 and pd.isna(frame["poids"].tolist()[1])
    assert frame["poids"].tolist()[2] == 0.5


def test_arrondissement_units_of_the_three_cities(tmp_path: Path) -> None:
    path = activity_file(tmp_path, [
        activity("1", "60", "13055", postcode="13005"),  # city code + arrondissement's postal code
        activity("2", "60", "13205", postcode="13005"),  # the arrondissement's own code
        activity("3", "60", postcode="13005"),  # postal code only
        activity("4", "60", "75056", postcode="75116"),  # Paris 16e has two postal codes
        activity("5", "60", "75056", postcode="75016"),
        activity("6", "60", "69123", postcode="69001"),
        activity("7", "60", "13055", postcode="13331"),  # a CEDEX code names no arrondissement
        activity("8", "60", "13055"),  # no postal code
        activity("9", "60", "01001", postcode="01400"),  # elsewhere the unit is the commune
    ])  # fmt: skip
    staged = stage(path)
    assert column(staged, "commune") == {
        "1": "13055", "2": "13055", "3": "13055", "4": "75056", "5": "75056", "6": "69123", "7": "13055",
        "8": "13055", "9": "01001",
    }  # fmt: skip
    assert column(staged, "unite") == {
        "1": "13205", "2": "13205", "3": "13205", "4": "75116", "5": "75116", "6": "69381", "7": "13055",
        "8": "13055", "9": "01001",
    }  # fmt: skip
    assert anomalies(staged) == [["arrondissement_non_determine", "13055", 2, 8]]
    assert "(Marseille)" in staged.anomalies["message"].iloc[0]


def test_same_rows_in_2021_and_current_layouts_and_any_column_order(tmp_path: Path) -> None:
    # Columns are matched by name: the 52 named columns of 2021, the 56 of today, or any order.
    rows = [activity("1", "10", "01001", "SA07", sf="SM54"), activity("2", "60", postcode="01640", town="Beta-sur-Ain")]
    layouts = {"actuel": annuaire.COLONNES_ACTIVITE, "2021": annuaire.COLONNES_ACTIVITE_2021,
               "désordre": tuple(reversed(annuaire.COLONNES_ACTIVITE))}
    staged = {}
    for name, columns in layouts.items():
        (tmp_path / name).mkdir()
        staged[name] = stage(activity_file(tmp_path / name, rows, columns))
    assert (staged["actuel"].header_columns, staged["2021"].header_columns) == (57, 53)
    assert column(staged["actuel"], "commune") == {"1": "01001", "2": "01002"}
    for name in ("2021", "désordre"):
        pd.testing.assert_frame_equal(staged[name].activites.astype(object), staged["actuel"].activites.astype(object))


def test_values_are_trimmed_and_padded_codes_merge(tmp_path: Path) -> None:
    path = activity_file(tmp_path, [
        activity("1", "60", "01001", "SA07"), activity("2", " 60 ", " 01001", "SA07 "), activity("3", "60", "  "),
    ])  # fmt: skip
    staged = stage(path)
    frame = staged.activites
    assert frame["commune_source"].tolist()[:2] == ["01001", "01001"] and pd.isna(frame["commune_source"].tolist()[2])
    assert list(frame["commune_source"].cat.categories) == ["01001"]
    assert column(staged, "groupe") == {"1": "Infirmiers", "2": "Infirmiers", "3": "Infirmiers"}
    assert column(staged, "cadre")["2"] == "cabinet"
    assert anomalies(staged) == [["sans_adresse", "", 1, 4]]


def test_column_names_match_whatever_their_case_and_spacing(tmp_path: Path) -> None:
    path = activity_file(tmp_path, [activity("1", "60", "01001", "SA07")])
    header, *rows = path.read_text(encoding="utf-8").splitlines()
    renamed = "|".join(c.upper() if "profession" in c else c.replace(" ", "  ") for c in header.split("|"))
    path.write_text("\n".join([renamed, *rows]) + "\n", encoding="utf-8")
    staged = stage(path)
    assert column(staged, "groupe") == {"1": "Infirmiers"} and column(staged, "commune") == {"1": "01001"}


def test_a_code_outside_the_loaded_departements_is_not_placed_by_its_postal_code(tmp_path: Path) -> None:
    """A database loaded for 01, 2A, 974, 75, 69 and 13 (registry_units) knows only their communes: 38001 is
    Isère's, and its postal code, shared with Alpha (01400) in this example, must not bring it into the Ain; an
    unknown code of a loaded département may be placed so. Without a code, a postal code with one loaded
    candidate may name a commune of another département (13780: Cuges-les-Pins in 13, Riboux in 83): only a
    matching name places it."""
    path = activity_file(tmp_path, [
        activity("1", "60", "38001", postcode="01400"),
        activity("2", "60", "01999", postcode="01400"),
        activity("3", "60", postcode="01400", town="Riboux"),  # another commune's name: not placed
        activity("4", "60", postcode="01400", town="Alpha"),
        activity("5", "60", postcode="01400"),  # no name: cannot tell
    ])  # fmt: skip
    loaded = ("01", "13", "2A", "69", "75", "974")
    staged = annuaire.stage_annuaire(path, units=units(), cog_mapping=cog_mapping(), loaded_departements=loaded)
    assert column(staged, "commune") == {"1": None, "2": "01001", "3": None, "4": "01001", "5": None}
    kinds = staged.anomalies.set_index("type")["nb_lignes"]
    assert kinds["hors_departements_charges"].sum() == 3  # 38001, and 01400 twice
    # On a database of all France the postal code of one commune places the row, as before.
    national = stage(path)
    assert column(national, "commune") == {"1": "01001", "2": "01001", "3": "01001", "4": "01001", "5": "01001"}


def test_a_site_outside_the_loaded_departements_still_shares_its_practitioner(tmp_path: Path) -> None:
    """A GP with two sites, one in the Ain (01001, loaded) and one in Isère (38001, not loaded): half of them in
    the Ain, as on a load of all of France, not the whole (seed 001: a practitioner counts once, shared across
    his sites). A GP with both sites loaded, and one whose only other row has no address, as before."""
    path = activity_file(tmp_path, [
        activity("1", "10", "01001", "SA07", sf="SM54"), activity("1", "10", "38001", "SA07", sf="SM54"),
        activity("2", "10", "01001", "SA07", sf="SM54"), activity("2", "10", "69381", "SA07", sf="SM54"),
        activity("3", "10", "01001", "SA07", sf="SM54"), activity("3", "10", "", "SA07", sf="SM54"),
        activity("4", "10", "01001", "SA07", sf="SM54"),
        activity("4", "10", "", "SA07", sf="SM54", postcode="38000", town="GRENOBLE"),  # a postal code only
    ])  # fmt: skip
    loaded = ("01", "13", "2A", "69", "75", "974")
    staged = annuaire.stage_annuaire(path, units=units(), cog_mapping=cog_mapping(), loaded_departements=loaded)
    frame = staged.activites
    weights = [(r, None if pd.isna(c) else c, None if pd.isna(w) else w)
               for r, c, w in zip(frame["rpps"], frame["commune"], frame["poids"], strict=True)]
    assert weights == [("1", "01001", 0.5), ("1", None, None), ("2", "01001", 0.5), ("2", "69123", 0.5),
                       ("3", "01001", 1.0), ("3", None, None), ("4", "01001", 0.5), ("4", None, None)]
    places = list(frame["localisation"].astype(str))
    assert (places[1], places[7]) == ("hors des départements chargés", "hors des départements chargés")
    # The load's summary says them apart from the row with no address (a review found the three lumped together).
    assert "2 activités hors des départements chargés. 1 activité non localisée (détail" in staged.summary_fr()


def test_arrondissements_written_as_la_poste_does_are_placed_on_a_load_of_some_departements(tmp_path: Path) -> None:
    """A review: on a database of 04 and 13, GPs with no commune code, the postal code 13008 and the name
    « MARSEILLE 08 » or « MARSEILLE 8 » were taken for practitioners outside the load (« hors des départements
    chargés », with 13 loaded) and left out of Marseille's supply. The postal code names the arrondissement."""
    path = activity_file(tmp_path, [
        activity("1", "10", sf="SM54", postcode="13008", town="MARSEILLE 08"),
        activity("2", "10", sf="SM54", postcode="13008", town="MARSEILLE 8"),
        activity("3", "10", sf="SM54", postcode="13001", town="Marseille 1ER ARRONDISSEMENT"),
        activity("4", "10", sf="SM54", postcode="75015", town="PARIS 15EME"),
        activity("5", "10", sf="SM54", postcode="69003", town="LYON 03"),
        activity("6", "10", sf="SM54", postcode="13008", town="AUBAGNE"),  # another commune's name: still not placed
    ])  # fmt: skip
    loaded = ("01", "13", "2A", "69", "75", "974")
    staged = annuaire.stage_annuaire(path, units=units(), cog_mapping=cog_mapping(), loaded_departements=loaded)
    assert column(staged, "unite") == {"1": "13208", "2": "13208", "3": "13201", "4": "75115", "5": "69383",
                                       "6": None}
    assert column(staged, "commune") == {"1": "13055", "2": "13055", "3": "13055", "4": "75056", "5": "69123",
                                         "6": None}
