"""``make diagnostic TERRITORY=...``: compute a territory's diagnostic and write its outputs.

:func:`compute` reads the database through :mod:`pipeline.store.queries`,
calls the pure functions of :mod:`pipeline.analysis` section by section
(:mod:`pipeline.app.sections`) and returns a typed
:class:`~pipeline.model.diagnostic.Diagnostic`; :func:`run_diagnostic`
validates the options once, then hands the result to the renderers.
"""

from __future__ import annotations

import time
from datetime import date

import duckdb
import geopandas as gpd
import shapely

from pipeline.analysis import aci
from pipeline.app.sections import neighbours as neighbour_section
from pipeline.app.sections import profile
from pipeline.app.sections.apl import apl_section
from pipeline.app.sections.flows import flows_and_access
from pipeline.app.sections.population import population_section, unit_table
from pipeline.app.sections.supply import establishments_near, professionals_count, supply_section
from pipeline.errors import PipelineError
from pipeline.geography import projected_crs
from pipeline.model import DiagnosticOptions, Territory
from pipeline.model.diagnostic import Diagnostic, TailleSection
from pipeline.params import Params, default_params
from pipeline.progress import Stages
from pipeline.render import outputs
from pipeline.render.report import format_number
from pipeline.sources.adherents import read_adherents
from pipeline.sources.files import check_regular_file
from pipeline.sources.od_table import read_od_table
from pipeline.store.connection import connect
from pipeline.store.queries import apl as apl_queries
from pipeline.store.queries import geography, listings, provenance
from pipeline.store.queries import supply as supply_queries
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


def _taille(population: int, professionals: int | None, signature: date | None) -> TailleSection:
    band = aci.size_band(population)
    known = aci.known_funding(band)
    return TailleSection(
        band=band, label=aci.size_label(population, professionals), bounds=aci.band_description(band),
        professionals=professionals, total_possible=known["total_possible"],
        volet_supplementaire=known["volet_supplementaire"], maximum=known["maximum"], version=aci.DEFAULT_VERSION,
        version_label=aci.VERSION_LABELS[aci.DEFAULT_VERSION], funding=aci.funding_for(band),
        missions_without_amount=list(aci.funding_totals(band)["missions_sans_montant"]),
        calendar=None if signature is None else aci.mission_calendar(signature).assign(
            texte=lambda f: f["texte"].map(aci.TEXT_LABELS).fillna(f["texte"])),
    )


