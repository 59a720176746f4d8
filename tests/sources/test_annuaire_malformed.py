"""Malformed Annuaire Santé files: a French DataError naming the file and the line, never a silent shift."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from pipeline.errors import DataError
from pipeline.sources import annuaire
from tests.sources.annuaire_files import activity, activity_file
from tests.sources.registry_units import cog_mapping, units

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rpps"
ACTIVITE = FIXTURES / "PS_LibreAcces_Personne_activite_202501150800.txt"
NAME = ACTIVITE.name


def stage(path: Path) -> annuaire.StagedAnnuaire:
    return annuaire.stage_annuaire(path, units=units(), cog_mapping=cog_mapping())


def fails(path: Path) -> DataError:
    with pytest.raises(DataError) as err:
        stage(path)
    return err.value


def lines() -> list[str]:
    return ACTIVITE.read_text(encoding="utf-8").splitlines()


def test_missing_columns_all_listed(tmp_path: Path) -> None:
    header = lines()[0].split("|")
    drop = {header.index("Code profession"), header.index("Code commune (coord. structure)")}
    path = tmp_path / NAME
    path.write_text("\n".join("|".join(v for i, v in enumerate(x.split("|")) if i not in drop) for x in lines()) + "\n",
                    encoding="utf-8")
    error = fails(path)
    assert (error.path, error.line) == (str(path), 1)
    assert error.message == (
        "Colonnes obligatoires absentes du fichier des activités : « Code profession », "
        "« Code commune (coord. structure) »"
    )


def test_a_file_encoded_twice_is_named_as_such(tmp_path: Path) -> None:
    """A review: UTF-8 read as Latin-1 and saved as UTF-8 again (« Code secteur d'activitÃ© ») was refused as if
    its columns were absent."""
    path = tmp_path / NAME
    path.write_bytes(ACTIVITE.read_text(encoding="utf-8").encode("utf-8").decode("latin-1").encode("utf-8"))
    error = fails(path)
    assert (error.path, error.line) == (str(path), 1)
    assert error.message.startswith("En-tête du fichier des activités encodé deux fois (« ")
    assert error.message.endswith(" ») : le fichier UTF-8 a été relu comme du Latin-1 puis réenregistré ; reprenez "
                                  "le fichier publié")


@pytest.mark.parametrize("letter", list("éèêàâçôîïûùëÉÈÊËÎÏÔÖÙÛÜÀÂÇŒœ"))
@pytest.mark.parametrize("through", ["latin-1", "cp1252"])
def test_every_french_letter_encoded_twice_is_recognised(letter: str, through: str) -> None:
    """A third review: « ÃŽ » (Î), « ÃŠ » (Ê) through Windows-1252 were not recognised."""
    from pipeline.sources.files import ENCODED_TWICE

    twice = letter.encode("utf-8").decode(through, errors="replace")
    assert ENCODED_TWICE.search(f"CENTRE DE L'{twice}LE") is not None
    assert ENCODED_TWICE.search(f"CENTRE DE L'{letter}LE") is None


@pytest.mark.parametrize("end", ["", "\n", "\r\n"])
def test_a_header_alone_has_no_data_line_with_or_without_its_end_of_line(tmp_path: Path, end: str) -> None:
    """A review: the header alone without its end of line gave Arrow's « Could not skip initial 1 rows »."""
    path = tmp_path / NAME
    path.write_text(lines()[0] + end, encoding="utf-8")
    error = fails(path)
    assert (error.message, error.line) == ("Le fichier ne contient aucune ligne de données après l'en-tête", 2)


def test_every_field_in_quotes_is_named_as_such(tmp_path: Path) -> None:
    """A re-export that quoted every field: the columns are there, in quotes; « absentes » would mislead."""
    path = tmp_path / NAME
    path.write_text("\n".join("|".join(f'"{v}"' for v in x.split("|")) for x in lines()) + "\n", encoding="utf-8")
    error = fails(path)
    assert (error.path, error.line) == (str(path), 1)
    assert error.message == (
        'Colonnes du fichier des activités entre guillemets (en-tête lu : « "Type d\'identifiant PP" »…) : '
        "l'extraction de l'Annuaire Santé s'écrit sans guillemets ; reprenez le fichier publié ou réexportez-le "
        "sans guillemets")


def test_wrong_separator(tmp_path: Path) -> None:
    path = tmp_path / NAME
    path.write_text("\n".join(x.replace("|", ";") for x in lines()) + "\n", encoding="utf-8")
    error = fails(path)
    assert error.line == 1 and "le séparateur attendu est « | »" in error.message


def test_latin1_row_reports_its_line(tmp_path: Path) -> None:
    text = lines()
    path = tmp_path / NAME
    body = "\n".join(text[:3]).encode() + b"\n" + text[3].encode("latin-1") + b"\n" + "\n".join(text[4:]).encode()
    path.write_bytes(body + b"\n")
    error = fails(path)
    # Line 4 is the pédiatre, whose « Médecin » / « Pédiatrie » carry accents.
    assert error.line == 4 and error.message.startswith("Le fichier n'est pas encodé en UTF-8")


def test_invalid_bytes_in_a_column_not_used_are_named_too(tmp_path: Path) -> None:
    text = lines()
    text[4] = text[4].replace("FICTIF", "FICTIF\udcff")  # a lone 0xFF byte in « Nom d'exercice », line 5
    path = tmp_path / NAME
    path.write_bytes("\n".join(text).encode("utf-8", "surrogateescape") + b"\n")
    assert fails(path).line == 5


def test_latin1_file_fails_on_header(tmp_path: Path) -> None:
    path = tmp_path / NAME
    path.write_bytes(ACTIVITE.read_text(encoding="utf-8").encode("latin-1"))
    assert fails(path).line == 1


def test_truncated_line(tmp_path: Path) -> None:
    text = lines()
    path = tmp_path / NAME
    path.write_text("\n".join(text[:-1]) + "\n" + text[-1][:40], encoding="utf-8")
    error = fails(path)
    fields = text[-1][:40].count("|") + 1
    assert error.line == 15
    assert error.message.startswith(f"Nombre de champs incorrect : 57 attendus d'après l'en-tête, {fields} trouvés")


def test_separator_inside_a_value_is_never_a_silent_shift(tmp_path: Path) -> None:
    text = lines()
    text[2] = text[2].replace("|FICTIF|", "|FIC|TIF|")  # line 3
    text[6] = text[6].replace("|FICTIF|", "|FIC|TIF|")  # line 7
    path = tmp_path / NAME
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    error = fails(path)
    assert error.line == 3
    assert "57 attendus d'après l'en-tête, 58 trouvés (2 lignes dans ce cas)" in error.message


def test_2021_header_with_rows_of_the_current_layout(tmp_path: Path) -> None:
    # The header says 52 columns (+ the trailing field), the rows carry 56: refused at the first row.
    text = lines()
    text[0] = "|".join(annuaire.COLONNES_ACTIVITE_2021) + "|"
    path = tmp_path / NAME
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    error = fails(path)
    assert error.line == 2 and "53 attendus d'après l'en-tête, 57 trouvés" in error.message


def test_carriage_return_alone_inside_a_value(tmp_path: Path) -> None:
    text = lines()
    text[5] = text[5].replace("|FICTIF|", "|FIC\rTIF|")  # line 6
    path = tmp_path / NAME
    path.write_bytes(("\n".join(text) + "\n").encode())
    error = fails(path)
    assert error.line == 6 and error.message.startswith("Retour chariot isolé")


def test_blank_lines_are_skipped_and_lines_keep_their_numbers(tmp_path: Path) -> None:
    text = lines()
    path = tmp_path / NAME
    path.write_text("\n".join([*text[:3], "", *text[3:], "", ""]) + "\n", encoding="utf-8")
    frame = stage(path).activites
    assert len(frame) == 14
    # The pédiatre was on line 4; after the blank line 4 it is on line 5.
    assert frame.loc[frame["rpps"] == "810000000002", "ligne"].tolist() == [5]
    assert frame["ligne"].tolist() == [2, 3, *range(5, 17)]


def test_windows_line_endings_and_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / NAME
    path.write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(lines()) + "\r\n").encode())
    staged = stage(path)
    assert staged.rows == 14 and staged.activites["commune"].notna().sum() == 12


