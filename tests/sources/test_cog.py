"""COG history chaining on small hand-made vintages."""

from __future__ import annotations

import pandas as pd

from pipeline.sources.cog import build_mapping, population_on_current_geography


def _communes(rows: list[tuple[int, str, str, int | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"vintage": v, "code": c, "nom": c, "type": t, "parent": None, "population": p} for v, c, t, p in rows]
    )


def test_chain_across_vintages_reaches_the_current_commune() -> None:
    # 2019: A, B, C current. 2021: A absorbed into B. 2024: B absorbed into C.
    communes = _communes([
        (2019, "A", "commune-actuelle", 10), (2019, "B", "commune-actuelle", 20), (2019, "C", "commune-actuelle", 30),
        (2021, "B", "commune-actuelle", 31), (2021, "C", "commune-actuelle", 32),
        (2024, "C", "commune-actuelle", 70),
    ])
    edges = pd.DataFrame([
        {"vintage": 2021, "code": "A", "target": "B", "kind": "deleguee", "nom": "A"},
        {"vintage": 2024, "code": "B", "target": "C", "kind": "deleguee", "nom": "B"},
    ])
    mapping = build_mapping(communes, edges, 2024).set_index("code")
    assert mapping.at["A", "current_code"] == "C"
    assert mapping.at["A", "note"] == "chaîne : A → B → C"
    assert mapping.at["B", "current_code"] == "C"
    assert mapping.at["C", "kind"] == "actuelle"
    pop = population_on_current_geography(communes, mapping.reset_index()).set_index("vintage")["population"]
    assert pop.to_dict() == {2019: 60, 2021: 63, 2024: 70}


def test_recreated_commune_maps_to_itself_and_unmapped_codes_are_kept() -> None:
    # S was a déléguée of T in 2019 and is a commune again in 2026; X vanished with no successor.
    communes = _communes([
        (2019, "T", "commune-actuelle", 100), (2019, "X", "commune-actuelle", 5),
        (2026, "T", "commune-actuelle", 80), (2026, "S", "commune-actuelle", 25),
    ])
    edges = pd.DataFrame([{"vintage": 2019, "code": "S", "target": "T", "kind": "deleguee", "nom": "S"}])
    mapping = build_mapping(communes, edges, 2026).set_index("code")
    assert mapping.at["S", "current_code"] == "S"
    assert pd.isna(mapping.at["X", "current_code"])
    assert mapping.at["X", "note"] == "aucune correspondance dans les millésimes chargés"
