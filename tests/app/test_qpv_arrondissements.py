"""The Trame's « particularités » of an arrondissement: the QPV of its city named after it.

The zoning file keys Marseille's QPV by the city (13055): none can be placed in an arrondissement from its code.
Two are named after arrondissements (« Centre Ville 1er et 2e Arrondissements », « Centre Ville 3e
Arrondissement »): a review found them missing from the Trame of the CPTS of Marseille 1-2-3. Known answer: the
QPV of the mirror's raw zoning file whose name holds the arrondissement's ordinal and the word « Arrondissement ».
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.app.sections.population import qpv_particularities
from pipeline.geography import arrondissements_named

pytestmark = [pytest.mark.mirror]

OTHERS = "autres QPV de Marseille : non attribuables à un arrondissement dans le fichier de zonage"


def raw_zoning(mirror: Path) -> pd.DataFrame:
    data = json.loads((mirror / "zonage" / "qpv-zonage-medecins-paca-2025.json").read_text(encoding="utf-8"))
    return pd.DataFrame([{"commune": code, "qpv_id": q["id"], "qpv_nom": q["n"], "zonage": q["z"]}
                         for code, entry in data["communes"].items() for q in entry["qpv"]])


def test_the_arrondissements_a_name_names() -> None:
    assert arrondissements_named("Centre Ville 1er et 2e Arrondissements") == {1, 2}
    assert arrondissements_named("Centre Ville 3ème arrondissement") == {3}
    assert arrondissements_named("Les Tilleuls La Maurelette") == set()
    assert arrondissements_named("Résidence 2e étage") == set()  # an ordinal without « arrondissement »


def test_marseille_qpv_named_after_an_arrondissement_are_listed_in_it(mirror: Path) -> None:
    zoning = raw_zoning(mirror)
    city = zoning[zoning["commune"] == "13055"]
    named = {row.qpv_id: row for row in city.itertuples() if "arrondissement" in row.qpv_nom.lower()}
    assert len(city) > 2 and len(named) == 2  # the raw file: two of Marseille's QPV are named so
    units = pd.DataFrame({"unit_code": ["13201", "13202", "13203", "13204"], "commune_code": ["13055"] * 4,
                          "region": ["93"] * 4})
    cells = qpv_particularities(zoning, units)

    def listed(row: object) -> str:
        return f"QPV {row.qpv_nom} ({row.qpv_id}) en {row.zonage}"  # type: ignore[attr-defined]

    one_two = listed(next(r for r in named.values() if "1er et 2e" in r.qpv_nom))
    three = listed(next(r for r in named.values() if "3e" in r.qpv_nom))
    assert cells[:3] == [f"{one_two} ; {OTHERS}", f"{one_two} ; {OTHERS}", f"{three} ; {OTHERS}"]
    assert cells[3] == "QPV de Marseille : non attribuables à un arrondissement dans le fichier de zonage"