def test_empty_identifier_names_its_line(tmp_path: Path) -> None:
    path = activity_file(tmp_path, [activity("1", "60", "01001"), activity("", "60", "01001")])
    error = fails(path)
    assert (error.line, error.message) == (3, "« Identification nationale PP » vide")


def test_duplicated_column(tmp_path: Path) -> None:
    columns = (*annuaire.COLONNES_ACTIVITE, "Code profession")
    error = fails(activity_file(tmp_path, [activity("1", "60", "01001")], columns))
    assert error.line == 1 and error.message == "Colonne « Code profession » présente 2 fois dans l'en-tête"


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / NAME
    path.write_bytes(b"")
    error = fails(path)
    assert error.line == 1 and "vide" in error.message


@pytest.mark.parametrize(("content", "kind"), [
    (b"\x7fELF\x02\x01\x01\x00\x00\x00\n", "un fichier binaire (octet nul)"),  # a program given by mistake
    (b"%PDF-1.7\n", "un document PDF"),
])
def test_a_binary_file_is_named_for_what_it_is(tmp_path: Path, content: bytes, kind: str) -> None:
    # Not « enregistré en Latin-1/Windows-1252 ? » (a review).
    path = tmp_path / NAME
    path.write_bytes(content + b"more bytes\n")
    error = fails(path)
    assert (error.line, error.message) == (1, f"Ce fichier est {kind}, pas une extraction texte de l'Annuaire Santé "
                                              "(PS_LibreAcces_Personne_activite_….txt, ou l'archive .zip publiée)")


