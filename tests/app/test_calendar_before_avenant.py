"""The mission calendar of a contract signed before avenant 2 (December 2021), in every document.

Known answers from seed 000 (accès aux soins: 6 and 18 months after the signature) and the rule of
``pipeline.analysis.aci.TEXT_IN_FORCE``: the crisis mission of avenant 2 has no date counted from a signature of
20 June 2019 (it did not exist then).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipeline.app.diagnostic import compute
from pipeline.model import DiagnosticOptions
from pipeline.render.sections.taille import taille_section
from pipeline.render.trame import write_trame
from pipeline.store.territory import resolve_territory
from tests.docx_reading import read_docx

pytestmark = [pytest.mark.mirror]

CRISIS = "Réponse aux crises sanitaires graves"


def test_the_crisis_mission_of_a_2019_contract_has_no_date_in_the_report_or_the_trame(
        db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    spec = "communes:04070"
    d = compute(db, resolve_territory(db, spec), DiagnosticOptions(territory=spec, signature=date(2019, 8, 21)))
    table = next(t["data"] for t in taille_section(d)["tables"] if t["title"].startswith("Calendrier"))
    rows = table.set_index("Mission")
    assert tuple(rows.loc[CRISIS, ["Démarrage au plus tard", "Déploiement au plus tard"]]) == (
        "non disponible", "non disponible")
    access = "Accès aux soins (médecin traitant et soins non programmés)"
    assert tuple(rows.loc[access, ["Démarrage au plus tard", "Déploiement au plus tard"]]) == (
        "21/02/2020", "21/02/2021")  # 21 August 2019 (the ACI's approval, the first possible signature) + 6, + 18
    assert rows.loc["Qualité et pertinence des soins", "Démarrage au plus tard"] == "—"  # no deadline at all

    path = write_trame(d, tmp_path / "rapport.docx")
    document = read_docx(path)
    lines = {row.cells[0].text: [c.text for c in row.cells] for t in document.tables for row in t.rows}
    assert lines[CRISIS][-4:] == ["au plus tard 6 mois après l'avenant au contrat de la CPTS",
                                  "au plus tard 18 mois après l'avenant au contrat de la CPTS", "non disponible",
                                  "non disponible"]
    assert lines[access][2] == "au plus tard 6 mois après la signature"
    assert lines[access][-2:] == ["21/02/2020", "21/02/2021"]
    text = "\n".join(p.text for p in document.paragraphs)
    assert f"{CRISIS} : " in text and "courent à partir de l'avenant au contrat de la CPTS" in text
