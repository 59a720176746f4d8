"""Declared columns, statuses and the result type of CPTS listings; issue rows and collected errors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from pipeline.errors import DataError

STATUTS: tuple[str, ...] = ("projet", "lettre d'intention validée", "projet de santé validé", "ACI signé")
REQUIRED_COLUMNS: tuple[str, ...] = ("cpts", "code_insee")
OPTIONAL_COLUMNS: tuple[str, ...] = ("cpts_id", "statut", "date")
#: A CSV listing's column of commune names, read to check its codes (never stored).
NAME_COLUMN = "commune"
#: Key of a parsed CSV listing's ``attrs`` (headers of the columns not read, line of the header), and the kind of
#: the anomaly naming them.
UNREAD = "colonnes_non_lues"

MEMBER_COLUMNS: list[str] = [
    "listing",
    "cpts",
    "cpts_id",
    "statut",
    "date",
    "code_source",
    "unit_code",
    "commune_code",
    "unit_type",
    "note",
    "line",
]
#: Anomaly kind of a listed commune outside the départements of a database loaded for some of them only
#: (``make data --departements``): written by the listing step, not by the reader, which sees every commune.
OUT_OF_SCOPE = "hors_departements_charges"
ISSUE_COLUMNS: list[str] = ["listing", "kind", "cpts", "code", "line", "detail_fr"]
PERIMETER_COLUMNS: list[str] = ["listing", "cpts", "cpts_id", "statut", "date", "feature", "geometry"]
MAX_ERRORS_SHOWN = 50


@dataclass(frozen=True)
class ListingResult:
    """A parsed and resolved listing (or several, see :func:`pipeline.sources.cpts_listing.combine`).

    Attributes
    ----------
    members
        One row per (listing, CPTS, unit): columns of :data:`MEMBER_COLUMNS`.
        ``unit_code`` is the commune, or the arrondissement municipal for
        Paris, Lyon and Marseille; ``commune_code`` is the current commune
        (the city for an arrondissement). ``line`` is the source line.
    issues
        Content defects, one row each: columns of :data:`ISSUE_COLUMNS`.
    perimeters
        For GeoJSON listings, one row per usable CPTS perimeter, in EPSG:4326
        (whatever CRS the file declared), else None. Features outside France
        or with swapped coordinates are reported in ``issues``, not kept.
    """

    members: pd.DataFrame
    issues: pd.DataFrame
    perimeters: gpd.GeoDataFrame | None = field(default=None)


def issue(listing: str, kind: str, cpts: Any, code: Any, line: Any, detail: str) -> dict[str, Any]:
    """One row of :data:`ISSUE_COLUMNS`."""
    return {"listing": listing, "kind": kind, "cpts": cpts, "code": code, "line": line, "detail_fr": detail}


def single_id_by_name(frame: pd.DataFrame) -> pd.Series:
    """``cpts`` → its ``cpts_id``, for the names carrying one id only: an anomaly (or a row without id) names its
    CPTS, not its id, and a name two CPTS share cannot say which one it is."""
    ids = frame.dropna(subset=["cpts_id"]).groupby("cpts")["cpts_id"].unique()
    return ids[ids.map(len) == 1].map(lambda found: found[0])


def feature_label(index: int) -> str:
    """« entité n° 1 » for a file's first feature: users count from one, the readers' indices from zero."""
    return f"entité n° {index + 1}"


def raise_collected(errors: Sequence[tuple[int | None, str]], header: str, path: str | Path | None) -> None:
    """Raise one DataError listing every (line, message); its ``line`` is the first one."""
    if not errors:
        return
    lines = [f"ligne {ln} : {msg}" if ln is not None else msg for ln, msg in errors]
    shown = lines[:MAX_ERRORS_SHOWN]
    more = f"\n  … et {len(lines) - MAX_ERRORS_SHOWN} autres" if len(lines) > MAX_ERRORS_SHOWN else ""
    first_line = next((ln for ln, _ in errors if ln is not None), None)
    raise DataError(header + "\n  - " + "\n  - ".join(shown) + more, path, first_line)


def codes_beyond_the_load(issues: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``issues`` (:data:`ISSUE_COLUMNS`) naming a listed code outside the loaded départements
    (:data:`OUT_OF_SCOPE` with a code; without one, a drawn part of a perimeter over no loaded commune)."""
    return issues[(issues["kind"] == OUT_OF_SCOPE) & issues["code"].notna()]
