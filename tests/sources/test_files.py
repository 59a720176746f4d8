"""Shared file helpers: regular-file check, encodings, delimiter, checked CSV reading."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import DataError
from pipeline.sources.delimited import read_csv_checked, sniff_delimiter
from pipeline.sources.files import check_regular_file, decode_text, read_text_checked

# --------------------------------------------------------------------------- what a path names


def test_fifo_is_named_and_never_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "tube.csv"
    os.mkfifo(fifo)
    start = time.monotonic()
    with pytest.raises(DataError) as info:
        read_csv_checked(fifo, ["code"])
    assert time.monotonic() - start < 5  # opening a FIFO without a writer would block for ever
    assert info.value.message == (
        "C'est un tube nommé (FIFO), pas un fichier ordinaire : il n'est pas lu (sa lecture pourrait bloquer)")
    assert info.value.path == str(fifo)


def test_character_device_is_refused_before_any_read() -> None:
    with pytest.raises(DataError) as info:
        read_text_checked("/dev/zero")
    assert info.value.message == (
        "C'est un périphérique en mode caractère (comme /dev/zero), pas un fichier ordinaire : il n'est pas lu")


def test_directory_missing_file_broken_link_and_bad_component(tmp_path: Path) -> None:
    (tmp_path / "dossier").mkdir()
    (tmp_path / "lien.csv").symlink_to(tmp_path / "parti.csv")
    (tmp_path / "f.csv").write_text("a\n", encoding="utf-8")
    (tmp_path / "boucle.csv").symlink_to(tmp_path / "boucle.csv")  # a review: the C library's English words
    cases = {
        tmp_path / "boucle.csv": "Chemin inutilisable : trop de liens symboliques en chaîne",
        tmp_path / "dossier": "C'est un dossier, pas un fichier",
        tmp_path / "absent.csv": "Fichier introuvable",
        tmp_path / "lien.csv": f"Lien symbolique cassé : sa cible « {tmp_path / 'parti.csv'} » n'existe pas",
        tmp_path / "f.csv" / "x.csv": "Chemin invalide : un élément du chemin n'est pas un dossier",
    }
    for path, message in cases.items():
        with pytest.raises(DataError) as info:
            check_regular_file(path)
        assert (info.value.message, info.value.path) == (message, str(path))


def test_context_is_appended_and_a_link_to_a_file_is_accepted(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        check_regular_file(tmp_path / "od.csv", "option --flux")
    assert str(info.value) == f"Fichier introuvable (option --flux) (fichier {tmp_path / 'od.csv'})"
    target = tmp_path / "vrai.csv"
    target.write_text("a\n", encoding="utf-8")
    (tmp_path / "lien.csv").symlink_to(target)
    assert check_regular_file(tmp_path / "lien.csv") == tmp_path / "lien.csv"


# --------------------------------------------------------------------------- encodings


def test_an_excel_export_in_windows_1252_is_read() -> None:
    """Excel's « CSV (séparateur : point-virgule) » on Windows writes Windows-1252: refused before, a CPTS's first
    export; its accents, « € », « œ » and typographic quotes read as written."""
    text = "code;nom\n04070;Digne-les-Bains\n04001;Aiglun é\n05061;« Gap » œ € ’\n04019;« SANTÉ\u00a0» ÉÉ\n"
    decoded = decode_text(text.encode("cp1252"), "x.csv")  # « É » and a no-break space: C9 A0, no UTF-8 of French
    assert (decoded.text, decoded.encoding) == (text, "cp1252")


@pytest.mark.parametrize(("text", "encoding"), [
    ("code;nom\n83001;CPTS Cœur du Var\n04070;Sœur Ève\n", "iso8859_15"),  # « œ » is ½ in Windows-1252
    ("code;nom\n04001;Œuvre\n04070;12 € l'an\n", "iso8859_15"),  # « Œ » starting a word, « € » after a number
    ("code;nom\n94038;L'HAŸ-LES-ROSES\n04001;CPTS ŒUVRES DE BLEONE\n", "iso8859_15"),  # capitals
    ("code;nom\n04001;prix 12\u00a0€\n", "iso8859_15"),  # « € » after a no-break space
    ("code;nom\n04070;Gérard Mémé à Digne\n04001;« Aiglun »\n", "mac_roman"),  # « é » is Ž in Windows-1252
    ("cpts;code\nCPTS CÔTE BLEUE Sénas;13001\n", "mac_roman"),  # « Ô » is ï in Windows-1252
    ("cpts;code\nCPTS du Cœur du Pays d'Aix;13001\nCPTS Éguilles;13032\n", "mac_roman"),  # « œ » Ï, « É » ƒ
    ("code;cpts\n04001;CPTS «Alpes Bléone Durance»\n04006;CPTS «Sisteronais-Buëch»\n", "mac_roman"),  # « » Ç È
    ("code;nom\n94038;L'HAŸ-LES-ROSES\n", "mac_roman"),  # « Ÿ » is Ù in Windows-1252, only French in « OÙ »
    ("code;nom\n04001;Œuvre\n", "mac_roman"),  # « Œ » is Î, never before a vowel in French
    ("code;nom\n04001;CPTS OÙ SOIGNER\n", "mac_roman"),  # « Ù » is ô, never after « o » in French (a re-check)
])
def test_latin9_and_old_macintosh_text_is_not_read_as_windows_1252(text: str, encoding: str) -> None:
    """A review: ISO-8859-15 read as Windows-1252 turned « Cœur » into « C½ur », the old Macintosh encoding
    « Gérard » into « GŽrard »."""
    decoded = decode_text(text.encode(encoding), "x.csv")
    assert (decoded.text, decoded.encoding) == (text, encoding)
    # Windows-1252 text holding the same characters stays Windows-1252 (its « œ » and « € » are 9C and 80).
    assert decode_text(text.encode("cp1252"), "x.csv").encoding == "cp1252"
    # A genuine « ½ » or « ¤ » beside spaces is no ISO-8859-15 sign, nor an acute accent for an apostrophe (a
    # review: « L´Escale » read « LŽEscale »).
    for genuine in ("nom\nun ½ litre ; ¤ seul\n", "nom\nCPTS de L´Escale et Volonne\n", "nom\nNoël, 2½ km\n",
                    "nom\nCPTS du Pays d‘Aix\nCPTS Alpes etc…\n", "nom\nFRANÇAIS ; L'Île-Rousse\n",  # ‘ read ë
                    "nom\nOù ? OÙ ; maître ; Côte ; CÔTE ; côté\n"):
        assert decode_text(genuine.encode("cp1252")).text == genuine


def test_a_geojson_is_told_to_be_saved_in_utf8_not_as_a_csv() -> None:
    """A review: a UTF-16 GeoJSON perimeter was told « réenregistrez-le en « CSV UTF-8 » »."""
    with pytest.raises(DataError) as info:
        decode_text('{"type": "FeatureCollection"}'.encode("utf-16"), "perimetre.geojson")
    assert info.value.message == "Le fichier est encodé en UTF-16 ; réenregistrez-le en UTF-8"
    with pytest.raises(DataError) as info:
        decode_text(b'{"nom": "Digne\xe9"}\n{"nom": "Dign\xc3\xa9"}', "perimetre.json")
    assert info.value.message.startswith("Le fichier n'est encodé ni en UTF-8 ni en Windows-1252 (UTF-8 abîmé, ou un "
                                         "autre encodage) ; réenregistrez-le en UTF-8 :")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_its_byte_order_mark_is_named(encoding: str) -> None:
    with pytest.raises(DataError) as info:
        decode_text("code;nom\n04070;Digne\n".encode(encoding), "x.csv")
    assert info.value.message.startswith("Le fichier est encodé en UTF-16")


def test_utf8_with_stray_bytes_lists_every_bad_line_first_one_as_error_line() -> None:
    # UTF-8 « é » on line 2 and Windows-1252 ones on lines 4 and 5: read as Windows-1252, line 2 would read « Ã© ».
    data = "code;nom\n04070;Digné\n".encode() + "04001;Aiglun\n05061;Gap é\n84003;Apt é\n".encode("cp1252")
    with pytest.raises(DataError) as info:
        decode_text(data, "x.csv")
    assert info.value.line == 4
    assert info.value.message == (
        "Le fichier n'est encodé ni en UTF-8 ni en Windows-1252 (UTF-8 abîmé, ou un autre encodage) ; réenregistrez-le "
        "en « CSV UTF-8 » :"
        "\n  - ligne 4 : octet 0xe9 invalide en UTF-8 (colonne 11)"
        "\n  - ligne 5 : octet 0xe9 invalide en UTF-8 (colonne 11)")
    # Bytes Windows-1252 leaves undefined (0x81) are no Windows-1252 either.
    with pytest.raises(DataError) as info:
        decode_text(b"code;nom\n04070;Digne\x81\n", "x.csv")
    assert info.value.line == 2


def test_bom_is_dropped_and_documented_fallback_is_used() -> None:
    assert decode_text("\ufeffcode\n".encode()).text == "code\n"
    latin = decode_text("libellé\n".encode("latin-1"), fallback="iso-8859-1")
    assert (latin.text, latin.encoding) == ("libellé\n", "iso-8859-1")
    assert decode_text("libellé\n".encode(), fallback="iso-8859-1").encoding == "utf-8"


@pytest.mark.parametrize(("data", "message"), [
    ("code\n".encode("utf-16"), "Le fichier est encodé en UTF-16 (export « Texte Unicode » d'Excel ?) ; "
                                "réenregistrez-le en « CSV UTF-8 »"),
    (b"PK\x03\x04\x14\x00\x06\x00", "Ce fichier est un classeur Excel (.xlsx/.ods) ou une archive zip, pas un "
                                    "fichier texte : enregistrez-le en « CSV UTF-8 »"),
    (b"code\n04070\n\x00\x00", "Fichier binaire : octet nul (0x00) rencontré ; un fichier texte est attendu"),
])
def test_binary_and_utf16_files_are_named(data: bytes, message: str) -> None:
    with pytest.raises(DataError) as info:
        decode_text(data, "x.csv")
    assert info.value.message == message


def _zipped(**members: bytes) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name.replace("__", "/"), content)
    return buffer.getvalue()


@pytest.mark.parametrize(("members", "kind"), [
    ({"word__document.xml": b"<w/>", "_rels__.rels": b""}, "un document Word (.docx)"),
    ({"xl__workbook.xml": b"<w/>"}, "un classeur Excel (.xlsx)"),
    ({"xl__workbook.bin": b"\x00"}, "un classeur Excel binaire (.xlsb)"),
    ({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<c/>"},
     "un classeur OpenDocument (.ods)"),
    ({"perimetre.shp": b"\x00", "perimetre.dbf": b"\x00"}, "une archive zip"),
])
def test_a_zip_is_named_by_what_it_holds(members: dict[str, bytes], kind: str) -> None:
    with pytest.raises(DataError) as info:
        decode_text(_zipped(**members), "x.csv")
    assert info.value.message == f"Ce fichier est {kind}, pas un fichier texte : enregistrez-le en « CSV UTF-8 »"


# --------------------------------------------------------------------------- delimiters and CSV


def test_sniff_delimiter() -> None:
    assert sniff_delimiter("origine;destination;volume") == ";"
    assert sniff_delimiter("cpts,code_insee,statut") == ","
    assert sniff_delimiter("a\tb|c\td") == "\t"
    assert sniff_delimiter('"Nom, prénom";profession') == ";"  # a quoted comma separates nothing
    assert sniff_delimiter("a;b,c") == ";"  # a tie goes to « ; »
    assert sniff_delimiter("profession") == ","


def test_codes_keep_leading_zeros_and_lines_are_physical(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b'\xef\xbb\xbfsep=;\r\ncode ; nom\r\n04070 ;"Digne-les-\r\nBains"\r\n\r\n2A004;\r\n')
    frame = read_csv_checked(path, ["code"], line_column="ligne")
    assert frame["code"].tolist() == ["04070", "2A004"]
    assert frame["nom"].tolist()[0] == "Digne-les-\nBains"  # line ends are read as one, « \n »
    assert pd.isna(frame["nom"].iloc[1])  # an empty cell is missing, never ""
    assert frame["ligne"].tolist() == [3, 6]  # « sep=; » is line 1, the header line 2, the quoted value spans 3-4


@pytest.mark.parametrize(("text", "line", "spans"), [
    # A lone quote in a comment cell: the rows after it vanished into one field (a re-check: 8 communes read as 7).
    ("code;nom;commentaire\n04070;Digne;ok\n04001;Aiglun;\"\n04004;Allemagne;ok\n", 3, "toute la suite du fichier"),
    ("code;nom;commentaire\n04070;Digne;\"\n04001;Aiglun;ok\n04004;Allemagne;\"fin\n04019;B;ok\n", 2,
     "les 2 lignes suivantes"),
    ("code\n04070\n\"\n04001\n", 3, "toute la suite du fichier"),  # one column: no separator to see
])
def test_a_quote_left_open_is_refused_naming_its_line(tmp_path: Path, text: str, line: int, spans: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_csv_checked(path, ["code"])
    assert (info.value.message, info.value.line) == (
        f"Guillemet « \" » non refermé : le champ qu'il ouvre s'étend sur {spans} ; doublez-le (« \"\" ») ou "
        "retirez-le", line)


def test_a_value_written_on_two_lines_is_read(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('code;nom\n04070;"Digne-les-\nBains"\n04001;"Aiglun ""le haut"""\n', encoding="utf-8")
    assert read_csv_checked(path, ["code"])["nom"].tolist() == ["Digne-les-\nBains", 'Aiglun "le haut"']


