"""The INSEE table d'appartenance (COG 2024) extended to the communes created or restored since."""

from __future__ import annotations

import pandas as pd

from pipeline.sources.insee import on_current_geography


def _table() -> pd.DataFrame:
    # 2024: B has merged into A since; X, Y, Z have merged into a new commune N; R, a commune déléguée of P in
    # 2024, has been restored since.
    rows = {"A": ("b1", "u1"), "B": ("b1", "u1"), "C": ("b2", "u2"), "X": ("b2", "u2"), "Y": ("b1", "u1"),
            "Z": ("b2", "u3"), "P": ("b3", "u3")}
    return pd.DataFrame([{"code": code, "nom": f"nom {code}", "dep": "01", "reg": "84", "epci": "e24", "arr": "011",
                          "canov": "0101", "ze2020": "z", "uu2020": uu, "aav2020": "000", "bv2022": bv}
                         for code, (bv, uu) in rows.items()])


def _extended() -> pd.DataFrame:
    current = pd.DataFrame({"code": ["A", "C", "N", "P", "R", "S"],
                            "nom": ["a", "c", "Nouvelle", "p", "Restaurée", "s"], "departement": "01",
                            "region": "84", "epci": ["e1", "e1", "e2", "e3", "e3", None]})
    mapping = pd.DataFrame({"code": ["A", "B", "C", "N", "X", "Y", "Z", "P", "R", "S"],
                            "current_code": ["A", "A", "C", "N", "N", "N", "N", "P", "R", "S"]})
    # R was a commune déléguée of P in 2024 and of Q (a code the table does not know) in 2019.
    edges = pd.DataFrame({"vintage": [2019, 2024, 2024], "code": ["R", "R", "B"], "target": ["Q", "P", "A"],
                          "kind": ["deleguee", "deleguee", "ancien"]})
    return on_current_geography(_table(), current, mapping, edges).set_index("code")


def test_the_table_s_own_rows_are_kept_as_they_are() -> None:
    out = _extended()
    table = _table().set_index("code")
    assert out.loc[table.index, table.columns].equals(table)
    assert out.loc[table.index, "herite_de"].isna().all()


def test_a_commune_created_since_takes_the_most_common_zoning_of_its_former_communes() -> None:
    n = _extended().loc["N"]
    # Bassins de vie of X, Y, Z: b2, b1, b2 → b2. Unités urbaines u2, u1, u3: a tie, the smallest code.
    assert (n["bv2022"], n["uu2020"], n["herite_de"]) == ("b2", "u1", "X,Y,Z")
    # Its name, département and EPCI are those of the current COG, not of the table.
    assert (n["nom"], n["epci"]) == ("Nouvelle", "e2")


def test_a_restored_commune_takes_the_zonings_of_the_commune_it_was_part_of() -> None:
    r = _extended().loc["R"]
    assert (r["bv2022"], r["uu2020"], r["herite_de"]) == ("b3", "u3", "P")


def test_a_commune_from_nowhere_in_the_table_gets_no_row() -> None:
    out = _extended()
    assert "S" not in out.index
    assert len(out) == len(_table()) + 2
