"""``FLUX=`` tables as read: columns of the same meaning, header-only files, profession labels, GP rows.

Defects reproduced by a review: two header columns standing for one column of the format
(``volume`` and ``nombre``) let the last one win silently (recours of the residents 6 instead of
6 100) with a raw pandas warning in English; a header-only file gave a section of « n.d. » and
zeros; a table of one profession other than GPs (Infirmiers) was used as GP consultations.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.app.flow_model import given_gp_flows
from pipeline.errors import DataError
from pipeline.sources.od_table import GROUPE_NON_PRECISE, read_od_table, to_flow_table

GROUPE_MG = "Médecins généralistes"
HEADER_ROWS = "04004;04094;1000;3\n04094;04094;5000;2\n04004;04004;100;1\n"


def write(tmp_path: Path, text: str, name: str = "od.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- columns of the same meaning


@pytest.mark.filterwarnings("error")  # no pandas « DataFrame columns are not unique » warning any more
def test_volume_and_nombre_are_refused_with_both_names(tmp_path: Path) -> None:
    # The reviewer's od_dupalias2.csv: with « volume » the residents' consultations are 1000 + 5000 + 100 =
    # 6 100, with « nombre » 3 + 2 + 1 = 6; which one is meant cannot be guessed.
    path = write(tmp_path, "origine;destination;volume;nombre\n" + HEADER_ROWS)
    with pytest.raises(DataError) as info:
        read_od_table(path)
    assert (info.value.message, info.value.line) == (
        "Table origine–destination invalide : les colonnes « volume » et « nombre » désignent toutes deux le "
        "volume : gardez-en une seule (impossible de savoir laquelle utiliser)", 1)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(("first", "second", "meaning"), [
    ("origine", "origin", "la commune d'origine"),
    ("code_origine", "commune_origine", "la commune d'origine"),
    ("Origine", "origine", "la commune d'origine"),  # the same word, another case
    ("Code origine", "origin", "la commune d'origine"),  # spaces and case of an alias
    ("destination", "code_destination", "la commune de destination"),
    ("commune_destination", "Destination", "la commune de destination"),
    ("effectif", "recours", "le volume"),
    ("Volume", "effectif", "le volume"),
    ("profession", "groupe", "la profession"),
    ("groupe_professionnel", "Profession", "la profession"),
])
@pytest.mark.filterwarnings("error")
def test_every_alias_pair_is_refused(tmp_path: Path, first: str, second: str, meaning: str) -> None:
    columns = {"origine": "04004", "destination": "04094", "volume": "10", "profession": "MG"}
    names = {"la commune d'origine": "origine", "la commune de destination": "destination", "le volume": "volume",
             "la profession": "profession"}
    doubled = names[meaning]
    header = [first if c == doubled else c for c in columns] + [second]
    values = [columns[c] for c in columns] + [columns[doubled]]
    path = write(tmp_path, ";".join(header) + "\n" + ";".join(values) + "\n")
    with pytest.raises(DataError) as info:
        read_od_table(path)
    assert info.value.line == 1
    assert info.value.message == (f"Table origine–destination invalide : les colonnes « {first} » et « {second} » "
                                  f"désignent toutes deux {meaning} : gardez-en une seule (impossible de savoir "
                                  "laquelle utiliser)")


def test_three_columns_and_two_meanings_are_all_named(tmp_path: Path) -> None:
    path = write(tmp_path, "origine;origin;destination;volume;nombre;effectif\n04004;04004;04094;1;2;3\n")
    with pytest.raises(DataError) as info:
        read_od_table(path)
    assert info.value.message == (
        "Table origine–destination invalide : les colonnes « origine » et « origin » désignent toutes deux la "
        "commune d'origine ; les colonnes « volume », « nombre » et « effectif » désignent toutes le volume : "
        "gardez-en une seule (impossible de savoir laquelle utiliser)")


def test_header_line_after_an_excel_separator_line(tmp_path: Path) -> None:
    # « sep=; » is line 1, the header line 2.
    path = write(tmp_path, "sep=;\norigine;destination;volume;nombre\n04004;04094;1000;3\n")
    with pytest.raises(DataError) as info:
        read_od_table(path)
    assert info.value.line == 2 and "« volume » et « nombre »" in info.value.message


def test_an_alias_alone_still_reads(tmp_path: Path) -> None:
    # « nombre » alone is the volume: 1000 + 100 for 04004's residents, 5000 for 04094's.
    staged = read_od_table(write(tmp_path, "Code origine;destination;nombre\n04004;04094;1000\n04094;04094;5000\n"
                                           "04004;04004;100\n"))
    assert to_flow_table(staged)["volume"].sum() == 6100


# --------------------------------------------------------------------------- header-only tables


@pytest.mark.parametrize(("text", "line"), [
    ("origine;destination;volume\n", 2),
    ("origine;destination;volume;profession\n\n  \n", 2),  # blank lines are no data
    ("sep=;\norigine;destination;volume\n", 3),
])
def test_header_only_table_is_empty(tmp_path: Path, text: str, line: int) -> None:
    path = write(tmp_path, text)
    with pytest.raises(DataError) as info:
        read_od_table(path)
    assert (info.value.message, info.value.line) == (
        "Table de flux vide : le fichier n'a que sa ligne d'en-tête, aucune ligne de recours "
        "(origine;destination;volume) ; complétez-la, ou retirez FLUX= pour utiliser les flux modélisés", line)


def test_header_only_with_a_missing_column_names_the_column(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        read_od_table(write(tmp_path, "origine;destination\n"))
    assert info.value.message.startswith("Colonne(s) manquante(s) dans la table origine–destination : volume")


# --------------------------------------------------------------------------- profession labels


def group_of(tmp_path: Path, label: str) -> str:
    """The profession a one-row table's label is read as."""
    staged = read_od_table(write(tmp_path, f"origine;destination;volume;profession\n04004;04094;1;{label}\n"))
    return str(staged.table["profession"].iloc[0])


