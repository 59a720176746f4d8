"""The real sample of the Annuaire Santé extraction of 2 December 2021 (22 rows, 2021 header), staged.

Expected values were read by hand from the raw rows (columns 35 « Bureau cedex », 36 « Code postal »,
37 « Code commune », 38 « Libellé commune », 18 « Code mode exercice », 49 « Code secteur d'activité »)
and from the COG 2026 postal codes (25300 is shared by 13 communes, 01300 by 22, 01000 by 2, 01390 by 8,
02600 by 26; 62950 belongs to Noyelles-Godault only).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import DataError
from pipeline.sources import annuaire

SAMPLE = "samples/PS_LibreAcces_Personne_activite_202112020908-extrait.txt"


def by_line(staged: annuaire.StagedAnnuaire, column: str) -> dict[int, object]:
    frame = staged.activites
    return {int(n): (None if pd.isna(v) else v) for n, v in zip(frame["ligne"], frame[column], strict=True)}


def test_sample_rows_located_by_code_postal_code_and_name(
    mirror: Path, cog2026: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    units, mapping = cog2026
    staged = annuaire.stage_annuaire(mirror / SAMPLE, units=units, cog_mapping=mapping)
    assert (staged.rows, staged.practitioners, staged.header_columns) == (22, 22, 53)
    assert staged.extraction == date(2021, 12, 2)
    unlocated = [2, 3, 7, 8, 10, 12, 16, 21, 23]  # no address at all
    expected_commune = {
        4: "25204",  # 25300, « 25300 DOUBS »: Doubs
        5: "01034",  # 01300, « 01300 BELLEY »
        6: "01053",  # 01000, « 01000 BOURG EN BRESSE »
        9: "01004", 13: "01241", 14: "01053", 15: "01034", 17: "01053", 18: "01004", 19: "01451",  # code commune
        11: "01248",  # 01390, « 01390 MIONNAY »
        20: "02810",  # 02600, « 02600 VILLERS-COTTERETS »: Villers-Cotterêts
        22: "62624",  # 62950: Noyelles-Godault, the only commune with this code
    }  # fmt: skip
    assert by_line(staged, "commune") == {**expected_commune, **dict.fromkeys(unlocated)}
    assert by_line(staged, "unite") == by_line(staged, "commune")
    how = by_line(staged, "localisation")
    assert {n for n, v in how.items() if v == "code commune"} == {9, 13, 14, 15, 17, 18, 19}
    assert {n for n, v in how.items() if v == "code postal et libellé"} == {4, 5, 6, 11, 20}
    assert {n for n, v in how.items() if v == "code postal"} == {22}
    assert {n for n, v in how.items() if v == "non localisé"} == set(unlocated)
    # Located practitioners have one site each.
    assert by_line(staged, "poids") == {**dict.fromkeys(expected_commune, 1.0), **dict.fromkeys(unlocated)}
    # Lines 2 and 3 carry « 71|Ostéopathe » and « 72|Psychothérapeute », codes of TRE_R95 (UsagerTitre) that the
    # extraction uses: known professions, not « Codes profession inconnus » (a review).
    assert (by_line(staged, "profession_connue")[2], by_line(staged, "profession_connue")[3]) == (True, True)
    assert staged.anomalies[["type", "code", "nb_lignes", "premiere_ligne"]].values.tolist() == [
        ["recours_non_renseigne", "", 1, 23],
        ["sans_adresse", "", 9, 2],
    ]


def test_sample_recours_mode_and_setting(mirror: Path, cog2026: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    units, mapping = cog2026
    staged = annuaire.stage_annuaire(mirror / SAMPLE, units=units, cog_mapping=mapping)
    row = {column: by_line(staged, column) for column in ("groupe", "recours", "mode", "cadre", "recours_profession")}
    # Line 2: « 71|Ostéopathe|…|L|Libéral » with an empty secteur: libéral, setting unknown, a profession
    # seed 000 does not classify (no recours).
    assert [row[c][2] for c in ("groupe", "recours", "mode", "cadre")] == ["Autres", None, "libéral", "non renseigné"]
    # Line 23: a gynécologue-obstétricien (SM20, direct access: premier recours), « S|Salarié », no secteur:
    # neither premier nor hors ambulatoire, but « non renseigné ».
    assert [row[c][23] for c in ("groupe", "recours_profession", "recours", "mode")] == [
        "Médecins spécialistes", "premier", "non renseigné", "salarié"
    ]
    # Line 11: orthoptiste « L|Libéral », « SA08|Cabinet de groupe ».
    assert [row[c][11] for c in ("groupe", "recours", "mode", "cadre")] == ["Orthoptistes", None, "libéral", "cabinet"]
    # Line 15: ergothérapeute in « SA01|Etablissement Public de santé ».
    assert row["cadre"][15] == "établissement de santé"
    assert by_line(staged, "secteur_libelle")[9] == "Laboratoire de biologie médicale"


def test_sample_without_the_la_poste_line_stays_ambiguous(
    mirror: Path, cog2026: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    # Drop « Bureau cedex (coord. structure) » (column 35): the shared postal codes name no commune.
    lines = (mirror / SAMPLE).read_text(encoding="utf-8").splitlines()
    cut = ["|".join(v for i, v in enumerate(line.split("|")) if i != 34) for line in lines]
    path = tmp_path / Path(SAMPLE).name
    path.write_text("\n".join(cut) + "\n", encoding="utf-8")
    units, mapping = cog2026
    staged = annuaire.stage_annuaire(path, units=units, cog_mapping=mapping)
    how = by_line(staged, "localisation")
    assert {n for n, v in how.items() if v == "ambigu"} == {4, 5, 6, 11, 20}
    assert how[22] == "code postal" and by_line(staged, "commune")[22] == "62624"
    ambiguous = staged.anomalies[staged.anomalies["type"] == "code_postal_ambigu"]
    assert dict(zip(ambiguous["code"], ambiguous["nb_lignes"], strict=True)) == {
        "01000": 1, "01300": 1, "01390": 1, "02600": 1, "25300": 1
    }
    message = ambiguous.set_index("code").loc["25300", "message"]
    assert message.startswith("Code postal commun à 13 communes (") and "aucun libellé de commune" in message


def test_a_line_repeated_exactly_is_dropped_and_reported(
    mirror: Path, cog2026: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    """The real sample (22 activity lines) with its line 5 (PITHOUD, opticien in Belley) written again at the
    end, and its line 6 written again with another telephone number (a column the staging does not read): the
    exact copy is one activity, reported once; the other line differs, and stays."""
    lines = (mirror / SAMPLE).read_text(encoding="utf-8").splitlines()
    assert lines[4].split("|")[2] == "0012800751"
    changed = lines[5].split("|")
    changed[40] = "0102030405"  # « Téléphone (coord. structure) »
    path = tmp_path / Path(SAMPLE).name
    path.write_text("\n".join([*lines, lines[4], "|".join(changed)]) + "\n", encoding="utf-8")
    units, mapping = cog2026
    original = annuaire.stage_annuaire(mirror / SAMPLE, units=units, cog_mapping=mapping)
    staged = annuaire.stage_annuaire(path, units=units, cog_mapping=mapping)
    assert (original.rows, staged.rows) == (22, 23)  # 22 + the changed line; the exact copy (line 24) is gone
    assert 24 not in set(staged.activites["ligne"]) and 25 in set(staged.activites["ligne"])
    repeated = staged.anomalies[staged.anomalies["type"] == "activite_en_double"]
    assert repeated[["code", "nb_lignes", "premiere_ligne"]].values.tolist() == [["0012800751", 1, 24]]
    assert "seule la première est gardée" in repeated["message"].iloc[0]
    # PITHOUD keeps one activity of weight 1, as in the file without the copy.
    weights = staged.activites.loc[staged.activites["rpps"] == "0012800751", "poids"].tolist()
    assert weights == [1.0]
    summary = staged.summary_fr()
    assert "23 activités" in summary and "1 ligne en double (identique à une ligne précédente) ignorée." in summary
    assert not (original.anomalies["type"] == "activite_en_double").any()


def test_a_repeated_header_line_refuses_the_file_with_its_line(
    mirror: Path, cog2026: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    """The real sample cut in two and put end to end with its header (lines 1–12, then the header again on line
    13, then lines 13–23): read as data, the header counted as one professional of the profession « Code
    profession » (a review). The header is refused with its line (the savoir-faire file is read by the same
    function, :func:`pipeline.sources.annuaire.reader.read_columns`)."""
    lines = (mirror / SAMPLE).read_text(encoding="utf-8").splitlines()
    path = tmp_path / Path(SAMPLE).name
    path.write_text("\n".join([*lines[:12], lines[0], *lines[12:]]) + "\n", encoding="utf-8")
    units, mapping = cog2026
    with pytest.raises(DataError, match="L'en-tête est répété dans les données") as refused:
        annuaire.stage_annuaire(path, units=units, cog_mapping=mapping)
    assert refused.value.line == 13
    # The same lines without the repeated header are read: 22 activities, as the sample.
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert annuaire.stage_annuaire(path, units=units, cog_mapping=mapping).rows == 22


def test_sample_activities_without_a_mode_are_counted_in_the_summary(
    mirror: Path, cog2026: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    """An empty « Code mode exercice » is « non renseigné », as an unknown code is: the load says how many."""
    units, mapping = cog2026
    staged = annuaire.stage_annuaire(mirror / SAMPLE, units=units, cog_mapping=mapping)
    lines = (mirror / SAMPLE).read_text(encoding="utf-8").splitlines()
    column = lines[0].split("|").index("Code mode exercice")
    blank = sum(1 for line in lines[1:] if line.split("|")[column] == "")
    assert blank == 3  # lines of a psychothérapeute (72), a 86 and a 95, read by hand
    assert (f" {blank} activités sans mode d'exercice (mode « non renseigné » : le nombre de libéraux n'est pas "
            "disponible là où ces professionnels n'ont pas de site libéral).") in staged.summary_fr()
