"""XLSX for people: typed cells, codes as text, rounding, French labels, Lisez-moi, no live formula."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from pipeline.errors import PipelineError
from pipeline.render.spreadsheet import README_SHEET, sheet_names, write_workbook
from pipeline.render.table_spec import Column, TableSpec

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def communes_spec() -> TableSpec:
    frame = pd.DataFrame({
        "code_insee": ["04070", "2A004", "04001"],
        "commune": ["Digne-les-Bains", "Ajaccio", "Aiglun"],
        "population_2021": [16372.0, 71361.0, np.nan],
        "densite_hab_km2": [3.6169999999999995, 86.25, np.nan],
        "part_pct": [12.345, np.nan, 0.0],
        "sous_dense": pd.array([True, False, pd.NA], dtype="boolean"),
        "ouverture": [pd.Timestamp("2020-01-01"), pd.NaT, pd.Timestamp("1999-12-31")],
    })
    return TableSpec("communes", "Communes du territoire", frame, [
        Column("code_insee", "Code INSEE", "code"),
        Column("commune", "Commune", "text"),
        Column("population_2021", "Population municipale 2021", "integer"),
        Column("densite_hab_km2", "Densité", "decimal", 2, "hab./km²"),
        Column("part_pct", "Part", "percent", 1),
        Column("sous_dense", "APL sous 2,5", "boolean"),
        Column("ouverture", "Ouverture", "date"),
    ], "Insee, populations légales 2021 (communes.json)", note="Population municipale.")


def hostile_spec() -> TableSpec:
    frame = pd.DataFrame({"nom": HOSTILE, "ecart": [-3.5, -2.0, 1.0, -0.25, 0.0, -1e6]})
    return TableSpec("finess", "Établissements", frame, [Column("nom", "Nom", "text"),
                                                         Column("ecart", "Écart", "decimal", 2)],
                     "FINESS, extraction 2026", demo=True)


def empty_spec() -> TableSpec:
    frame = pd.DataFrame({"cpts": pd.Series([], dtype=str), "limitrophe": pd.Series([], dtype=bool)})
    return TableSpec("voisins", "CPTS voisines", frame, [Column("cpts", "CPTS", "text"),
                                                         Column("limitrophe", "Limitrophe", "boolean")], "ARS 2025")


def write(tmp_path: Path, specs: list[TableSpec] | None = None, demo: str | None = None) -> Path:
    specs = specs if specs is not None else [communes_spec(), hostile_spec(), empty_spec()]
    return write_workbook(specs, tmp_path / "out" / "diagnostic.xlsx", title="Diagnostic territorial – CPTS test",
                          territory="communes:04070,2A004", generated=dt.date(2026, 11, 1), demo_warning=demo)


def test_codes_stay_text_and_numbers_are_typed_and_rounded(tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(write(tmp_path))["Communes du territoire"]
    assert [c.value for c in ws[1]] == ["Code INSEE", "Commune", "Population municipale 2021", "Densité (hab./km²)",
                                        "Part (%)", "APL sous 2,5", "Ouverture"]
    code, corsica = ws["A2"], ws["A3"]
    assert (code.value, code.data_type, code.number_format) == ("04070", "s", "@")
    assert (corsica.value, corsica.data_type) == ("2A004", "s")
    assert ws["C2"].value == 16372 and isinstance(ws["C2"].value, int) and ws["C2"].number_format == "#,##0"
    assert ws["D2"].value == 3.62 and ws["D2"].number_format == "#,##0.00"
    assert ws["D3"].value == 86.25
    assert ws["E2"].value == 12.3 and ws["E2"].number_format == '#,##0.0" %"'
    assert ws["E4"].value == 0  # a real zero stays a zero
    assert [ws["F2"].value, ws["F3"].value] == ["oui", "non"]
    assert ws["G2"].value == dt.datetime(2020, 1, 1) and ws["G2"].number_format == "DD/MM/YYYY"


def test_missing_values_are_empty_cells(tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(write(tmp_path))["Communes du territoire"]
    assert ws["C4"].value is None  # population NaN: not 0
    assert ws["D4"].value is None
    assert ws["E3"].value is None
    assert ws["F4"].value is None  # boolean NA: not « non »
    assert ws["G3"].value is None


def test_header_bold_frozen_filtered_and_widths_fitted(tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(write(tmp_path))["Communes du territoire"]
    assert all(cell.font.bold for cell in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:G4"
    widths = {letter: ws.column_dimensions[letter].width for letter in "ABCDEFG"}
    assert widths["B"] >= len("Digne-les-Bains")  # the longest name fits
    assert all(8 <= w <= 62 for w in widths.values())


def test_readme_sheet_first_with_title_territory_date_sources_and_missing_rule(tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(write(tmp_path, demo="Données fictives de démonstration"))
    assert workbook.sheetnames == [README_SHEET, "Communes du territoire", "Établissements", "CPTS voisines"]
    texts = [str(c.value) for row in workbook[README_SHEET].iter_rows() for c in row if c.value is not None]
    joined = "\n".join(texts)
    assert texts[0] == "Diagnostic territorial – CPTS test"
    assert "Territoire : communes:04070,2A004" in texts
    assert "Document généré le 1er novembre 2026" in texts
    assert "Données fictives de démonstration" in texts
    assert "Cellule vide = non disponible" in joined
    for needle in ("Insee, populations légales 2021 (communes.json)", "FINESS, extraction 2026", "ARS 2025",
                   "Population municipale."):
        assert needle in texts
    # The column dictionary links each label to its CSV name.
    assert "communes.csv : code_insee" in texts and "communes.csv : densite_hab_km2" in texts


def test_readme_sheet_lists_the_diagnostic_s_remarks(tmp_path: Path) -> None:
    # A review found an EPCI crossing the loaded départements said so in the report only, never in the workbook.
    notes = ["1 unité de cet EPCI sur 25 hors des départements chargés : le territoire ne contient que la partie "
             "chargée, et ses chiffres ne portent que sur elle", "=1+1 une remarque hostile"]
    path = write_workbook([communes_spec()], tmp_path / "diagnostic.xlsx", title="Diagnostic territorial – CPTS test",
                          territory="epci:200034700", generated=dt.date(2026, 11, 1), notes=notes)
    sheet = openpyxl.load_workbook(path)[README_SHEET]
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    texts = [str(c.value) for c in cells]
    assert texts[texts.index("Remarques") + 1: texts.index("Remarques") + 3] == notes
    assert next(c for c in cells if c.value == notes[1]).data_type == "s"  # text, never a formula


def test_table_without_rows_says_so(tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(write(tmp_path))["CPTS voisines"]
    assert [c.value for c in ws[1]] == ["CPTS", "Limitrophe"]
    assert ws["A2"].value == "aucune donnée"
    assert ws.max_row == 2


def test_readme_counts_no_rows_of_a_table_whose_rows_are_unknown(tmp_path: Path) -> None:
    """A review: a zone no listing speaks for had « non disponible » on its sheets but 0 rows in « Lisez-moi »; a
    table truly without rows (« aucune donnée ») still counts 0."""
    unknown = empty_spec()
    unknown = TableSpec("zones", "Zones blanches", unknown.frame, unknown.columns, "ARS",
                        empty="non disponible : aucune liste chargée ne parle de cette zone")
    sheet = openpyxl.load_workbook(write(tmp_path, specs=[unknown, empty_spec()]))[README_SHEET]
    listed = [r for r in sheet.iter_rows(values_only=True) if r[1] in ("Zones blanches", "CPTS voisines")]
    assert [(r[1], r[3]) for r in listed] == [("Zones blanches", "non disponible"), ("CPTS voisines", 0)]


def test_workbook_without_tables_still_has_a_readme(tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(write(tmp_path, specs=[]))
    assert workbook.sheetnames == [README_SHEET]
    assert any(c.value == "aucune donnée" for row in workbook[README_SHEET].iter_rows() for c in row)


def test_no_cell_can_run_as_a_formula(tmp_path: Path) -> None:
    path = write(tmp_path)
    ws = openpyxl.load_workbook(path)["Établissements"]
    names = [ws.cell(row=r, column=1) for r in range(2, 2 + len(HOSTILE))]
    for cell, text in zip(names, HOSTILE, strict=True):
        assert cell.data_type == "s"
        assert cell.value == text  # as written: the quote prefix is a flag, not a character of the text
        assert cell.quotePrefix
    # Genuine negative numbers in a numeric column stay numbers.
    assert [ws.cell(row=r, column=2).value for r in range(2, 8)] == [-3.5, -2.0, 1.0, -0.25, 0.0, -1e6]
    assert all(ws.cell(row=r, column=2).data_type == "n" for r in range(2, 8))
    # Independently of openpyxl: the sheets' XML holds no formula element at all.
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<(?:\w+:)?f[ >/]", archive.read(name)), name


def test_demo_table_is_flagged(tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(write(tmp_path))
    ws = workbook["Établissements"]
    assert ws.sheet_properties.tabColor.rgb.endswith("B00020")
    assert "Données fictives de démonstration" in ws.oddHeader.center.text
    readme = [str(c.value) for row in workbook[README_SHEET].iter_rows() for c in row if c.value]
    assert any(t.startswith("Données fictives de démonstration") for t in readme)


def test_sheet_names_are_short_unique_and_valid() -> None:
    frame = pd.DataFrame({"a": [1]})
    cols = [Column("a", "A", "integer")]
    specs = [
        TableSpec("a", "Professionnels et structures d'exercice coordonné (densité pour 10 000 habitants)", frame,
                  cols, "s"),
        TableSpec("b", "Professionnels et structures d'exercice coordonné (autre)", frame, cols, "s"),
        TableSpec("c", "Flux : destinations [modèle] / bassins?", frame, cols, "s"),
        TableSpec("d", "x", frame, cols, "s", sheet="Lisez-moi"),
        TableSpec("e", "y", frame, cols, "s", sheet="COMMUNES"),
        TableSpec("f", "z", frame, cols, "s", sheet="communes"),
    ]
    names = sheet_names(specs)
    assert all(len(n) <= 31 for n in names)
    assert len({n.lower() for n in names}) == len(names)
    assert names[0] == "Professionnels et structures"  # brackets dropped, cut between words
    assert names[1] == "Professionnels et (2)"
    assert names[2] == "Flux - destinations -modèle"
    assert not re.search(r"[\[\]:*?/\\]", "".join(names))
    assert names[3] == "Lisez-moi (2)"  # the readme keeps its name
    assert names[4:] == ["COMMUNES", "communes (2)"]


def test_control_characters_and_huge_text_do_not_break_the_file(tmp_path: Path) -> None:
    frame = pd.DataFrame({"nom": ["Centre\x01de\x1fsanté", "x" * 40_000]})
    spec = TableSpec("t", "T", frame, [Column("nom", "Nom", "text")], "s")
    ws = openpyxl.load_workbook(write(tmp_path, specs=[spec]))["T"]
    assert ws["A2"].value == "Centre\ufffdde\ufffdsanté"
    assert len(ws["A3"].value) == 32_767


def test_repeated_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="share a key"):
        write(tmp_path, specs=[empty_spec(), empty_spec()])


def test_unwritable_destination_is_a_french_error(tmp_path: Path) -> None:
    blocker = tmp_path / "fichier"
    blocker.write_text("x")
    with pytest.raises(PipelineError, match="Impossible d'écrire le classeur Excel"):
        write_workbook([empty_spec()], blocker / "d.xlsx", title="T", territory="t", generated=dt.date(2026, 1, 1))


def test_a_failed_write_keeps_the_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path)
    before = path.read_bytes()

    def broken_save(self: object, filename: object) -> None:
        Path(str(filename)).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(PipelineError, match="plus d'espace libre"):
        write(tmp_path)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["diagnostic.xlsx"]