@pytest.mark.parametrize("label", [
    "médecins généralistes", "Médecin généraliste", "Médecine générale", "MG", "mg", "Médecins généralistes (MG)",
    "MEDECINS GENERALISTES", "généralistes", "omnipraticien", "Omnipraticiens", "Médecin omnipraticien",
    "SM54", "sm26", "Qualifié en médecine générale", "Spécialiste en médecine générale", "Médecine générale (SM54)",
    # The Assurance maladie's label, its plural in « -aux » (a review: read as no profession), and a label beside
    # its code or synonym.
    "Omnipraticiens libéraux", "OMNIPRATICIENS LIBERAUX", "Omnipraticien libéral", "MG - Médecine générale",
    "Médecine générale – MG", "médecins généralistes, omnipraticiens", "MG / Médecins généralistes",
    "Médecins généralistes D.E.", "Médecin·e·s généralistes", "Omnipraticien(ne)s", "Omnipraticien·ne·s",
    "Omnipraticien·ne·s libéraux·ales", "Médecins généralistes libéraux-ales",
    "Omnipraticiennes et omnipraticiens", "Médecins généralistes et omnipraticiens", "Médecins généralistes DE",
])
def test_gp_labels(tmp_path: Path, label: str) -> None:
    assert group_of(tmp_path, label) == GROUPE_MG