@pytest.mark.parametrize("content", [b"\n\n<title>Maintenance</title>\n<p>Revenez plus tard</p>\n",
                                     b"<!DOCTYPE html>\n<html><body>Erreur 500</body></html>\n"])
def test_a_web_page_saved_in_place_of_the_extraction_is_named_so(tmp_path: Path, content: bytes) -> None:
    # A review: a maintenance page starting with a blank line read as « Le fichier est vide ».
    path = tmp_path / NAME
    path.write_bytes(content)
    error = fails(path)
    assert (error.line, error.message) == (1, "Ce fichier est une page web (HTML), pas une extraction texte de "
                                              "l'Annuaire Santé : la page a été enregistrée au lieu du fichier ; "
                                              "téléchargez à nouveau l'extraction")


def test_a_blank_first_line_is_not_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / NAME
    path.write_text("\n" + "\n".join(lines()) + "\n", encoding="utf-8")
    error = fails(path)
    assert (error.line, error.message) == (1, "La première ligne est vide : la ligne d'en-tête est attendue en "
                                              "première ligne")


def test_a_utf16_extraction_is_named_so(tmp_path: Path) -> None:
    path = tmp_path / NAME
    path.write_bytes("\ufeffType d'identifiant PP|Identifiant PP|\n".encode("utf-16-le"))
    error = fails(path)
    assert (error.line, error.message) == (1, "Le fichier est encodé en UTF-16 (« Texte Unicode ») : "
                                              "réenregistrez-le en UTF-8")


def test_header_only(tmp_path: Path) -> None:
    path = tmp_path / NAME
    path.write_text(lines()[0] + "\n", encoding="utf-8")
    error = fails(path)
    assert error.line == 2 and "aucune ligne de données" in error.message


def test_truncated_zip(tmp_path: Path) -> None:
    archive = tmp_path / "PS_LibreAcces_202501150800.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.write(ACTIVITE, ACTIVITE.name)
    data = archive.read_bytes()
    archive.write_bytes(data[: data.index(b"|810000000005|")])  # inside line 7
    error = fails(archive)
    assert (error.path, error.line) == (str(archive), 7)
    assert "tronquée" in error.message
