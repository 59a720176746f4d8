"""``make coverage``: coverage of a département, a région or France by the loaded CPTS listings.

Reads DuckDB, runs the pure functions of the :mod:`pipeline.analysis.coverage` package, writes
CSV/GeoPackage/summary under ``data/processed/coverage/<zone>/`` and the map
``maps/couverture-<zone>/carte.html``, atomically, then prints a French summary.
"""

from __future__ import annotations

import time

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from pipeline.analysis.coverage import atone as coverage_atone
from pipeline.analysis.coverage import claims as coverage_claims
from pipeline.analysis.coverage import overlaps as coverage_overlaps
from pipeline.analysis.coverage import regionalisation as coverage_regions
from pipeline.analysis.population import legal_year
from pipeline.app.batch_unloaded import none_loaded
from pipeline.app.coverage_beyond import claims_beyond_the_load, out_of_load, population_beyond_the_load
from pipeline.app.coverage_layers import map_layers
from pipeline.app.coverage_listings import (
    memberless_notes,
    named_apart,
    one_id_per_listing,
    outside_codes,
    partial_cpts,
    statuts,
    unknown_when_partial,
    with_statuts,
    zone_issues,
)
from pipeline.app.coverage_zone import unlisted_region_notes, within_ars_field, zone_of
from pipeline.app.sections.taille import claims_beyond
from pipeline.errors import PipelineError
from pipeline.geography import LAEA_EUROPE, equal_area_crs, of_place, projected_crs
from pipeline.model import CoverageOptions
from pipeline.model.coverage import UNKNOWN_ZONE_WHY, Coverage, unknown_coverage_why
from pipeline.progress import Stages
from pipeline.render import coverage as render_coverage
from pipeline.render.listing_anomalies import ANOMALY_LABELS
from pipeline.render.report import format_number
from pipeline.render.sections.common import agree, enumeration, plural
from pipeline.store.connection import connect
from pipeline.store.queries import beyond_the_load, geography, listings