@pytest.mark.parametrize(("label", "group"), [
    ("Infirmiers", "Infirmiers"), ("IDE", "Infirmiers"), ("Infirmier psychiatrique", "Infirmiers"),
    ("kiné", "Masseurs-kinésithérapeutes"), ("Pharmacien", "Pharmaciens"), ("Sage-femme", "Sages-femmes"),
    ("Médecins spécialistes", "Médecins spécialistes"), ("Pédiatrie", "Médecins spécialistes"),
    ("Chirurgie générale", "Médecins spécialistes"),  # « générale » is not general practice
    ("Médecin", None), ("Médecins", None),  # generalist or specialist: not guessed
    ("10", None),  # TRE_G15's code of every médecin
    ("=1+1", None),
    ("Infirmiers libéraux", "Infirmiers"), ("Chirurgiens-dentistes libéraux", "Chirurgiens-dentistes"),
    # The State diploma and inclusive writing say no more (a review: « Infirmiers DE » made a group of its own).
    ("Infirmiers DE", "Infirmiers"), ("Infirmiers D.E.", "Infirmiers"), ("Infirmier(e)s", "Infirmiers"),
    ("Infirmier·e·s", "Infirmiers"), ("Masseurs-kinésithérapeutes DE", "Masseurs-kinésithérapeutes"),
    ("Infirmier(ère)s", "Infirmiers"), ("Infirmier·ère·s", "Infirmiers"), ("Infirmier-e-s", "Infirmiers"),
    ("Infirmier(ère)s libéraux(ales)", "Infirmiers"), ("Chirurgien(ne)s-dentistes", "Chirurgiens-dentistes"),
    ("Chirurgien·ne·s-dentistes", "Chirurgiens-dentistes"), ("Pharmacien(ne)s", "Pharmaciens"),
    ("Masseur(se)s-kinésithérapeutes", "Masseurs-kinésithérapeutes"), ("Sage-femme DE", "Sages-femmes"),
    ("Infirmier·e·s libéraux·ales", "Infirmiers"), ("Chirurgien·ne·s-dentistes libéraux·ales", "Chirurgiens-dentistes"),
    ("Sages-femmes libéral·e·s", "Sages-femmes"), ("Masseur·euse·s-kinésithérapeutes", "Masseurs-kinésithérapeutes"),
    # The diploma inside the label, feminine words, both genders joined by « et » / « ou » (a review: each was kept
    # as a profession of its own).
    ("Infirmiers D.E. libéraux", "Infirmiers"), ("Infirmier DE libéral", "Infirmiers"),
    ("Infirmières et infirmiers", "Infirmiers"), ("Infirmiers ou infirmières", "Infirmiers"),
    ("Masseuses-kinésithérapeutes", "Masseurs-kinésithérapeutes"), ("Chirurgiennes-dentistes", "Chirurgiens-dentistes"),
    ("Infirmières diplômées d'État", "Infirmiers"), ("Infirmiers et kinés", None),
    # Two groups side by side, or a group beside an unknown word: none.
    ("Infirmiers / Kinés", None), ("MG - Infirmiers", None), ("MG / inconnu", None),
    # A member's « Médecin généraliste à Digne » is a GP (the members file); a flow table's label is no place.
    ("MG à Digne", None), ("MG - Digne", None), ("MSP de Riez / MG à Riez", "MSP"), ("MSP - MG / inconnu", "MSP"),
])
def test_other_labels_are_never_gps(tmp_path: Path, label: str, group: str | None) -> None:
    # An unknown label is kept as written (never a GP).
    assert group_of(tmp_path, label) == (group or label)


def test_labels_are_read_as_groups_in_the_table(tmp_path: Path) -> None:
    staged = read_od_table(write(tmp_path, "origine;destination;volume;profession\n"
                                           "04004;04094;10;Médecins généralistes (MG)\n04004;04094;5;omnipraticien\n"
                                           "04004;04094;1;Médecin\n"))
    # 10 + 5 GP consultations on one pair; « Médecin » kept as written.
    assert to_flow_table(staged).values.tolist() == [["04004", "04094", "Médecin", 1.0],
                                                     ["04004", "04094", GROUPE_MG, 15.0]]


# --------------------------------------------------------------------------- GP rows of a given table


def flow_table(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["origin", "destination", "groupe", "volume"])


@pytest.mark.parametrize("profession", ["Infirmiers", "Pharmaciens", "Sages-femmes", "Médecins spécialistes",
                                        "Médecin"])
def test_one_other_profession_gives_no_gp_flows(profession: str) -> None:
    gp = given_gp_flows(flow_table([("04004", "04094", profession, 1000), ("04094", "04094", profession, 5000)]),
                        "table", [])
    assert gp.table.empty
    assert gp.unavailable == ("la table de flux fournie ne contient aucune ligne de médecins généralistes "
                              f"(professions lues : {profession})")


