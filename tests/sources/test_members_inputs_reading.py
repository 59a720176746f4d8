"""The members file (ADHERENTS=): header names that fold to one column, the line column, ``nombre`` values.

Each expectation is written by hand from the few lines of the file the test writes.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import DataError
from pipeline.sources.adherents import MAX_COUNT, read_adherents

BAD_COUNT = "entier positif attendu"
TOO_LARGE = "invraisemblable (au plus 100 000 adhérents par ligne)"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "adherents.csv"
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- header names folded to one column


@pytest.mark.parametrize(("text", "clash"), [
    ("Profession;profession exercée\nInfirmier;Médecin\n",
     "« Profession » et « profession exercée » désignent la même colonne « profession »"),
    ("Profession;RPPS;N° RPPS\nInfirmier;10001234567;10001234567\n",
     "« RPPS » et « N° RPPS » désignent la même colonne « rpps »"),
    ("Profession;RPPS;numero_rpps\nInfirmier;10001234567;\n",
     "« RPPS » et « numero_rpps » désignent la même colonne « rpps »"),
    ("profession;Gouvernance;Participation gouvernance\nkiné;oui;non\n",
     "« Gouvernance » et « Participation gouvernance » désignent la même colonne « gouvernance »"),
    ("profession;Élaboration;elaboration\nkiné;oui;oui\n",
     "« Élaboration » et « elaboration » désignent la même colonne « elaboration »"),
    # A header read by its words is that column again when it holds its values (a review: « Nombre » 3 beside
    # « Nombre d'adhérents » 40 read 3, the other dropped as unread; « Code RPPS » beside « N° RPPS »).
    ("Profession,Nombre,Nombre d'adhérents\nInfirmier,3,40\n",
     "« Nombre » et « Nombre d'adhérents » désignent la même colonne « nombre »"),
    ("Profession,Code RPPS,N° RPPS\nMédecin généraliste,10000000078,10000000239\n",
     "« N° RPPS » et « Code RPPS » désignent la même colonne « rpps »"),
    ("Profession;Gouvernance;Gouvernance (oui/non)\nkiné;oui;non\n",
     "« Gouvernance » et « Gouvernance (oui/non) » désignent la même colonne « gouvernance »"),
    # three names for one column, and two columns doubled at once: every clash is named
    ("profession;nb;Effectif;Nombre\nkiné;1;1;1\n",
     "« nb », « Effectif » et « Nombre » désignent la même colonne « nombre »"),
    ("PROFESSION;rpps;profession;N RPPS\nkiné;;kiné;\n",
     "« PROFESSION » et « profession » désignent la même colonne « profession » ; "
     "« rpps » et « N RPPS » désignent la même colonne « rpps »"),
])
def test_two_headers_for_one_column_are_refused_on_line_1(tmp_path: Path, text: str, clash: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(DataError) as info:
        read_adherents(path)
    assert info.value.message == ("Colonnes en double dans l'en-tête : " + clash
                                  + " (gardez-en une seule, ou renommez les autres)")
    assert (info.value.path, info.value.line) == (str(path), 1)


def test_header_clash_after_an_excel_separator_line_is_on_line_2(tmp_path: Path) -> None:
    # Line 1 is Excel's « sep=; », line 2 the header.
    with pytest.raises(DataError) as info:
        read_adherents(write(tmp_path, "sep=;\nProfession;profession exercée\nkiné;kiné\n"))
    assert info.value.line == 2 and "« Profession » et « profession exercée »" in info.value.message


def test_columns_outside_the_format_may_share_a_folded_name(tmp_path: Path) -> None:
    # « Nom » and « NOM » are not read (names are not kept): nothing to choose between.
    members = read_adherents(write(tmp_path, "Nom;NOM;profession\nA;B;kiné\n"))
    assert members["groupe"].tolist() == ["Masseurs-kinésithérapeutes"]


@pytest.mark.parametrize("name", ["Ligne", "ligne", "LIGNE", "ligne du fichier", "N° de ligne"])
def test_a_user_line_column_never_meets_the_internal_one(tmp_path: Path, name: str) -> None:
    # Line 1 header, line 2 a nurse, line 3 blank (skipped), line 4 a pharmacist: the physical lines are
    # 2 and 4 whatever the user's column says (7 and 9).
    members = read_adherents(write(tmp_path, f"{name};profession\n7;Infirmier\n\n9;Pharmacien\n"))
    assert members["ligne"].tolist() == [2, 4]
    assert members["groupe"].tolist() == ["Infirmiers", "Pharmaciens"]
    assert members["nombre"].tolist() == [1, 1]


# --------------------------------------------------------------------------- nombre


@pytest.mark.parametrize(("value", "problem"), [
    ("99999999999999999999", f"nombre « 99999999999999999999 » : {TOO_LARGE}"),  # above 64-bit integers
    (str(MAX_COUNT + 1), f"nombre « 100001 » : {TOO_LARGE}"),
    ("1000000", f"nombre « 1000000 » : {TOO_LARGE}"),
    ("-3", f"nombre « -3 » : {BAD_COUNT}"),
    ("2,5", f"nombre « 2,5 » : {BAD_COUNT}"),
    # « 1,000 » is one member in French and a thousand in English: an integral decimal has at most two zeros.
    ("1,000", f"nombre « 1,000 » : {BAD_COUNT}"),
    ("2.000", f"nombre « 2.000 » : {BAD_COUNT}"),
    ("2.", f"nombre « 2. » : {BAD_COUNT}"),
    ("1 00", f"nombre « 1 00 » : {BAD_COUNT}"),  # not groups of three digits
    ("10 0000", f"nombre « 10 0000 » : {BAD_COUNT}"),
    ("1  000", f"nombre « 1  000 » : {BAD_COUNT}"),
    ("1 000 000", f"nombre « 1 000 000 » : {TOO_LARGE}"),
    ("1e3", f"nombre « 1e3 » : {BAD_COUNT}"),
    ("+2", f"nombre « +2 » : {BAD_COUNT}"),
    ("trois", f"nombre « trois » : {BAD_COUNT}"),
    ("\u0663", f"nombre « \u0663 » : {BAD_COUNT}"),  # ARABIC-INDIC DIGIT THREE: ASCII digits only
])
def test_each_bad_count_is_a_french_error_with_its_line(tmp_path: Path, value: str, problem: str) -> None:
    # Line 2 is fine, line 3 holds the value.
    path = write(tmp_path, f"profession;nombre\nkiné;2\nInfirmier;{value}\n")
    with pytest.raises(DataError) as info:
        read_adherents(path)
    assert info.value.message == "Fichier des adhérents invalide :\n  - ligne 3 : " + problem
    assert (info.value.path, info.value.line) == (str(path), 3)


def test_counts_up_to_the_bound_are_read(tmp_path: Path) -> None:
    # Empty: 1 member; « 007 »: 7; the bound itself is accepted; spaces around the value are stripped.
    members = read_adherents(write(tmp_path, f"profession;nombre\nkiné;\nkiné;007\nkiné;{MAX_COUNT}\nkiné; 12 \n"))
    assert members["nombre"].tolist() == [1, 7, 100_000, 12]
    assert int(members["nombre"].sum()) == 1 + 7 + 100_000 + 12


@pytest.mark.parametrize(("value", "count"), [
    ("1 000", 1000), ("1\u00a0000", 1000), ("1\u202f000", 1000), ("100 000", 100_000),  # French thousands
    ("2.0", 2), ("2,0", 2), ("12,00", 12), ("1 200,00", 1200),  # a column of numbers exported as decimals
    ("0", 0),  # a profession without members, in a table listing them all (a review: it stopped the diagnostic)
])
def test_counts_as_a_spreadsheet_writes_them_are_read(tmp_path: Path, value: str, count: int) -> None:
    members = read_adherents(write(tmp_path, f"profession;nombre\nkiné;{value}\n"))
    assert members["nombre"].tolist() == [count]


def test_every_bad_count_is_listed_in_line_order(tmp_path: Path) -> None:
    path = write(tmp_path, "profession;nombre\nkiné;-1\nkiné;3\nkiné;123456789012345678901234567890\nkiné;x\n")
    with pytest.raises(DataError) as info:
        read_adherents(path)
    assert info.value.message == (
        "Fichier des adhérents invalide :"
        "\n  - ligne 2 : nombre « -1 » : entier positif attendu"
        f"\n  - ligne 4 : nombre « 123456789012345678901234567890 » : {TOO_LARGE}"
        "\n  - ligne 5 : nombre « x » : entier positif attendu")
    assert info.value.line == 2


def test_rpps_in_another_script_is_reported_not_kept(tmp_path: Path) -> None:
    # Eleven ARABIC-INDIC digits: not the registry's ASCII number, so never matched; reported as malformed.
    number = "\u0661" + "\u0660" * 9 + "\u0661"
    members = read_adherents(write(tmp_path, f"profession;rpps\nkiné;{number}\n"))
    assert members["rpps"].isna().all()
    assert members["rpps_probleme"].tolist() == [
        f"RPPS « {number} » invalide (11 chiffres attendus, ou 9 pour un numéro ADELI)"]


def test_header_only_members_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "adherents.csv"
    path.write_text("profession;rpps;gouvernance\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_adherents(path)
    assert (info.value.message, info.value.line) == (
        "Fichier des adhérents vide : le fichier n'a que sa ligne d'en-tête, aucun adhérent ; complétez-le, ou "
        "retirez ADHERENTS= (option --adherents)", 2)


def test_subtotal_rows_are_left_out_too(tmp_path: Path) -> None:
    """A re-check: « Infirmiers (total) », « Masseurs-kinésithérapeutes - total » were counted as members (14 for
    the file's own « Total général ; 7 »)."""
    from pipeline.sources.adherents import adherent_notes

    path = tmp_path / "adherents.csv"
    path.write_text("Profession;Nombre\nInfirmière libérale;2\nInfirmière DE;3\nInfirmiers (total);5\n"
                    "Masseuse-kinésithérapeute;2\nMasseurs-kinésithérapeutes - total;2\nTOTAL :;7\n", encoding="utf-8")
    members = read_adherents(path)
    assert members.groupby("groupe")["nombre"].sum().to_dict() == {"Infirmiers": 5, "Masseurs-kinésithérapeutes": 2}
    assert adherent_notes(members) == [
        "Adhérents : 3 lignes de total non comptées (ligne 4 : « Infirmiers (total) » (5), ligne 6 : « Masseurs-"
        "kinésithérapeutes - total » (2), ligne 7 : « TOTAL : » (7)) ; somme des autres lignes : 7"]


def test_a_professions_total_alone_in_the_file_is_its_members(tmp_path: Path) -> None:
    """A re-check: « Médecins généralistes (total) ; 12 » with no detail row under it counted 0 GPs."""
    path = tmp_path / "adherents.csv"
    path.write_text("Profession;Nombre\nMédecins généralistes (total);12\nInfirmiers (total);30\nPharmaciens;4\n"
                    "Total;46\n", encoding="utf-8")
    members = read_adherents(path)
    assert members.groupby("groupe")["nombre"].sum().to_dict() == {"Infirmiers": 30, "Médecins généralistes": 12,
                                                                   "Pharmaciens": 4}


@pytest.mark.parametrize("total", ["Total", "TOTAL GÉNÉRAL", "Sous-total", "Total adhérents", "Ensemble",
                                   "TOTAL CPTS"])
def test_a_total_row_is_left_out_and_said(tmp_path: Path, total: str) -> None:
    """A review: « Total;17 » under two rows of counts was refused as an unknown profession, with the hint
    « Autre (Total) », which would have counted 17 more members."""
    from pipeline.sources.adherents import adherent_notes

    path = tmp_path / "adherents.csv"
    path.write_text(f"Profession;Nombre\nInfirmiers;12\nMédecins généralistes;5\n{total};17\n", encoding="utf-8")
    members = read_adherents(path)
    assert members[["groupe", "nombre", "ligne"]].values.tolist() == [["Infirmiers", 12, 2],
                                                                      ["Médecins généralistes", 5, 3]]
    assert adherent_notes(members) == [f"Adhérents : ligne de total non comptée (ligne 4 : « {total} » (17)) ; "
                                       "somme des autres lignes : 17"]
    path.write_text(f"Profession;Nombre\n{total};17\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_adherents(path)
    assert info.value.message.startswith("Fichier des adhérents vide : il n'a qu'une ligne de total, aucun adhérent")


def test_the_registrys_national_identifier_is_read_as_its_number(tmp_path: Path) -> None:
    """The Annuaire Santé writes a practitioner « 810001234567 » (« 8 » + RPPS) or, for the professions it still
    lists under ADELI (identifier type 0, the sample extraction's psychothérapeutes, opticiens…), « 0 » + the
    9-digit ADELI number: copied from it, they are the RPPS 10001234567 and the ADELI 010001949; 12 digits not
    starting with 8 and 10 digits not starting with 0 are neither."""
    text = ("profession;rpps\nmédecin généraliste;810001234567\nmédecin généraliste;8 1000 1234 568\n"
            "kiné;910001234567\nkiné;1123456789\npsychologue;0010001949\npsychologue;01 000 1950\n")
    members = read_adherents(write(tmp_path, text))
    assert members["rpps"].tolist() == ["10001234567", "10001234568", pd.NA, pd.NA, "010001949", "010001950"]
    assert members["rpps_probleme"].iloc[2:4].tolist() == [
        "RPPS « 910001234567 » invalide (11 chiffres attendus, ou 9 pour un numéro ADELI)",
        "RPPS « 1123456789 » invalide (11 chiffres attendus, ou 9 pour un numéro ADELI)"]


def test_an_adeli_column_is_read_where_the_rpps_one_is_empty(tmp_path: Path) -> None:
    # Line 2: both given, the RPPS is kept; line 3: the ADELI column only; line 4: neither; line 5: an ADELI
    # number that lost its leading zero in a spreadsheet (eight digits), reported, never completed.
    text = ("Profession;N° RPPS;N° ADELI\ninfirmier;10001234567;131234567\npsychologue;;131234568\nkiné;;\n"
            "psychologue;;13123456\n")
    members = read_adherents(write(tmp_path, text))
    assert members["rpps"].tolist() == ["10001234567", "131234568", pd.NA, pd.NA]
    assert members["rpps_probleme"].tolist()[:3] == [pd.NA, pd.NA, pd.NA]
    assert members["rpps_probleme"].iloc[3] == (
        "ADELI « 13123456 » invalide (8 chiffres : numéro ADELI dont un tableur a perdu le zéro initial ? Écrivez "
        "la colonne en texte)")
    assert "colonnes_non_lues" in members.attrs and members.attrs["colonnes_non_lues"] == []
    # Eight digits written as a decimal by a spreadsheet (« 10010536.0 »): the hint, not the ADELI 100105360 (a
    # review got another person's number, removing the point).
    members = read_adherents(write(tmp_path, "profession;ADELI\npsychologue;10010536.0\npsychologue;10010554,0\n"))
    assert members["rpps"].isna().all()
    assert all(str(p).startswith("ADELI « 1001") and "8 chiffres" in str(p) for p in members["rpps_probleme"])
    # An RPPS cell that is no number leaves the ADELI one read; a bad ADELI cell is named as such.
    text = "profession;RPPS;ADELI\npsychologue;inconnu;131234569\npsychologue;;12\n"
    members = read_adherents(write(tmp_path, text))
    assert members["rpps"].tolist() == ["131234569", pd.NA]
    assert members["rpps_probleme"].tolist() == [
        pd.NA, "ADELI « 12 » invalide (11 chiffres attendus, ou 9 pour un numéro ADELI)"]
    # In Corsica the département leads the ADELI number as « 2A » or « 2B » (read in either case, and as the
    # registry's « 0 » + ADELI); « 2C » is no département.
    text = "profession;ADELI\npsychologue;2A1234567\npsychologue;2b 123 4568\npsychologue;02B1234569\nkiné;2C1234567\n"
    members = read_adherents(write(tmp_path, text))
    assert members["rpps"].tolist() == ["2A1234567", "2B1234568", "2B1234569", pd.NA]
    assert members["rpps_probleme"].iloc[3] == (
        "ADELI « 2C1234567 » invalide (11 chiffres attendus, ou 9 pour un numéro ADELI)")


# --------------------------------------------------------------------------- files as coordinators write them


@pytest.mark.parametrize(("header", "column"), [
    ("N°RPPS", "rpps"), ("NumRPPS", "rpps"), ("No RPPS", "rpps"), ("N°ADELI", "adeli"),
])
def test_number_headers_written_in_one_word_are_read(tmp_path: Path, header: str, column: str) -> None:
    """A review: « N°RPPS » was a column not read, and members practising elsewhere counted in the shares."""
    number = "10000000796" if column == "rpps" else "049876543"
    members = read_adherents(write(tmp_path, f"Nom;Profession;{header}\nDurand;MG;{number}\n"))
    assert members["rpps"].tolist() == [number]
    assert members.attrs["colonnes_non_lues"] == ["Nom"]


@pytest.mark.parametrize("header", ["Nbre d'adhérents", "Nombre de professionnels", "Nombre de PS", "Total adhérents"])
def test_count_headers_are_read(tmp_path: Path, header: str) -> None:
    """A review: « Nbre d'adhérents » was not read, and each row counted one member (12 GPs read as 1)."""
    members = read_adherents(write(tmp_path, f"Profession;{header};Gouvernance\nMédecins généralistes;12;\n"
                                             "Infirmiers;40;\n"))
    assert members["nombre"].tolist() == [12, 40]
    assert members.attrs["colonnes_non_lues"] == []


@pytest.mark.parametrize("header", ["Nombre de patients", "Total"])  # « Total » alone: often an amount
def test_a_count_of_something_else_is_not_the_members(tmp_path: Path, header: str) -> None:
    members = read_adherents(write(tmp_path, f"Profession;{header}\nInfirmiers;400\n"))
    assert members["nombre"].tolist() == [1]
    assert members.attrs["colonnes_non_lues"] == [header]


@pytest.mark.parametrize("header", ["RPPS du remplaçant", "N° RPPS du successeur", "RPPS associé"])
def test_the_number_of_someone_else_is_not_the_member_s(tmp_path: Path, header: str) -> None:
    """A re-check: « RPPS du remplaçant » alone was read as the member's RPPS (and the member placed where the
    replacement practises); beside « RPPS » it was refused as the same column."""
    members = read_adherents(write(tmp_path, f"Profession;{header}\nInfirmiers;10000000804\n"))
    assert members["rpps"].isna().all() and members.attrs["colonnes_non_lues"] == [header]
    members = read_adherents(write(tmp_path, f"Profession;RPPS;{header}\nInfirmiers;10000000011;10000000804\n"))
    assert members["rpps"].tolist() == ["10000000011"] and members.attrs["colonnes_non_lues"] == [header]


def test_a_structures_staff_is_not_a_number_of_structures(tmp_path: Path) -> None:
    """A code review: « MSP de Riez;12 » under « Nombre de professionnels » counted 12 MSP."""
    with pytest.raises(DataError) as info:
        read_adherents(write(tmp_path, "Profession;Nombre de professionnels\nMSP de Riez;12\nInfirmiers;4\n"))
    assert info.value.message == (
        "Fichier des adhérents invalide :\n  - ligne 2 : nombre 12 sur une ligne de structure (MSP) : la colonne "
        "« Nombre de professionnels » compte des personnes, une ligne de structure compte une structure (1, ou vide)")
    # Under the format's own « nombre », a structures' row counts structures.
    assert read_adherents(write(tmp_path, "Profession;nombre\nMSP;2\n"))["nombre"].tolist() == [2]


@pytest.mark.parametrize("title", ["Professionnels de santé adhérents à la CPTS du Pays dignois",
                                   "Professionnels de santé adhérents à la CPTS du Pays dignois;;;",
                                   "Professions adhérentes", "Professionnels adhérents 2024"])
def test_a_title_line_starting_like_the_profession_header_is_skipped(tmp_path: Path, title: str) -> None:
    """A review: the title (alone, or padded with « ;;; » as Excel exports it) was taken for the header."""
    members = read_adherents(write(tmp_path, f"{title}\n\nNom;Profession;RPPS;Gouvernance\n"
                                             "Durand;MG;10000000796;oui\nMartin;IDE;;non\n"))
    assert members["groupe"].tolist() == ["Médecins généralistes", "Infirmiers"]
    assert members["ligne"].tolist() == [4, 5]
    assert members.attrs["lignes_de_titre"] == 1


@pytest.mark.parametrize(("profession", "group"), [
    ("MSP de Digne - Médecin généraliste", "Médecins généralistes"),
    ("Maison de santé de Digne - infirmière", "Infirmiers"),
    ("MSP Digne (kiné)", "Masseurs-kinésithérapeutes"),
    ("MSP de Saint-Paul", "MSP"),  # a hyphen inside a name: no profession after it
    ("Centre de santé infirmier", "Centres de santé"),  # a kind of centre, not a member
    ("Centre de santé (infirmier)", "Centres de santé"),
    ("MSP de Riez", "MSP"),
    ("Médecin généraliste - MSP de Digne", "Médecins généralistes"),  # the other order
    ("Infirmière (MSP de Riez)", "Infirmiers"),
    ("MSP du Val de Durance (médecins, IDE, kinés)", "MSP"),  # several professions: the structure's
    ("MSP de Digne - MG - IDE", "MSP"),
    # A hyphen inside a word joins: « Sage-femme » was split into « Sage » and « femme », no profession.
    ("MSP de Digne - Sage-femme", "Sages-femmes"),
    ("Sage-femme (MSP de Riez)", "Sages-femmes"),
    ("Maison de santé du Val-de-Durance - infirmière", "Infirmiers"),
    # Placed in the structure by words, not punctuation.
    ("Médecin généraliste à la MSP de Digne", "Médecins généralistes"),
    ("Infirmière au centre de santé de Riez", "Infirmiers"),
    ("Kiné en MSP", "Masseurs-kinésithérapeutes"),
    ("Pharmacien à l'MSP", "Pharmaciens"),
    ("MSP au Pays de Forcalquier", "MSP"),  # a place after « au », not a person
    ("Pharmacien – centre de santé de Manosque", "Pharmaciens"),  # the profession first: a person
    ("Médecin généraliste, centre de santé de Riez", "Médecins généralistes"),
    ("Centre de santé en Provence", "Centres de santé"),
    # The profession, then where or how the member practises: a person of that profession.
    ("Médecin généraliste à Digne", "Médecins généralistes"),
    ("MG a Digne", "Médecins généralistes"),
    ("Kiné sur Manosque", "Masseurs-kinésithérapeutes"),
    ("Infirmière - Mme Dupont", "Infirmiers"),
    ("Pharmacien (centre hospitalier)", "Pharmaciens"),
    ("Sage-femme - Sainte-Tulle", "Sages-femmes"),
    ("Médecin spécialiste - cardiologue", "Médecins spécialistes"),  # the same profession twice
    # The structure, then the member with their place (a second review: counted as MSP).
    ("MSP de Riez - Infirmière à Riez", "Infirmiers"),
    ("Maison de santé de Riez - kiné sur Riez", "Masseurs-kinésithérapeutes"),
    # Two professions: which one the member practises cannot be told.
    ("Médecin généraliste - Infirmier", None),
    ("Médecin généraliste, Infirmier, Kiné", None),
    ("Infirmière à Digne, kiné à Riez", None),
    # « Au », « En » starting a word place nobody (a third review: « Autre », « Endocrinologue » were split).
    ("Médecin généraliste - Endocrinologue", None), ("Infirmière - Autre (sophrologue)", None),
    ("Infirmier - Audioprothésiste", None),
])
def test_a_member_named_with_their_structure_counts_in_their_profession(profession: str, group: str | None) -> None:
    """A review: three members written « MSP de Digne - Médecin généraliste » were counted as three MSP; « MSP de
    Digne - Sage-femme » was an MSP, and « Médecin généraliste à la MSP de Digne » and « Médecin généraliste à
    Digne » refused."""
    from pipeline.sources.adherent_professions import profession_group

    assert profession_group(profession) == group


@pytest.mark.parametrize(("typed", "number"), [
    ("1.0000081644E10", "10000081644"), ("1,0000081644E+10", "10000081644"), ("8,10000081644E+11", "10000081644"),
    ("1.0000081644E+010", "10000081644"),
])
def test_scientific_notation_with_every_digit_is_the_number(tmp_path: Path, typed: str, number: str) -> None:
    """A review: « 1.0000081644E10 » (all eleven digits) was dropped as « chiffres perdus »."""
    members = read_adherents(write(tmp_path, f"Profession;RPPS\nkiné;{typed}\n"))
    assert members["rpps"].tolist() == [number] and members["rpps_probleme"].isna().all()
    lost = read_adherents(write(tmp_path, "Profession;RPPS\nkiné;1,00001E+10\n"))
    assert lost["rpps"].isna().all()
    assert lost["rpps_probleme"].tolist() == [
        "RPPS « 1,00001E+10 » écrit en notation scientifique par un tableur : chiffres perdus"]


def test_a_person_written_with_their_centre_de_sante_counts_in_their_profession(tmp_path: Path) -> None:
    """A review: « Centre de santé Belsunce - médecin généraliste » with an RPPS number was a centre de santé. A
    structure has no RPPS number: the row is a person; without a number, the centre's words are its kind."""
    members = read_adherents(write(tmp_path, "Profession;RPPS\nCentre de santé Belsunce - médecin généraliste;"
                                             "10000001823\nCentre de santé (infirmier);\n"
                                             "Centre de santé de Digne - médecin généraliste à Digne;10000000796\n"))
    assert members["groupe"].tolist() == ["Médecins généralistes", "Centres de santé", "Médecins généralistes"]


def test_a_named_structure_counts_one(tmp_path: Path) -> None:
    """A review: « MSP du Panier;3 » under « Nbre d'adhérents » counted three MSP. The row of a kind (« MSP;2 »)
    may count several; one named structure is one."""
    with pytest.raises(DataError) as info:
        read_adherents(write(tmp_path, "Profession;Nbre d'adhérents\nMédecins généralistes;12\nMSP du Panier;3\n"))
    assert info.value.message == (
        "Fichier des adhérents invalide :\n  - ligne 3 : nombre 3 sur la ligne d'une structure nommée (« MSP du "
        "Panier ») : une structure compte 1 ; ses adhérents se déclarent sur les lignes de leurs professions")
    assert read_adherents(write(tmp_path, "Profession;Nbre d'adhérents\nMSP;2\nMaisons de santé;1\n"))[
        "nombre"].tolist() == [2, 1]


@pytest.mark.parametrize(("title", "header", "row"), [
    ("Professionnels adhérents;mise à jour le 12/01/2024;;", "Nom;Profession;RPPS;Gouvernance",
     "Durand;MG;10000000796;oui"),
    ("Professions de santé;2024", "Profession;RPPS", "MG;10000000796"),
])
def test_a_title_line_with_a_date_beside_it_is_skipped(tmp_path: Path, title: str, header: str, row: str) -> None:
    """A review: such title lines were taken for the header, and the file refused about its real header."""
    members = read_adherents(write(tmp_path, f"{title}\n{header}\n{row}\n"))
    assert members["groupe"].tolist() == ["Médecins généralistes"] and members.attrs["lignes_de_titre"] == 1


@pytest.mark.parametrize("header", ["Nombre d'adhérent·e·s", "Nombre d'inscrits"])
def test_inclusive_and_other_count_headers_are_read(tmp_path: Path, header: str) -> None:
    members = read_adherents(write(tmp_path, f"Profession;{header}\nMédecins généralistes;12\n"))
    assert members["nombre"].tolist() == [12]


@pytest.mark.parametrize("typed", ['="10000000796"', "'10000000796"])
def test_a_number_a_spreadsheet_kept_as_text_is_read(tmp_path: Path, typed: str) -> None:
    """A review: « ="10000000796" » and « '10000000796 », the forms a spreadsheet keeps a number as text in, were
    dropped with a note."""
    members = read_adherents(write(tmp_path, f"Profession;RPPS\nMG;{typed}\n"))
    assert members["rpps"].tolist() == ["10000000796"] and members["rpps_probleme"].isna().all()


def test_a_column_headed_adherents_counts_the_members_it_gives(tmp_path: Path) -> None:
    """A review: « Médecins généralistes;12 » under « Adhérents » counted one GP, the column « not read »."""
    members = read_adherents(write(tmp_path, "Profession;Adhérents\nMédecins généralistes;12\nInfirmiers;1 000\n"
                                             "Sages-femmes;\n"))
    assert members["nombre"].tolist() == [12, 1000, 1]
    assert members.attrs["colonnes_non_lues"] == []


def test_a_column_saying_who_is_a_member_refuses_its_non_members(tmp_path: Path) -> None:
    """« Adhérent : non » is no member: counting the row would add a non-member to the Trame's table."""
    with pytest.raises(DataError) as info:
        read_adherents(write(tmp_path, "Nom;Profession;Adhérent\nMartin;Médecin généraliste;oui\n"
                                       "Durand;Infirmière;Non\nDupont;kiné;oui\n"))
    assert info.value.message == ("Fichier des adhérents invalide :\n  - ligne 3 : « Adhérent » : « Non » : ce "
                                  "fichier ne liste que les adhérents ; retirez les lignes des non-adhérents")
    kept = read_adherents(write(tmp_path, "Nom;Profession;Adhérent\nMartin;Médecin généraliste;oui\n"))
    assert kept["nombre"].tolist() == [1]


def test_a_column_of_members_names_is_not_a_count(tmp_path: Path) -> None:
    members = read_adherents(write(tmp_path, "Membre;Profession\nDr Martin;Médecin généraliste\n"))
    assert members["nombre"].tolist() == [1]
    assert members.attrs["colonnes_non_lues"] == ["Membre"]
