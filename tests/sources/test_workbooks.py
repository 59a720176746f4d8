"""Excel workbooks given where a CSV file is read: a listing, ``ADHERENTS=``, ``FLUX=``, ``TERRITORY=fichier:``.

An ARS keeps its listing in a workbook; each is read as the same table saved as « CSV UTF-8 » would be, line
numbers being the sheet's rows. Expected values are the cells written by the test itself.
"""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipeline.errors import DataError
from pipeline.sources.adherents import read_adherents
from pipeline.sources.cpts_listing.parse import parse_listing_csv
from pipeline.sources.files import read_text_checked
from pipeline.sources.od_table import read_od_table, to_flow_table
from pipeline.store.territory import resolve_territory
from tests.app import profile_raw as raw


def workbook(path: Path, *sheets: tuple[str, list[list[object]]]) -> Path:
    """A workbook of the given sheets (title, rows from row 1)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_a_listing_workbook_is_read_as_its_csv_with_sheet_rows_as_lines(tmp_path: Path) -> None:
    path = workbook(tmp_path / "liste.xlsx", ("CPTS", [
        ["Liste des CPTS de la région", None, None, None],  # a title row, as above a CSV header
        ["Nom de la CPTS", "Code INSEE", "Statut", "Date"],
        # Alt+Entrée in the name; a number code; a date cell holding a time, which its format does not show
        ["CPTS du\nVerdon", 4070, "ACI signé", datetime(2022, 3, 1, 14, 30)],
        [None, None, None, None],
        ["CPTS Sud", "13201", None, None],
    ]))
    text = read_text_checked(path, workbook=True)
    assert text.encoding == "xlsx"
    frame = parse_listing_csv(text.text, path)
    assert frame[["cpts", "code_insee", "line"]].values.tolist() == [["CPTS du Verdon", "4070", 3],
                                                                      ["CPTS Sud", "13201", 5]]
    assert frame["statut"].iloc[0] == "ACI signé" and frame["date"].iloc[0] == "2022-03-01"
    assert frame[["statut", "date"]].iloc[1].isna().all()


def test_a_listing_workbook_error_names_the_sheet_row(tmp_path: Path) -> None:
    path = workbook(tmp_path / "liste.xlsx", ("Feuil1", [["cpts", "code_insee", "date"],
                                                          ["CPTS A", "04070", "2022-31-01"]]))
    with pytest.raises(DataError) as info:
        parse_listing_csv(read_text_checked(path, workbook=True).text, path)
    assert "ligne 2 : date « 2022-31-01 » invalide" in info.value.message


def test_several_filled_sheets_are_refused_by_name_empty_ones_ignored(tmp_path: Path) -> None:
    rows: list[list[object]] = [["code_insee"], ["04070"]]
    path = workbook(tmp_path / "t.xlsx", ("Vide", []), ("Communes", rows), ("Notes", [["Source : ARS"]]))
    with pytest.raises(DataError) as info:
        read_text_checked(path, workbook=True)
    assert info.value.message.startswith("Le classeur Excel a 2 feuilles remplies (« Communes », « Notes ») : "
                                         "laquelle lire ?")
    one = workbook(tmp_path / "u.xlsx", ("Vide", []), ("Communes", rows))
    assert read_text_checked(one, workbook=True).text == '"code_insee"\n"04070"\n'
    with pytest.raises(DataError, match="aucune feuille visible remplie"):
        read_text_checked(workbook(tmp_path / "v.xlsx", ("Vide", [])), workbook=True)


def test_a_hidden_sheet_a_far_stray_cell_and_a_header_with_commas_change_nothing(tmp_path: Path) -> None:
    """Reviews: an ARS template's hidden sheet of drop-down values made « 2 feuilles remplies »; a space typed in
    XFD1 made a workbook of a few codes run out of memory; « Commune (nom, département) » in a header made the
    readers take « , » for the separator."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "CPTS"
    for row in (["Nom de la CPTS", "Code INSEE", "Commune (nom, arrondissement, département)"],
                ["CPTS A", 4070, "Digne-les-Bains"], ["CPTS A", "04001", None]):
        sheet.append(row)
    sheet.cell(row=1, column=16384, value=" ")
    sheet.cell(row=1_000_000, column=1, value="  ")
    hidden = book.create_sheet("Listes")
    hidden.append(["ACI signé"])
    hidden.sheet_state = "hidden"
    path = tmp_path / "liste.xlsx"
    book.save(path)
    text = read_text_checked(path, workbook=True).text
    assert text == ('"Nom de la CPTS";"Code INSEE";"Commune (nom, arrondissement, département)"\n'
                    '"CPTS A";"4070";"Digne-les-Bains"\n"CPTS A";"04001";""\n')
    frame = parse_listing_csv(text, path)
    assert frame[["cpts", "code_insee", "line"]].values.tolist() == [["CPTS A", "4070", 2], ["CPTS A", "04001", 3]]
    hidden_only = workbook(tmp_path / "h.xlsx", ("Vide", []))
    book = openpyxl.load_workbook(hidden_only)
    book.active.append(["x"])
    book.active.sheet_state = "hidden"
    book.create_sheet("Autre")
    book.save(hidden_only)
    with pytest.raises(DataError, match=r"aucune feuille visible remplie \(feuilles masquées : « Vide »\)"):
        read_text_checked(hidden_only, workbook=True)