def test_gp_rows_are_kept_other_professions_noted() -> None:
    gp = given_gp_flows(flow_table([("04004", "04094", GROUPE_MG, 1000), ("04094", "04094", GROUPE_MG, 5000),
                                    ("04004", "04004", "Infirmiers", 100), ("04004", "04004", GROUPE_NON_PRECISE, 7)]),
                        "table", [])
    assert gp.unavailable is None
    # Only the two GP rows: 1000 + 5000.
    assert gp.table["volume"].sum() == 6000 and len(gp.table) == 2
    assert gp.notes == ["pertinence du périmètre : les recours des autres professions de la table de flux fournie "
                        "(Infirmiers, non précisé) ne sont pas utilisés, elle se mesure sur les recours aux médecins "
                        "généralistes"]


def test_table_without_profession_stays_gp_flows() -> None:
    gp = given_gp_flows(flow_table([("04004", "04094", GROUPE_NON_PRECISE, 1000),
                                    ("04094", "04094", GROUPE_NON_PRECISE, 5000)]), "table", [])
    assert gp.unavailable is None and gp.table["volume"].sum() == 6000
    assert gp.notes == ["la table de flux fournie ne précise pas la profession : tous ses recours sont lus comme "
                        "des recours aux médecins généralistes"]


def test_table_emptied_by_bad_codes_says_so() -> None:
    gp = given_gp_flows(flow_table([]), "table", [])
    assert gp.table.empty and gp.unavailable == ("la table de flux fournie n'a aucune ligne utilisable (toutes "
                                                 "écartées : codes communes invalides ou inconnus, ou communes "
                                                 "hors des départements chargés dans la base)")


# --------------------------------------------------------------------------- read once per diagnostic


def test_unchanged_table_is_parsed_once_and_a_changed_one_again(tmp_path: Path) -> None:
    # A diagnostic reads its FLUX= table three times (option check, flows section, pertinence).
    path = write(tmp_path, "origine;destination;volume\n04004;04094;1000\n")
    first = read_od_table(path)
    assert read_od_table(path) is first
    # Rewritten with the same size: another modification time, so read again, never the old rows.
    import os

    path.write_text("origine;destination;volume\n04004;04094;2000\n", encoding="utf-8")
    os.utime(path, ns=(1, 1))
    again = read_od_table(path)
    assert again is not first and again.table["volume"].tolist() == [2000.0]
    # A bad file is never cached as good: its error is raised at every read.
    path.write_text("origine;destination;volume\n04004;04094;-5\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(DataError):
            read_od_table(path)


# --------------------------------------------------------------------------- volumes written with a dot


def test_a_dot_that_may_group_thousands_is_refused_with_its_lines(tmp_path: Path) -> None:
    """« 1.234 » is 1 234 consultations in French and 1.234 for a program: read as 1.234, the reviewer's table
    gave a self-containment of 0.036 instead of (1 234 + 2 500) / (1 234 + 100 + 2 500) = 0.974."""
    path = write(tmp_path, "origine;destination;volume\n04070;04070;1.234\n04070;13205;100\n04001;04070;2.500\n")
    with pytest.raises(DataError) as info:
        read_od_table(path)
    message = info.value.message
    assert "ligne 2 : volume ambigu « 1.234 » : point des milliers ou point décimal ?" in message
    assert "(1,234)" not in message  # written so, it would be refused as ambiguous in turn
    assert "ligne 4 : volume ambigu « 2.500 »" in message and "ligne 3" not in message


@pytest.mark.parametrize("volumes", [("1.234", "0.5"), ("1.234", "12.25"), ("1 234", "2 500"), ("1234,5", "2500")],
                         ids=["decimal-point-elsewhere", "two-decimals-elsewhere", "spaces", "decimal-comma"])
def test_volumes_whose_dot_is_told_are_read(tmp_path: Path, volumes: tuple[str, str]) -> None:
    first, second = volumes
    path = write(tmp_path, f"origine;destination;volume\n04070;04070;{first}\n04001;04070;{second}\n")
    table = read_od_table(path).table
    expected = [float(v.replace(" ", "").replace(",", ".")) for v in volumes]
    assert table["volume"].tolist() == expected
