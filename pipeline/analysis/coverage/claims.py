"""Claims of CPTS on the units of a zone, and white zones (units claimed by no CPTS).

Units
    The analysis unit is the commune, except for Paris, Lyon and Marseille
    where it is the arrondissement municipal: the city's own code is replaced
    by its arrondissements (see :func:`analysis_units`). ``units`` frames have
    the columns of the store's ``communes`` table: code, nom, type, parent,
    departement, region, population.

Members
    ``members`` frames are :attr:`pipeline.sources.cpts_listing.ListingResult.members`
    (at least cpts, cpts_id, unit_code). When several listings are combined, a
    CPTS present in two listings counts once (claims are distinct by
    ``cpts_id``).
"""

from __future__ import annotations

import pandas as pd

__all__ = ["analysis_units", "claims_per_unit", "distinct_claims", "white_zones"]


def analysis_units(units: pd.DataFrame) -> pd.DataFrame:
    """The units of the zone: communes, with cities replaced by their arrondissements.

    Parameters
    ----------
    units
        Communes and arrondissements municipaux of the zone (code, nom, type,
        parent, population, ...).

    Returns
    -------
    DataFrame
        ``units`` without the communes that are the parent of an
        arrondissement present in ``units``.
    """
    parents = set(units.loc[units["parent"].notna(), "parent"])
    return units[~units["code"].isin(parents)].reset_index(drop=True)


def distinct_claims(members: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Distinct (cpts_id, cpts, unit_code), a city's code expanded to its arrondissements."""
    claims = members[["cpts_id", "cpts", "unit_code"]].drop_duplicates(["cpts_id", "unit_code"])
    arr = units.loc[units["parent"].notna(), ["code", "parent"]]
    expanded = claims.merge(arr, left_on="unit_code", right_on="parent", how="left")
    expanded["unit_code"] = expanded["code"].where(expanded["code"].notna(), expanded["unit_code"])
    out = expanded[["cpts_id", "cpts", "unit_code"]].drop_duplicates(["cpts_id", "unit_code"])
    # one name per id (the first seen), so that a renamed CPTS is not split
    names = out.drop_duplicates("cpts_id").set_index("cpts_id")["cpts"]
    out = out.assign(cpts=out["cpts_id"].map(names))
    return out.reset_index(drop=True)


def claims_per_unit(members: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Number of CPTS claiming each unit of the zone.

    Parameters
    ----------
    members
        CPTS membership (cpts, cpts_id, unit_code).
    units
        Communes and arrondissements of the zone; members outside it are ignored.

    Returns
    -------
    DataFrame
        One row per unit of :func:`analysis_units`: unit_code, nom, type,
        population (plus departement, region when present), n_cpts, cpts
        (sorted list of names), cpts_ids (list, same order).
    """
    zone = analysis_units(units)
    claims = distinct_claims(members, units).sort_values(["unit_code", "cpts", "cpts_id"])
    grouped = claims.groupby("unit_code").agg(cpts=("cpts", list), cpts_ids=("cpts_id", list))
    keep = [c for c in ("code", "nom", "type", "departement", "region", "population") if c in zone.columns]
    out = zone[keep].rename(columns={"code": "unit_code"}).merge(grouped, on="unit_code", how="left")
    out["cpts"] = [v if isinstance(v, list) else [] for v in out["cpts"]]
    out["cpts_ids"] = [v if isinstance(v, list) else [] for v in out["cpts_ids"]]
    out["n_cpts"] = out["cpts"].map(len).astype("int64")
    return out.sort_values("unit_code").reset_index(drop=True)


def white_zones(claims: pd.DataFrame, units: pd.DataFrame | None = None) -> pd.DataFrame:
    """Units claimed by no CPTS ("zones blanches").

    Parameters
    ----------
    claims
        Output of :func:`claims_per_unit`.
    units
        Optional: extra unit columns (e.g. epci, bv2022) are joined on code.

    Returns
    -------
    DataFrame
        The rows of ``claims`` with ``n_cpts == 0`` (without the list
        columns), plus the extra columns of ``units``; sorted by population
        descending then code.
    """
    white = claims[claims["n_cpts"] == 0].drop(columns=["cpts", "cpts_ids", "n_cpts"])
    if units is not None:
        extra = [c for c in units.columns if c not in white.columns and c != "code"]
        if extra:
            white = white.merge(
                units[["code", *extra]].rename(columns={"code": "unit_code"}), on="unit_code", how="left"
            )
    return white.sort_values(["population", "unit_code"], ascending=[False, True]).reset_index(drop=True)
