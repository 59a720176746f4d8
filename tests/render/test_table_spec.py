"""Typed table descriptions: validation, typed values, French display, README correspondence, catalogue."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.render.column_catalogue import CATALOGUE, catalogue_column, catalogue_markdown, spec_from_catalogue
from pipeline.render.csv_files import csv_text
from pipeline.render.formulas import looks_like_formula, neutralise_formula
from pipeline.render.table_spec import (
    NOT_APPLICABLE,
    Column,
    TableSpec,
    columns_markdown,
    display_text,
    round_half_up,
    typed_value,
)

NNBSP = "\u202f"


def test_column_rejects_unknown_kind_and_negative_decimals() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        Column("x", "X", "float")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="decimals"):
        Column("x", "X", "decimal", -1)


def test_heading_carries_the_unit_once() -> None:
    assert Column("surface_km2", "Surface", "decimal", 2, "km²").heading == "Surface (km²)"
    assert Column("s", "Surface (km²)", "decimal", 2, "km²").heading == "Surface (km²)"
    assert Column("p", "Part des adhérents", "percent", 1).heading == "Part des adhérents (%)"
    assert Column("n", "Nom", "text").heading == "Nom"


def test_spec_names_every_missing_column() -> None:
    frame = pd.DataFrame({"a": [1]})
    with pytest.raises(ValueError, match=r"\['b', 'c'\]"):
        TableSpec("t", "T", frame, [Column("b", "B", "integer"), Column("c", "C", "text")], "src")


def test_spec_refuses_codes_stored_as_numbers() -> None:
    """04070 read as the number 4070 has already lost its zero: the spec must refuse it."""
    frame = pd.DataFrame({"code": [4070, 4001]})
    with pytest.raises(ValueError, match="leading zeros"):
        TableSpec("t", "T", frame, [Column("code", "Code INSEE", "code")], "src")
    # A code column that is entirely missing is a float column of NaN: allowed (all cells empty).
    TableSpec("t", "T", pd.DataFrame({"code": [np.nan]}), [Column("code", "Code INSEE", "code")], "src")


def test_spec_key_must_be_a_file_stem() -> None:
    with pytest.raises(ValueError, match="key"):
        TableSpec("../x", "T", pd.DataFrame({"a": [1]}), [Column("a", "A", "integer")], "src")
    with pytest.raises(ValueError, match="no column"):
        TableSpec("t", "T", pd.DataFrame({"a": [1]}), [], "src")


def test_round_half_up_gives_the_decimal_people_expect() -> None:
    assert round_half_up(3.6169999999999995, 2) == 3.62
    assert round_half_up(0.125, 2) == 0.13  # Python's round() gives 0.12 (banker's rounding on a binary float)
    assert round_half_up(2.5, 0) == 3.0
    assert round_half_up(-2.5, 0) == -3.0
    assert round_half_up(140.25, 1) == 140.3
    assert str(round_half_up(-0.04, 1)) == "0.0"  # no « -0,0 »


@pytest.mark.parametrize(
    ("column", "raw", "expected"),
    [
        (Column("c", "C", "code"), "04070", "04070"),
        (Column("c", "C", "code"), "2A004", "2A004"),
        (Column("n", "N", "integer"), 16372.0, 16372),
        (Column("n", "N", "integer"), np.int64(7), 7),
        (Column("n", "N", "integer"), 2.5, 3),
        (Column("d", "D", "decimal", 2), 3.6169999999999995, 3.62),
        (Column("d", "D", "decimal", 1), -3.54, -3.5),
        (Column("p", "P", "percent", 1), 35.2941, 35.3),
        (Column("b", "B", "boolean"), True, "oui"),
        (Column("b", "B", "boolean"), np.bool_(False), "non"),
        (Column("b", "B", "boolean"), "vrai", "oui"),
        (Column("t", "T", "date"), pd.Timestamp("2026-02-28"), dt.date(2026, 2, 28)),
        (Column("t", "T", "date"), "2026-02-28", dt.date(2026, 2, 28)),
        (Column("x", "X", "text"), "=1+1", "=1+1"),
        (Column("n", "N", "integer"), "non publié", "non publié"),
    ],
)
def test_typed_value(column: Column, raw: object, expected: object) -> None:
    value = typed_value(column, raw)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA, pd.NaT, float("inf"), np.float64("nan")])
@pytest.mark.parametrize("kind", ["code", "text", "integer", "decimal", "percent", "date", "boolean"])
def test_missing_is_none_never_zero_or_non(missing: object, kind: str) -> None:
    """« Une donnée manquante est « non disponible », jamais 0 ni « non » »."""
    column = Column("x", "X", kind)  # type: ignore[arg-type]
    assert typed_value(column, missing) is None
    assert display_text(column, missing) == "non disponible"


@pytest.mark.parametrize("kind", ["integer", "decimal", "percent", "text"])
def test_not_applicable_cell_is_empty_in_files_and_sans_objet_for_readers(kind: str) -> None:
    """« Sans objet » (the libéraux of an MSP row) is neither « non disponible » nor 0: empty where machines read."""
    column = Column("x", "X", kind)  # type: ignore[arg-type]
    assert typed_value(column, NOT_APPLICABLE) is None
    assert display_text(column, NOT_APPLICABLE) == "sans objet"


def test_not_applicable_cell_is_an_empty_csv_field_beside_a_missing_one() -> None:
    frame = pd.DataFrame({"groupe": ["Infirmiers", "MSP"], "dont_liberaux": [pd.NA, NOT_APPLICABLE]})
    spec = TableSpec("offre", "Offre", frame, [Column("groupe", "Groupe", "text"),
                                              Column("dont_liberaux", "dont libéraux", "integer")], "Test")
    assert csv_text(spec).splitlines()[1:] == ['"Infirmiers",', '"MSP",']


def test_display_text_is_french() -> None:
    assert display_text(Column("n", "N", "integer"), 25310) == f"25{NNBSP}310"
    assert display_text(Column("d", "D", "decimal", 1), 1234.56) == f"1{NNBSP}234,6"
    assert display_text(Column("d", "D", "decimal", 1), -3.5) == "\u22123,5"
    # The heading says « (%) » once; the cells do not repeat it (a review read « 1,51 % » under « … (%) »).
    percent, share = Column("p", "Taux", "percent", 1), Column("s", "Part", "share", 3)
    assert (percent.heading, display_text(percent, 35.29)) == ("Taux (%)", "35,3")
    assert (share.heading, display_text(share, 0.801)) == ("Part (%)", "80,1")
    assert display_text(Column("t", "T", "date"), dt.date(2026, 2, 28)) == "28/02/2026"
    assert display_text(Column("c", "C", "code"), "04070") == "04070"


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "  =1"])
def test_formula_like_text_is_neutralised(text: str) -> None:
    assert looks_like_formula(text)
    assert neutralise_formula(text) == "'" + text


@pytest.mark.parametrize("text", ["Digne-les-Bains", "04070", "Centre de santé = MSP", "2A004", ""])
def test_ordinary_text_is_kept(text: str) -> None:
    assert not looks_like_formula(text)
    assert neutralise_formula(text) == text


def test_columns_markdown_lists_machine_name_and_label() -> None:
    frame = pd.DataFrame({"code_insee": ["04070"], "densite_hab_km2": [140.2], "note": ["a|b"]})
    spec = TableSpec("communes", "Communes", frame, [
        Column("code_insee", "Code INSEE", "code"),
        Column("densite_hab_km2", "Densité", "decimal", 1, "hab./km²"),
        Column("note", "Note | remarque", "text"),
    ], "Insee")
    text = columns_markdown([spec])
    lines = text.splitlines()
    assert lines[0] == "| Fichier CSV | Colonne (CSV) | Libellé (XLSX, DOCX) | Type | Unité |"
    assert lines[2] == "| `communes.csv` | `code_insee` | Code INSEE | code (texte) |  |"
    assert lines[3] == "| `communes.csv` | `densite_hab_km2` | Densité | nombre décimal | hab./km² |"
    assert lines[4] == "| `communes.csv` | `note` | Note \\| remarque | texte |  |"
    assert len(lines) == 5


def test_catalogue_covers_the_communes_export() -> None:
    """The columns of the diagnostic's communes table (render.exports.communes_table) all have a presentation."""
    names = ["code_insee", "commune", "type", "commune_de_rattachement", "codes_postaux", "population_2022",
             "surface_km2", "densite_hab_km2", "particularites_qpv_zip_zac", "epci", "epci_nom",
             "bassin_de_vie_2022", "bassin_de_vie_2022_nom", "apl_mg_2022", "apl_mg_2023"]
    frame = pd.DataFrame({n: pd.Series([], dtype=str) for n in names})
    spec = spec_from_catalogue("communes", "Communes", frame, "Insee")
    by_name = {c.name: c for c in spec.columns}
    assert by_name["population_2022"] == Column("population_2022", "Population municipale 2022", "integer",
                                                unit="hab.")
    assert by_name["bassin_de_vie_2022"].kind == "code"
    assert by_name["bassin_de_vie_2022_nom"].label == "Bassin de vie 2022"
    assert by_name["epci"].kind == "code" and by_name["codes_postaux"].kind == "code"


