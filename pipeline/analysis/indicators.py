"""Territory indicators: population and its evolution, density, supply, APL.

Pure functions over DataFrames; :mod:`pipeline.app.diagnostic` reads the inputs
from DuckDB and writes the outputs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from pipeline.nomenclatures import GROUPES_TRAME

APL_UNDER_SERVED = 2.5  # DREES: below 2.5 consultations/visits per inhabitant per year

TRAME_GROUPS = list(GROUPES_TRAME)  # rows of the Trame table, defined once in nomenclatures


def by_population_year(population_by_vintage: pd.Series, years: dict[int, int]) -> pd.Series:
    """Re-index populations of COG vintages by the year of their legal population.

    Packages carrying the same legal population (same year) are one data
    point: the latest vintage (latest geography) is kept.
    """
    series = population_by_vintage.dropna().sort_index()
    keyed = pd.Series(series.to_numpy(), index=[years[int(v)] for v in series.index])
    return keyed[~keyed.index.duplicated(keep="last")].sort_index()


def evolution(population_by_vintage: pd.Series) -> pd.DataFrame:
    """Population of each vintage with absolute change and annual rate since the first.

    The annual rate between vintages ``a`` and ``b`` is ``(P_b / P_a) ** (1 / (b - a)) - 1``.
    """
    series = population_by_vintage.dropna().sort_index().astype("float64")
    if series.empty:
        return pd.DataFrame(columns=["millesime", "population", "evolution", "taux_annuel_pct"])
    first_year, first = int(series.index[0]), float(series.iloc[0])
    rows = []
    for year, value in series.items():
        span = int(year) - first_year
        rate = ((value / first) ** (1 / span) - 1) * 100 if span > 0 and first > 0 else np.nan
        rows.append({"millesime": int(year), "population": int(value), "evolution": int(value - first),
                     "taux_annuel_pct": rate})
    return pd.DataFrame(rows)


def annual_rate(population_by_vintage: pd.Series) -> float:
    frame = evolution(population_by_vintage)
    return float(frame["taux_annuel_pct"].iloc[-1]) if len(frame) > 1 else float("nan")


def density(population: float, area_km2: float) -> float:
    return population / area_km2 if area_km2 > 0 else float("nan")


def units_area(codes: Iterable[str], areas: pd.Series, held_by: Mapping[str, str]) -> float:
    """Area (km²) of a set of units from their polygons' areas, or NaN when it is not known.

    ``areas``: unit code → its polygon's area. ``held_by``: a commune re-created since the contours' COG → the unit
    whose polygon holds it too (that polygon's area is theirs together). Known when every unit has a polygon or is
    held by one of the set, and every polygon holding a re-created commune comes with all of them.
    """
    inside = set(codes)
    holders = set(held_by.values())
    for code in inside:
        if code in held_by:
            if held_by[code] not in inside:
                return float("nan")
        elif code not in areas.index or pd.isna(areas[code]):
            return float("nan")
    if any(holder in inside for holder in holders) and \
            any(recreated not in inside for recreated, holder in held_by.items() if holder in inside):
        return float("nan")
    return float(areas.reindex(sorted(inside - set(held_by))).sum())


def weighted_apl(apl: pd.DataFrame, codes: list[str] | None = None) -> float:
    """APL of a set of communes: their APL weighted by standardised population.

    The DREES workbook prescribes it (« l'APL communal doit être pondéré par la
    population standardisée »): the standardised population is the demand the
    indicator divides by, so this mean is the accessibility of the whole area.
    """
    frame = apl if codes is None else apl[apl["code"].isin(codes)]
    frame = frame.dropna(subset=["apl", "population_standardisee"])
    weight = frame["population_standardisee"].sum()
    if weight <= 0 and len(frame) == 1:  # one published APL without weight (a commune re-created since): its own
        return float(frame["apl"].iloc[0])
    return float((frame["apl"] * frame["population_standardisee"]).sum() / weight) if weight > 0 else float("nan")


def supply_by_group(supply: pd.DataFrame, population: float) -> pd.DataFrame:
    """Add ``densite_10000`` (head count per 10 000 inhabitants) to a per-group supply table.

    ``supply`` has ``groupe`` and ``praticiens``, the number of *distinct*
    practitioners with a site in the zone (:func:`pipeline.store.queries.supply.offre_territoire`
    or :func:`pipeline.store.queries.supply.effectifs_zone`). Rows whose ``unite`` is
    ``structures`` (MSP, centres de santé) get no density.
    """
    table = supply.copy()
    counts = pd.to_numeric(table["praticiens"], errors="coerce").astype("float64")
    density = counts / population * 10_000 if population > 0 else pd.Series(np.nan, index=table.index)
    if "unite" in table.columns:
        density = density.where(table["unite"] != "structures")
    table["densite_10000"] = density
    return table


