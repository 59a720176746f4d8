"""The flows section models only the origins that can change its figures: the same figures as the whole
neighbourhood, for a rural territory and for arrondissements of a city."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from pipeline.app.diagnostic import compute
from pipeline.app.sections import flows as flows_section
from pipeline.app.sections import pertinence as pertinence_section
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


@pytest.mark.parametrize("spec", ["communes:04070,04001,04019", "communes:13211,13212,13213", "communes:13055"])
def test_pertinence_from_the_flows_section_equals_its_own_model(
        db: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch, spec: str) -> None:
    """The pertinence section reads the flows section's GP flows instead of modelling the neighbourhood
    (twice its cutoff) again: the same figures as its own model of every origin."""
    options = DiagnosticOptions(territory=spec)
    territory = resolve_territory(db, spec)
    models: list[object] = []
    model = pertinence_section.flow_model.modelled_gp_flows
    monkeypatch.setattr(pertinence_section.flow_model, "modelled_gp_flows",
                        lambda *args: models.append(args) or model(*args))
    reused = compute(db, territory, options).pertinence
    assert models == []  # read from the flows section, not modelled again
    monkeypatch.setattr(pertinence_section, "_covering_flows", lambda *args: None)
    own = compute(db, territory, options).pertinence
    assert len(models) == 1
    assert reused is not None and own is not None and own.self_containment is not None
    assert reused.self_containment == pytest.approx(own.self_containment, rel=1e-12)
    for name in ("population", "population_with_candidates"):
        assert getattr(reused, name) == getattr(own, name)
    for name in ("self_containment_with_candidates", "resident_volume", "unserved_volume"):
        assert getattr(reused, name) == pytest.approx(getattr(own, name), rel=1e-12, nan_ok=True)
    assert len(own.candidates) + len(own.to_examine) > 0
    for name in ("candidates", "to_examine", "cut_zones"):
        pd.testing.assert_frame_equal(getattr(reused, name).reset_index(drop=True),
                                      getattr(own, name).reset_index(drop=True), check_exact=False, rtol=1e-12)


def test_a_territory_across_the_world_says_which_part_the_models_leave_out(db: duckdb.DuckDBPyConnection) -> None:
    """A review: « communes:97101,97411,97611 » gave the flows of La Réunion alone, without a word. Here Mamoudzou
    (976, the larger population) with Digne-les-Bains (04): the flows are Mayotte's, and both the notes and the
    flows section's reservations say that Digne's 16 000-odd residents are not in them."""
    spec = "communes:97611,04070"
    territory = resolve_territory(db, spec)
    d = compute(db, territory, DiagnosticOptions(territory=spec))
    digne = int(db.execute("SELECT population FROM communes WHERE code = '04070' "
                           "AND vintage = (SELECT max(vintage) FROM communes)").fetchall()[0][0])
    population = f"{digne:,}".replace(",", "\u202f")
    expected = ("flux et APL approchée modélisés pour les unités du territoire proches du département 976 seulement : "
                f"son unité de 04 ({population} habitants), trop éloignée, n'est pas dans le modèle, et ses "
                "indicateurs de flux ne portent pas sur elle")
    assert d.flows is not None and expected in d.flows.caveats and expected in d.notes
    assert "04070" not in set(d.flows.lines["origin"].astype(str)) | set(d.flows.lines["destination"].astype(str))
