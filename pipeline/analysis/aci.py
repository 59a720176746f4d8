"""ACI rules for CPTS: size band (taille), funding table, mission calendar.

The size bands come from the ACI of 20 June 2019 as quoted in the seeds
(« Taille 1 (moins de 40 000 habitants), Taille 2 (entre 40 000 et 80 000
habitants), Taille 3 (entre 80 000 et 175 000), Taille 4 (plus de 175 000) »).
Bounds are half-open: a population of exactly 40 000 is taille 2, of exactly
80 000 taille 3, of exactly 175 000 taille 4. The Trame (seed 002) adds
« Taille 4++ : Taille 4 avec plus de 100 PS ».

Amounts and deadlines are versioned tables in ``pipeline/data`` rather than
literals, since later avenants changed them.
"""

from __future__ import annotations

import calendar
from datetime import date

import pandas as pd

from pipeline.config import PACKAGE_DATA
from pipeline.errors import PipelineError

# Lower bounds (inclusive) of tailles 2, 3 and 4.
SIZE_BOUNDS: tuple[int, int, int] = (40_000, 80_000, 175_000)
TAILLE_4PP_MIN_PROFESSIONALS = 100  # "plus de 100 PS": strictly more than 100
DEFAULT_VERSION = "ACI-2019"


def size_band(population: float) -> int:
    """ACI taille (1–4) of a territory of ``population`` inhabitants."""
    if population < 0:
        raise ValueError("population must be non-negative")
    return 1 + sum(population >= bound for bound in SIZE_BOUNDS)


def size_label(population: float, professionals: int | None = None) -> str:
    """``"1"`` … ``"4"``, or ``"4++"`` for taille 4 with more than 100 health professionals."""
    band = size_band(population)
    if band == 4 and professionals is not None and professionals > TAILLE_4PP_MIN_PROFESSIONALS:
        return "4++"
    return str(band)


def band_description(band: int) -> str:
    low = ([0, *SIZE_BOUNDS])[band - 1]
    if band == 4:
        return f"{low:,} habitants ou plus".replace(",", " ")
    high = SIZE_BOUNDS[band - 1]
    return f"de {low:,} à moins de {high:,} habitants".replace(",", " ")


def funding_table(version: str = DEFAULT_VERSION) -> pd.DataFrame:
    frame = pd.read_csv(PACKAGE_DATA / "aci_financement.csv", comment="#", dtype={"montant_eur": "int64"})
    frame = frame[frame["version"] == version]
    if frame.empty:
        raise PipelineError(f"Version de l'ACI inconnue : {version}")
    return frame.reset_index(drop=True)


def funding_for(band: int, version: str = DEFAULT_VERSION) -> pd.DataFrame:
    """Funding lines (mission, volet, amount) of taille ``band``."""
    table = funding_table(version)
    return table[table["taille"] == band][["mission", "categorie", "volet", "montant_eur"]].reset_index(drop=True)


def funding_totals(band: int, version: str = DEFAULT_VERSION) -> dict[str, int]:
    """Total of fixed + variable lines, and the maximum with the unscheduled-care supplement."""
    lines = funding_for(band, version)
    base = int(lines.loc[lines["categorie"] != "supplementaire", "montant_eur"].sum())
    extra = int(lines.loc[lines["categorie"] == "supplementaire", "montant_eur"].sum())
    return {"total_possible": base, "volet_supplementaire": extra, "maximum": base + extra}


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def mission_calendar(signature: date, version: str = DEFAULT_VERSION) -> pd.DataFrame:
    """Start and deployment deadlines of each mission after the ACI signature."""
    table = pd.read_csv(PACKAGE_DATA / "aci_calendrier.csv", comment="#")
    table = table[table["version"] == version].copy()
    starts, ends = [], []
    for row in table.itertuples():
        starts.append(add_months(signature, int(row.demarrage_mois)) if pd.notna(row.demarrage_mois) else None)
        ends.append(add_months(signature, int(row.deploiement_mois)) if pd.notna(row.deploiement_mois) else None)
    table["demarrage"] = starts
    table["deploiement"] = ends
    return table[["mission", "categorie", "demarrage_mois", "deploiement_mois", "demarrage", "deploiement"]]


def parse_signature(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise PipelineError(f"Date de signature invalide « {text} » : attendu AAAA-MM-JJ") from exc
