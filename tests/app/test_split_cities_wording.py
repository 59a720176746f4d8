"""The APL approchée's sentences count Paris by arrondissement, and say so.

A review: the Métropole du Grand Paris (130 units, Paris one of them) read « Corrélation … sur 149 communes du
territoire »: the APL approchée is computed on analysis units, Paris as its 20 arrondissements.
"""

from __future__ import annotations

import duckdb
import pytest

from pipeline.app.diagnostic import compute
from pipeline.model import DiagnosticOptions
from pipeline.model.diagnostic import Diagnostic
from pipeline.render.sections.access import access_section
from pipeline.store.territory import resolve_territory

pytestmark = [pytest.mark.mirror]


def correlation(d: Diagnostic) -> str:
    (text,) = [p for sub in access_section(d)["subsections"] for p in sub["paragraphs"] if "Corrélation" in p]
    return text


def test_paris_whole_is_counted_by_its_20_arrondissements_and_said_so(db: duckdb.DuckDBPyConnection) -> None:
    d = compute(db, resolve_territory(db, "communes:75056"), DiagnosticOptions(territory="communes:75056"))
    assert d.units["unit_code"].tolist() == ["75056"] and d.access is not None
    assert sorted(d.access.communes["code"]) == [f"751{n:02d}" for n in range(1, 21)]
    text = correlation(d)
    assert " sur 20 unités du territoire, " in text
    assert text.endswith("; Paris y est comptée par arrondissement.")  # Lyon and Marseille are not concerned
    # The DREES publishes an APL for each of Paris's arrondissements, none for Paris (a review read « 0 unité sur 1
    # avec une APL publiée » for the city's row): the city's figure is said to be theirs, averaged.
    under = next(p for p in access_section(d)["paragraphs"] if "sous le seuil de 2,5" in p)
    assert "sur 1 dont l'APL est connue " in under and "publiée est" not in under
    assert ("Pour Paris, comptée entière, l'APL est la moyenne des APL publiées de ses arrondissements, pondérée par "
            "leur population standardisée.") in under


def test_communes_are_called_communes(db: duckdb.DuckDBPyConnection) -> None:
    spec = "communes:04070,04001"
    d = compute(db, resolve_territory(db, spec), DiagnosticOptions(territory=spec))
    text = correlation(d)
    # Two units: a rank correlation that cannot be read, said so (a review: « 0,50 sur 3 communes »).
    assert " sur 2 communes du territoire (trop peu d'unités pour l'interpréter), " in text
    assert "arrondissement" not in text
