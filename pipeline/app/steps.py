"""What every ``make data`` step shares: its result, the scope of the load (départements), its signature."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.geography import departement_of, departements_of


@dataclass
class StepResult:
    name: str
    status: str  # "chargé", "inchangé", "inutile" or "impossible"
    rows: int
    seconds: float
    details: list[str] = field(default_factory=list)
    #: A French warning repeated at the end of ``make data`` (demonstration data used because a download failed).
    warning: str | None = None
    #: French lines printed under the step's line (a listing's anomalies, one per line).
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Scope:
    """Which départements a load keeps (None: all of France)."""

    departements: frozenset[str] | None = None

    def keep(self, frame: pd.DataFrame, column: str, by_code: bool = True) -> pd.DataFrame:
        """Rows whose ``column`` (a commune code, or a département code) lies in the scope."""
        if self.departements is None:
            return frame
        values = frame[column].astype("string")
        deps = departements_of(values) if by_code else values
        return frame[deps.isin(self.departements).fillna(False).astype(bool)].reset_index(drop=True)

    def contains(self, code: object) -> bool:
        """Whether a commune code lies in the scope (always, for a national load)."""
        if self.departements is None:
            return True
        return isinstance(code, str) and departement_of(code) in self.departements

    @property
    def label(self) -> str:
        return "" if self.departements is None else " (départements " + ", ".join(sorted(self.departements)) + ")"

    def tag(self, sha: str) -> str:
        """A checksum that also depends on the scope (a scoped load is not the national one)."""
        if self.departements is None:
            return sha
        return combined_sha([sha, ",".join(sorted(self.departements))])


#: Setting of the database: the départements it was loaded for (empty: all of France).
SCOPE_SETTING = "departements"

Step = Callable[[duckdb.DuckDBPyConnection, Path | None, bool, Scope], StepResult]


def combined_sha(parts: list[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
