"""Income of communes re-created since the geography of Filosofi 2019 (1 January 2021), on the national load.

A review: Essarts-en-Bocage (85084, 6 851 inhabitants) showed the Filosofi row of « Essarts en Bocage », 9 103
persons with L'Oie (85165) and Sainte-Florence (85212), re-created since, as « valeur exacte de la commune »;
L'Oie (1 250 inhabitants) was « absent du fichier (commune trop petite) ». Expected values are read from the
raw Filosofi file and the raw COG packages of the mirror.
"""

from __future__ import annotations

import json
import tarfile
from typing import Any

import pytest

from tests.app import profile_raw as raw
from tests.conftest import mirror_path

pytestmark = [pytest.mark.national, pytest.mark.xdist_group("national")]


def _deleguees_of_2021(holder: str) -> list[str]:
    """The communes déléguées of ``holder`` in the package of COG 2021 (3.1.1), from the raw archive."""
    path = mirror_path() / "decoupage-administratif" / "etalab-decoupage-administratif-3.1.1.tgz"
    with tarfile.open(path) as archive:
        member = archive.extractfile("package/data/communes.json")
        assert member is not None
        records = json.load(member)
    return sorted(r["code"] for r in records if r["type"] == "commune-deleguee" and r.get("chefLieu") == holder
                  and r["code"] != holder)


def _income(db: Any, spec: str) -> Any:
    from pipeline.app.sections.areas import areas_section
    from pipeline.app.sections.characteristics import income_section
    from pipeline.store.territory import resolve_territory

    territory = resolve_territory(db, spec, None)
    areas = areas_section(db, territory, "85", "52")
    return income_section(db, territory.units, areas.zones)


def test_the_row_of_a_commune_split_since_is_no_exact_value(national_db: Any) -> None:
    recreated = _deleguees_of_2021("85084")
    assert {"85165", "85212"} <= set(recreated)
    row = raw.filosofi()["85084"]
    assert "85165" not in raw.filosofi() and "85212" not in raw.filosofi()
    income = _income(national_db, "communes:85084")
    assert income.method != "commune" and "valeur exacte" not in income.label
    assert "la ligne de 85084 décrit aussi 85165, 85212, hors du territoire" in income.label
    unit = income.per_unit.set_index("unit_code").loc["85084"]
    assert unit["mediane"] == pytest.approx(row["mediane"])
    assert unit["statut"] == ("ligne de la commune de 2021, qui comprenait aussi L'Oie (85165), Sainte-Florence "
                              "(85212) (rétablies depuis) : valeurs d'un ensemble plus grand que la commune")
    # L'Oie is no small commune: its households are in the row of Essarts-en-Bocage.
    alone = _income(national_db, "communes:85165")
    assert alone.per_unit["statut"].tolist() == [
        "absente du fichier : comprise en 2021 dans la commune Essarts en Bocage (85084), dont la ligne la décrit "
        "avec elle (rétablie depuis)"]  # its name of 2021, as the package of COG 2021 writes it
    assert alone.territory.set_index("indicateur")["valeur"].isna().all()


def test_the_commune_of_2021_given_whole_gets_its_row(national_db: Any) -> None:
    row = raw.filosofi()["85084"]
    income = _income(national_db, "communes:85084,85165,85212")
    assert income.method == "commune"
    assert income.label == ("valeur exacte de la commune 85084 (commune de 2021, aujourd'hui 85084, 85165, 85212) "
                            "(Filosofi)")
    values = income.territory.set_index("indicateur")["valeur"]
    for indicator in ("mediane", "d1", "d9", "part_minima_sociaux"):
        assert values[indicator] == pytest.approx(row[indicator]), indicator


def test_recreated_communes_beside_their_2021_commune_are_not_under_secrecy(national_db: Any) -> None:
    """A review: with a neighbour (85008), L'Oie and Sainte-Florence were « non diffusés (secret statistique) »,
    though the row of Essarts-en-Bocage holds their households. The approximation weighs the two rows by their
    persons, from the raw file."""
    rows = [raw.filosofi()[code] for code in ("85084", "85008")]
    income = _income(national_db, "communes:85084,85165,85212,85008")
    d1 = income.territory.set_index("indicateur").loc["d1"]
    assert (d1["n_non_diffusees"], d1["population_non_diffusee"]) == (0, 0)
    assert d1["valeur"] == pytest.approx(sum(r["d1"] * r["personnes"] for r in rows)
                                         / sum(r["personnes"] for r in rows))
