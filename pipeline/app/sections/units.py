"""A territory's units and the places of the data: which rows belong to which unit.

A territory's units are current communes, or arrondissements municipaux of
Paris, Lyon and Marseille. Practitioners, establishments and supply rows
carry both their current ``commune`` and their ``unite`` (the arrondissement
in those three cities, placed by postal code; the commune elsewhere). A row
belongs to an arrondissement unit when its ``unite`` is that arrondissement,
and to a commune unit when its ``commune`` is that commune, so that
``communes:13055`` counts the whole of Marseille and a CPTS of three
arrondissements counts those three only.

The models (flows, APL approchée) run on *analysis units*: the communes,
with the three cities replaced by their arrondissements
(:func:`pipeline.store.queries.geography.unit_polygons_near`).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from pipeline.geography import ARRONDISSEMENT_CITIES, arrondissements_of, commune_of_unit
from pipeline.geography import CITY_NAMES as CITY_NAMES  # where the sections have always imported it from


def unit_of_rows(frame: pd.DataFrame, unit_codes: Iterable[str]) -> pd.Series:
    """The territory unit of each row of ``frame`` (columns ``unite`` and ``commune``), NA outside.

    An arrondissement unit takes the rows whose ``unite`` is it; a commune
    unit the rows whose ``commune`` is it (for a city held whole, every
    arrondissement of it, and the rows whose arrondissement is unknown).
    """
    codes = {str(c) for c in unit_codes}
    unite, commune = frame["unite"], frame["commune"]
    by_unite = unite.isin(codes).to_numpy(dtype=bool)
    by_commune = commune.isin(codes).to_numpy(dtype=bool) & ~by_unite
    return unite.where(by_unite, commune.where(by_commune))


def of_units(frame: pd.DataFrame, unit_codes: Iterable[str]) -> pd.DataFrame:
    """The rows of ``frame`` that can belong to one of the units (:func:`unit_of_rows`), in their order.

    Those whose ``commune`` is a unit or the city of an arrondissement unit: a row's ``unite`` is its commune
    or an arrondissement of it. Filtering the national supply table (300 000 rows) this way first spares
    copying and grouping all of it for a territory of a few units.
    """
    codes = {str(c) for c in unit_codes}
    return frame[frame["commune"].isin(codes | {commune_of_unit(c) for c in codes}).to_numpy(dtype=bool)]


def summed_per_unit(rows: pd.DataFrame, placed: pd.Series) -> pd.DataFrame:
    """``code, groupe, effectif``: the site shares (``etp_sites``) of supply ``rows`` summed per unit and group.

    ``rows`` are :func:`of_units` of :func:`pipeline.store.queries.supply.offre`, ``placed`` each row's unit
    (:func:`unit_of_rows`, NA for none): the supply of the flows and APL approchée model.
    """
    return (rows.assign(code=placed).dropna(subset=["code"])
            .groupby(["code", "groupe"], as_index=False)["etp_sites"].sum()
            .rename(columns={"etp_sites": "effectif"}))


def split_cities(unit_codes: Iterable[str]) -> dict[str, list[str]]:
    """Cities some of whose arrondissements, but not all, are units: city → those arrondissements.

    Such a city's figures given for the city as a whole (a QPV of the zoning
    file, a row of an origin–destination table keyed 13055) cannot be
    attributed to the territory's arrondissements.
    """
    codes = {str(c) for c in unit_codes}
    out: dict[str, list[str]] = {}
    for city in ARRONDISSEMENT_CITIES:
        held = [a for a in arrondissements_of(city) if a in codes]
        if held and len(held) < len(arrondissements_of(city)) and city not in codes:
            out[city] = held
    return out


def flow_codes(unit_codes: Iterable[str]) -> list[str]:
    """Codes that are inside the territory in a flow table on analysis units or on communes.

    The units themselves; the arrondissements of a city held whole (the
    model's domain has arrondissements); a city all of whose arrondissements
    are units (a table may key it as a whole).
    """
    codes = {str(c) for c in unit_codes}
    out = set(codes)
    for code in codes:
        out.update(arrondissements_of(code))
    for city in ARRONDISSEMENT_CITIES:
        if set(arrondissements_of(city)) <= codes:
            out.add(city)
    return sorted(out)




def domain_cities(domain: set[str]) -> set[str]:
    """Cities whose arrondissements stand for them in the domain."""
    return {c for c in CITY_NAMES if any(a in domain for a in arrondissements_of(c))}
