"""Coverage groups perimeters by CPTS name: two CPTS of the same name must not become one perimeter.

The README's example listing has a « CPTS du Verdon » of its own; loaded beside the PACA listing, the coverage
counted 73 CPTS while its map's legend listed 72, the two Verdon perimeters dissolved into one (and the overlap
tooltip read « CPTS du Verdon / CPTS du Verdon »).
"""

from __future__ import annotations

import pandas as pd

from pipeline.app.coverage import named_apart


def test_same_name_different_cpts_are_named_apart_and_the_same_cpts_stays_one() -> None:
    members = pd.DataFrame({
        "listing": ["paca", "paca", "ma-liste", "ma-liste", "ma-liste", "paca", "ma-liste"],
        "cpts": ["CPTS du Verdon", "CPTS du Verdon", "CPTS du Verdon", "CPTS X", "CPTS X", "CPTS Y", "CPTS Y"],
        "cpts_id": ["p1", "p1", "m1", "a", "b", "y", "y"],
        "unit_code": ["04070", "04001", "04094", "04112", "04230", "13001", "13002"],
    })
    named = named_apart(members)["cpts"].tolist()
    assert named == ["CPTS du Verdon (liste paca)", "CPTS du Verdon (liste paca)", "CPTS du Verdon (liste ma-liste)",
                     "CPTS X (liste ma-liste) · a", "CPTS X (liste ma-liste) · b",
                     "CPTS Y", "CPTS Y"]  # one CPTS (one id) in two listings keeps its name
    assert named_apart(members).groupby("cpts")["cpts_id"].nunique().max() == 1
