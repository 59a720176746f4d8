"""The inhabitants of the CPTS of a coverage in their communes outside the loaded départements."""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.app.sections.neighbours import with_current_communes
from pipeline.app.sections.taille import population_units
from pipeline.sources.cpts_listing import OUT_OF_SCOPE
from pipeline.store.queries import beyond_the_load


def out_of_load(con: duckdb.DuckDBPyConnection, issues: pd.DataFrame) -> pd.DataFrame:
    """The listings' anomalies of codes outside the loaded départements, with their current commune (read once for
    the functions below)."""
    return with_current_communes(con, issues[issues["kind"] == OUT_OF_SCOPE])


def population_beyond_the_load(con: duckdb.DuckDBPyConnection, members: pd.DataFrame,
                               beyond: pd.DataFrame) -> dict[str, int | None]:
    """The inhabitants of each partial CPTS (:func:`pipeline.app.coverage_listings.partial_cpts`) in its communes
    outside the load, by ``cpts_id`` (``population_france``, the current package's, as its diagnostic counts
    them: its population, « non disponible » in the coverage before, was known); None when unknown: a part of its
    perimeter drawn over no loaded commune, or a code the COG does not know. ``beyond``: :func:`out_of_load`."""
    ids = members[["listing", "cpts", "cpts_id"]].drop_duplicates()
    found: dict[str, int | None] = {}
    for (listing, cpts), mine in beyond.groupby(["listing", "cpts"]):
        people = None if mine["code"].isna().any() else beyond_the_load.population_of(
            con, population_units(mine["code"], mine["current_code"]))
        for cpts_id in ids.loc[(ids["listing"] == listing) & (ids["cpts"] == cpts), "cpts_id"]:
            found[str(cpts_id)] = people
    return found


def claims_beyond_the_load(con: duckdb.DuckDBPyConnection, beyond: pd.DataFrame) -> pd.DataFrame:
    """``region, unites, population`` of the units the loaded listings claim outside the loaded départements (their
    codes there, as current communes or arrondissements; each unit once): a région's share of inhabitants
    claimed is of its whole population, so its claims in départements not loaded count too (a review: 1 unit and
    4,4 % of Nouvelle-Aquitaine said, Bordeaux alone, where Périgueux and Bergerac were claimed too: 5,3 %).
    ``beyond``: :func:`out_of_load`."""
    beyond = beyond.dropna(subset=["code"])
    units = beyond_the_load.units_with_regions(con, population_units(beyond["code"], beyond["current_code"]))
    units = units.dropna(subset=["region"])
    return units.groupby("region", as_index=False).agg(unites=("code", "size"), population=("population", "sum"))
