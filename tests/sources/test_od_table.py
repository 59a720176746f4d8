"""Real origin–destination tables (FLUX=): what is reported and left out, what is refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.analysis.flows import territory_flow_indicators
from pipeline.errors import DataError
from pipeline.sources.od_table import (
    GROUPE_NON_PRECISE,
    filter_known_codes,
    problem_notes,
    read_od_table,
    to_flow_table,
)

ROBUSTNESS = Path(__file__).resolve().parents[1] / "fixtures" / "robustness"
GP, INF = "Médecins généralistes", "Infirmiers"


def write(tmp_path: Path, text: str, name: str = "od.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_table_with_profession_sums_pairs(tmp_path: Path) -> None:
    path = write(tmp_path, "origine;destination;volume;profession\n"
                           "04070;04001;12,5;médecins généralistes\n"
                           "04070;04001;2,5;Médecin généraliste\n"
                           "2A004;2B033;1 003;infirmières\n")
    staged = read_od_table(path)
    # Two spellings of GPs for one pair: one pair, volumes added up, and a note (a row pasted twice would double).
    assert staged.problems[["ligne", "probleme", "ecartee"]].values.tolist() == [
        [3, "couple 04070 → 04001 déjà donné ligne 2 : volumes additionnés", False]]
    assert staged.table["ligne"].tolist() == [2, 3, 4]
    assert to_flow_table(staged).values.tolist() == [["04070", "04001", GP, 15.0], ["2A004", "2B033", INF, 1003.0]]
    synthese = territory_flow_indicators(to_flow_table(staged), ["04070", "04001"])["synthese"]
    assert synthese.set_index("groupe").loc[GP, "auto_confinement"] == pytest.approx(1.0)


@pytest.mark.parametrize("column", ["origin", "origine", "commune_origine"])
def test_origin_aliases_and_table_without_profession(tmp_path: Path, column: str) -> None:
    staged = read_od_table(write(tmp_path, f"{column},destination,volume\n04070,04001,12\n"))
    assert to_flow_table(staged).values.tolist() == [["04070", "04001", GROUPE_NON_PRECISE, 12.0]]


def test_malformed_codes_are_reported_and_left_out(tmp_path: Path) -> None:
    path = write(tmp_path, "origine;destination;volume\n"
                           "04070;04001;1\n"
                           "4070;04001;2\n"       # a spreadsheet dropped the leading zero: restored, reported
                           "ABCDE;04001;3\n"      # not a code: left out, reported
                           "04070;;4\n"           # empty: left out, reported
                           "13201;13055;5\n")     # an arrondissement: kept, folded into Marseille for the flows
    staged = read_od_table(path)
    assert staged.table[["origine", "destination", "volume", "ligne"]].values.tolist() == [
        ["04070", "04001", 1.0, 2], ["04070", "04001", 2.0, 3], ["13201", "13055", 5.0, 6]]
    assert staged.problems.to_dict("records") == [
        {"ligne": 3, "colonne": "origine", "valeur": "4070", "ecartee": False,
         "probleme": "code origine 4070 lu comme 04070 (zéro initial rétabli)"},
        {"ligne": 4, "colonne": "origine", "valeur": "ABCDE", "ecartee": True,
         "probleme": "code origine invalide « ABCDE » : ligne écartée"},
        {"ligne": 5, "colonne": "destination", "valeur": "", "ecartee": True,
         "probleme": "code destination absent : ligne écartée"},
        # Once restored, line 3 repeats line 2's pair: added up, and said (a row pasted twice would double).
        {"ligne": 3, "colonne": "origine", "valeur": "04070", "ecartee": False,
         "probleme": "couple 04070 → 04001 déjà donné ligne 2 : volumes additionnés"},
    ]
    assert to_flow_table(staged).values.tolist() == [
        ["04070", "04001", GROUPE_NON_PRECISE, 3.0], ["13055", "13055", GROUPE_NON_PRECISE, 5.0]]
    assert problem_notes(staged)[0] == ("Table origine–destination : 2 lignes écartées (codes communes invalides "
                                        "ou inconnus) : lignes 4, 5")


def test_total_rows_of_a_pivot_table_are_left_out_not_read_as_flows(tmp_path: Path) -> None:
    """A review: per-origin subtotals (« 04094;Total;1500 ») were consultations gone to an unknown destination, and
    the report gave a real self-containment between 59 % and 87 % for an exact 82,1 %. Totals in either column,
    whatever their case and accents, are left out and said; the detail rows stay."""
    staged = read_od_table(write(tmp_path, "origine;destination;volume\n"
                                           "04094;04094;1000\n04094;04070;500\n04094;Total;1500\n"
                                           "Sous-total;04070;500\nTOTAL GÉNÉRAL;;2000\n04070;Ensemble;10\n"))
    assert staged.table[["origine", "destination", "volume"]].values.tolist() == [
        ["04094", "04094", 1000.0], ["04094", "04070", 500.0]]
    assert staged.unplaced.empty
    assert staged.problems[["ligne", "probleme", "ecartee"]].values.tolist() == [
        [4, "ligne de total « Total » écartée (ses recours sont ceux des lignes qu'elle additionne)", False],
        [5, "ligne de total « Sous-total » écartée (ses recours sont ceux des lignes qu'elle additionne)", False],
        [6, "ligne de total « TOTAL GÉNÉRAL » écartée (ses recours sont ceux des lignes qu'elle additionne)", False],
        [7, "ligne de total « Ensemble » écartée (ses recours sont ceux des lignes qu'elle additionne)", False]]
    # Across professions too (a review: « Total » became a profession of its own, with its own notes).
    professions = read_od_table(write(tmp_path, "origine;destination;profession;volume\n04094;04094;MG;1000\n"
                                                "04094;04094;IDE;300\n04094;04094;Total;1300\n", "professions.csv"))
    assert professions.table["profession"].tolist() == [GP, INF]
    assert professions.problems["ligne"].tolist() == [4]
    # « Total » in a libellé column beside empty codes, a workbook's last row (a review: a reserve on the figures
    # for a row of invalid codes); a name beside a code stays a row.
    described = read_od_table(write(tmp_path, "origine;nom_origine;destination;volume\n04094;Total;04094;1000\n"
                                              "04094;Ensemble;04070;500\n;Total;;1500\n", "described.csv"))
    assert described.table[["origine", "destination", "volume"]].values.tolist() == [
        ["04094", "04094", 1000.0], ["04094", "04070", 500.0]]
    assert described.problems[["ligne", "colonne", "probleme", "ecartee"]].values.tolist() == [
        [4, "nom_origine", "ligne de total « Total » écartée (ses recours sont ceux des lignes qu'elle additionne)",
         False]]


def test_codes_unknown_to_the_cog_are_left_out_old_codes_translated(tmp_path: Path) -> None:
    staged = read_od_table(write(tmp_path, "origine;destination;volume\n04070;04001;1\n99999;04001;2\n05043;05061;3\n"))
    filtered = filter_known_codes(staged, {"04070", "04001", "05061", "05039"})
    assert filtered.table["ligne"].tolist() == [2]
    assert filtered.problems[["ligne", "probleme", "ecartee"]].values.tolist() == [
        [3, "code origine 99999 absent du code officiel géographique : ligne écartée", True],
        [4, "code origine 05043 absent du code officiel géographique : ligne écartée", True]]
    # With the COG history (old code → current commune), Les Costes (05043) counts in Aubessagne (05039).
    mapping = {"04070": "04070", "04001": "04001", "05061": "05061", "05043": "05039"}
    translated = filter_known_codes(staged, mapping)
    assert translated.table[["origine", "destination", "ligne"]].values.tolist() == [
        ["04070", "04001", 2], ["05039", "05061", 4]]
    assert translated.problems[["ligne", "probleme", "ecartee"]].values.tolist() == [
        [3, "code origine 99999 absent du code officiel géographique : ligne écartée", True],
        [4, "code origine ancien 05043 rattaché à 05039", False]]


def test_communes_of_departements_not_loaded_are_said_so_not_unknown(tmp_path: Path) -> None:
    """A database loaded for the 04 only knows no commune of the Var: Quinson's consultations in Vinon-sur-Verdon
    (83150) are out of the load, not « absent du code officiel géographique », and leaving them out inflates the
    self-containment: the note says so (found by a review)."""
    staged = read_od_table(write(tmp_path, "origine;destination;volume\n04158;04158;10\n04158;83150;500\n"
                                           "04158;99999;2\n83150;04158;7\n83150;83001;1\n"))
    filtered = filter_known_codes(staged, {"04158"}, loaded=("04",))
    out = "hors des départements chargés dans la base (04, make data DEPARTEMENTS=…) : ligne écartée"
    assert filtered.problems[["ligne", "probleme"]].values.tolist() == [
        [3, f"code destination 83150 {out}"],
        [4, "code destination 99999 absent du code officiel géographique : ligne écartée"],
        [5, f"code origine 83150 {out}"],
        [6, f"code destination 83001 {out}"], [6, f"code origine 83150 {out}"]]
    # A row from a Var commune into the 04 is an inflow left out, not a leak: it does not inflate self-containment;
    # a row between two Var communes touches no loaded commune.
    assert problem_notes(filtered) == [
        "Table origine–destination : 1 ligne écartée (codes communes invalides ou inconnus) : ligne 4",
        "Table origine–destination : 1 ligne écartée (destinations hors des départements chargés dans la "
        "base : un recours sortant ainsi du territoire n'est pas compté comme fuite, l'auto-confinement est "
        "surestimé) : ligne 3",
        "Table origine–destination : 1 ligne écartée (origines hors des départements chargés dans la base : "
        "recours entrants non comptés (attraction et communes candidates sous-estimées)) : ligne 5",
        "Table origine–destination : 1 ligne écartée (origine et destination hors des départements chargés "
        "dans la base) : ligne 6"]
    # A national database (nothing loaded « for some départements ») keeps the COG's wording.
    assert filter_known_codes(staged, {"04158"}).problems["probleme"].tolist()[0].endswith(
        "absent du code officiel géographique : ligne écartée")


def test_single_bad_volume_names_file_and_line() -> None:
    path = ROBUSTNESS / "flux_volume_negatif.csv"
    with pytest.raises(DataError) as info:
        read_od_table(path)
    assert str(info.value) == ("Table origine–destination invalide : volume négatif ou non fini « -5 » "
                               f"(fichier {path}, ligne 3)")


def test_every_bad_volume_and_line_is_listed(tmp_path: Path) -> None:
    path = write(tmp_path, "origin;destination;volume\n"
                           "04070;04001;-1\n04070;04001;abc\n04070;04001\n04070;04001;inf\n04070;04001;NaN\n"
                           "04070;04001;2e9\n04070;04001;12\n")
    with pytest.raises(DataError) as info:
        read_od_table(path)
    assert info.value.line == 2
    assert info.value.message == (
        "Table origine–destination invalide :"
        "\n  - ligne 2 : volume négatif ou non fini « -1 »"
        "\n  - ligne 3 : volume non numérique « abc »"
        "\n  - ligne 4 : 2 champs au lieu de 3"
        "\n  - ligne 5 : volume négatif ou non fini « inf »"
        "\n  - ligne 6 : volume négatif ou non fini « NaN »"
        "\n  - ligne 7 : volume aberrant « 2e9 » (plus de 100 000 000 recours pour un couple de communes)")


def test_absurd_total_over_the_rows_of_one_pair(tmp_path: Path) -> None:
    path = write(tmp_path, "origine;destination;volume\n04070;04001;60000000\n04001;04070;1\n04070;04001;60000000\n")
    with pytest.raises(DataError) as info:
        read_od_table(path)
    assert (info.value.message, info.value.line) == (
        "Table origine–destination invalide : volume aberrant pour 04070 → 04001 : 120000000 recours (lignes 2, 4)", 2)


def test_header_encoding_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        read_od_table(write(tmp_path, "depart;destination;volume\n04070;04001;12\n"))
    assert (info.value.message, info.value.line) == (
        "Colonne(s) manquante(s) dans la table origine–destination : origine (en-tête lu : depart, destination, "
        "volume)", 1)
    latin = tmp_path / "latin.csv"  # an Excel export in Windows-1252 is read, its accents too
    latin.write_bytes("origin;destination;volume;groupe\n04070;04001;1;Médecins généralistes\n".encode("cp1252"))
    assert to_flow_table(read_od_table(latin)).values.tolist() == [["04070", "04001", GP, 1.0]]
    broken = tmp_path / "abime.csv"
    broken.write_bytes("origin;destination;volume;groupe\n04070;04001;1;médecins\n".encode()
                       + "04070;04001;1;médecins\n".encode("cp1252"))
    with pytest.raises(DataError) as info:
        read_od_table(broken)
    assert info.value.line == 3 and info.value.message.startswith("Le fichier n'est encodé ni en UTF-8")
    with pytest.raises(DataError) as info:
        read_od_table(write(tmp_path, "", "vide.csv"))
    assert (info.value.message, info.value.line) == (
        "Fichier vide : une ligne d'en-tête origine;destination;volume est attendue", 1)


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "od.csv"
    os.mkfifo(fifo)
    with pytest.raises(DataError, match="C'est un tube nommé"):
        read_od_table(fifo)


def test_empty_profession_is_counted_not_specified(tmp_path: Path) -> None:
    staged = read_od_table(write(tmp_path, "origine;destination;volume;profession\n"
                                           "04070;04001;3;\n04070;04001;4;kiné\n"))
    assert staged.table["profession"].tolist() == [GROUPE_NON_PRECISE, "Masseurs-kinésithérapeutes"]
    assert staged.problems["probleme"].tolist() == ["profession vide : comptée « non précisé »"]
    assert staged.table["volume"].dtype == "float64" and staged.table["ligne"].dtype == "int64"


def test_a_pair_added_up_is_said_before_the_codes_put_right(tmp_path: Path) -> None:
    """A review: twelve codes whose leading zero a spreadsheet lost (24 remarks) filled the ten notes, and the pair
    04001 → 04070 pasted again on line 15, its volume doubled, went unsaid. The pair comes first; the remarks
    beyond ten are counted with their lines."""
    rows = "".join(f"4070;{4001 + i};MG;10\n" for i in range(12))  # lines 2 to 13, two remarks each
    text = "origine;destination;profession;volume\n" + rows + "04001;04070;MG;100\n04001;04070;MG;100\n"
    staged = read_od_table(write(tmp_path, text))
    notes = problem_notes(staged)
    assert notes[0] == ("Table origine–destination, ligne 15 : couple 04001 → 04070 déjà donné ligne 14 : volumes "
                        "additionnés")
    assert len([n for n in notes if "zéro initial rétabli" in n]) == 10  # lines 2 to 6, origin and destination
    assert notes[-1] == "Table origine–destination : 14 autres remarques (lignes 7, 8, 9, 10, 11, 12, 13)"
    assert staged.table.groupby(["origine", "destination"])["volume"].sum()[("04001", "04070")] == 200


def test_title_lines_above_the_header_are_skipped_and_said(tmp_path: Path) -> None:
    """A spreadsheet's title above the header (a review: read as the header, « colonne sans nom d'en-tête ») is
    skipped with a note, as in the members file; the rows keep their lines in the file. A title above a header
    that names no column of the format is said to be one."""
    text = ("Recours aux MG 2023 - source SNDS;;;\n;;;\norigine;destination;profession;volume\n04070;04070;MG;100\n"
            "04001;04070;MG;10\n")
    staged = read_od_table(write(tmp_path, text))
    assert staged.table[["origine", "ligne"]].values.tolist() == [["04070", 4], ["04001", 5]]
    assert problem_notes(staged) == ["Table origine–destination, ligne 1 : ligne de titre au-dessus de l'en-tête, "
                                     "ignorée : « Recours aux MG 2023 - source SNDS »"]
    # Quoted, as a workbook's first row converted to CSV writes it: said without its quotes and empty cells.
    quoted = read_od_table(write(tmp_path, '"Recours aux MG 2023";"";"";""\norigine;destination;profession;volume\n'
                                           "04070;04070;MG;100\n", "quoted.csv"))
    assert problem_notes(quoted) == ["Table origine–destination, ligne 1 : ligne de titre au-dessus de l'en-tête, "
                                     "ignorée : « Recours aux MG 2023 »"]
    # The SNDS's words: the patient's commune, the practitioner's (« PS »), a number of acts (a review: refused).
    text = "Recours aux MG 2023;;;\nCommune de résidence;Commune du PS;Profession;Nb actes\n04070;04001;MG;100\n"
    snds = read_od_table(write(tmp_path, text, "snds.csv"))
    assert snds.table[["origine", "destination", "volume", "ligne"]].values.tolist() == [["04070", "04001", 100.0, 3]]
    text = "Recours aux MG 2023;;;\nLieu A;Lieu B;Profession;Quantité\n04070;04070;MG;100\n"
    with pytest.raises(DataError) as info:
        read_od_table(write(tmp_path, text, "other.csv"))
    assert (info.value.message, info.value.line) == (
        "En-tête introuvable : la ligne 1 « Recours aux MG 2023 » est un titre, et aucune des lignes suivantes ne "
        "nomme les colonnes origine, destination et volume", 1)


def test_volumes_grouped_by_one_mark_with_the_other_as_decimal_are_read(tmp_path: Path) -> None:
    """« 1.234,5 » (French) and « 1,234.5 » (English) were refused as « non numérique »; « 1_000 » and Arabic-Indic
    digits, which Python's ``float`` reads, passed without a word (a review). No export writes the latter two."""
    text = ("origine;destination;volume\n04070;04070;1.234,5\n04070;04001;1,234.5\n04001;04070;1.234.567,25\n"
            "04001;04001;12,5\n")
    volumes = read_od_table(write(tmp_path, text)).table["volume"].tolist()
    assert volumes == [1234.5, 1234.5, 1234567.25, 12.5]
    for bad in ("1_000", "\u0661\u0662\u0663", "1.2.3", "1,2,3"):
        with pytest.raises(DataError) as info:
            read_od_table(write(tmp_path, f"origine;destination;volume\n04070;04070;{bad}\n", "bad.csv"))
        assert info.value.message == f"Table origine–destination invalide : volume non numérique « {bad} »", bad


