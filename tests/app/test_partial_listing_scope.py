"""A CPTS whose listed communes lie partly outside the départements of a scoped database (make data
--departements) is diagnosed on the loaded ones, and says so: a review found « CPTS Buëch Dévoluy : 1 unités »
with no word that the listing gives it 58 communes, most of them in the Hautes-Alpes (05), not loaded here.

Known answer: the communes of the raw listing file outside the fixture's départements (04, 13, 33, 75, 976).
"""

from __future__ import annotations

import csv

import duckdb
import pytest

from pipeline.app.diagnostic import compute
from pipeline.model import DiagnosticOptions
from pipeline.store.territory import resolve_territory
from tests.conftest import FIXTURE_DEPARTEMENTS, mirror_path

pytestmark = [pytest.mark.mirror]

CPTS = "CPTS Buëch Dévoluy"


def _listed(cpts: str) -> list[str]:
    with open(mirror_path() / "cpts" / "paca-cpts-communes.csv", encoding="utf-8") as handle:
        return sorted(row["code_insee"] for row in csv.DictReader(handle) if row["cpts"] == cpts)


def test_communes_outside_the_loaded_departements_are_named_and_the_figures_said_partial(
        db: duckdb.DuckDBPyConnection) -> None:
    listed = _listed(CPTS)
    outside = [c for c in listed if c[:2] not in FIXTURE_DEPARTEMENTS and c[:3] not in FIXTURE_DEPARTEMENTS]
    assert len(outside) > 40 and len(outside) < len(listed)  # mostly in the Hautes-Alpes
    d = compute(db, resolve_territory(db, f"cpts:{CPTS}"), DiagnosticOptions(territory=f"cpts:{CPTS}"))
    assert d.listing_anomalies is not None
    flagged = d.listing_anomalies[d.listing_anomalies["kind"] == "hors_departements_charges"]
    assert sorted(flagged["code"]) == outside
    assert "code_inconnu" not in set(d.listing_anomalies["kind"])  # valid communes, only not loaded
    assert (f"{len(outside)} commune(s) de la CPTS dans sa liste sont hors des départements chargés dans la base "
            "(make data --departements) : les chiffres de ce diagnostic ne portent que sur les autres") in d.notes
    assert len(d.territory.units) == len(listed) - len(outside)