def test_catalogue_refuses_unknown_columns_naming_them() -> None:
    frame = pd.DataFrame({"code_insee": ["04070"], "mystere": [1], "autre": [2]})
    with pytest.raises(ValueError, match=r"\['mystere', 'autre'\]"):
        spec_from_catalogue("t", "T", frame, "src")
    spec = spec_from_catalogue("t", "T", frame, "src", columns=["code_insee", "mystere"],
                               overrides={"mystere": Column("mystere", "Mystère", "integer")})
    assert [c.label for c in spec.columns] == ["Code INSEE", "Mystère"]


def test_catalogue_codes_are_codes() -> None:
    for name in ("code_insee", "unit_code", "finess", "finess_ej", "epci", "destination", "bassin_de_vie"):
        assert CATALOGUE[name].kind == "code"
    assert catalogue_column("inconnue") is None


def test_spec_refuses_a_frame_with_two_columns_of_the_same_name() -> None:
    frame = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(ValueError, match="several columns named"):
        TableSpec("t", "T", frame, [Column("a", "A", "integer")], "src")


def test_catalogue_markdown_lists_every_column_once() -> None:
    text = catalogue_markdown()
    rows = [line for line in text.splitlines()[2:] if line.startswith("| `")]
    assert len(rows) == len(CATALOGUE) + 3
    assert "| `code_insee` | Code INSEE | code (texte) |  |" in rows
    assert "| `densite_10000` | Densité territoire | nombre décimal | pour 10 000 hab. |" in rows


