"""The CPTS a batch cannot diagnose because none of their communes is in the database.

Those of départements not loaded (a load of some départements) are named, apart from the failures: absent by
the user's choice. Those whose codes name no commune at all are bad input (a review: « 11 CPTS sur 11
calculées », exit 0, for a listing whose CPTS « Vide » held only codes unknown to every COG): failures of the
run, exit 2, in the comparison's table of failures.

A batch of a région (``--region``) fails those whose codes name no commune there (:func:`unknown_in_region`), and
names those whose communes lie in the région's départements not loaded: it
left them out without a word (the 04 and 13 loaded, ``--region PACA`` compared the CPTS of those two and said
nothing of the 38 of the Hautes-Alpes, the Alpes-Maritimes, the Var and the Vaucluse).
"""

from __future__ import annotations

import duckdb
import geopandas as gpd
import pandas as pd
import shapely

from pipeline.geography import REGION_DEPARTEMENTS, departement_of, departements_of_insee_codes
from pipeline.model.perimeter import BatchOptions
from pipeline.render.report import format_number
from pipeline.sources.cpts_listing.model import OUT_OF_SCOPE
from pipeline.store.queries import beyond_the_load, listings, provenance
from pipeline.store.territory import resolve_zone

#: Anomaly kinds of a listing's codes that name no commune at all.
UNKNOWN_CODES = frozenset({"code_inconnu", "code_invalide", "code_sans_correspondance"})


def unloaded(con: duckdb.DuckDBPyConnection, listing: str) -> tuple[list[dict[str, str]], tuple[str, ...]]:
    """The failure rows (``cpts``, ``liste``, ``erreur`` in French) of the CPTS of ``listing`` whose codes name
    no commune, and the names of the others without a loaded unit (outside the load, or drawn outside it)."""
    failures, outside = [], []
    for cpts, kinds in listings.without_members(con, listing).items():
        if kinds and set(kinds) <= UNKNOWN_CODES:
            failures.append({"cpts": cpts, "liste": listing, "erreur": (
                "aucune commune : ses codes sont inconnus du code officiel géographique (voir les anomalies de la "
                "liste)")})
        else:
            outside.append(cpts)
    return failures, tuple(outside)