def test_damaged_and_libreoffice_workbooks_are_refused_and_plain_readers_still_refuse_xlsx(tmp_path: Path) -> None:
    good = workbook(tmp_path / "t.xlsx", ("A", [["code_insee"], ["04070"]]))
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            target.writestr(item, b"<not xml" if item.filename == "xl/workbook.xml" else source.read(item))
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[:1000])  # a download cut short
    for path in (damaged, cut):
        with pytest.raises(DataError, match=r"^Classeur Excel illisible"):
            read_text_checked(path, workbook=True)
    ods = tmp_path / "t.ods"
    with zipfile.ZipFile(ods, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    with pytest.raises(DataError, match=r"classeur LibreOffice \(\.ods\) : enregistrez-le au format Excel"):
        read_text_checked(ods, workbook=True)
    with pytest.raises(DataError, match="pas un fichier texte"):  # a reader of text sources only
        read_text_checked(good)


def test_workbook_numbers_are_read_as_their_values(tmp_path: Path) -> None:
    # A volume of 1.234 in a cell is a number: never the « 1.234 » a CSV reader refuses as ambiguous.
    path = workbook(tmp_path / "od.xlsx", ("OD", [["origine", "destination", "volume", "profession"],
                                                  [4070, "04001", 1.234, "MG"],
                                                  ["04001", "04070", 12.0, "MG"],
                                                  ["04001", "04001", 1500, "MG"]]))
    table = to_flow_table(read_od_table(path))
    assert sorted(table.values.tolist()) == [["04001", "04001", "Médecins généralistes", 1500.0],
                                             ["04001", "04070", "Médecins généralistes", 12.0],
                                             ["04070", "04001", "Médecins généralistes", 1.234]]


def test_members_workbook_booleans_and_counts(tmp_path: Path) -> None:
    path = workbook(tmp_path / "adherents.xlsx", ("Adhérents", [
        ["Profession", "RPPS", "Gouvernance", "Élaboration", "Nombre"],
        ["Médecin généraliste", 10000000001, True, False, None],
        ["Infirmier", None, "oui", None, 3.0],
    ]))
    members = read_adherents(path)
    assert members["groupe"].tolist() == ["Médecins généralistes", "Infirmiers"]
    assert members["rpps"].tolist()[0] == "10000000001"
    assert members["gouvernance"].tolist() == [True, True]
    assert not members["elaboration"].iloc[0] and members["elaboration"].isna().tolist() == [False, True]
    assert members["nombre"].tolist() == [1, 3]
    assert members["ligne"].tolist() == [2, 3]


def test_a_territory_workbook_gives_the_communes_of_its_codes(db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = workbook(tmp_path / "territoire.xlsx", ("Feuil1", [["Code INSEE", "Nom"], [4070, "Digne-les-Bains"],
                                                              ["04001", "Aiglun"]]))
    territory = resolve_territory(db, f"fichier:{path}")
    assert sorted(territory.units["unit_code"]) == ["04001", "04070"]
    populations = raw.populations("6.0.0")
    assert territory.population == populations["04070"] + populations["04001"]
    assert any("4070 lu comme 04070" in note for note in territory.notes)


def _with_saved_value(path: Path, cell: str, value: str) -> None:
    """Give the formula of ``cell`` the value a spreadsheet saves beside it (openpyxl writes the formula only)."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    text = members[sheet].decode()
    start = text.index(f'<c r="{cell}"')
    end = text.index("</c>", start)
    members[sheet] = (text[:start] + text[start:end].replace("<v></v>", f"<v>{value}</v>").replace(
        f'<c r="{cell}"', f'<c r="{cell}" t="str"', 1) + text[end:]).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)


def test_a_formula_without_its_saved_value_is_named_not_read_as_empty(tmp_path: Path) -> None:
    """A workbook written by a script keeps its formulas without their values: the cell read as empty gave
    « code vide »; the formula is named with its cell. Saved by a spreadsheet (a value beside it), it is read."""
    rows = [["cpts", "code_insee"], ["CPTS A", "04070"], ["CPTS A", "=B2"], ["CPTS B", "=CONCATENATE(\"0\",\"4001\")"]]
    path = workbook(tmp_path / "liste.xlsx", ("Liste", rows))
    with pytest.raises(DataError) as info:
        read_text_checked(path, workbook=True)
    assert info.value.message.startswith("Cellules à formule sans valeur calculée (B3, B4) : le classeur a été écrit "
                                         "par un programme qui n'a pas calculé ses formules")
    _with_saved_value(path, "B3", "04070")
    _with_saved_value(path, "B4", "04001")
    frame = parse_listing_csv(read_text_checked(path, workbook=True).text, path)
    assert frame["code_insee"].tolist() == ["04070", "04070", "04001"]