@pytest.mark.parametrize("end", ["\r", "\r\n", "\n"])
def test_every_line_end_is_read_as_one(tmp_path: Path, end: str) -> None:
    """A review: a file ended by « \\r » alone (old Macintosh, some exports) was one line for the readers of user
    files, and stopped them with an unexpected error (exit 1) where the editor's import read it."""
    path = tmp_path / "t.csv"
    path.write_bytes(end.join(["sep=;", "code;nom", "04070;Digne-les-Bains", "", "2A004;Ajaccio", ""]).encode())
    frame = read_csv_checked(path, ["code"], line_column="ligne")
    assert frame["code"].tolist() == ["04070", "2A004"]
    assert frame["nom"].tolist() == ["Digne-les-Bains", "Ajaccio"]
    assert frame["ligne"].tolist() == [3, 5]
    assert decode_text(end.join(["a", "b", ""]).encode()).text == "a\nb\n"
    # The errors of such a file name its lines as the readers count them (a code review: « ligne 1 » for 2).
    with pytest.raises(DataError) as info:
        decode_text(end.join(["a", "b\x00c", ""]).encode())
    assert info.value.line == 2
    with pytest.raises(DataError) as info:
        decode_text(end.encode().join([b"a", b"b", b"\x81c", b"d\x8d", b""]))  # not Windows-1252 either
    assert info.value.line == 3 and "ligne 4 : octet 0x8d invalide en UTF-8 (colonne 2)" in str(info.value)


