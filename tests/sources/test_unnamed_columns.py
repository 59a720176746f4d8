"""Empty columns after the last one, as spreadsheets export them (« code_insee;nom;; »)."""

from __future__ import annotations

import pytest

from pipeline.errors import DataError
from pipeline.sources.delimited import parse_csv_text


def test_empty_unnamed_columns_are_left_out() -> None:
    frame = parse_csv_text("code_insee;nom;;\n04070;Digne;;\n04001;Aiglun;;\n", "t.csv", required=["code_insee"],
                           line_column="ligne")
    assert list(frame.columns) == ["code_insee", "nom", "ligne"]
    assert frame[["code_insee", "nom"]].values.tolist() == [["04070", "Digne"], ["04001", "Aiglun"]]
    assert frame["ligne"].tolist() == [2, 3]


def test_a_value_under_no_name_is_refused_with_its_line() -> None:
    with pytest.raises(DataError) as info:
        parse_csv_text("code_insee;nom;;\n04070;Digne;;\n04001;Aiglun;;x\n", "t.csv", required=[])
    assert (info.value.message, info.value.line) == (
        "Valeur dans une colonne sans nom d'en-tête (colonne n° 4) : nommez cette colonne dans l'en-tête, ou "
        "videz-la", 3)


def test_named_duplicates_are_still_refused() -> None:
    with pytest.raises(DataError, match="Colonnes en double dans l'en-tête : nom"):
        parse_csv_text("code_insee;nom;nom\n04070;Digne;D\n", "t.csv", required=[])
