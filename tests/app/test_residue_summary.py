"""``make data``'s summary of the contours' harmonisation residue: the few communes to look at stay visible.

On every national load, the 94 communes of the collectivités d'outre-mer (outside the contours' field) were
listed one by one above the 7 communes without a polygon of their own.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.app.data import MAX_RESIDUE_LINES, residue_lines

COM = "collectivité d'outre-mer : hors du champ des contours"
RECREATED = "commune actuelle sans polygone propre (recréée après le COG des contours ?)"


def test_a_reason_shared_by_many_units_is_one_line_and_the_others_are_listed() -> None:
    com = [(f"988{n:02d}", f"Commune {n}", 1000 + n, COM) for n in range(1, 95)]
    recreated = [("01039", "Béon", 600, RECREATED), ("49126", "Gennes-Val-de-Loire", None, RECREATED)]
    residue = pd.DataFrame([("commune-sans-polygone", *r) for r in com + recreated],
                           columns=["kind", "code", "nom", "population", "note"])
    residue["population"] = residue["population"].astype("Int64")
    assert len(com) > MAX_RESIDUE_LINES
    assert residue_lines(residue) == [
        "  commune-sans-polygone (96) :",
        f"    94 unités — {COM} (98801, 98802, 98803, 98804, 98805…)",
        f"    01039 Béon, 600 hab. — {RECREATED}",
        f"    49126 Gennes-Val-de-Loire — {RECREATED}",
    ]


def test_the_record_of_the_previous_load_is_read_as_departements_are_typed(tmp_path: Path) -> None:
    """``departements-charges.txt`` may be edited by hand: « 4, 13 » is 04 and 13; a code of no département is
    said in French with the file, never read as a département or as « all of France »."""
    from pipeline.app.data import _recorded_departements
    from pipeline.errors import DataError

    record = tmp_path / "departements-charges.txt"
    record.write_text("13, 4 ,2a\n", encoding="utf-8")
    assert _recorded_departements(record) == ("04", "13", "2A")
    record.write_text("04,x\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        _recorded_departements(record)
    assert info.value.message.startswith("Départements du chargement précédent illisibles (« 0X ») : corrigez")
    assert info.value.path == str(record)
