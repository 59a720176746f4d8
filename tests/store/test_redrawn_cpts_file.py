"""A territory file that redraws a listed CPTS (the perimeter editor's export of a CPTS being edited).

Issue 13 item 2: for the same unit list, the editor's figures equal those of ``make diagnostic`` of its
export. The editor does not count the CPTS being edited as « another CPTS » sharing its communes; the
export names it (columns ``cpts_redessinee`` and ``liste``) so that the diagnostic leaves it out too.
Fixture database: the PACA listing holds « CPTS du Verdon ».
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline.errors import TerritoryError
from pipeline.store.territory import resolve_territory

VERDON = "CPTS du Verdon"


def _write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return f"fichier:{path}"


def test_export_columns_name_the_redrawn_cpts(db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    spec = _write(tmp_path / "p.csv", "\ufeffcode_insee,nom,cpts_redessinee,liste\r\n"
                  f"04070,Digne-les-Bains,{VERDON},paca\r\n04171,Rougon,{VERDON},paca\r\n")
    territory = resolve_territory(db, spec)
    assert territory.redraws == (VERDON, "paca")
    assert territory.own_listing_entry == (VERDON, "paca")
    assert territory.cpts is None  # a file, not the listed perimeter: its folder and label stay the file's
    assert any(f"périmètre redessiné de la CPTS « {VERDON} » (liste paca)" in n for n in territory.notes)


def test_listing_column_is_optional_when_the_name_is_in_one_listing(db: duckdb.DuckDBPyConnection,
                                                                   tmp_path: Path) -> None:
    spec = _write(tmp_path / "p.csv", f"code_insee;cpts_redessinee\n04070;{VERDON}\n04171;\n")
    assert resolve_territory(db, spec).redraws == (VERDON, "paca")


def test_plain_file_redraws_nothing(db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    territory = resolve_territory(db, _write(tmp_path / "p.csv", "code_insee,nom\n04070,Digne\n"))
    assert territory.redraws is None and territory.own_listing_entry is None


def test_two_redrawn_cpts_are_refused_at_the_second_ones_line(db: duckdb.DuckDBPyConnection,
                                                               tmp_path: Path) -> None:
    spec = _write(tmp_path / "p.csv", f"code_insee,cpts_redessinee\n04070,{VERDON}\n04001,{VERDON}\n"
                  "04171,CPTS Autre\n")
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, spec)
    assert info.value.line == 4
    assert "Plusieurs CPTS dans la colonne « cpts_redessinee »" in info.value.message
    assert f"« {VERDON} »" in info.value.message and "« CPTS Autre »" in info.value.message


def test_unknown_redrawn_cpts_is_noted_not_guessed(db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    # The export writes a quote before a leading « = » (a spreadsheet would run it): not part of the name.
    spec = _write(tmp_path / "p.csv", "code_insee,cpts_redessinee,liste\n04070,'=CPTS Inconnue,paca\n")
    territory = resolve_territory(db, spec)
    assert territory.redraws is None
    assert any("CPTS redessinée « =CPTS Inconnue » (liste paca) absente des listes chargées" in n
               for n in territory.notes)
    spec = _write(tmp_path / "q.csv", f"code_insee,cpts_redessinee,liste\n04070,{VERDON},autre-liste\n")
    assert resolve_territory(db, spec).redraws is None


def test_a_name_starting_with_a_quote_is_read_as_the_export_wrote_it(db: duckdb.DuckDBPyConnection,
                                                                     tmp_path: Path) -> None:
    # The export doubles a name's own leading quote: « ''=X » is the name « '=X », « '=X » the name « =X ».
    for written, name in (("''=CPTS Z", "'=CPTS Z"), ("'=CPTS Z", "=CPTS Z"), ("''CPTS Z", "'CPTS Z")):
        spec = _write(tmp_path / "p.csv", f"code_insee,cpts_redessinee\n04070,{written}\n")
        assert any(f"CPTS redessinée « {name} » absente" in n for n in resolve_territory(db, spec).notes)


def test_redrawn_name_is_matched_as_cpts_matches_it(db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    # Case, accents and spaces aside, as TERRITORY=cpts:… accepts it; the listed spelling is kept.
    spec = _write(tmp_path / "p.csv", "code_insee,cpts_redessinee\n04070, cpts du  VERDON \n")
    assert resolve_territory(db, spec).redraws == (VERDON, "paca")


def test_the_listing_name_is_matched_whatever_its_case(db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """A review typed « PACA » for the listing « paca »: the CPTS was said absent from the loaded listings and
    counted as sharing all of its own inhabitants with the redrawn territory."""
    spec = _write(tmp_path / "p.csv", f"code_insee,cpts_redessinee,liste\n04070,{VERDON},PACA\n")
    territory = resolve_territory(db, spec)
    assert territory.redraws == (VERDON, "paca")
    assert not any("absente des listes chargées" in n for n in territory.notes)


def test_rows_without_the_redrawn_name_are_said(db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    spec = _write(tmp_path / "p.csv", f"code_insee;cpts_redessinee\n04070;{VERDON}\n04171;\n04001;\n")
    territory = resolve_territory(db, spec)
    assert territory.redraws == (VERDON, "paca")
    assert (f"colonne « cpts_redessinee » vide sur 2 ligne(s) du fichier : toutes ses communes sont lues comme le "
            f"périmètre redessiné de « {VERDON} »") in territory.notes
    plain = _write(tmp_path / "q.csv", f"code_insee,cpts_redessinee\n04070,{VERDON}\n")
    assert not any("vide sur" in n for n in resolve_territory(db, plain).notes)
