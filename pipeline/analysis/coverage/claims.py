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

from collections.abc import Iterable

import pandas as pd

from pipeline.geography import departements_of

__all__ = [
    "MIN_DEPARTEMENT_SHARES",
    "MIN_LISTED_SHARE",
    "MIN_ROOTED_CPTS",
    "analysis_units",
    "claims_per_unit",
    "cpts_roots",
    "distinct_claims",
    "known_units",
    "listed_regions",
    "rooted_departements",
    "white_zones",
]

#: Share of a région's population its claimed units must hold for the loaded listings to speak for the région (its
#: unclaimed units are then white zones). A CPTS reaching across a régional border (Drôme Provençale – Enclave des
#: Papes, of the PACA listing) claims a few per cent of the neighbouring région at most; a listing of the région
#: itself most of it (the PACA listing: 98.7 % of PACA's inhabitants).
MIN_LISTED_SHARE = 0.2
#: Shares of a département's inhabitants *and* of its units its claimed units must hold for the listings to speak for
#: it. A listing of the région, or of the département (a délégation départementale's Drôme listing: 357 of its 362
#: communes), claims most of both; one city's CPTS may hold a fifth to a half of its département's inhabitants (Lyon
#: 27 % of the Rhône, Marseille 43 % of the Bouches-du-Rhône) but few of its units (the Métropole de Lyon: 73 % of
#: the inhabitants, under a quarter of the units); a CPTS across a border a few per cent of either. Measured per
#: département, whole when loaded: a région's share counted one département's listing for the whole région (the
#: Nord is 44 % of the Hauts-de-France) and, on a database of some départements, was measured on its loaded part.
MIN_DEPARTEMENT_SHARES = (0.5, 0.25)


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


def listed_regions(claimed: Iterable[str], units: pd.DataFrame, min_share: float = MIN_LISTED_SHARE,
                   level: str = "region") -> pd.DataFrame:
    """The régions where some unit is claimed, and whether the loaded listings speak for each.

    A unit is a white zone only where the loaded listings speak: in a région
    of which they claim a few communes only (a CPTS of another région
    reaching across the border), « claimed by no CPTS » would mean « no
    listing of this région loaded », not « no project ».

    Parameters
    ----------
    claimed
        Analysis units claimed by at least one CPTS of the loaded listings.
    units
        Analysis units (:func:`analysis_units`) of every région concerned, whole: ``code``, ``region``,
        ``population``.
    min_share
        Share of the région's population the claimed units must hold (:data:`MIN_LISTED_SHARE`).
    level
        ``region``, or ``departement`` for the same table per département (its column then named so).

    Returns
    -------
    DataFrame
        One row per région with a claimed unit: ``region``, ``unites_revendiquees``,
        ``population_revendiquee``, ``population`` (the région's), ``part`` (0–1) and ``listee`` (bool),
        sorted by région.
    """
    frame = units[["code", level, "population"]].rename(columns={level: "region"}).dropna(subset=["region"])
    population = pd.to_numeric(frame["population"], errors="coerce").fillna(0)
    taken = frame["code"].astype(str).isin({str(c) for c in claimed})
    frame = frame.assign(population=population, revendiquee=taken, population_revendiquee=population.where(taken, 0))
    per_region = frame.groupby("region", sort=True).agg(
        unites_revendiquees=("revendiquee", "sum"), population_revendiquee=("population_revendiquee", "sum"),
        population=("population", "sum"))
    per_region = per_region[per_region["unites_revendiquees"] > 0].reset_index()
    per_region["unites_revendiquees"] = per_region["unites_revendiquees"].astype("int64")
    per_region["part"] = (per_region["population_revendiquee"] / per_region["population"]).where(
        per_region["population"] > 0, 0.0)
    per_region["listee"] = per_region["part"] >= min_share
    return per_region[["region", "unites_revendiquees", "population_revendiquee", "population", "part",
                       "listee"]].rename(columns={"region": level})


#: CPTS rooted in a département for the listings to speak for it (:func:`rooted_departements`). One is not enough:
#: a CPTS team loads a listing of its own CPTS alone, which says nothing of the communes around it (they would all
#: read as white zones); a listing that names two of a département's CPTS names the département's CPTS.
MIN_ROOTED_CPTS = 2


