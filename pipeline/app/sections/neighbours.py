"""Overlaps and neighbours: other CPTS sharing units with the territory, or touching its perimeter.

Units are compared as units: a CPTS of Marseille 10e shares nothing with
one of Marseille 11e–13e, but touches it; a CPTS claiming Marseille as a
whole shares each arrondissement a territory holds, and a territory holding
the whole city shares each arrondissement another CPTS claims. Contiguity
uses the unit polygons (arrondissements drawn as themselves).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from typing import Any

import duckdb
import geopandas as gpd
import pandas as pd

from pipeline.geography import city_of_arrondissement, departement_of, load_command
from pipeline.model import Territory
from pipeline.render.sections.common import agree
from pipeline.sources.cpts_listing import OUT_OF_SCOPE, codes_beyond_the_load
from pipeline.sources.cpts_listing.names import near_duplicate_names
from pipeline.store.queries import beyond_the_load, geography, listings

COLUMNS = ["liste", "cpts", "unites_communes", "population_commune", "part_population_territoire",
           "part_population_cpts", "limitrophe"]

#: Gap bridged between two unit polygons (degrees, about 200 m) when testing whether they touch.
TOUCH_TOLERANCE_DEG = 0.002


def _shared_units(members: pd.DataFrame, territory: Territory) -> pd.DataFrame:
    """Member rows sharing ground with the territory, with ``shared`` the finer of the two units.

    Same unit; a member arrondissement inside a city the territory holds
    whole (shared: the arrondissement); a member city held whole containing
    an arrondissement of the territory (shared: the territory's
    arrondissements of it).
    """
    units = territory.units
    codes = set(units["unit_code"])
    whole = set(units.loc[units["type"] == "commune-actuelle", "unit_code"])
    same = members[members["unit_code"].isin(codes)].assign(shared=lambda f: f["unit_code"])
    inside_city = members[~members["unit_code"].isin(codes) & members["commune_code"].isin(whole)
                          & members["unit_type"].eq("arrondissement-municipal")].assign(
        shared=lambda f: f["unit_code"])
    arrondissements = units[units["type"] != "commune-actuelle"]
    city_claims = members[members["unit_type"].eq("commune-actuelle") & ~members["unit_code"].isin(codes)]
    over = city_claims.merge(arrondissements[["unit_code", "commune_code"]].rename(
        columns={"unit_code": "shared"}), on="commune_code", how="inner")
    return pd.concat([same, inside_city, over], ignore_index=True)


def touching_units(con: duckdb.DuckDBPyConnection, territory: Territory, perimeter: gpd.GeoDataFrame
                   ) -> gpd.GeoDataFrame:
    """Analysis units outside the territory whose polygon touches its perimeter (within about 200 m)."""
    geometry = perimeter.geometry.iloc[0] if len(perimeter) else None
    if geometry is None or geometry.is_empty:
        return gpd.GeoDataFrame({"code": [], "commune": [], "region": [], "departement": []}, geometry=[], crs=4326)
    polygons = geography.unit_polygons_near(con, geometry.bounds, margin_deg=0.01)
    touching = polygons[polygons.intersects(geometry.buffer(TOUCH_TOLERANCE_DEG))]
    own = set(territory.units["unit_code"]) | set(
        territory.units.loc[territory.units["type"] == "commune-actuelle", "commune_code"])
    return touching[~touching["code"].isin(own) & ~touching["commune"].isin(own)]


def regions_without_listing(con: duckdb.DuckDBPyConnection, units: pd.DataFrame, touching: gpd.GeoDataFrame,
                            known: frozenset[str], known_regions: frozenset[str]) -> tuple[list[str], list[str]]:
    """Where units of the territory (``units``: ``code``, ``region``, ``departement``) or units touching it lie that
    the loaded listings do not speak for (``known``:
    :meth:`pipeline.app.sections.perimeter_data.PerimeterData.known_units`, the coverage's rule): the overlaps and
    neighbours could not be searched there.

    Returns the names of those régions none of whose units is known, and « Ardèche (07) » for the départements of
    the others (``known_regions``: a listing loaded for one of their départements speaks for it).
    """
    columns = ["code", "region", "departement"]
    around = pd.concat([units[columns], touching[columns]], ignore_index=True)
    unknown = around[~around["code"].astype(str).isin(known) & around["region"].notna()]
    whole = sorted({str(r) for r in unknown["region"] if str(r) not in known_regions})
    partly = sorted({str(d) for d, r in zip(unknown["departement"], unknown["region"], strict=True)
                     if str(r) in known_regions and d == d})
    regions = geography.regions(con).set_index("code")["nom"]
    return [str(regions.get(code, code)) for code in whole], geography.departement_labels(con, partly)


def neighbours(
    con: duckdb.DuckDBPyConnection, territory: Territory, perimeter: gpd.GeoDataFrame, members: pd.DataFrame,
    touching: gpd.GeoDataFrame | None = None, partial_territory: bool = False,
) -> pd.DataFrame:
    """One row per other CPTS: shared units and population, their share of the territory's population and of
    the other CPTS's, and whether it touches the perimeter (``touching``: :func:`touching_units`, computed here
    when not given; ``partial_territory``: part of the territory is outside the loaded départements, so that its
    population, hence the first share, is unknown)."""
    if members.empty:
        return pd.DataFrame(columns=COLUMNS)
    if (entry := territory.own_listing_entry) is not None:
        members = members[~((members["cpts"] == entry[0]) & (members["listing"] == entry[1]))]
    shared = _shared_units(members, territory)
    populations = geography.units(con, set(shared["shared"].astype(str))).set_index("unit_code")["population"]
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for (listing, cpts), group in shared.groupby(["listing", "cpts"]):
        codes = sorted(set(group["shared"]))
        rows[(listing, cpts)] = {"liste": listing, "cpts": cpts, "unites_communes": ", ".join(codes),
                                 "population_commune": int(populations.reindex(codes).fillna(0).sum()),
                                 "limitrophe": False}
    touching = touching_units(con, territory, perimeter) if touching is None else touching
    if len(touching):
        # A member touches through its own unit, or, claiming a city whole, through one of its arrondissements.
        near = members[members["unit_code"].isin(set(touching["code"]))
                       | (members["unit_type"].eq("commune-actuelle")
                          & members["commune_code"].isin(set(touching["commune"])))]
        for (listing, cpts), _ in near.groupby(["listing", "cpts"]):
            row = rows.setdefault((listing, cpts), {"liste": listing, "cpts": cpts, "unites_communes": "",
                                                    "population_commune": 0, "limitrophe": True})
            row["limitrophe"] = True
    frame = pd.DataFrame(list(rows.values()), columns=COLUMNS)
    # « Share of each perimeter » (DESIGN §6): the shared population over the territory's and over the other CPTS's.
    frame["part_population_territoire"] = frame["population_commune"] / float(territory.population) \
        if territory.population and not partial_territory else float("nan")
    totals = _cpts_populations(con, members, set(zip(frame["liste"], frame["cpts"], strict=True)))
    frame["part_population_cpts"] = [0.0 if shared == 0 else shared / totals[key] if totals.get(key) else float("nan")
                                     for shared, key in zip(frame["population_commune"],
                                                            zip(frame["liste"], frame["cpts"], strict=True),
                                                            strict=True)]
    return frame.sort_values(["population_commune", "cpts"], ascending=[False, True]).reset_index(drop=True)


def _cpts_populations(con: duckdb.DuckDBPyConnection, members: pd.DataFrame,
                      wanted: set[tuple[str, str]]) -> dict[tuple[str, str], float]:
    """Population of each (listing, CPTS) of ``wanted`` from its member units (an arrondissement of a city it also
    claims whole counted once); unknown (absent) for a CPTS with listed communes outside the loaded départements."""
    if not wanted:
        return {}
    keys = pd.Series(list(zip(members["listing"], members["cpts"], strict=True)), index=members.index)
    own = members[keys.isin(wanted)]
    whole = own[own["unit_type"].eq("commune-actuelle")]
    cities = set(zip(whole["listing"], whole["cpts"], whole["unit_code"], strict=True))
    counted = own[[(r.listing, r.cpts, r.commune_code) not in cities or r.unit_type == "commune-actuelle"
                   for r in own.itertuples()]]
    populations = geography.units(con, set(counted["unit_code"].astype(str))).set_index("unit_code")["population"]
    # Every part outside the load, a listed code or a drawn part over no loaded commune (no code).
    issues = listings.anomalies(con)
    issues = issues[issues["kind"] == OUT_OF_SCOPE]
    partial = set(zip(issues["listing"], issues["cpts"], strict=True))
    return {(str(listing), str(cpts)): float(populations.reindex(group["unit_code"].astype(str)).sum(min_count=1))
            for (listing, cpts), group in counted.groupby(["listing", "cpts"])
            if (listing, cpts) not in partial}


def neighbour_shapes(
    con: duckdb.DuckDBPyConnection, table: pd.DataFrame, members: pd.DataFrame
) -> gpd.GeoDataFrame | None:
    """Perimeters of the neighbouring CPTS (union of their unit polygons), for the map."""
    if table.empty or members.empty:
        return None
    wanted = members[members["cpts"].isin(set(table["cpts"]))]
    polygons = geography.unit_polygons_for(con, sorted(set(wanted["unit_code"].dropna())))
    rows = []
    for row in table.itertuples():
        codes = wanted.loc[(wanted["listing"] == row.liste) & (wanted["cpts"] == row.cpts), "unit_code"]
        shape = polygons[polygons["code"].isin(set(codes))]
        if len(shape):
            rows.append({"nom": row.cpts, "geometry": shape.geometry.union_all()})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326) if rows else None


#: Order of the anomalies in the report: what changes the perimeter first.
ANOMALY_ORDER = [OUT_OF_SCOPE, "homonyme_probable", "regle_du_point", "hors_france", "coordonnees_inversees",
                 "code_invalide", "code_inconnu", "code_sans_correspondance", "doublon", "identifiant_incoherent",
                 "code_ancien", "code_zero_restaure", "commune_a_arrondissements", "multi_departements",
                 "multi_regions", "nom_proche", "nom_suspect", "statut_incoherent", "note_crs"]


def with_current_communes(con: duckdb.DuckDBPyConnection, anomalies: pd.DataFrame) -> pd.DataFrame:
    """``anomalies`` with ``current_code``: the current commune of a listed code outside the load (the COG's
    history: 05088 Montmorin is 05024 Valdoule), the code itself otherwise."""
    current = beyond_the_load.current_communes(con, set(codes_beyond_the_load(anomalies)["code"].astype(str)))
    return anomalies.assign(current_code=anomalies["code"].map(lambda c: current.get(c, c) if isinstance(c, str)
                                                               else c))


def outside_the_load(anomalies: pd.DataFrame | None) -> int:
    """How many of a CPTS's communes its listing names outside the départements the database was loaded for:
    current communes (``current_code``, :func:`with_current_communes`), a code merged since counting in the one
    it belongs to (Buëch Dévoluy lists 57 codes there, 05088 and 05150 merged into 05024, also listed: 55)."""
    return 0 if anomalies is None else int(codes_beyond_the_load(anomalies)["current_code"].nunique())


def _outside_the_load_said(anomalies: pd.DataFrame | None) -> str | None:
    """« 55 communes de la CPTS dans sa liste (57 codes, d'anciennes communes … ) sont hors des départements
    chargés dans la base », or None when none is."""
    if not (outside := outside_the_load(anomalies)):
        return None
    listed = codes_beyond_the_load(anomalies) if anomalies is not None else pd.DataFrame(columns=["code"])
    codes = int(listed["code"].nunique())
    # Which kind of codes fold into fewer communes: former communes, or arrondissements in their city (a review
    # read « d'anciennes communes » of Lyon 2e beside Lyon).
    folded = listed[listed["code"].astype(str) != listed.get("current_code", listed["code"]).astype(str)]
    kinds = [("d'anciennes communes comptées dans leur commune actuelle" if kind == "former" else
              "des arrondissements comptés dans leur ville")
             for kind in ("former", "arrondissement")
             if any((city_of_arrondissement(str(c)) is None) == (kind == "former") for c in folded["code"])]
    merged = f" ({codes} codes, dont {' et '.join(kinds)})" if codes > outside and kinds else ""
    return (f"{outside} {agree(outside, 'commune de la CPTS dans sa liste', 'communes de la CPTS dans sa liste')}"
            f"{merged} {agree(outside, 'est', 'sont')} hors des départements chargés dans la base")


def departements_outside_the_load(anomalies: pd.DataFrame | None) -> list[str]:
    """Départements of a CPTS's listed communes outside the load (« 84 »), sorted."""
    if anomalies is None:
        return []
    return sorted({departement_of(code) for code in codes_beyond_the_load(anomalies)["code"].astype(str)})


def drawn_part_outside_the_load(anomalies: pd.DataFrame | None) -> bool:
    """Whether a CPTS drawn as a polygon has a part covering no loaded commune (its communes there unknown)."""
    return anomalies is not None and bool(((anomalies["kind"] == OUT_OF_SCOPE) & anomalies["code"].isna()).any())


def communes_outside_the_load(anomalies: pd.DataFrame | None) -> float:
    """The comparison's count of a CPTS's communes outside the load: NaN (unknown) for a drawn part outside."""
    return math.nan if drawn_part_outside_the_load(anomalies) else float(outside_the_load(anomalies))


def beyond_the_load_reason(territory: Territory, anomalies: pd.DataFrame | None,
                           loaded: Collection[str]) -> str | None:
    """Why part of the territory lies outside the départements the database was loaded for (French, with the
    ``make data`` that loads them), or None: the perimeter's pertinence and continuity are then unknown.

    A listed CPTS drawn as a polygon whose part covers no loaded commune is not counted: that part may be sea
    (the anomaly says so), and a coastal CPTS would lose its pertinence for it (a review).
    """
    missing = departements_outside_the_load(anomalies)
    if said := _outside_the_load_said(anomalies):
        return f"{said} ({', '.join(missing)} ; {load_command(loaded, missing)})"
    if territory.beyond_the_load:
        return "une partie du territoire est hors des départements chargés dans la base (make data DEPARTEMENTS=…)"
    return None


def outside_the_load_notes(anomalies: pd.DataFrame | None) -> list[str]:
    """The diagnostic's notes on a CPTS partly outside the départements the database was loaded for."""
    notes = []
    if said := _outside_the_load_said(anomalies):
        notes.append(f"{said} (make data DEPARTEMENTS=…) : les chiffres de ce diagnostic ne portent que sur les "
                     "autres")
    if anomalies is not None and drawn_part_outside_the_load(anomalies):
        # The communes the listing's anomaly names there (a review: « ou mer » of a perimeter holding Vinon).
        held = [m[1] for detail in anomalies.loc[(anomalies["kind"] == OUT_OF_SCOPE) & anomalies["code"].isna(),
                                                 "detail_fr"].astype(str)
                if (m := re.search(r"il contient le point représentatif de (.+?) : la CPTS", detail))]
        where = (f" ; il contient le point représentatif de {' ; '.join(held)} (make data DEPARTEMENTS=… les "
                 "ajoute) : les chiffres de ce diagnostic ne portent que sur une partie de la CPTS") if held else \
            (" (départements non chargés par make data DEPARTEMENTS=…, ou mer) : les chiffres de ce diagnostic "
             "peuvent ne porter que sur une partie de la CPTS")
        notes.append("une partie du périmètre dessiné de la CPTS ne recouvre aucune commune chargée dans la base"
                     + where)
    return notes


def near_duplicates(members: pd.DataFrame, table: pd.DataFrame, territory: Territory) -> tuple[list[str], list[str]]:
    """Neighbours whose listing holds a near-duplicate name (« CPTS Gapençais », « CPTS du Gapençais »): the names
    concerned, and one French sentence per pair, saying what follows if they are one CPTS.

    Both names among the neighbours: that CPTS may be counted twice. One of them the territory's own CPTS: the
    neighbour's units may be missing from the territory. Otherwise (the partner neither a neighbour nor this
    CPTS) nothing in the table depends on it, and nothing is said.
    """
    if table.empty or members.empty:
        return [], []
    neighbours = set(zip(table["liste"], table["cpts"], strict=True))
    own = territory.own_listing_entry
    names: list[str] = []
    sentences: list[str] = []
    for listing, group in members.groupby("listing"):
        for a, b, _reason in near_duplicate_names(sorted(set(group["cpts"].astype(str)))):
            if (listing, a) in neighbours and (listing, b) in neighbours:
                names += [a, b]
                sentences.append(f"« {a} » et « {b} » ont des noms proches dans la liste « {listing} » : s'il s'agit "
                                 "de la même CPTS, elle est comptée deux fois ci-dessus.")
            elif own is not None and own[1] == listing and own[0] in (a, b):
                other = b if own[0] == a else a
                if (listing, other) not in neighbours:
                    continue
                units = sorted(set(group.loc[group["cpts"] == other, "unit_code"].dropna().astype(str)))
                names.append(other)
                sentences.append(f"« {other} », voisine, a un nom proche de cette CPTS dans la liste « {listing} » : "
                                 "s'il s'agit de la même CPTS, ses unités (" + ", ".join(units[:10])
                                 + (f" et {len(units) - 10} autres" if len(units) > 10 else "")
                                 + ") manquent à ce territoire.")
    return list(dict.fromkeys(names)), sentences


def listing_anomalies(con: duckdb.DuckDBPyConnection, territory: Territory) -> pd.DataFrame | None:
    """What the CPTS's listing reports about this CPTS (``kind, code, line, detail_fr``, ``current_code`` of
    :func:`with_current_communes`); None if not a CPTS."""
    if territory.cpts is None:
        return None
    found = listings.anomalies(con)
    mine = found[(found["listing"] == territory.listing) & (found["cpts"] == territory.cpts)]
    rank = mine["kind"].map({k: i for i, k in enumerate(ANOMALY_ORDER)}).fillna(len(ANOMALY_ORDER))
    ordered = mine.assign(_rank=rank).sort_values(["_rank", "line"], kind="stable")
    return with_current_communes(con, ordered[["kind", "code", "line", "detail_fr"]].reset_index(drop=True))
