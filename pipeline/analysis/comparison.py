"""Comparing the CPTS of a listing: territory type, ranks among comparable CPTS, uncovered population nearby.

A figure of one CPTS means little alone; an ARS reads it against CPTS of the
same size (ACI taille) and the same kind of territory. The kind of territory
is the *dominant* class, by population, of the aires d'attraction des villes
2020 (:mod:`pipeline.analysis.population.territory_type`): the class holding
the largest part of the CPTS's population.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = ["dominant_type", "group_ranks", "uncovered_population_near"]

UNKNOWN = "non disponible"


def dominant_type(by_unit: pd.DataFrame, codes: Iterable[str], column: str = "aav_classe_libelle") -> str:
    """The category of ``column`` holding the largest population among ``codes``.

    Parameters
    ----------
    by_unit
        One row per unit: ``code``, ``population`` and ``column`` (e.g. the
        output of :func:`~pipeline.analysis.population.territory_type.territory_type_by_unit`).
    codes
        Units of the territory.
    column
        Category column.

    Returns
    -------
    str
        The category; ties broken by the category name; « non disponible »
        when no unit of ``codes`` has a known population, or when units of
        unknown category (« non disponible » or missing) hold the largest
        part of it.
    """
    wanted = by_unit[by_unit["code"].astype(str).isin({str(c) for c in codes})].dropna(subset=["population"])
    if wanted.empty:
        return UNKNOWN
    # The unknown class (an aire across the border, Monaco – Menton) competes like the others: « CPTS de la
    # Riviera Française » has 85.6 % of its population there and 7.7 % in its largest known class, which is not
    # its type. A CPTS of unknown type is compared with no one (group_ranks).
    classes = wanted[column].astype("string").fillna(UNKNOWN)
    totals = wanted.groupby(classes)["population"].sum()
    best = totals.max()
    winners = sorted(str(k) for k, v in totals.items() if v == best)
    known = [k for k in winners if k != UNKNOWN]
    return known[0] if known else UNKNOWN


def group_ranks(table: pd.DataFrame, figures: Sequence[str], by: Sequence[str]) -> pd.DataFrame:
    """Rank of each row's figures among the rows of its group (1 = highest value).

    Parameters
    ----------
    table
        One row per territory, with the ``figures`` columns (numbers, NA
        allowed) and the ``by`` columns (the group).
    figures
        Columns to rank.
    by
        Columns defining the group (e.g. taille and territory type).

    Returns
    -------
    DataFrame
        Same index: ``rang_<figure>`` (Int64; ties share the best rank,
        ``method="min"``; NA when the figure is missing, and missing values
        are not ranked), ``classees_<figure>`` (Int64, the rows of the group
        ranked on it) and ``groupe_comparaison`` (Int64, number of rows of
        the group); all NA for a row whose group is unknown (NA or « non
        disponible »), which is compared with no one.
    """
    out = pd.DataFrame(index=table.index)
    # A row whose group is unknown (type « non disponible ») is compared with no one: no rank, no group size.
    comparable = (table[list(by)].notna() & (table[list(by)].astype(str) != UNKNOWN)).all(axis=1)
    kept = table[comparable]
    for figure in figures:
        values = pd.to_numeric(kept[figure], errors="coerce").astype("float64")
        ranks = values.groupby([kept[c] for c in by], dropna=False).rank(ascending=False, method="min")
        out[f"rang_{figure}"] = ranks.round().astype("Int64").reindex(table.index)
        # Out of how many: those of the group with the figure (a review read « rang 8/10 » for the last of 8).
        ranked = values.groupby([kept[c] for c in by], dropna=False).transform("count")
        out[f"classees_{figure}"] = ranked.astype("Int64").reindex(table.index)
    sizes = kept.groupby(list(by), dropna=False, sort=False)[next(iter(by))].transform("size")
    out["groupe_comparaison"] = sizes.astype("Int64").reindex(table.index)
    return out


def uncovered_population_near(
    perimeter: BaseGeometry | None,
    units: gpd.GeoDataFrame,
    covered: Iterable[str],
    distance_m: float,
) -> float:
    """Population of the units near a perimeter that no CPTS covers.

    Parameters
    ----------
    perimeter
        The perimeter, in the same projected CRS (metres) as ``units``.
    units
        ``code``, ``population``, geometry (projected, metres).
    covered
        Codes of the units claimed by at least one CPTS (the perimeter's own
        units among them).
    distance_m
        A unit is near when its polygon lies within this distance of the
        perimeter (a small tolerance counts the units that touch it, across
        the gaps of simplified contours).

    Returns
    -------
    float
        Σ population of those units (0 when there is none); NaN when the
        perimeter is missing or a counted unit's population is unknown.
    """
    if perimeter is None or perimeter.is_empty:
        return math.nan
    claimed = {str(c) for c in covered}
    free = units[~units["code"].astype(str).isin(claimed) & units.geometry.notna()]
    if free.empty:
        return 0.0
    near = free[shapely.dwithin(free.geometry.values, perimeter, distance_m)]
    population = pd.to_numeric(near["population"], errors="coerce")
    if population.isna().any():
        return math.nan
    return float(population.sum())
