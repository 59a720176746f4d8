"""Where an establishment is, as the report's lists name it."""

from __future__ import annotations

import pandas as pd

from pipeline.render.sections.supply import _place


def test_a_commune_outside_the_load_is_named_by_its_code_not_n_d() -> None:
    """Riboux (83105) in a database of 04 and 13: unknown to the database, known to the FINESS file."""
    names = pd.Series({"13030": "Cuges-les-Pins"})
    outside = pd.Series({"unite": None, "commune": None, "commune_source": "83105"})
    inside = pd.Series({"unite": "13030", "commune": "13030", "commune_source": "13030"})
    nothing = pd.Series({"unite": None, "commune": None, "commune_source": None})
    assert [_place(row, names) for row in (outside, inside, nothing)] == [
        "83105", "Cuges-les-Pins (13030)", "non disponible"]
