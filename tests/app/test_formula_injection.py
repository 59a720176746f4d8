"""No formula injection through the files people open in a spreadsheet (issue 11, item 7).

Names that other people wrote reach the outputs: establishment names from a
FINESS extraction, CPTS names from a listing, professions from a flow table
(``FLUX=``). A name that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is a formula for Excel and LibreOffice (OWASP « CSV
injection »): it must never become a live formula in ``diagnostic.xlsx`` or
``couverture.xlsx``, nor be written bare in a CSV file; in the HTML report it
stays text.

Through the real pipeline, on a copy of the fixture database: the real
FINESS and listing loaders read files holding such names, then a diagnostic
(with a flow table) and a coverage run through the command line, and every
workbook and CSV file they wrote is read back.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.render.documents_runs import database_copy, run_in, writable_database

pytestmark = [pytest.mark.mirror, pytest.mark.xdist_group("formula_injection")]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Establishment names (FINESS) in communes of the CPTS du Verdon: (FINESS number, name, commune).
ESTABLISHMENTS = [
    ("040990111", '=HYPERLINK("http://exemple.invalid/?x="&A1;"Cliquez")', "04094"),
    ("040990121", "+CMD|' /C calc'!A0", "04081"),
    ("040990131", "-2+3+cmd|' /C calc'!A0", "04230"),
    ("040990141", "@SUM(1+1)*cmd|' /C calc'!A0", "04166"),
    ("040990151", "\t=1+1 tabulation", "04094"),
    ("040990161", "<script>alert('xss')</script>", "04094"),
]
#: CPTS names (a user listing): one shares Gréoux-les-Bains with the Verdon, the others border it.
LISTING = [("=CPTS formule", "04094"), ("=CPTS formule", "04112"), ("@CPTS arobase", "04242"),
           ("+CPTS plus", "04143"), ("-CPTS moins", "04031")]
FLOW_PROFESSION = "=2+5+cmd|' /C calc'!A0"


def finess_file(path: Path, located: dict[str, tuple[float, float]]) -> Path:
    """A FINESS extraction in the official layout (``;``, structureet + geolocalisation records)."""
    lines = ["finess;etalab;97;2026-02-01"]
    for number, name, commune in ESTABLISHMENTS:
        field = '"' + name.replace('"', '""') + '"'
        fields = ["structureet", number, number[:-1] + "0", field, field, "", "", "1", "R", "DU TEST", "", "",
                  commune[2:], commune[:2], "ALPES DE HAUTE PROVENCE", f"04500 COMMUNE {commune}", "", "", "124",
                  "Centre de Santé", "", "", "", "", "", "", "0", "Non concerné", "2020-01-01", "2020-01-01",
                  "2025-12-31", ""]
        lines.append(";".join(fields))
    for number, _, commune in ESTABLISHMENTS:
        x, y = located[commune]
        lines.append(f"geolocalisation;{number};{x:.2f};{y:.2f};1,ATLASANTE,96,BAN,L93_METROPOLE;2026-01-15")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def listing_file(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code_insee", "cpts"])
        for name, code in LISTING:
            writer.writerow([code, name])
    return path


def flow_file(path: Path) -> Path:
    """A real origin–destination table whose profession column holds a formula."""
    rows = [("04094", "04112", 120), ("04230", "04112", 80), ("04112", "04094", 30), ("04094", "04094", 400)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["origine", "destination", "volume", "profession"])
        for origin, destination, volume in rows:
            writer.writerow([origin, destination, volume, FLOW_PROFESSION])
            writer.writerow([origin, destination, volume, "médecins généralistes"])
    return path


@pytest.fixture(scope="module")
def outputs(fixture_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    import geopandas as gpd

    from pipeline.app.registries import finess_step, listing_step
    from pipeline.app.steps import Scope
    from pipeline.store.queries import geography

    root = tmp_path_factory.mktemp("formules")
    data = database_copy(fixture_data_dir, root)
    with writable_database(data) as con:
        polygons = geography.polygons_for(con, sorted({c for _, _, c in ESTABLISHMENTS}))
        points = gpd.GeoSeries(polygons.geometry.representative_point().to_numpy(), crs=4326).to_crs(2154)
        located = {code: (p.x, p.y) for code, p in zip(polygons["code"], points, strict=True)}
        finess = finess_step(finess_file(root / "etalab-cs1100507-stock-20260201-0412.csv", located))
        assert finess(con, None, True, Scope()).status == "chargé"
        listing = listing_step(listing_file(root / "hostile.csv"))
        assert listing(con, None, True, Scope()).status == "chargé"
    maps = root / "maps"
    flows = flow_file(root / "od.csv")
    diagnostic = run_in(data, maps, ["diagnostic", "cpts:paca:CPTS du Verdon", "--flux", str(flows)])
    assert diagnostic.code == 0, diagnostic.stderr
    coverage = run_in(data, maps, ["couverture", "--departement", "04"])
    assert coverage.code == 0, coverage.stderr
    (report,) = maps.glob("cpts-*/rapport.html")
    return {"diagnostic": diagnostic.tables(report.parent.name), "report": report,
            "coverage": data / "processed" / "coverage" / "departement-04", "runs": (diagnostic, coverage)}


def _is_number(text: str) -> bool:
    return re.fullmatch(r"-?\d+(\.\d+)?", text) is not None


def csv_cells(folder: Path) -> dict[str, list[list[str]]]:
    out = {}
    for path in sorted(folder.glob("*.csv")):
        text = path.read_bytes().decode("utf-8-sig")
        out[path.name] = list(csv.reader(io.StringIO(text, newline="")))
    return out


def workbook_texts(path: Path) -> list[tuple[str, str, Any]]:
    book = openpyxl.load_workbook(path)
    cells = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    cells.append((sheet.title, cell.coordinate, cell))
    return cells


def test_hostile_names_reached_the_outputs(outputs: dict[str, Any]) -> None:
    """The test is not vacuous: the names are in the tables, neutralised."""
    names = {row[2] for row in csv_cells(outputs["diagnostic"])["etablissements.csv"][1:]}
    assert "'" + ESTABLISHMENTS[0][1] in names
    assert "'+CMD|' /C calc'!A0" in names and "'@SUM(1+1)*cmd|' /C calc'!A0" in names
    neighbours = {row[1] for row in csv_cells(outputs["diagnostic"])["voisins.csv"][1:]}
    assert {"'=CPTS formule", "'@CPTS arobase", "'+CPTS plus", "'-CPTS moins"} <= neighbours
    groups = {row[0] for row in csv_cells(outputs["diagnostic"])["flux_synthese.csv"][1:]}
    assert "'" + FLOW_PROFESSION in groups
    claims = {cell for row in csv_cells(outputs["coverage"])["communes.csv"][1:] for cell in row}
    assert any(cell.startswith("'=CPTS formule") or "=CPTS formule" in cell for cell in claims)


@pytest.mark.parametrize("key", ["diagnostic", "coverage"])
def test_no_csv_cell_starts_like_a_formula(outputs: dict[str, Any], key: str) -> None:
    for name, rows in csv_cells(outputs[key]).items():
        for line, row in enumerate(rows, start=1):
            for cell in row:
                if _is_number(cell):
                    continue  # a negative number in a numeric column stays a number
                assert not cell.lstrip(" ").startswith(FORMULA_START), (name, line, cell)


@pytest.mark.parametrize(("key", "workbook"), [("diagnostic", "diagnostic.xlsx"), ("coverage", "couverture.xlsx")])
def test_no_live_formula_in_the_workbooks(outputs: dict[str, Any], key: str, workbook: str) -> None:
    path = outputs[key] / workbook
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(member) and b"<f " not in archive.read(member), member
    hostile = 0
    for sheet, coordinate, cell in workbook_texts(path):
        assert cell.data_type != "f", (sheet, coordinate)
        if isinstance(cell.value, str) and cell.value.lstrip(" ").startswith(FORMULA_START):
            # Shown as written (no apostrophe of the CSV files in the text), a string cell with Excel's quote prefix.
            assert cell.data_type == "s" and cell.quotePrefix, (sheet, coordinate)
            assert not cell.value.startswith("'"), (sheet, coordinate, cell.value)
            hostile += 1
    assert hostile >= (8 if key == "diagnostic" else 1)


def test_report_keeps_the_names_as_text(outputs: dict[str, Any]) -> None:
    page = outputs["report"].read_text(encoding="utf-8")
    assert "<script>alert('xss')</script>" not in page
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in page
    assert "=CPTS formule" in page  # shown as it is written: a report is not a spreadsheet


def test_real_flow_table_is_labelled_as_such_on_the_maps(outputs: dict[str, Any]) -> None:
    """The flows come from the FLUX= table: « Recours annuels », never « modélisés », on both flow maps."""
    folder = outputs["report"].parent
    page = (folder / "flux.html").read_text(encoding="utf-8")
    assert "Recours annuels" in page and "modélisés" not in page
    assert "table origine-destination fournie" in page
    report = outputs["report"].read_text(encoding="utf-8")
    assert "épaisseur : recours annuels)" in report and "Principaux flux modélisés" not in report