@pytest.mark.parametrize("header", ["Commune d'origine;Commune de destination;Nombre de recours",
                                    "Code commune origine;Code commune destination;Volume de consultations",
                                    "Origine;Destination;Nombre de recours;Profession du praticien",
                                    "Commune de résidence;Commune d'exercice;Nombre d'actes",
                                    "Code commune du patient;Code commune du praticien;Nb actes",
                                    # The profession by its label, its specialty, its category (a review: ignored,
                                    # every row read as a GP's); « Spécialité du PS » is no destination.
                                    "Commune de résidence;Commune du PS;Nombre d'actes;Spécialité du PS",
                                    "origine;destination;volume;Libellé profession",
                                    "origine;destination;volume;Catégorie de professionnel",
                                    # The SNDS's nature of the activity, and the commune of the activity.
                                    "Commune de résidence;Commune d'activité;Nombre d'actes;Nature d'activité"])
def test_french_headers_are_read_by_their_words(tmp_path: Path, header: str) -> None:
    """A review: « Commune d'origine;Commune de destination;Nombre de recours » was refused « Colonne(s)
    manquante(s) ». Two rows, 04070 → 04001 (12) and 04001 → 04070 (3), of GPs where a profession is given."""
    extra = ";MG" if header.count(";") == 3 else ""
    staged = read_od_table(write(tmp_path, f"{header}\n04070;04001;12{extra}\n04001;04070;3{extra}\n"))
    table = to_flow_table(staged)
    assert table[["origin", "destination", "volume"]].values.tolist() == [["04001", "04070", 3.0],
                                                                          ["04070", "04001", 12.0]]
    assert set(table["groupe"]) == ({GP} if extra else {GROUPE_NON_PRECISE})


