"""Zones (bassins de vie, EPCI, …) cut by a set of units: some of their units in, some out.

A CPTS perimeter that cuts a bassin de vie (INSEE BV2022, the reference
« territoire vécu ») or an EPCI splits a population that lives, or is
administered, together: seed ``003`` §6.1 asks for a territory « en cohérence
avec les parcours effectifs des patients ». Counts and populations on each
side say how much of the zone is left out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import pandas as pd

from pipeline.geography import analysis_unit_count

__all__ = ["CUT_COLUMNS", "CUT_LEVELS", "national_zone_units", "zones_cut_by"]

#: Zonages checked for cuts: column of the unit attributes -> French name of the level.
CUT_LEVELS: dict[str, str] = {"bv2022": "bassin de vie 2022", "epci": "EPCI"}

CUT_COLUMNS = ["level", "zone", "n_units_in", "n_units_out", "population_in", "population_out", "units_out",
               "n_units_unloaded"]


def _population(units: pd.DataFrame, codes: Iterable[str]) -> float:
    """Sum of the populations of ``codes``; NaN when one of them is unknown."""
    population = units["population"].reindex(list(codes))
    if population.isna().any():
        return math.nan
    return float(population.sum())


def zones_cut_by(
    attributes: pd.DataFrame, inside: Iterable[str], levels: Mapping[str, str] = CUT_LEVELS,
    sizes: Mapping[str, Mapping[str, int]] | None = None,
) -> pd.DataFrame:
    """Zones with units both inside and outside a set of units.

    Parameters
    ----------
    attributes
        Unit attributes indexed by unit code (str): ``population`` (float64,
        NaN if unknown) and the zone columns of ``levels`` (absent columns are
        skipped). Counts are relative to these units: pass every unit of the
        zones concerned.
    inside
        Codes of the set (a perimeter).
    levels
        Zone column -> French name of the level (default bassins de vie 2022
        and EPCI).
    sizes
        Zone column -> zone code -> number of units of the zone in the whole
        country. A database loaded for some départements holds part of a zone
        crossing their border: its units beyond ``attributes`` are outside the
        set, with an unknown population. Without ``sizes``, ``attributes``
        holds every unit of the zones.

    Returns
    -------
    DataFrame
        ``level``, ``zone`` (code), ``n_units_in``, ``n_units_out`` (int64),
        ``population_in``, ``population_out`` (float64; NaN if a population
        is unknown, or some units are not in ``attributes``), ``units_out``
        (sorted list of the codes in ``attributes``), ``n_units_unloaded``
        (int64: units outside counted from ``sizes`` only). Sorted by level (in
        the order of ``levels``), then population outside descending, then
        zone.
    """
    inside_codes = list(set(map(str, inside)))
    is_in = attributes.index.isin(inside_codes)
    rows: list[dict[str, object]] = []
    for column, level in levels.items():
        if column not in attributes.columns:
            continue
        zones = attributes[column].astype("string")
        touched = set(zones[is_in].dropna())
        known = (sizes or {}).get(column, {})
        for zone in sorted(touched):
            members = zones.eq(zone).fillna(False).to_numpy(dtype=bool)
            codes_in = attributes.index[members & is_in]
            codes_out = attributes.index[members & ~is_in]
            unloaded = max(int(known.get(zone, 0)) - int(members.sum()), 0)
            if len(codes_out) == 0 and unloaded == 0:
                continue
            rows.append(
                {
                    "level": level,
                    "zone": zone,
                    "n_units_in": len(codes_in),
                    "n_units_out": len(codes_out) + unloaded,
                    "population_in": _population(attributes, codes_in),
                    "population_out": math.nan if unloaded else _population(attributes, codes_out),
                    "units_out": sorted(codes_out),
                    "n_units_unloaded": unloaded,
                }
            )
    out = pd.DataFrame(rows, columns=CUT_COLUMNS)
    out["n_units_in"] = out["n_units_in"].astype("int64")
    out["n_units_out"] = out["n_units_out"].astype("int64")
    out["n_units_unloaded"] = out["n_units_unloaded"].astype("int64")
    out["population_in"] = out["population_in"].astype("float64")
    out["population_out"] = out["population_out"].astype("float64")
    order = {level: rank for rank, level in enumerate(levels.values())}
    out = out.assign(_order=out["level"].map(order))
    out = out.sort_values(["_order", "population_out", "zone"], ascending=[True, False, True], na_position="last")
    return out.drop(columns="_order").reset_index(drop=True)


def national_zone_units(communes: pd.DataFrame, appartenance: pd.DataFrame) -> pd.DataFrame:
    """Analysis units of every bassin de vie 2022 and EPCI of the country, on the current geography.

    A database loaded for some départements holds part of a zone crossing their border: its total is counted
    here, from the national files, the way the analysis units are (a city split into arrondissements counts as
    its arrondissements; a commune takes the bassin de vie of its own code in the INSEE table extended to the
    current geography, so that a commune merged since the table is counted once).

    Parameters
    ----------
    communes
        Current communes of the whole country: ``code``, ``epci`` (NA when none), ``population`` (NA when
        the package gives none), ``departement``.
    appartenance
        The INSEE table on the current geography (:func:`pipeline.sources.insee.on_current_geography`):
        ``code``, ``bv2022``.

    Returns
    -------
    DataFrame
        ``niveau`` (« BV2022 » or « EPCI »), ``code``, ``unites`` (int64), ``population`` (Int64: NA when a
        commune of the zone has none), ``departements`` (its communes' départements, « 01,73,74 »), sorted.
    """
    units = communes.assign(unites=[analysis_unit_count(str(c)) for c in communes["code"]],
                            population=pd.to_numeric(communes["population"]).astype("Int64"))
    units["bv2022"] = units["code"].map(appartenance.set_index("code")["bv2022"])
    parts = []
    for level, column in (("BV2022", "bv2022"), ("EPCI", "epci")):
        zones = units.dropna(subset=[column]).groupby(column)
        # A zone with a commune of unknown population has no population (never a sum short of it).
        population = zones["population"].sum(min_count=1).where(~zones["population"].apply(lambda p: p.isna().any()))
        parts.append(pd.DataFrame({"niveau": level, "code": zones["unites"].sum().index.astype(str),
                                   "unites": zones["unites"].sum().to_numpy(),
                                   "population": population.to_numpy(),
                                   "departements": zones["departement"].agg(
                                       lambda d: ",".join(sorted(set(d.astype(str))))).to_numpy()}))
    out = pd.concat(parts, ignore_index=True).astype({"unites": "int64", "population": "Int64"})
    return out.sort_values(["niveau", "code"]).reset_index(drop=True)
