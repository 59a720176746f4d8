"""CSV for people: UTF-8 with BOM, machine names, quoted codes, rounded bare numbers, no bare formula."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import PipelineError
from pipeline.render.csv_files import write_csv, write_csv_files
from pipeline.render.table_spec import Column, TableSpec

BOM = b"\xef\xbb\xbf"


def text_of(path: Path) -> str:
    """The file's text, line ends untouched (``read_text`` would turn ``\\r\\n`` into ``\\n``)."""
    return path.read_bytes().decode("utf-8-sig")


def spec(frame: pd.DataFrame, columns: list[Column], key: str = "communes") -> TableSpec:
    return TableSpec(key, "Communes", frame, columns, "Insee 2021")


def communes() -> TableSpec:
    frame = pd.DataFrame({
        "code_insee": ["04070", "2A004", "04001"],
        "commune": ['Digne "les" Bains', "Ajaccio, ville", "Aiglun\nnord"],
        "population": [16372.0, np.nan, 1412.0],
        "densite": [3.6169999999999995, -3.5, np.nan],
        "zone": pd.array([True, pd.NA, False], dtype="boolean"),
        "date": [pd.Timestamp("2026-02-28"), pd.NaT, pd.Timestamp("2027-02-28")],
    })
    return spec(frame, [Column("code_insee", "Code INSEE", "code"), Column("commune", "Commune", "text"),
                        Column("population", "Population", "integer"), Column("densite", "Densité", "decimal", 2),
                        Column("zone", "Zone", "boolean"), Column("date", "Date", "date")])


def test_layout_bom_separator_header_quoting_and_rounding(tmp_path: Path) -> None:
    raw = write_csv(communes(), tmp_path / "communes.csv").read_bytes()
    assert raw.startswith(BOM)
    text = raw[len(BOM):].decode("utf-8")
    assert text.split("\r\n") == [
        '"code_insee","commune","population","densite","zone","date"',
        '"04070","Digne ""les"" Bains",16372,3.62,"oui","2026-02-28"',
        '"2A004","Ajaccio, ville",,-3.50,,',
        '"04001","Aiglun\nnord",1412,,"non","2027-02-28"',
        "",
    ]


def test_reads_back_with_codes_intact(tmp_path: Path) -> None:
    path = write_csv(communes(), tmp_path / "communes.csv")
    frame = pd.read_csv(path, encoding="utf-8-sig", dtype={"code_insee": str})
    assert frame["code_insee"].tolist() == ["04070", "2A004", "04001"]
    assert frame["population"].iloc[0] == 16372 and pd.isna(frame["population"].iloc[1])
    assert frame["densite"].tolist()[:2] == [3.62, -3.5]
    rows = list(csv.reader(io.StringIO(text_of(path), newline="")))
    assert rows[1][1] == 'Digne "les" Bains' and rows[3][1] == "Aiglun\nnord"


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_text_is_never_written_bare(tmp_path: Path, text: str) -> None:
    frame = pd.DataFrame({"nom": [text], "ecart": [-3.5]})
    path = write_csv(spec(frame, [Column("nom", "Nom", "text"), Column("ecart", "Écart", "decimal", 1)]),
                     tmp_path / "t.csv")
    rows = list(csv.reader(io.StringIO(text_of(path), newline="")))
    assert rows[1][0] == "'" + text
    assert rows[1][1] == "-3.5"  # a genuine negative number stays a number
    line = text_of(path).split("\r\n")[1]
    assert line.endswith(",-3.5") and not line.startswith(('=', '+', '-', '@', '"=', '"+', '"-', '"@'))


def test_table_without_rows_keeps_header_and_says_so(tmp_path: Path) -> None:
    frame = pd.DataFrame({"cpts": pd.Series([], dtype=str), "limitrophe": pd.Series([], dtype=bool)})
    path = write_csv(spec(frame, [Column("cpts", "CPTS", "text"), Column("limitrophe", "Limitrophe", "boolean")],
                          "voisins"), tmp_path / "voisins.csv")
    assert text_of(path) == '"cpts","limitrophe"\r\n"aucune donnée",\r\n'


def test_only_declared_columns_in_declared_order(tmp_path: Path) -> None:
    frame = pd.DataFrame({"b": [1], "a": ["x"], "ignored": ["secret"]})
    path = write_csv(spec(frame, [Column("a", "A", "text"), Column("b", "B", "integer")]), tmp_path / "t.csv")
    assert text_of(path) == '"a","b"\r\n"x",1\r\n'


def test_files_named_by_key_and_keys_unique(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1]})
    specs = [spec(frame, [Column("a", "A", "integer")], key) for key in ("communes", "offre")]
    paths = write_csv_files(specs, tmp_path / "tables")
    assert [p.name for p in paths] == ["communes.csv", "offre.csv"]
    with pytest.raises(ValueError, match="share a key"):
        write_csv_files(specs + specs[:1], tmp_path)


def test_unwritable_folder_is_a_french_error(tmp_path: Path) -> None:
    blocker = tmp_path / "fichier"
    blocker.write_text("x")
    with pytest.raises(PipelineError, match="Impossible d'écrire le fichier CSV"):
        write_csv(communes(), blocker / "communes.csv")