def compute(con: duckdb.DuckDBPyConnection, options: CoverageOptions) -> Coverage:
    stages = Stages("Couverture", total=5)
    lap = stages.done
    timings = stages.timings

    slug, label, column, value, notes = zone_of(options, con)
    listed = listings.members(con)
    if listed.empty:
        # A listing whose CPTS all lie beyond the loaded départements is loaded: each is named, with the command
        # that adds them (a review: « Aucune liste de CPTS n'est chargée : lancez make data » with the 2A, 2B loaded).
        raise PipelineError(" ; ".join(none_loaded(con, listing) for listing in listings.listing_names(con))
                            or "Aucune liste de CPTS n'est chargée : lancez « make data » (ou make data CPTS=…)")
    members = one_id_per_listing(listed, listed)
    listed_names = members[["cpts_id", "cpts"]]  # the listings' own names, which the anomalies carry
    all_issues = listings.anomalies(con)
    partial = partial_cpts(members, all_issues)
    out_of_the_load = out_of_load(con, all_issues)
    beyond = population_beyond_the_load(con, members, out_of_the_load)
    members = named_apart(members)
    all_units = geography.current_units_with_postcodes(con)[
        ["code", "nom", "type", "parent", "departement", "region", "population"]]
    units = all_units if column is None else all_units[all_units[column] == value].reset_index(drop=True)
    if column is None:
        units, beyond_note = within_ars_field(units)
        notes.extend([beyond_note] if beyond_note else [])
    claims = coverage_claims.claims_per_unit(members, units)
    # The zone's communes, cities with arrondissements included: a CPTS claiming Marseille whole is in the zone.
    zone_units = set(units["code"])
    in_zone = members[members["unit_code"].isin(zone_units) | members["commune_code"].isin(zone_units)]
    cpts_ids = set(in_zone["cpts_id"])
    zone_members = members[members["cpts_id"].isin(cpts_ids)]
    overlaps = coverage_overlaps.overlap_pairs(zone_members, all_units, within=zone_units)
    # A unit is a white zone only where the loaded listings speak: in a région none of them covers (or of which
    # they claim a few units across a border), "no CPTS" would mean "no listing loaded", not "no project".
    every_claim = coverage_claims.distinct_claims(members, all_units)
    claimed = set(every_claim["unit_code"])
    analysed = coverage_claims.analysis_units(all_units)
    regions = coverage_claims.listed_regions(claimed, analysed)
    # Per département: where two CPTS are rooted, or whose inhabitants and units the claims mostly hold; a listing of
    # one département does not speak for its région's others.
    # Rooted CPTS counted by the listings' own ids: one CPTS named in two listings is one CPTS there.
    outside, outside_people = claims_beyond(con, outside_codes(listed, all_issues))
    rooting = pd.concat([coverage_claims.distinct_claims(listed, all_units)[["cpts_id", "unit_code"]], outside])
    known = coverage_claims.known_units(claimed, analysed, rooting, outside_people)
    # Said where only the rooted CPTS make the white zones: two teams' own listings would too (a code review).
    by_rooting = analysed["code"].astype(str).isin(known - coverage_claims.known_units(claimed, analysed))
    rooted_only = sorted(set(analysed.loc[by_rooting, "departement"].astype(str))
                         & set(units["departement"].astype(str)))
    if rooted_only:
        notes.append(f"département(s) {', '.join(rooted_only)} : unités non revendiquées comptées en zones blanches "
                     "parce qu'au moins deux CPTS des listes chargées y ont l'essentiel de leur territoire, bien "
                     "que ces listes n'y revendiquent pas la moitié des habitants et le quart des unités ; vérifiez "
                     "qu'elles recensent toutes les CPTS de ces départements")
    whole = analysed.assign(known=analysed["code"].astype(str).isin(known)).groupby("region")["known"].all()
    in_the_zone = regions["region"].isin(set(units["region"])) & ~regions["region"].map(whole).fillna(False)
    region_names = geography.regions(con).set_index("code")["nom"].astype(str).to_dict()
    whole_regions = {str(r): beyond_the_load.population_where(con, "region", [str(r)])
                     for r in regions.loc[in_the_zone, "region"]}
    notes.extend(unlisted_region_notes(region_names, regions[in_the_zone], all_units, known, whole_regions,
                                       claims_beyond_the_load(con, out_of_the_load)))
    all_white = coverage_claims.white_zones(claims)
    white = all_white[all_white["unit_code"].astype(str).isin(known)].reset_index(drop=True)
    outside_listings = all_white[~all_white["unit_code"].astype(str).isin(known)]
    lap("revendications et chevauchements")

    # Perimeters on analysis units: a CPTS claiming a city whole claims each of its arrondissements, and
    # arrondissements have their own polygons, so that Marseille's CPTS get their own areas and overlaps.
    unit_claims = coverage_claims.distinct_claims(zone_members, all_units)
    zone_codes = set(claims["unit_code"])
    all_polygons = geography.unit_polygons_for(con, sorted(zone_codes | set(unit_claims["unit_code"])))
    areas = all_polygons.drop_duplicates("code").set_index("code")["area_km2"] * 1e6
    # Units without polygon (reliquat of the 2018 contours) add no area (counts and populations still do).
    held = geography.recreated_holders(con)
    holder_of = dict(zip(held["code"].astype(str), held["polygone"].astype(str), strict=True))
    area_overlaps = coverage_overlaps.commune_set_overlaps(unit_claims, areas, missing="zero", within=zone_units,
                                                           held=holder_of)
    status = statuts(members)
    overlaps = with_statuts(unknown_when_partial(_with_areas(overlaps, area_overlaps), partial, beyond), status)
    polygons = all_polygons[all_polygons["code"].isin(zone_codes)]
    lap("surfaces des chevauchements")
    bv = geography.bassin_de_vie_of(con)
    polygon_overlaps = pd.DataFrame()
    given = listings.perimeters(con)
    if not given.empty:
        # As the members: two same-name CPTS are two perimeters.
        given = named_apart(one_id_per_listing(given, listed))
        # Inside the zone only, as the overlaps of units (France: everywhere, without a union of its communes).
        zone_shape = None if column is None else shapely.union_all(np.asarray(polygons.geometry.dropna()))
        polygon_overlaps = coverage_overlaps.polygon_overlaps(given, crs=overlap_area_crs(units), within=zone_shape)
        # The zone's CPTS only, as for the overlaps of units (a review: the pairs of a listing drawn in the 04
        # were in the outputs of Paris).
        polygon_overlaps = polygon_overlaps[polygon_overlaps["cpts_id_a"].isin(cpts_ids)
                                            | polygon_overlaps["cpts_id_b"].isin(cpts_ids)].reset_index(drop=True)
        # Named, with the listing's statut and date, as the overlaps of units (identifiers alone named nobody).
        names = given.drop_duplicates("cpts_id").set_index("cpts_id")["cpts"]
        polygon_overlaps = with_statuts(polygon_overlaps.assign(
            cpts_a=polygon_overlaps["cpts_id_a"].map(names), cpts_b=polygon_overlaps["cpts_id_b"].map(names)), status)
    lap("chevauchements géométriques")

    white_codes = set(white["unit_code"].astype(str))
    white_geo = polygons[polygons["code"].isin(white_codes)].copy()
    if unseen := white_codes - set(white_geo["code"]):
        held_geo = coverage_atone.held_in_their_holder(
            units[units["code"].isin(unseen)].assign(commune=lambda f: f["code"]), holder_of, all_polygons)
        white_geo = pd.concat([white_geo, held_geo], ignore_index=True)
        if len(held_geo):
            notes.append(_held_note(held_geo, holder_of,
                                    dict(zip(held["polygone"].astype(str), held["nom_polygone"], strict=True))))
    # An arrondissement is in its city's bassin de vie.
    white_geo["bv2022"] = white_geo["commune"].map(bv)
    atone = pd.DataFrame(columns=["territoire", "rang", "communes", "n_communes", "population", "taille",
                                  "bassins_vie", "n_bassins_vie"])
    candidates = pd.DataFrame()
    if len(white_geo):
        frames = _by_crs(white_geo)
        atone_parts, candidate_parts, too_large = [], [], []
        for index, (crs, frame) in enumerate(frames):
            labelled = coverage_atone.atone_components(frame, crs=crs)
            prefix = f"{index}:"  # apart until numbered across the projections below
            labelled["territoire"] = prefix + labelled["territoire"]
            atone_parts.append(coverage_atone.atone_territories(frame, crs=crs))
            atone_parts[-1]["territoire"] = prefix + atone_parts[-1]["territoire"]
            sizes = labelled.groupby("territoire")["population"].transform("sum")
            counts = labelled.groupby("territoire")["code"].transform("size")
            # spopt's max-p heuristic does not scale to thousands of areas: very large uncovered
            # areas are reported, and left to a département-level run.
            big = (sizes >= options.threshold) & (counts <= MAX_REGIONALISED_COMMUNES)
            too_large += sorted(set(labelled.loc[counts > MAX_REGIONALISED_COMMUNES, "territoire"]))
            if big.any():
                candidate_parts.append(coverage_regions.candidate_perimeters(labelled[big], floor=options.threshold,
                                                                             crs=crs))
        atone, candidates, names = _numbered(pd.concat(atone_parts, ignore_index=True),
                                             pd.concat(candidate_parts, ignore_index=True) if candidate_parts
                                             else pd.DataFrame())
        notes.extend(f"{names[t]} : plus de {MAX_REGIONALISED_COMMUNES} communes, pas de proposition automatique "
                     "(lancez la couverture par département)" for t in sorted(too_large, key=names.__getitem__))
    lap("territoires atones et propositions")

    zone_names = set(listed_names.loc[listed_names["cpts_id"].isin(cpts_ids), "cpts"])
    with_members = set(zip(listed["listing"].astype(str), listed["cpts"].astype(str), strict=True))
    issues = zone_issues(all_issues, zone_names, set(zone_members["listing"]), with_members,
                         set(units["departement"].dropna().astype(str)),
                         set(all_units["departement"].dropna().astype(str)))
    notes.extend(memberless_notes(issues, with_members))
    population = all_units.drop_duplicates("code").set_index("code")["population"]
    partial_names = set(zone_members.loc[zone_members["cpts_id"].isin(partial), "cpts"])
    geometries = map_layers(all_polygons, polygons, population, claims, unit_claims, overlaps, white, atone,
                             candidates, partial_names, status, holder_of, beyond)
    if partial_names:
        one = len(partial_names) == 1
        notes.append(f"{format_number(len(partial_names))} CPTS {'a' if one else 'ont'} des communes hors des "
                     "départements chargés dans la base (make data DEPARTEMENTS=…) : "
                     f"{'son' if one else 'leurs'} nombre d'unités, surface et parts en unités sont « non "
                     f"disponible » (seule {'sa' if one else 'leur'} partie chargée est connue), "
                     f"{'sa' if one else 'leur'} population celle de la CPTS entière (populations légales du COG ; "
                     "« non disponible » pour un périmètre dessiné en partie sur aucune commune chargée) : "
                     + ", ".join(sorted(partial_names)))
    lap("géométries")
    if len(outside_listings):
        count = len(outside_listings)
        places = geography.departement_labels(con, outside_listings["departement"].dropna())
        named = ", ".join(places)
        unclaimed, counted = agree(count, "non revendiquée", "non revendiquées"), agree(count, "comptée", "comptées")
        which = "département" if len(places) == 1 else "départements"
        notes.append(f"{plural(count, 'unité')} {unclaimed} dont la couverture n'est pas connue "
                     f"({unknown_coverage_why(count > 1)}) : pas {counted} en zones blanches ({which} : {named})")
    stages.close()
    # Mayotte's figures are its 2017 census: a review read « populations légales 2023 » on its coverage; so are a
    # zone's CPTS's, whose populations are whole (a review: « CPTS Mayotte Digne » on the coverage of the 04).
    departements = claims["departement"].dropna()
    theirs = all_units.loc[all_units["code"].isin(set(unit_claims["unit_code"])), "departement"].dropna()
    return Coverage(zone=slug, label=label, threshold=options.threshold, units=units, claims=claims,
                    overlaps=overlaps, notes=notes,
                    population_year=legal_year.zone_year(departements, render_coverage.POPULATION_YEAR),
                    population_years_label=legal_year.years_label(pd.concat([departements, theirs]),
                                                                  render_coverage.POPULATION_YEAR),
                    outside_listings=outside_listings, known_units=known,
                    polygon_overlaps=polygon_overlaps, white=white, atone=atone.reset_index(drop=True),
                    candidates=candidates, quality=issues, geometries=geometries,
                    timings=timings)