def compute(
    con: duckdb.DuckDBPyConnection, territory: Territory, options: DiagnosticOptions, params: Params | None = None
) -> Diagnostic:
    """Compute the whole diagnostic of ``territory``."""
    params = params or default_params()
    stages = Stages("Diagnostic", total=8)
    lap = stages.done
    notes = list(territory.notes)
    codes = territory.commune_codes
    polygons = geography.polygons_for(con, codes)
    missing_polygons = sorted(set(codes) - set(polygons["code"]))
    if missing_polygons:
        notes.append("communes sans polygone (reliquat des contours 2018) : " + ", ".join(missing_polygons))
    units = unit_table(con, territory, polygons)
    if (units["type"] == "arrondissement-municipal").any():
        notes.append(
            "arrondissements municipaux : pas de polygone propre dans les contours 2018 ; la carte montre la "
            "commune entière et la surface (donc la densité) n'est pas calculée pour eux"
        )
    lap("communes")

    population = population_section(con, territory, units, notes)
    areas = profile.areas_section(con, territory, population.departement, population.region)
    lap("population")

    offre = supply_queries.offre(con)
    supply = None
    professionals = None
    if offre is not None:
        supply = supply_section(con, codes, population, offre)
        professionals = professionals_count(con, codes)
        if (units["type"] == "arrondissement-municipal").any():
            notes.append(
                "offre de soins : l'Annuaire Santé localise les professionnels à la commune ; pour un territoire "
                "défini par arrondissements, l'offre de la commune entière est comptée"
            )
    coverage = profile.registry_coverage(con, areas, supply)
    lap("offre")

    taille = _taille(population.total, professionals, options.signature)
    communes_geo = polygons.merge(
        units.drop(columns=["nom", "population", "departement", "region"]).drop_duplicates("commune_code"),
        left_on="code", right_on="commune_code", how="left",
    )
    communes_geo["population"] = communes_geo["code"].map(units.groupby("commune_code")["population"].sum())
    communes_geo["densite_hab_km2"] = communes_geo["population"] / communes_geo["area_km2"]
    perimeter = gpd.GeoDataFrame(
        {"nom": [territory.label]},
        geometry=[shapely.union_all(communes_geo.geometry.values)] if len(communes_geo) else [None],
        crs=4326,
    )
    lap("géométries")

    establishments = establishments_near(con, perimeter, codes, projected_crs(population.departement),
                                         params.diagnostic.near_km)
    lap("établissements")

    official_apl = apl_queries.apl_current(con)
    apl = apl_section(official_apl, units, population.departement, population.region)
    units = units.merge(apl.per_unit[["unit_code", "apl_2022", "apl_2023", "apl_moins_65_2023"]], on="unit_code",
                        how="left")
    parts = profile.profile_sections(con, units, areas, official_apl, apl, coverage)
    lap("APL")

    representativeness = adherents = None
    if options.members is not None:
        if supply is None:
            raise PipelineError("Représentativité : aucune extraction de l'Annuaire Santé n'est chargée")
        adherents = profile.members_section(con, read_adherents(options.members), supply.table, units)
        representativeness = profile.legacy_table(adherents)

    members = listings.members(con)
    neighbours = neighbour_section.neighbours(con, territory, perimeter, members)
    shapes = neighbour_section.neighbour_shapes(con, neighbours, members)
    lap("voisins")

    flows = access = None
    if offre is not None:
        flows, access = flows_and_access(con, territory, offre, options, perimeter, population.departement,
                                         official_apl, params)
        notes.extend(flows.notes)
        gp = offre[offre["groupe"] == "Médecins généralistes"].groupby("commune")["etp_sites"].sum()
        communes_geo["densite_mg_10000"] = (communes_geo["code"].map(gp).fillna(0)
                                            / communes_geo["population"] * 10_000)
    lap("flux et accessibilité")
    communes_geo["apl_2023"] = communes_geo["code"].map(apl.commune_2023)
    communes_geo = profile.profile_columns(communes_geo, apl, parts.age_need, parts.income, parts.territory_type,
                                           parts.dynamics)

    stages.close()
    return Diagnostic(
        territory=territory, generated=today(), units=units, communes_geo=communes_geo, perimeter=perimeter,
        population=population, taille=taille, apl=apl, neighbours=neighbours,
        sources=provenance.sources(con), demo_sources=provenance.demo_sources(con), supply=supply,
        establishments=establishments, representativeness=representativeness, neighbour_shapes=shapes,
        flows=flows, access=access, notes=notes, timings=stages.timings, areas=areas, age_need=parts.age_need,
        income=parts.income, territory_type=parts.territory_type, dynamics=parts.dynamics,
        registry_coverage=coverage, members=adherents,
    )


def run_diagnostic(options: DiagnosticOptions) -> Diagnostic:
    """Resolve, compute and write a territory diagnostic; print a French summary."""
    check_options(options)
    start = time.perf_counter()
    con = connect()
    try:
        territory = resolve_territory(con, options.territory, options.name)
        resolved = time.perf_counter()
        diagnostic = compute(con, territory, options)
    finally:
        con.close()
    computed = time.perf_counter()
    out = outputs.write_all(diagnostic)
    done = time.perf_counter()
    diagnostic.timings.update({"résolution": resolved - start, "calcul": computed - resolved,
                               "écriture": done - computed})
    print(f"Diagnostic de {territory.label} : {len(territory.units)} unités, "
          f"{format_number(territory.population)} habitants, taille {diagnostic.taille.label}")
    for note in diagnostic.notes:
        print(f"  note : {note}")
    if diagnostic.demo_data:
        print("  ATTENTION : offre de soins issue de données fictives de démonstration")
    print(f"  rapport : {out.report}\n  carte : {out.map}\n  tableaux : {out.tables}")
    print(f"Terminé en {done - start:.1f} s (résolution {resolved - start:.2f} s, calcul {computed - resolved:.1f} s, "
          f"écriture {done - computed:.1f} s)")
    return diagnostic
