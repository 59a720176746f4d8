"""« cpts:04100 »: a commune's INSEE or postal code typed where a CPTS name goes gets a hint naming the communes
it reads as, the territory to type for them, and the loaded CPTS that count them.

Expected answers are read from the mirror's raw files (the COG package's communes and their postal codes,
the PACA listing), never through the pipeline.
"""

from __future__ import annotations

import csv
import json
import tarfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline.errors import TerritoryError
from pipeline.store.territory import resolve_territory
from pipeline.store.territory.codes import suggest

pytestmark = [pytest.mark.mirror]


@pytest.fixture(scope="module")
def raw(mirror: Path) -> tuple[list[dict[str, object]], dict[str, list[str]]]:
    """(communes and arrondissements of the COG 6.0.0 package, CPTS of the PACA listing by code)."""
    package = mirror / "decoupage-administratif" / "etalab-decoupage-administratif-6.0.0.tgz"
    with tarfile.open(package) as tar:
        communes = json.load(tar.extractfile("package/data/communes.json"))  # type: ignore[arg-type]
    by_code: dict[str, list[str]] = {}
    with open(mirror / "cpts" / "paca-cpts-communes.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            by_code.setdefault(row["code_insee"], []).append(row["cpts"])
    return communes, by_code


def _message(db: duckdb.DuckDBPyConnection, name: str) -> str:
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, f"cpts:{name}")
    return str(info.value)


def test_a_postal_code_names_its_commune_and_the_cpts_counting_it(db: duckdb.DuckDBPyConnection, raw: tuple) -> None:
    communes, by_code = raw
    # 04100 is Manosque's postal code, and the former INSEE code of Larche (merged into Val d'Oronaye in 2016).
    postal = [c for c in communes if "04100" in c.get("codesPostaux", []) and c["type"] == "commune-actuelle"]
    assert [c["nom"] for c in postal] == ["Manosque"]
    manosque = str(postal[0]["code"])
    (cpts,) = by_code[manosque]
    message = _message(db, "04100")
    assert message.startswith("CPTS inconnue : « 04100 »")
    assert (f"« 04100 » est le code postal de Manosque ({manosque}) (territoire « communes:{manosque} ») ; "
            f"la CPTS qui la compte : « cpts:{cpts} »") in message
    larche = [c for c in communes if c["code"] == "04100"]
    assert not [c for c in larche if c["type"] == "commune-actuelle"]  # no current commune holds the code
    (oronaye,) = [c for c in communes if c["nom"] == "Val d'Oronaye" and c["type"] == "commune-actuelle"]
    assert (f"« 04100 » est l'ancien code INSEE de Larche, aujourd'hui dans Val d'Oronaye ({oronaye['code']}) "
            f"(territoire « communes:{oronaye['code']} ») ; la CPTS qui la compte : "
            f"« cpts:{by_code[str(oronaye['code'])][0]} »") in message


def test_an_insee_code_that_is_also_a_marseille_postal_code_gets_both_readings(db: duckdb.DuckDBPyConnection,
                                                                                 raw: tuple) -> None:
    communes, by_code = raw
    (aix,) = [c for c in communes if c["code"] == "13001" and c["type"] == "commune-actuelle"]
    (first,) = [c for c in communes if "13001" in c.get("codesPostaux", []) and c["type"] == "arrondissement-municipal"]
    message = _message(db, "13001")
    assert (f"« 13001 » est le code INSEE d'{aix['nom']} (13001) (territoire « communes:13001 ») ; la CPTS qui la "
            f"compte : « cpts:{by_code['13001'][0]} »") in message
    # The arrondissement, not the whole city whose postal codes hold it too.
    assert (f"« 13001 » est le code postal de {first['nom']} ({first['code']}) (territoire « communes:"
            f"{first['code']} ») ; la CPTS qui la compte : « cpts:{by_code[str(first['code'])][0]} »") in message


def test_a_city_code_names_the_cpts_of_its_arrondissements_and_a_name_gets_no_code_hint(
        db: duckdb.DuckDBPyConnection, raw: tuple) -> None:
    _, by_code = raw
    marseille = sorted({name for code, names in by_code.items() if code.startswith("132") for name in names})
    assert len(marseille) > 3
    message = _message(db, "13055")
    assert ("« 13055 » est le code INSEE de Marseille (13055) (territoire « communes:13055 ») ; les CPTS qui la "
            f"comptent : « cpts:{marseille[0]} », « cpts:{marseille[1]} », « cpts:{marseille[2]} » …") in message
    # Neither a commune's code nor a known one: no hint beyond « CPTS inconnue ».
    assert _message(db, "99999") == "CPTS inconnue : « 99999 »"
    assert "code INSEE" not in _message(db, "CPTS Nulle Part")


def test_an_unknown_code_that_is_a_postal_code_names_the_communes_it_serves(db: duckdb.DuckDBPyConnection,
                                                                            raw: tuple) -> None:
    """A review: « 04000 » (Digne-les-Bains's postal code, no INSEE code) got « code INSEE inconnu » alone."""
    communes, _ = raw
    served = sorted((c for c in communes if "04000" in c.get("codesPostaux", []) and c["type"] == "commune-actuelle"),
                    key=lambda c: (-int(c["population"]), c["code"]))
    assert served[0]["nom"] == "Digne-les-Bains" and len(served) > 1
    shown = ", ".join(f"{c['nom']} ({c['code']})" for c in served[:5])
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, "communes:04000,04070")
    assert (f"code INSEE inconnu : 04000 ; 04000 est le code postal de {shown} : indiquez le code INSEE voulu"
            in info.value.message)
    # A code that is neither: nothing more said.
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, "communes:04999")
    assert info.value.message.endswith("code INSEE inconnu : 04999")


def test_a_postal_code_of_six_communes_names_five_and_one_other(db: duckdb.DuckDBPyConnection, raw: tuple) -> None:
    """A second review read « et 1 autres »: 04400 serves six communes of the raw COG."""
    communes, _ = raw
    served = [c for c in communes if "04400" in c.get("codesPostaux", []) and c["type"] == "commune-actuelle"]
    assert len(served) == 6
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, "communes:04400")
    assert info.value.message.endswith(" et 1 autre : indiquez le code INSEE voulu")


def test_every_bearer_of_a_close_name_is_suggested() -> None:
    """A review: « --cpts verdon » with « CPTS du Verdon » in two listings was offered « expV:CPTS du Verdon » only
    (the first bearer of the name); so were EPCI homonyms."""
    names = pd.Series(["CPTS du Verdon", "CPTS du Verdon", "CPTS du Gapençais"])
    listings = pd.Series(["expV", "paca", "paca"])
    assert suggest("verdon", names, listings, shown=lambda name, listing: f"« {listing}:{name} »") == (
        " ; vouliez-vous dire : « expV:CPTS du Verdon », « paca:CPTS du Verdon » ?")
    assert suggest("CPTS du Verdon", names[:1], listings[:1]) == " ; vouliez-vous dire : CPTS du Verdon (expV) ?"
