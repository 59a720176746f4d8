"""``make diagnostic TERRITORY=...``: compute a territory's diagnostic and write its outputs.

:func:`compute` reads the database through :mod:`pipeline.store.queries`,
calls the pure functions of :mod:`pipeline.analysis` section by section
(:mod:`pipeline.app.sections`) and returns a typed
:class:`~pipeline.model.diagnostic.Diagnostic`; :func:`run_diagnostic`
validates the options once, then hands the result to the renderers.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date

import duckdb
import geopandas as gpd
import shapely

from pipeline.analysis import aci
from pipeline.analysis.access import territory_what_if
from pipeline.app.sections import neighbours as neighbour_section
from pipeline.app.sections import profile
from pipeline.app.sections.apl import apl_section
from pipeline.app.sections.flow_table import check_usable
from pipeline.app.sections.flows import flows_and_access
from pipeline.app.sections.perimeter_pieces import perimeter_pieces, pieces_note
from pipeline.app.sections.pertinence import pertinence_section
from pipeline.app.sections.population import own_areas, population_section, unit_table
from pipeline.app.sections.registry_coverage import territory_uncovered
from pipeline.app.sections.supply import establishments_near, professionals_count, supply_section, unplaced_notes
from pipeline.app.sections.taille import (
    four_plus_plus_note,
    taille_section,
    unknown_when_partial,
    whole_population,
    whole_territory_taille,
)
from pipeline.app.shared import SharedData, read_shared
from pipeline.errors import PipelineError
from pipeline.geography import projected_crs
from pipeline.model import DiagnosticOptions, Territory
from pipeline.model.diagnostic import Diagnostic
from pipeline.nomenclatures import GROUPE_MG
from pipeline.params import Params, default_params
from pipeline.progress import Stages
from pipeline.render import outputs
from pipeline.render.pdf import check_printing_available
from pipeline.render.provenance import REGISTRY
from pipeline.render.report import format_number
from pipeline.sources.adherents import read_adherents
from pipeline.sources.files import check_regular_file
from pipeline.sources.od_table import read_od_table
from pipeline.store.connection import DIAGNOSTIC_MEMORY, connect, release
from pipeline.store.frames import use_system_allocator
from pipeline.store.queries import geography, listings, provenance
from pipeline.store.territory import resolve_territory


def today() -> date:
    return date.today()


def check_options(options: DiagnosticOptions) -> None:
    """Validate the option files before the (long) computation starts, and the output folders.

    Dates and scenarios were parsed when the options were built; here the
    files given by ``ADHERENTS=`` and ``FLUX=`` are read once for their
    errors, so that a bad file fails in a second.
    """
    for option, value in (("--adherents", options.members), ("--flux", options.flows)):
        if value is not None:
            check_regular_file(value, f"option {option}")
    if options.members is not None:
        read_adherents(options.members)
    if options.flows is not None:
        read_od_table(options.flows)
    outputs.check_writable_roots()
    if options.pdf:
        check_printing_available()


def compute(
    con: duckdb.DuckDBPyConnection, territory: Territory, options: DiagnosticOptions, params: Params | None = None,
    shared: SharedData | None = None,
) -> Diagnostic:
    """Compute the whole diagnostic of ``territory``.

    ``shared``: the whole tables read once for several diagnostics (``make
    diagnostics``); read here when not given.
    """
    params = params or default_params()
    batch = shared is not None
    shared = shared or read_shared(con)
    stages = Stages("Diagnostic", total=9)
    lap = stages.done
    notes = list(territory.notes)
    codes = territory.unit_codes
    # Arrondissements of Paris, Lyon and Marseille are drawn, measured and counted as themselves.
    polygons = geography.unit_polygons_for(con, codes)
    missing_polygons = sorted(set(codes) - set(polygons["code"]))
    if missing_polygons:
        year = provenance.contours_year(con)  # a review: online contours were said « 2018 »
        notes.append(f"unités sans polygone dans les contours communaux{f' {year}' if year else ''} : "
                     + ", ".join(missing_polygons))
    polygons, land, area_notes = own_areas(con, codes, polygons)
    notes.extend(area_notes)
    units = unit_table(con, territory, polygons)
    lap("communes")

    population = population_section(con, territory, units, notes, land)
    areas = profile.areas_section(con, territory, population.departement, population.region)
    lap("population")

    offre = shared.offre
    supply = None
    professionals = None
    if offre is not None:
        supply = supply_section(con, codes, population, lambda **zone: shared.supply_of_zone(con, **zone))
        professionals = professionals_count(con, codes)
    notes.extend(unplaced_notes(con, codes, registry=offre is not None))  # FINESS may be loaded alone
    coverage = profile.registry_coverage(con, areas, supply, shared.registry_counts(con))
    uncovered = territory_uncovered(coverage)
    if uncovered is not None:  # the registry's stray rows there are no count (a review: « 0 professionnels »)
        professionals = None
        notes.append(f"effectifs de professionnels de santé non disponibles, car {uncovered}")
    lap("offre")

    # « 4++ » (seed 002: more than 100 health professionals) is a real-world claim: never drawn from made-up
    # practitioners. With the demonstration registry the count is shown, labelled, and the band stays « 4 ».
    registry_demo = REGISTRY in shared.demo_sources
    listing_anomalies = neighbour_section.listing_anomalies(con, territory)
    partial = bool(territory.beyond_the_load or neighbour_section.outside_the_load(listing_anomalies)
                   or neighbour_section.drawn_part_outside_the_load(listing_anomalies))
    # Part of it beyond the load: the taille of its whole population, when the national COG gives it.
    whole = whole_population(con, territory, listing_anomalies, population.total) if partial else None
    taille = taille_section(population.total if whole is None else whole, None if registry_demo else professionals,
                            options.signature)
    if uncovered is not None:
        taille = replace(taille, professionals_unavailable=uncovered)
    if registry_demo and professionals is not None:
        taille = replace(taille, professionals=professionals)
        if taille.band == 4 and professionals > aci.TAILLE_4PP_MIN_PROFESSIONALS:
            notes.append("taille 4++ non retenue : les plus de 100 professionnels de santé comptés viennent de "
                         "l'offre fictive de démonstration")
    communes_geo = polygons.drop(columns=["nom", "population", "departement", "region"]).merge(
        units.drop(columns=["population", "departement", "region"]), left_on="code", right_on="unit_code", how="left")
    communes_geo["population"] = communes_geo["code"].map(units.set_index("unit_code")["population"])
    communes_geo["densite_hab_km2"] = communes_geo["population"] / communes_geo["area_km2"]
    perimeter = gpd.GeoDataFrame(
        {"nom": [territory.label]},
        geometry=[shapely.union_all(communes_geo.geometry.values)] if len(communes_geo) else [None],
        crs=4326,
    )
    lap("géométries")

    establishments = establishments_near(con, perimeter, codes, projected_crs(population.departement),
                                         params.diagnostic.near_km,
                                         # A batch reads them once; one diagnostic frees them before its model.
                                         shared.establishments(con) if batch else None)
    lap("établissements")

    official_apl = shared.official_apl
    apl = apl_section(official_apl, units, population.departement, population.region)
    units = units.merge(apl.per_unit[["unit_code", "apl_2022", "apl_2023", "apl_moins_65_2023"]], on="unit_code",
                        how="left")
    parts = profile.profile_sections(con, units, areas, official_apl, apl, coverage,
                                     shared.apl_workbook_rows(con), lambda: shared.income_references(con),
                                     population.area_km2)
    lap("APL")

    representativeness = adherents = None
    if options.members is not None:
        if supply is None:
            raise PipelineError("Représentativité : aucune extraction de l'Annuaire Santé n'est chargée")
        adherents = profile.members_section(con, read_adherents(options.members), supply.table, units,
                                            beyond_the_load=territory.beyond_the_load)
        representativeness = profile.legacy_table(adherents)

    members = shared.members
    touching = neighbour_section.touching_units(con, territory, perimeter)
    neighbours = neighbour_section.neighbours(con, territory, perimeter, members, touching, partial)
    shapes = neighbour_section.neighbour_shapes(con, neighbours, members)
    near_names, near_notes = neighbour_section.near_duplicates(members, neighbours, territory)
    notes.extend(neighbour_section.outside_the_load_notes(listing_anomalies))
    if partial:
        if whole is not None:
            taille, basis = whole_territory_taille(taille, whole, population.total)
            notes.append(basis)
        else:
            taille = unknown_when_partial(taille, population.total,
                                          missing=neighbour_section.departements_outside_the_load(listing_anomalies))
        if (note := four_plus_plus_note(taille, four_plus_plus_possible=not registry_demo)) is not None:
            notes.append(note)
    lap("voisins")

    flows = access = modelled = None
    if offre is not None:
        flows, access, modelled = flows_and_access(con, territory, offre, options, perimeter, population.departement,
                                                   official_apl, params, uncovered,
                                                   bv_beyond=shared.perimeter.outside_the_load(con)[0])
        notes.extend(flows.notes)
        assert supply is not None  # computed above whenever a registry is loaded
        gp = supply.per_unit[supply.per_unit["groupe"] == "Médecins généralistes"].set_index("code")["effectif"]
        communes_geo["densite_mg_10000"] = (communes_geo["code"].map(gp).fillna(0)
                                            / communes_geo["population"] * 10_000)
        if uncovered is not None:  # the map's GP density would count stray practitioners only
            communes_geo["densite_mg_10000"] = float("nan")
    lap("flux et accessibilité")
    communes_geo["apl_2023"] = communes_geo["code"].map(apl.per_unit.set_index("unit_code")["apl_2023"])
    communes_geo = profile.profile_columns(communes_geo, apl, parts.age_need, parts.income, parts.territory_type,
                                           parts.dynamics)
    flow_places = None
    if access is not None and access.simulation is not None:
        # Weighted by the model's own demand (standardised population), as the official APL is.
        access.simulation_territory = territory_what_if(access.simulation, access.demand_weights)
    if flows is not None and not flows.lines.empty:
        # Units at the far end of the drawn flows and the GP destinations the flow map's table lists, so that the
        # flow maps draw and name them (a destination reached by no drawn line had no outline, a review).
        ends = set(flows.lines["origin"].astype(str)) | set(flows.lines["destination"].astype(str))
        listed = flows.external_destinations
        if not listed.empty:
            ends |= set(listed.loc[listed["groupe"] == GROUPE_MG, "destination"].astype(str))
        flow_places = geography.unit_polygons_for(con, sorted(ends - set(units["unit_code"]) - set(codes)))
    beyond = neighbour_section.beyond_the_load_reason(territory, listing_anomalies,
                                                      provenance.loaded_departements(con))
    pertinence = pertinence_section(con, territory, offre, options, perimeter, population.departement, params,
                                    shared.perimeter, modelled, uncovered, beyond)
    notes.extend(n for n in pertinence.notes if n not in notes)  # a table's notes are the flows' too
    pertinence.parts = perimeter_pieces(units, communes_geo, projected_crs(population.departement))
    if (note := pieces_note(pertinence.parts, beyond)) is not None:
        notes.append(note)
    if flows is not None and pertinence.available and pertinence.kind == flows.kind:
        # The same GP consultations: the same reservations (those on other professions' rows do not apply).
        pertinence.caveats = list(flows.caveats if flows.gp_caveats is None else flows.gp_caveats)
    lap("pertinence du périmètre")

    reason = provenance.demo_reason(con) if shared.demo_sources else None
    if reason:  # a download failed: the report says why its supply is fictitious
        notes.append(f"offre de soins fictive de démonstration, car {reason}")

    stages.close()
    mentioned: set[str] = set()
    if establishments is not None:
        for column in ("commune", "unite"):
            if column in establishments:
                mentioned |= set(establishments[column].dropna().astype(str))
    if flows is not None and not flows.lines.empty:
        mentioned |= set(flows.lines["origin"].astype(str)) | set(flows.lines["destination"].astype(str))
    known = shared.perimeter.known_units()
    unsearched = neighbour_section.regions_without_listing(
        con, units[["unit_code", "region", "departement"]].set_axis(["code", "region", "departement"], axis=1),
        touching, known, shared.perimeter.known_regions())
    return Diagnostic(
        territory=territory, generated=today(), units=units, communes_geo=communes_geo, perimeter=perimeter,
        population=population, taille=taille, apl=apl, neighbours=neighbours,
        sources=shared.sources, demo_sources=shared.demo_sources, supply=supply,
        establishments=establishments, representativeness=representativeness, neighbour_shapes=shapes,
        flows=flows, access=access, pertinence=pertinence, notes=notes, timings=stages.timings,
        areas=areas, age_need=parts.age_need, income=parts.income, territory_type=parts.territory_type,
        dynamics=parts.dynamics, registry_coverage=coverage, members=adherents,
        flow_places=flow_places,
        # Where the listings speak (claims.known_units: half of the département's inhabitants and a quarter of its
        # units): a CPTS of another région claiming a few border communes does not make its neighbours searched.
        listings_in_region=listings.listings_in_regions(con, sorted(set(
            units.loc[units["unit_code"].astype(str).isin(known), "region"].dropna()
            .astype(str)))),
        regions_without_listing=unsearched[0], departements_without_listing=unsearched[1],
        near_duplicate_neighbours=near_names, near_duplicate_notes=near_notes,
        loaded_departements=provenance.loaded_departements(con),
        listing_anomalies=listing_anomalies,
        place_names=geography.commune_names(con, mentioned - set(units["unit_code"])),
    )


def run_diagnostic(options: DiagnosticOptions) -> Diagnostic:
    """Resolve, compute and write a territory diagnostic; print a French summary."""
    use_system_allocator()
    check_options(options)
    default_params()  # a bad parameters file is named before the database is opened
    start = time.perf_counter()
    con = connect(memory_limit=DIAGNOSTIC_MEMORY)
    try:
        territory = resolve_territory(con, options.territory, options.name)
        if options.flows is not None:  # before anything is written: its codes need the database
            check_usable(con, options.flows, territory.unit_codes)
        resolved = time.perf_counter()
        diagnostic = compute(con, territory, options)
    finally:
        release(con)
    computed = time.perf_counter()
    out = outputs.write_all(diagnostic, pdf=options.pdf)
    done = time.perf_counter()
    diagnostic.timings.update({"résolution": resolved - start, "calcul": computed - resolved,
                               "écriture": done - computed})
    count = len(territory.units)
    print(f"Diagnostic de {territory.label} : {count} {'unité' if count == 1 else 'unités'}, "
          f"{format_number(territory.population)} habitants, taille {diagnostic.taille.label}"
          + (f" (au moins {diagnostic.taille.lower_bound})" if (diagnostic.taille.lower_bound or 0) > 1 else ""))
    for note in diagnostic.notes:
        print(f"  note : {note}")
    for note in diagnostic.members.notes if diagnostic.members is not None else []:
        print(f"  note (adhérents) : {note}")  # an RPPS left out changes the Trame's shares: said here too
    if diagnostic.demo_data:  # which part: with a real registry, the professionals are not fictive
        registry, finess = diagnostic.is_demo("annuaire-sante"), diagnostic.is_demo("finess")
        print("  ATTENTION : " + ("offre de soins issue de données fictives de démonstration" if registry == finess
                                  else "professionnels de santé issus de données fictives de démonstration (les "
                                  "établissements FINESS sont réels)" if registry
                                  else "établissements issus de données fictives de démonstration (les "
                                  "professionnels de santé de l'Annuaire Santé sont réels)"))
    print(f"  rapport : {out.report}")
    if out.pdf is not None:
        print(f"  rapport imprimé : {out.pdf}")
    print(f"  Trame du projet de santé (Word) : {out.docx}\n  carte : {out.map}")
    if out.flows_map is not None:
        print(f"  carte des flux : {out.flows_map}")
    print(f"  tableaux (CSV, diagnostic.xlsx) : {out.tables}")
    print(f"Terminé en {done - start:.1f} s (résolution {resolved - start:.2f} s, calcul {computed - resolved:.1f} s, "
          f"écriture {done - computed:.1f} s)")
    return diagnostic
