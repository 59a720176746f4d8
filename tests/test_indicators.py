"""Indicators on hand-made data with hand-computed answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline import indicators as ind
from pipeline.errors import DataError


def test_evolution_and_annual_rate() -> None:
    # 10 000 → 12 100 over two years is +10 % a year: 10 000 × 1.1² = 12 100.
    frame = ind.evolution(pd.Series({2019: 10_000, 2020: 11_000, 2021: 12_100}))
    assert frame["evolution"].tolist() == [0, 1_000, 2_100]
    assert frame["taux_annuel_pct"].iloc[-1] == pytest.approx(10.0)
    assert np.isnan(frame["taux_annuel_pct"].iloc[0])


def test_weighted_apl() -> None:
    apl = pd.DataFrame({"code": ["a", "b", "c"], "apl": [2.0, 4.0, 9.0], "population_totale": [300, 100, 0]})
    # (2 × 300 + 4 × 100) / 400 = 2.5; commune c has no population and no weight.
    assert ind.weighted_apl(apl, ["a", "b", "c"]) == pytest.approx(2.5)
    assert ind.weighted_apl(apl, ["b"]) == pytest.approx(4.0)


OFFRE = pd.DataFrame(
    [
        # A GP with two sites (a and b) counts 0.5 + 0.5 = 1 practitioner.
        {"commune": "a", "groupe": "Médecins généralistes", "recours": "premier", "mode": "libéral",
         "effectif": 2, "etp_sites": 1.5},
        {"commune": "b", "groupe": "Médecins généralistes", "recours": "premier", "mode": "libéral",
         "effectif": 1, "etp_sites": 0.5},
        {"commune": "b", "groupe": "Infirmiers", "recours": "premier", "mode": "salarié",
         "effectif": 4, "etp_sites": 4.0},
        {"commune": "z", "groupe": "Infirmiers", "recours": "premier", "mode": "libéral",
         "effectif": 9, "etp_sites": 9.0},
    ]
)


def test_supply_by_group_counts_multi_site_practitioners_once() -> None:
    table = ind.supply_by_group(OFFRE, ["a", "b"], population=5_000).set_index("groupe")
    assert table.at["Médecins généralistes", "praticiens"] == pytest.approx(2.0)
    assert table.at["Médecins généralistes", "densite_10000"] == pytest.approx(4.0)  # 2 / 5 000 × 10 000
    assert table.at["Infirmiers", "praticiens"] == pytest.approx(4.0)  # z is outside
    assert table.at["Psychologues", "praticiens"] == 0
    assert list(table.index) == ind.TRAME_GROUPS


def test_representativeness(tmp_path: Path) -> None:
    path = tmp_path / "adherents.csv"
    path.write_text("nom,profession,rpps\nA,Médecin généraliste,1\nB,infirmière,2\nC,IDE,3\n", encoding="utf-8")
    members = ind.read_adherents(str(path))
    supply = ind.supply_by_group(OFFRE, ["a", "b"], population=5_000)
    table = ind.representativeness(members, supply).set_index("groupe")
    assert table.at["Médecins généralistes", "adherents"] == 1
    assert table.at["Médecins généralistes", "part_adherents_pct"] == pytest.approx(50.0)  # 1 of 2
    assert table.at["Infirmiers", "part_adherents_pct"] == pytest.approx(50.0)  # 2 of 4


def test_adherents_errors_name_each_line(tmp_path: Path) -> None:
    path = tmp_path / "adherents.csv"
    path.write_text("profession,rpps\nplombier,1\nkiné,2\nastronaute,3\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        ind.read_adherents(str(path))
    assert "ligne 2 : profession inconnue « plombier »" in str(info.value)
    assert "ligne 4 : profession inconnue « astronaute »" in str(info.value)
    assert "ligne 3" not in str(info.value)


def test_adherents_duplicated_rpps(tmp_path: Path) -> None:
    path = tmp_path / "adherents.csv"
    path.write_text("profession,rpps\nkiné,7\npharmacien,7\n", encoding="utf-8")
    with pytest.raises(DataError, match="Adhérents en double"):
        ind.read_adherents(str(path))