@pytest.mark.parametrize(("header", "first", "second"), [
    ("code_origine;nom_origine;code_destination;nom_destination;volume",
     "04070;Digne-les-Bains;04001;Aiglun;12", "04001;Aiglun;04070;Digne-les-Bains;3"),
    ("Commune d'origine;Libellé commune origine;Département origine;Commune de destination;Nombre de recours",
     "04070;Digne-les-Bains;04;04001;12", "04001;Aiglun;04;04070;3"),
    ("origine;destination;volume;volume_annee_precedente;Type de recours",
     "04070;04001;12;999;MG", "04001;04070;3;999;MG"),
])
def test_names_and_descriptions_beside_the_columns_are_not_read_as_them(tmp_path: Path, header: str, first: str,
                                                                      second: str) -> None:
    """A code review: with headers read by their words, the common code + libellé layout was refused
    (« code_origine » et « nom_origine » désignent toutes deux la commune d'origine). Rows 04070 → 04001 (12)
    and 04001 → 04070 (3); the other columns are names, départements, last year's volume, a type."""
    table = to_flow_table(read_od_table(write(tmp_path, f"{header}\n{first}\n{second}\n")))
    assert table[["origin", "destination", "volume"]].values.tolist() == [["04001", "04070", 3.0],
                                                                          ["04070", "04001", 12.0]]