def cpts_roots(claims: pd.DataFrame, units: pd.DataFrame) -> dict[str, str]:
    """The département each CPTS is rooted in: where more than half of it lies (absent when none holds that much).

    Measured on its population, or on its number of units when its population is not known (a unit outside
    ``units``, beyond the loaded départements, or without a population). A CPTS spilling a few communes across a
    border is rooted in its own département only.

    Parameters
    ----------
    claims
        ``cpts_id``, ``unit_code`` (analysis units): one row per CPTS and unit. A code outside ``units`` counts in
        the département of its code (:func:`pipeline.geography.departements_of`), with an unknown population.
    units
        Analysis units with ``code``, ``departement``, ``population``.
    """
    if claims.empty:
        return {}
    frame = claims[["cpts_id", "unit_code"]].astype({"unit_code": str}).drop_duplicates()
    table = units[["code", "departement", "population"]].astype({"code": str}).drop_duplicates("code")
    frame = frame.merge(table.rename(columns={"code": "unit_code"}), on="unit_code", how="left")
    frame["departement"] = frame["departement"].fillna(departements_of(frame["unit_code"].astype("string")))
    frame["population"] = pd.to_numeric(frame["population"], errors="coerce")
    frame = frame.dropna(subset=["departement"])
    unknown = frame["population"].isna().groupby(frame["cpts_id"]).transform("any")
    total = frame["population"].fillna(0).groupby(frame["cpts_id"]).transform("sum")
    # Population where every unit of the CPTS has one (and some), else one per unit.
    weight = frame["population"].where(~unknown & (total > 0), 1.0).astype("float64")
    per = frame.assign(weight=weight).groupby(["cpts_id", "departement"])["weight"].sum()
    share = per / per.groupby(level="cpts_id").transform("sum")
    return {str(cpts): str(departement) for cpts, departement in share[share > 0.5].index}


def rooted_departements(claims: pd.DataFrame, units: pd.DataFrame) -> frozenset[str]:
    """The départements where at least :data:`MIN_ROOTED_CPTS` CPTS of the loaded listings are rooted
    (:func:`cpts_roots`); arguments as there."""
    counts = pd.Series(list(cpts_roots(claims, units).values()), dtype=object).value_counts()
    return frozenset(str(d) for d, n in counts.items() if n >= MIN_ROOTED_CPTS)


def known_units(claimed: Iterable[str], units: pd.DataFrame, claims: pd.DataFrame | None = None,
                beyond: pd.DataFrame | None = None) -> frozenset[str]:
    """The units whose claims the loaded listings tell: « claimed by none » means no CPTS there, not no listing.

    Those of the départements where at least two CPTS of the loaded listings are rooted (:func:`rooted_departements`:
    more than half of each one's population, or of its units when its population is unknown, lies there), or of
    which the claimed units hold at least half the inhabitants and a quarter of the units
    (:data:`MIN_DEPARTEMENT_SHARES`).

    Why: a listing of the région or of the département names CPTS rooted there, and claims most of both shares;
    a CPTS reaching across a border is rooted in its own département and claims a few per cent of the other's,
    one city's CPTS few of its département's units, so neither makes a département's unclaimed units white
    zones. The shares alone made a poorly covered département (seed 003: the white zones planners must find)
    never show any: two CPTS holding 3 of Mayotte's 17 communes and 35 % of its inhabitants left its 14 others
    « non disponible ».

    Parameters
    ----------
    claimed, units
        As for :func:`listed_regions` (``units`` with ``code``, ``departement``, ``population``).
    claims
        ``cpts_id``, ``unit_code`` of every CPTS of the loaded listings (:func:`rooted_departements`); None: the
        shares alone.
    beyond
        ``code``, ``departement``, ``population`` of the units of ``claims`` outside the loaded départements: a
        partly loaded CPTS is rooted by its population, not its number of units.
    """
    claimed = {str(c) for c in claimed}
    people, count = MIN_DEPARTEMENT_SHARES
    departements = listed_regions(claimed, units, people, level="departement")
    sizes = units.dropna(subset=["departement"]).groupby("departement")["code"].nunique()
    size_of = departements["departement"].map(sizes).astype("float64")  # float even when no unit is claimed
    departements = departements[departements["listee"] & (departements["unites_revendiquees"] >= count * size_of)]
    told = set(departements["departement"].astype(str))
    if claims is not None:
        measured = units if beyond is None else pd.concat([units[["code", "departement", "population"]],
                                                           beyond[["code", "departement", "population"]]])
        told |= rooted_departements(claims, measured)
    known = units["departement"].astype(str).isin(told)
    return frozenset(units.loc[known, "code"].astype(str))