MAX_REGIONALISED_COMMUNES = 600


def _held_note(held: pd.DataFrame, holder_of: dict[str, str], holder_names: dict[str, str]) -> str:
    """« 3 communes blanches sans contour propre … » (see :func:`coverage_atone.held_in_their_holder`)."""
    n = len(held)
    holders = sorted({str(holder_names.get(holder_of[str(c)], holder_of[str(c)])) for c in held["code"]})
    places = enumeration([of_place(h) for h in holders])  # « d'Essarts-en-Bocage », never « de Essarts » (a review)
    names = enumeration([f"{name} ({code})" for code, name in zip(held["code"], held["nom"], strict=True)])
    return (f"{plural(n, 'commune blanche', 'communes blanches')} sans contour propre ({names}, "
            f"{agree(n, 'recréée', 'recréées')} depuis les contours de 2018, dans "
            f"{agree(len(holders), 'le contour', 'les contours')} {places}) : "
            f"{agree(n, 'comptée', 'comptées')} dans les territoires atones avec le contour qui "
            f"{agree(n, 'la', 'les')} contient, {agree(n, 'non dessinée', 'non dessinées')} sur la carte")


def _with_areas(pairs: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Add the shared area (km²) and each perimeter's area share to the commune-set overlap pairs."""
    extra = areas.rename(columns={"shared_area_m2": "surface_partagee_km2", "share_a": "part_surface_a",
                                  "share_b": "part_surface_b"})
    extra["surface_partagee_km2"] = extra["surface_partagee_km2"] / 1e6
    keep = ["cpts_id_a", "cpts_id_b", "surface_partagee_km2", "part_surface_a", "part_surface_b"]
    out = pairs.merge(extra[keep], on=["cpts_id_a", "cpts_id_b"], how="left", indicator=True)
    # No area row: the pair shares only units without an area (none); an unknown area stays unknown.
    out.loc[out["_merge"] == "left_only", "surface_partagee_km2"] = 0.0
    return out.drop(columns="_merge")


def overlap_area_crs(units: pd.DataFrame) -> int | str:
    """Where the drawn perimeters' overlaps are measured: an equal-area projection, as the units' areas are."""
    deps = units["departement"].dropna().astype(str)
    return equal_area_crs(deps.mode().iloc[0]) if len(deps) else LAEA_EUROPE


def _numbered(atone: pd.DataFrame, candidates: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """The atone territories of every projection numbered together, « TA-001 » the most populated, as ``rang``
    (a review found France's « 2154-TA-001 » and Mayotte's « 4471-TA-001 », numbered apart, beside a national
    rang); their proposals renamed alike; and each territory's label before -> its name."""
    first = atone["communes"].map(lambda codes: codes[0])
    atone = atone.assign(_first=first).sort_values(["population", "_first"], ascending=[False, True])
    atone = atone.drop(columns="_first").reset_index(drop=True)
    width = max(3, len(str(len(atone))))
    names = {label: f"TA-{rank:0{width}d}" for rank, label in enumerate(atone["territoire"], start=1)}
    atone = atone.assign(territoire=atone["territoire"].map(names), rang=range(1, len(atone) + 1))
    if len(candidates):
        candidates = candidates.assign(
            territoire=candidates["territoire"].map(names),
            proposition=[names[t] + p[len(t):] for t, p in zip(candidates["territoire"], candidates["proposition"],
                                                                strict=True)])
    return atone, candidates, names


def _by_crs(frame: gpd.GeoDataFrame) -> list[tuple[int, gpd.GeoDataFrame]]:
    crs = frame["departement"].astype(str).map(projected_crs)
    return [(int(code), frame[crs == code]) for code in sorted(crs.unique())]


def _or_unknown(value: int | None) -> str:
    """A count of the coverage summary, « non disponible » when no loaded listing speaks for the zone."""
    return "non disponible" if value is None else str(value)


def run_coverage(options: CoverageOptions) -> Coverage:
    """Compute and write the coverage of a zone; print a French summary."""
    start = time.perf_counter()
    con = connect()
    try:
        result = compute(con, options)
    finally:
        con.close()
    out = render_coverage.write(result)
    s = render_coverage.summary(result)
    n = format_number
    print(f"Couverture par les CPTS – {result.label}")
    # Arrondissements are named only where the zone has some (a review read them in the line of the 04).
    arrondissements = int((result.claims["type"] == "arrondissement-municipal").sum())
    held = plural(arrondissements, "arrondissement municipal", "arrondissements municipaux")
    units = f"{n(s['unites'])} unités (dont {held})" if arrondissements else plural(s["unites"], "commune")
    print(f"  {units}, {plural(s['population'], 'habitant')}, {s['cpts']} CPTS")
    if s["communes_in_no_cpts"] is None:
        print(f"  zones blanches : non disponible ({UNKNOWN_ZONE_WHY})")
    else:
        # Of the départements the listings speak for only (a review read PACA's as France's).
        where = " (départements dont les listes chargées rendent compte)" if s["units_outside_listings"] else ""
        # Communes where the zone has no arrondissement; else units, with the communes they make whole.
        white = plural(s["units_in_no_cpts"], "unité") + f" ({plural(s['communes_in_no_cpts'], 'commune')} " \
            f"{agree(s['communes_in_no_cpts'], 'entière', 'entières')})" if arrondissements \
            else plural(s["communes_in_no_cpts"], "commune")
        print(f"  zones blanches{where} : {white}, {plural(s['population_in_no_cpts'], 'habitant')}")
    print(f"  unités revendiquées par plusieurs CPTS : {_or_unknown(s['units_in_several_cpts'])} ; "
          f"paires de CPTS qui se chevauchent : {_or_unknown(s['overlapping_pairs'])}")
    print(f"  territoires atones : {_or_unknown(s['atone_territories'])} ; périmètres proposés "
          f"(seuil {n(options.threshold)} hab.) : {_or_unknown(s['candidate_perimeters'])}")
    for note in result.notes:
        print(f"  note : {note}")
    if s["listing_issues"]:
        print("  anomalies des listes : " + ", ".join(f"{ANOMALY_LABELS.get(k, k.replace('_', ' '))} {v}"
                                                      for k, v in s["listing_issues"].items()))
    print(f"  carte : {out.map}\n  tableaux : {out.tables}")
    print(f"Terminé en {time.perf_counter() - start:.1f} s")
    return result
