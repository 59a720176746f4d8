"""A ``FLUX=`` table keyed by arrondissements: the pertinence section reads it on arrondissements, as the flows
section does (a review found it folded them into Marseille: self-containment 100 %, population of the whole city,
no candidate, beside a flows section giving 74 % for the same run).

Perimeter: Marseille 1er, 2e, 3e (13201-13203). Known answers by hand from the rows below: the residents'
consultations are 150 + 100 + 100 = 350, of which 100 + 80 + 20 + 60 = 260 inside (260/350); Marseille 4e sends
70 000 of its 100 000 into the perimeter (a candidate at 70 %; some 2 per inhabitant, all its residents'
consultations); none of the perimeter's arrondissements consults mostly elsewhere (13201: 100/150, 13203:
60/100); with 13204 added, 260 + 40 + 70 000 + 30 000 = 100 300 of 100 350 stay inside.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline.app.diagnostic import compute
from pipeline.model import DiagnosticOptions
from pipeline.store.territory import resolve_territory
from tests.app import profile_raw as raw

pytestmark = [pytest.mark.mirror]

PERIMETER = "communes:13201,13202,13203"
ROWS = [("13201", "13201", 100), ("13201", "13206", 50), ("13202", "13202", 80), ("13202", "13201", 20),
        ("13203", "13203", 60), ("13203", "13204", 40), ("13204", "13201", 70_000), ("13204", "13204", 30_000),
        ("13206", "13206", 100)]


def test_arrondissement_table_is_read_on_arrondissements(db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "flux.csv"
    path.write_text("origine;destination;volume\n" + "".join(f"{o};{d};{v}\n" for o, d, v in ROWS), encoding="utf-8")
    d = compute(db, resolve_territory(db, PERIMETER), DiagnosticOptions(territory=PERIMETER, flows=path))
    p = d.pertinence
    assert p is not None and p.available
    population = raw.populations("6.0.0")
    assert p.population == sum(population[c] for c in ("13201", "13202", "13203"))
    assert p.self_containment == pytest.approx(260 / 350)
    assert p.candidates["code"].tolist() == ["13204"]
    assert p.candidates["share_into_perimeter"].tolist() == pytest.approx([0.7])
    assert p.to_examine.empty
    assert p.self_containment_with_candidates == pytest.approx(100_300 / 100_350)
    assert p.population_with_candidates == p.population + population["13204"]
    # The flows section of the same run gives the same self-containment.
    assert d.flows is not None
    assert d.flows.synthesis["auto_confinement"].tolist() == pytest.approx([260 / 350])


def test_table_mixing_a_whole_city_and_its_arrondissements(db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """Marseille held whole with Aix: one stray arrondissement row must not switch the reading to arrondissements
    (the city's rows would fall outside the perimeter: 310/410 of the consultations inside). 100 of Aix's go to
    Allauch (13002): without a row leaving the territory, its residents' leaks would be unknown. Inside:
    500 + 100 + 300 + 100 + 10 = 1 010 of 1 110."""
    territory = "communes:13055,13001"
    rows = [("13055", "13055", 500), ("13055", "13001", 100), ("13001", "13001", 300), ("13001", "13055", 100),
            ("13201", "13201", 10), ("13001", "13002", 100)]
    path = tmp_path / "flux.csv"
    path.write_text("origine;destination;volume\n" + "".join(f"{o};{d};{v}\n" for o, d, v in rows), encoding="utf-8")
    d = compute(db, resolve_territory(db, territory), DiagnosticOptions(territory=territory, flows=path))
    assert d.pertinence is not None and d.pertinence.self_containment == pytest.approx(1010 / 1110)
    assert d.pertinence.candidates.empty
    assert d.flows is not None and d.flows.synthesis["auto_confinement"].tolist() == pytest.approx([1010 / 1110])