@pytest.mark.parametrize("label", ["Libellé profession", "Profession", "Spécialité"])
def test_a_profession_code_beside_its_label_gives_way_to_the_label(tmp_path: Path, label: str) -> None:
    """« Code profession ; Libellé profession »: the codes name no profession the flows read, the label does (a
    review: « Code profession ; Profession » was refused as two profession columns)."""
    staged = read_od_table(write(tmp_path, f"origine;destination;Code profession;{label};volume\n"
                                           "04070;04001;01;Médecins généralistes;12\n04001;04070;24;Infirmiers;3\n"))
    assert to_flow_table(staged).values.tolist() == [["04001", "04070", INF, 3.0], ["04070", "04001", GP, 12.0]]


@pytest.mark.parametrize(("header", "refused"), [
    # Two headers read as the volume: which to use cannot be known.
    ("origine;destination;volume;Nombre de recours", "« volume » et « Nombre de recours » désignent toutes deux"),
    # A header naming both ends, and a place of consultation: none is read, the columns are missing.
    ("Origine destination;Commune de recours;volume", "Colonne(s) manquante(s)"),
])
def test_ambiguous_french_headers_are_refused(tmp_path: Path, header: str, refused: str) -> None:
    with pytest.raises(DataError) as caught:
        read_od_table(write(tmp_path, f"{header}\n04070;04001;12;5\n"))
    assert refused in str(caught.value)


def test_paris_postal_codes_are_left_out_with_both_readings(tmp_path: Path) -> None:
    """75020 is Paris 20e's postal code and Châtillon's code before 1968 (92020 today, the COG's passage table)."""
    staged = filter_known_codes(read_od_table(write(tmp_path, "origine;destination;volume\n75120;75020;5\n")),
                                {"75120": "75120", "75020": "92020"})
    assert staged.table.empty
    assert staged.problems["probleme"].tolist() == [
        "code destination 75020 : code postal de Paris 20e (code INSEE 75120) ou code d'une commune de la Seine "
        "avant 1968 ? ligne écartée (donnez le code INSEE)"]
    assert problem_notes(staged) == [
        "Table origine–destination : 1 ligne écartée (codes 75001 à 75020 : codes postaux de Paris ou codes de "
        "communes de la Seine avant 1968 ; donnez les codes INSEE des arrondissements, 75101 à 75120) : ligne 2"]