def test_a_share_reads_as_a_percentage_for_people_and_stays_a_share_for_machines() -> None:
    """A review: the Trame and the workbook gave self-containment 0,801 where the report gave 80,1 %. A share
    (0 to 1) is shown « 80,1 » under a « (%) » heading in the Trame, « 80,1 % » in the workbook (the cell keeps
    0.801), and written 0.801 in CSV."""
    from pipeline.render.csv_files import csv_field
    from pipeline.render.spreadsheet import number_format

    share = catalogue_column("auto_confinement")
    assert share is not None and share.kind == "share" and share.heading == "Auto-confinement (%)"
    assert display_text(share, 0.80149) == "80,1"  # under « Auto-confinement (%) »
    assert csv_field(share, typed_value(share, 0.80149)) == "0.801"
    assert number_format(share) == "0.0 %"  # Excel shows the 0.801 of the cell as « 80,1 % »


def test_unit_kinds_are_words_for_people_and_codes_for_machines(tmp_path: Path) -> None:
    """The workbook's « Type d'unité » said « commune-actuelle »; people read « commune » and « arrondissement
    municipal » (workbook, Trame, report), the CSV keeps the database's codes for scripts."""
    import openpyxl

    from pipeline.render.coverage import TABLES
    from pipeline.render.csv_files import csv_field
    from pipeline.render.spreadsheet import write_workbook

    kinds = [catalogue_column("type"), next(c for c in TABLES["zones_blanches"][1] if c.name == "type")]
    for kind in kinds:
        assert kind is not None
        assert display_text(kind, "arrondissement-municipal") == "arrondissement municipal"
        assert display_text(kind, "commune-actuelle") == "commune"
        assert display_text(kind, "commune-deleguee") == "commune-deleguee"  # no wording: shown as it is
        assert csv_field(kind, typed_value(kind, "commune-actuelle")) == "\"commune-actuelle\""
    frame = pd.DataFrame({"code": ["04070", "13201"], "type": ["commune-actuelle", "arrondissement-municipal"]})
    spec = spec_from_catalogue("unites", "Unités", frame, source="Insee")
    book = openpyxl.load_workbook(write_workbook([spec], tmp_path / "t.xlsx", title="t", territory="t",
                                                 generated=dt.date(2026, 12, 5)))
    sheet = book.worksheets[-1]
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["commune", "arrondissement municipal"]
    assert csv_text(spec).splitlines()[1:] == ['"04070","commune-actuelle"', '"13201","arrondissement-municipal"']
