"""ADHERENTS= through a whole diagnostic (fixture database, in-process): what the documents print when the
file tells nobody's participation, or declares more members than the territory has professionals; and the
French errors (exit 2) of files the reader refuses.

The members file of the run (written below):

    profession;nombre;gouvernance      (no « elaboration » column; « gouvernance » present but empty)
    Infirmier;100000;                  (the largest nombre accepted: more than the Verdon's nurses)
    Pharmacien;1;
    MSP;;                              (1 structure)

Expected by hand, N being the territory's pharmacists and M its MSP (read from summary.json):
pharmacists 1 member, share 1 / N × 100; nurses 100 000 members, no share and a note; MSP 1 member,
share 1 / M × 100 (or a note when M = 0); gouvernance and élaboration « non disponible » (empty in the
CSV and the workbook, « non disponible » in the Word Trame) in every row, never 0.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.app.robust_support import error_line
from tests.conftest import cli_environment, private_outputs
from tests.docx_reading import read_docx

pytestmark = [pytest.mark.mirror]

VERDON = "cpts:CPTS du Verdon"
SLUG = "cpts-cpts-du-verdon"
NNBSP = "\u202f"


def run(argv: list[str]) -> tuple[int, str, str]:
    from pipeline import cli

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def outputs(fixture_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("members-inputs")
    members = root / "adherents.csv"
    members.write_text("profession;nombre;gouvernance\nInfirmier;100000;\nPharmacien;1;\nMSP;;\n", encoding="utf-8")
    data = private_outputs(fixture_data_dir, root / "data")
    with cli_environment(data, root / "maps"):
        code, _, err = run(["diagnostic", VERDON, "--adherents", str(members)])
    assert code == 0, err
    tables = data / "processed" / "diagnostics" / SLUG
    page = (root / "maps" / SLUG / "rapport.html").read_text(encoding="utf-8")
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.replace("<wbr>", ""))).replace("\xa0", " "))
    with open(tables / "representativite_trame.csv", encoding="utf-8-sig", newline="") as handle:
        rows = {r["groupe"]: r for r in csv.DictReader(handle)}
    return {"summary": json.loads((tables / "summary.json").read_text(encoding="utf-8")), "csv": rows,
            "report": text, "tables": tables, "docx": root / "maps" / SLUG / "rapport.docx"}


def test_a_members_file_without_rpps_still_has_its_matches_table(outputs: dict[str, Any]) -> None:
    """A review found no ``adherents_rapproches.csv`` for a file without RPPS: a table without rows has its header
    and one line saying why, as the README says of every table."""
    with open(outputs["tables"] / "adherents_rapproches.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert "rpps" in rows[0] and len(rows) == 2
    assert rows[1][0] == "aucun numéro RPPS ou ADELI valide dans le fichier des adhérents"
    assert outputs["summary"]["adherents_rapproches"] == []


def test_unknown_participation_is_not_available_everywhere(outputs: dict[str, Any]) -> None:
    for group, row in outputs["csv"].items():
        for column in ("gouvernance", "part_gouvernance_pct", "elaboration", "part_elaboration_pct"):
            assert row[column] == "", (group, column)  # empty: non disponible, never 0
    assert outputs["csv"]["Pharmaciens"]["gouvernance_non_renseigne"] == "1"
    assert outputs["csv"]["Infirmiers"]["elaboration_non_renseigne"] == "100000"
    trame = {r["groupe"]: r for r in outputs["summary"]["representativite_trame"]}
    assert trame["Pharmaciens"]["gouvernance"] is None and trame["Médecins généralistes"]["elaboration"] is None
    report = outputs["report"]
    assert "Participant à la gouvernance" in report
    # Pharmacists: 1 member; both participation cells « non disponible » alone, no « 0 (0,0 %) ».
    assert re.search(r"Pharmaciens \d+ 1 [\d,]+ non disponible non disponible 1 / 1 ", report), report
    book = openpyxl.load_workbook(outputs["tables"] / "diagnostic.xlsx", read_only=True)
    sheet = book["Représentativité (Trame)"]
    values = list(sheet.values)
    header_row = next(i for i, r in enumerate(values) if r and "Participant à la gouvernance" in r)
    header = list(values[header_row])
    cells = next(r for r in values[header_row + 1:] if r and r[0] == "Pharmaciens")
    book.close()
    assert cells[header.index("Adhérents de la CPTS")] == 1
    for label in ("Participant à la gouvernance", "Part participant à la gouvernance (%)",
                  "Ayant participé à l'élaboration du projet de santé"):
        assert cells[header.index(label)] is None, label  # an empty cell: « non disponible » (sheet note)
    word = read_docx(outputs["docx"])
    table = next(t for t in word.tables if len(t.columns) == 4 and "gouvernance" in t.rows[0].cells[2].text)
    lines = {r.cells[0].text: [c.text for c in r.cells[1:]] for r in table.rows[1:]}
    assert lines["Pharmaciens"][1:] == ["non disponible", "non disponible"]


def test_more_members_than_professionals_is_flagged_not_shared(outputs: dict[str, Any]) -> None:
    supply = outputs["summary"]["supply"]
    nurses, pharmacists = supply["Infirmiers"]["praticiens"], supply["Pharmaciens"]["praticiens"]
    assert 0 < nurses < 100_000 and pharmacists >= 1
    row = outputs["csv"]["Infirmiers"]
    assert (row["adherents"], row["part_adherents_pct"]) == ("100000", "")
    # 1 member of N pharmacists: 1 / N × 100 (summary.json keeps 4 decimals, the CSV one).
    trame = {r["groupe"]: r for r in outputs["summary"]["representativite_trame"]}
    assert trame["Pharmaciens"]["part_adherents_pct"] == pytest.approx(100 / pharmacists, abs=1e-4)
    assert float(outputs["csv"]["Pharmaciens"]["part_adherents_pct"]) == round(100 / pharmacists, 1)
    assert trame["Infirmiers"]["part_adherents_pct"] is None
    note = (f"Infirmiers : 100{NNBSP}000 adhérents déclarés pour {nurses} "
            f"{'professionnel' if nurses < 2 else 'professionnels'} du territoire ; "
            "part non calculée (elle dépasserait 100 %)")
    assert note.replace(NNBSP, " ") in outputs["report"]
    shares = [float(r["part_adherents_pct"]) for r in outputs["csv"].values() if r["part_adherents_pct"]]
    assert shares and max(shares) <= 100


@pytest.mark.parametrize(("text", "message", "line"), [
    ("Profession;profession exercée\nInfirmier;Médecin\n",
     "Colonnes en double dans l'en-tête : « Profession » et « profession exercée » désignent la même colonne "
     "« profession » (gardez-en une seule, ou renommez les autres)", 1),
    ("Profession;RPPS;N° RPPS\nInfirmier;10001234567;10001234567\n",
     "Colonnes en double dans l'en-tête : « RPPS » et « N° RPPS » désignent la même colonne « rpps » (gardez-en "
     "une seule, ou renommez les autres)", 1),
    ("profession;nombre\nInfirmier;99999999999999999999\n",
     "Fichier des adhérents invalide :\n  - ligne 2 : nombre « 99999999999999999999 » : invraisemblable (au plus "
     "100 000 adhérents par ligne)", 2),
    ("profession;nombre\nkiné;1\nInfirmier;-2\n",
     "Fichier des adhérents invalide :\n  - ligne 3 : nombre « -2 » : entier positif attendu", 3),
])
def test_refused_files_exit_2_in_french(fixture_data_dir: Path, tmp_path: Path, text: str, message: str,
                                        line: int) -> None:
    path = tmp_path / "adherents.csv"
    path.write_text(text, encoding="utf-8")
    data = private_outputs(fixture_data_dir, tmp_path / "data")
    with cli_environment(data, tmp_path / "maps"):
        code, _, err = run(["diagnostic", VERDON, "--adherents", str(path)])
    assert (code, err) == (2, error_line(message, path, line))  # a list: the file in its header
    assert not (tmp_path / "maps" / SLUG).exists()
