"""French elision and contraction before a place name in the labels the tool writes (« Bassin de vie de Ajaccio »
was in a report's title, its Word file and the terminal)."""

from __future__ import annotations

import duckdb
import pytest

from pipeline.geography import of_place
from pipeline.store.territory import resolve_territory


@pytest.mark.parametrize(("name", "written"), [
    ("Ajaccio", "d'Ajaccio"), ("Aix-en-Provence", "d'Aix-en-Provence"), ("Écully", "d'Écully"),
    ("Manosque", "de Manosque"), ("La Ciotat", "de La Ciotat"), ("Le Puy-en-Velay", "du Puy-en-Velay"),
    ("Les Mées", "des Mées"), ("Lesparre-Médoc", "de Lesparre-Médoc"), ("Lens", "de Lens"),
])
def test_of_place(name: str, written: str) -> None:
    assert of_place(name) == written


@pytest.mark.mirror
def test_a_bassin_de_vie_is_named_with_its_elision(db: duckdb.DuckDBPyConnection) -> None:
    assert resolve_territory(db, "bv:Aix-en-Provence").label.startswith("Bassin de vie d'Aix-en-Provence (BV2022 ")
    assert resolve_territory(db, "bv:Manosque").label.startswith("Bassin de vie de Manosque (BV2022 ")