def test_every_malformed_line_is_listed(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n3\n4,5,6\n7,8\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_csv_checked(path, ["a"])
    assert info.value.line == 3
    assert info.value.message == ("Lignes mal formées (nombre de champs) :\n  - ligne 3 : 1 champ au lieu de 2"
                                  "\n  - ligne 4 : 3 champs au lieu de 2")


def test_missing_duplicated_columns_and_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("code;nom\n04070;Digne\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_csv_checked(path, ["code"], sep=",")
    assert (info.value.message, info.value.line) == (
        "Colonnes absentes : code (une seule colonne lue : le séparateur attendu est « , »)", 1)
    path.write_text("code,code\n1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="Colonnes en double dans l'en-tête : code"):
        read_csv_checked(path, [])
    path.write_text("\n\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_csv_checked(path, [])
    assert (info.value.message, info.value.line) == ("Fichier vide", 1)


def test_a_file_too_big_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "gros.csv"
    with open(path, "wb") as handle:
        handle.truncate(3_000_000)  # sparse: nothing is written, nothing would be read
    with pytest.raises(DataError) as info:
        read_text_checked(path, max_bytes=1_000_000)
    assert info.value.message == "Fichier trop gros (3 Mo, au plus 1 Mo attendus)"


def test_a_title_line_above_the_header_is_named(tmp_path: Path) -> None:
    """A spreadsheet export with a title first: every row has « too many » fields; the message says why."""
    path = tmp_path / "territoire.csv"
    path.write_text("Liste des communes de la CPTS\ncode_insee,nom\n04070,Digne\n04001,Aiglun\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_csv_checked(path, [])
    assert info.value.line == 2
    assert info.value.message.endswith(
        "La première ligne (« Liste des communes de la CPTS ») a été lue comme l'en-tête : si c'est un titre, "
        "supprimez-la pour que l'en-tête soit la première ligne")
    # A file whose header is right and one row is short gets no such hint.
    path.write_text("code_insee,nom\n04070,Digne\n04001\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_csv_checked(path, [])
    assert "première ligne" not in info.value.message


@pytest.mark.parametrize(("text", "titles", "first_line"), [
    ("Liste des communes de la CPTS;;\ncode_insee;nom;population\n04070;Digne;17979\n", [(1, "Liste des communes de "
     "la CPTS")], 3),
    ("sep=;\nCPTS du Verdon, 2026\n\n;;\ncode_insee;nom\n04070;Digne\n", [(2, "CPTS du Verdon, 2026"), (3, ""),
                                                                         (4, "")], 6),
    ("Liste\ncode_insee\n04070\n", [(1, "Liste")], 3),  # one column, the title too
    ("code_insee;nom\n04070;Digne\n", [], 2),  # the header first: nothing skipped
    ("04070;Digne\ncode_insee;nom\n04070;Digne\n", None, None),  # two cells above: data, not a title
])
def test_title_lines_above_a_known_header_are_skipped_and_counted(
        tmp_path: Path, text: str, titles: list[tuple[int, str]] | None, first_line: int | None) -> None:
    """Spreadsheet exports put a title above the header; with a header the reader knows, the lines above it,
    each at most one cell, are skipped and named, the rows keeping the lines of the file."""
    path = tmp_path / "territoire.csv"
    path.write_text(text, encoding="utf-8")
    found: list[tuple[int, str]] = []
    frame = read_csv_checked(path, [], line_column="ligne", is_header=lambda cells: "code_insee" in cells,
                             titles=found)
    if titles is None:
        assert found == [] and list(frame.columns)[:2] == ["04070", "Digne"]
        return
    assert found == titles
    assert frame["code_insee"].tolist() == ["04070"]
    assert frame["ligne"].tolist() == [first_line]
