"""The flows section models only the origins that can change its figures: the same figures as the whole
neighbourhood, for a rural territory and for arrondissements of a city."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from pipeline.app.diagnostic import compute
from pipeline.app.sections import flows as flows_section
from pipeline.model import DiagnosticOptions
from pipeline.store.territory import resolve_territory

pytestmark = pytest.mark.mirror


@pytest.mark.parametrize("spec", ["communes:04070,04001,04019", "communes:13211,13212,13213"])
def test_restricted_origins_give_the_figures_of_the_whole_neighbourhood(
        db: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch, spec: str) -> None:
    options = DiagnosticOptions(territory=spec)
    territory = resolve_territory(db, spec)
    restricted = compute(db, territory, options).flows
    every_origin = lambda inside, distances, bassins: set(distances["origin"].astype(str))  # noqa: E731
    monkeypatch.setattr(flows_section, "_origins_that_count", every_origin)
    whole = compute(db, territory, options).flows
    assert restricted is not None and whole is not None
    assert len(whole.synthesis) and len(whole.external_destinations) and len(whole.lines)
    for name in ("synthesis", "external_destinations", "bassins_de_vie", "lines"):
        pd.testing.assert_frame_equal(getattr(restricted, name).reset_index(drop=True),
                                      getattr(whole, name).reset_index(drop=True), check_dtype=False)
