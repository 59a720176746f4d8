"""Fixtures of the staging tests: the real COG 2026 units of the mirror (for the real samples)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.sources import decoupage
from pipeline.sources.download import sha256_of


@pytest.fixture(scope="session")
def cog2026(mirror: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Units of the 2026 package (communes and arrondissements) and a mapping of their codes to current communes."""
    path = mirror / "decoupage-administratif" / "etalab-decoupage-administratif-6.0.0.tgz"
    units = decoupage.staged_vintage(path, 2026, sha256_of(path)).communes
    current = units["code"].where(units["type"] == "commune-actuelle", units["parent"])
    return units, pd.DataFrame({"code": units["code"], "current_code": current, "nom": units["nom"]})