def coded_out_of_scope(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The listings' anomalies naming a CPTS's commune outside the loaded départements, by its code."""
    outside = listings.anomalies(con)
    return outside[(outside["kind"] == OUT_OF_SCOPE) & outside["cpts"].notna() & outside["code"].notna()]


def drawn_departements(con: duckdb.DuckDBPyConnection, drawn: gpd.GeoDataFrame, listing: str,
                       cpts: str) -> list[str]:
    """The départements of the communes outside the load whose point lies in the perimeter drawn for ``cpts``
    (none for a CPTS given by codes; ``drawn``: the listings' perimeters, read once by the caller): a perimeter
    drawn where no loaded commune lies names them so."""
    shapes = drawn[(drawn["listing"] == listing) & (drawn["cpts"] == cpts)].geometry
    if shapes.empty:
        return []
    shape = shapes.union_all()
    points = beyond_the_load.points_near(con, tuple(float(b) for b in shape.bounds), 0.0)  # type: ignore[arg-type]
    inside = shapely.contains_xy(shape, points["lon"].to_numpy(float), points["lat"].to_numpy(float))
    return sorted(set(points.loc[inside, "departement"].astype(str)))


def outside_in_region(con: duckdb.DuckDBPyConnection, region: str, outside: pd.DataFrame) -> list[tuple[str, str]]:
    """The CPTS of every loaded listing without a loaded unit, some of whose communes lie in ``region`` (outside
    the départements of the database; ``outside``: :func:`coded_out_of_scope`), by their codes or under their drawn
    perimeter (a review: a perimeter drawn in the région's unloaded départements was left out without a word):
    ``(cpts, listing)``."""
    departements = set(REGION_DEPARTEMENTS.get(region, ()))
    in_region = outside[outside["code"].astype(str).map(departement_of).isin(departements)]
    drawn = listings.perimeters(con)
    found = []
    for listing in listings.listing_names(con):
        claimed = set(in_region.loc[in_region["listing"] == listing, "cpts"].astype(str))
        found += [(cpts, listing) for cpts in listings.without_members(con, listing)
                  if cpts in claimed or departements.intersection(drawn_departements(con, drawn, listing, cpts))]
    return found


def left_out_table(con: duckdb.DuckDBPyConnection, left_out: list[tuple[str, str]],
                   outside: pd.DataFrame) -> pd.DataFrame:
    """``cpts``, ``liste``, ``departements`` (those of its communes, none loaded; ``outside``:
    :func:`coded_out_of_scope`) and ``raison`` (French, with the command that loads them) of each CPTS left out. A
    review: the comparison's table said « … » for the départements, and wrote the listing into the CPTS's name."""
    loaded = set(provenance.loaded_departements(con))
    drawn = listings.perimeters(con)
    rows = []
    for cpts, listing in left_out:
        codes = outside.loc[(outside["listing"] == listing) & (outside["cpts"] == cpts), "code"].astype(str)
        departements = (sorted(set(departements_of_insee_codes(codes).dropna())) if len(codes)
                        else drawn_departements(con, drawn, listing, cpts))
        if departements:
            which = "du département" if len(departements) == 1 else "des départements"
            why = (f"aucune commune chargée dans la base : ses communes sont celles {which} "
                   f"{', '.join(departements)} ; make data DEPARTEMENTS={','.join(sorted(loaded | set(departements)))}"
                   " les ajoute")
        else:
            why = "aucune commune chargée dans la base : périmètre dessiné hors des départements chargés"
        rows.append({"cpts": cpts, "liste": listing, "departements": ", ".join(departements), "raison": why})
    return pd.DataFrame(rows, columns=["cpts", "liste", "departements", "raison"])


def none_loaded(con: duckdb.DuckDBPyConnection, listing: str) -> str:
    """Why a batch of ``listing`` has no CPTS to diagnose: each of its CPTS, with the départements of its communes
    and the command that loads them (the failures of unknown codes named too)."""
    failures, outside = unloaded(con, listing)
    table = left_out_table(con, [(cpts, listing) for cpts in outside], coded_out_of_scope(con))
    # A CPTS mixing unloaded and unknown codes: its unknown codes are named too (a review: « CPTS Mixte (69) » hid
    # 98765, which loading the 69 would not bring).
    codes = listings.memberless_codes(con)
    unknown = codes[(codes["listing"] == listing) & codes["kind"].isin(UNKNOWN_CODES)]

    def also_unknown(cpts: str) -> str:
        own = sorted(set(unknown.loc[unknown["cpts"] == cpts, "code"].astype(str)))
        return f" ; codes inconnus : {', '.join(own)}" if own else ""

    shown = [f"{row.cpts} ({row.departements or 'périmètre dessiné hors des départements chargés'}"
             f"{also_unknown(str(row.cpts))})" for row in table.itertuples()] \
        + [f"{row['cpts']} (codes inconnus)" for row in failures]
    wanted = sorted({d.strip() for value in table["departements"] for d in str(value).split(",") if d.strip()})
    loaded = provenance.loaded_departements(con)
    command = (f" ; make data DEPARTEMENTS={','.join(sorted({*loaded, *wanted}))} les ajoute" if wanted else "")
    return (f"Aucune CPTS de la liste « {listing} » n'a de commune chargée dans la base (base limitée à "
            f"{', '.join(loaded)}) : {', '.join(shown[:10])}{' …' if len(shown) > 10 else ''}{command}")


def unknown_in_region(con: duckdb.DuckDBPyConnection, region: str) -> list[dict[str, str]]:
    """The failure rows of the CPTS whose codes name no commune that belong to ``region``'s batch: by the
    département of a well-formed code (04999 is of the 04), and, with none (a SIREN, a totals row's « 33 »), in
    each région where its listing has CPTS (a review: a CPTS given by its EPCI's SIREN was left out without a
    word; a national listing's must not fail every région)."""
    departements = set(REGION_DEPARTEMENTS.get(region, ()))
    codes = listings.memberless_codes(con)
    in_listing = set(listings.listings_in_regions(con, [region]))
    rows = []
    for listing in listings.listing_names(con):
        for row in unloaded(con, listing)[0]:
            own = codes.loc[(codes["listing"] == listing) & (codes["cpts"] == row["cpts"]), "code"]
            named = set(departements_of_insee_codes(own).dropna())
            if (named & departements) if named else listing in in_listing:
                rows.append(row)
    return rows


def unloaded_for(con: duckdb.DuckDBPyConnection, options: BatchOptions
                 ) -> tuple[list[dict[str, str]], tuple[str, ...], pd.DataFrame]:
    """:func:`unloaded` for a listing's batch, :func:`outside_in_region` (no failure) for a région's, and print the
    names of the CPTS left out (French): the failures, those names (« CPTS X (liste paca) » when several listings
    are loaded) and their :func:`left_out_table`."""
    coded = coded_out_of_scope(con)  # read once for the région's CPTS and the table
    if options.listing is not None:
        failures, names = unloaded(con, options.listing)
        outside = [(cpts, options.listing) for cpts in names]
        where = "de la liste"
    else:
        region = resolve_zone(con, "region", str(options.region))[0]
        failures = unknown_in_region(con, region)
        outside = outside_in_region(con, region, coded)
        where = "de la région"
    several = len(listings.listing_names(con)) > 1 and options.listing is None
    shown = tuple(f"{cpts} (liste {listing})" if several else cpts for cpts, listing in outside)
    if shown:
        print(f"{format_number(len(shown))} CPTS {where} sans commune chargée dans la base, non diagnostiquées : "
              + ", ".join(shown))
    return failures, shown, left_out_table(con, outside, coded)
