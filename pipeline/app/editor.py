"""``make editeur REGION=93`` (or ``DEPARTEMENT=``, optionally ``CPTS=``): the offline perimeter editor page.

Fills a :class:`~pipeline.render.editor.EditorData` from the database: the
analysis units of the zone (arrondissements in Paris, Lyon, Marseille) and
those of the starting CPTS, the listed perimeters, the modelled GP
consultations between the zone and its surroundings (the diagnostic's Huff
model and parameters, :mod:`pipeline.app.flow_model`), the ACI rules and
each unit's legal-population year; then writes
``maps/editeur-<zone>/editeur.html`` atomically.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import duckdb
import geopandas as gpd
import pandas as pd
import shapely

from pipeline import config
from pipeline.analysis import aci
from pipeline.analysis.perimeter_parts import neighbour_pairs
from pipeline.app import flow_model
from pipeline.app.sections.load_reach import departements_within, zone_note
from pipeline.app.sections.neighbours import drawn_part_outside_the_load, outside_the_load, with_current_communes
from pipeline.app.sections.perimeter_data import analysis_codes, split_cities, zone_totals
from pipeline.app.sections.registry_coverage import registry_missing
from pipeline.app.sections.taille import population_unit
from pipeline.app.shared import SharedData, read_shared
from pipeline.errors import PipelineError, TerritoryError
from pipeline.geography import paris_postal_arrondissement, projected_crs, slugify
from pipeline.model.coverage import unknown_coverage_why
from pipeline.model.perimeter import EditorOptions
from pipeline.params import Params, default_params
from pipeline.render import outputs
from pipeline.render.editor import (
    AciRules,
    EditorData,
    EditorPage,
    InitialPerimeter,
    ListedPerimeter,
    write_editor_page,
)
from pipeline.render.report import format_number
from pipeline.render.sections.common import enumeration, plural
from pipeline.sources.cpts_listing import codes_beyond_the_load
from pipeline.store.connection import connect
from pipeline.store.queries import beyond_the_load, geography, listings, provenance
from pipeline.store.territory import loaded_part, resolve_territory, resolve_zone

#: Mayotte's legal population is its 2017 census in every package (see :data:`pipeline.config.POPULATION_YEAR`).
MAYOTTE = "976"
MAYOTTE_POPULATION_YEAR = 2017
OD_LABEL = ("recours modélisés aux médecins généralistes (modèle de Huff, mêmes paramètres que le diagnostic ; "
            "pas des données de l'Assurance maladie)")


def population_year(departement: object) -> int:
    """Year of the legal population the loaded package gives a unit of ``departement``."""
    if str(departement) == MAYOTTE:
        return MAYOTTE_POPULATION_YEAR
    return config.POPULATION_YEAR[config.CURRENT_VINTAGE]


def aci_rules() -> AciRules:
    """ACI size bands and the known part of their funding (seed 001)."""
    return AciRules(bounds=tuple(aci.SIZE_BOUNDS), funding={band: aci.known_funding(band) for band in (1, 2, 3, 4)},
                    note=aci.funding_note(), version=aci.DEFAULT_VERSION,
                    version_label=aci.VERSION_LABELS[aci.DEFAULT_VERSION], descriptions=aci.BAND_DESCRIPTIONS)


@dataclass(frozen=True)
class Zone:
    """The units an editor page shows: ``codes`` (analysis units), its label and the folder name."""

    codes: list[str]
    label: str
    slug: str
    departement: str


def _zone(con: duckdb.DuckDBPyConnection, options: EditorOptions, units: pd.DataFrame,
          start: list[str]) -> Zone:
    if options.region:
        code, name = resolve_zone(con, "region", options.region)  # a code, PACA or a name
        chosen = units[units["region"] == code]
        label, slug = f"Région {loaded_part(con, 'region', code, name)[0]}", f"region-{slugify(code)}"
    elif options.departement:
        code, name = resolve_zone(con, "departement", options.departement)
        chosen = units[units["departement"] == code]
        label, slug = f"Département {name} ({code})", f"departement-{slugify(code)}"
    elif start:
        deps = sorted(set(units.loc[units["code"].isin(start), "departement"].dropna()))
        chosen = units[units["departement"].isin(deps)]
        label, slug = "Départements " + ", ".join(deps), "departements-" + "-".join(slugify(d) for d in deps)
    else:
        raise PipelineError("Éditeur de périmètre : précisez REGION=, DEPARTEMENT= ou CPTS=")
    if chosen.empty:
        raise PipelineError(f"Aucune commune chargée pour la zone « {label} » : chargez ses départements "
                            "(make data) ou choisissez une autre zone")
    codes = sorted(set(chosen["code"]) | set(start))
    main = chosen["departement"].mode()
    return Zone(codes=codes, label=label, slug=slug, departement=str(main.iloc[0]) if len(main) else "")


def _perimeters(members: pd.DataFrame, cities: set[str], zone: set[str],
                anomalies: pd.DataFrame, populations: dict[str, int]) -> list[ListedPerimeter]:
    """Listed CPTS with at least one unit in the zone (their units on the analysis geography), with what their
    listing names outside the loaded départements (``anomalies``: the listings' ``cpts_anomalies``) and the
    population of those communes (``populations``: the national COG's, by current commune or arrondissement)."""
    reported = {key: group for key, group in anomalies.groupby(["listing", "cpts"], sort=False)}
    out: list[ListedPerimeter] = []
    for (listing, cpts), group in members.groupby(["listing", "cpts"], sort=True):
        codes = tuple(analysis_codes(list(group["unit_code"].astype(str)), cities))
        if zone.intersection(codes):
            own = reported.get((listing, cpts))
            beyond = None if drawn_part_outside_the_load(own) else outside_the_load(own)  # as its diagnostic
            coded = (pd.DataFrame(columns=["code", "current_code"]) if own is None else
                     codes_beyond_the_load(own).drop_duplicates("code").sort_values("code"))
            # What each code counts the population of: its current commune, an arrondissement itself (the page drops
            # an arrondissement whose city it keeps too).
            units = tuple(population_unit(code, current)
                          for code, current in zip(coded["code"], coded["current_code"], strict=True))
            out.append(ListedPerimeter(name=str(cpts), listing=str(listing), codes=codes, beyond_the_load=beyond,
                                       beyond_the_load_codes=tuple(coded["code"].astype(str)),
                                       beyond_the_load_communes=tuple(coded["current_code"].astype(str)),
                                       beyond_the_load_units=units,
                                       beyond_the_load_populations=tuple(populations.get(u) for u in units)))
    return out


def former_codes(mapping: pd.DataFrame, zone: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Former codes (``cog_mapping``) of the zone's communes → the unit they are now; and their names.

    A former commune of a city modelled by arrondissement (Saint-Rambert-l'Île-Barbe, 69232, in Lyon 9e) lies in
    one of them, which the mapping does not say: it is left out, so that the page reads it as the diagnostic does
    (refused), not as the whole city (a review: 69232 made a perimeter of all of Lyon, taille 4). Nor are
    Paris's postal codes read as the Seine communes whose codes they were before 1968 (75001, Alfortville).
    """
    units = set(zone)
    known = mapping.dropna(subset=["current_code"])
    known = known[(known["code"] != known["current_code"]) & known["current_code"].isin(units)
                  & ~known["code"].isin(units)
                  # 75001…75020, Paris's postal codes, are not read as the Seine communes they were before 1968.
                  & known["code"].map(lambda code: paris_postal_arrondissement(str(code)) is None)]
    named = known.dropna(subset=["nom"])
    return (dict(zip(known["code"].astype(str), known["current_code"].astype(str), strict=True)),
            dict(zip(named["code"].astype(str), named["nom"].astype(str), strict=True)))


def names_keeping_the_code(con: duckdb.DuckDBPyConnection, zone: list[str]) -> dict[str, list[str]]:
    """Unit → the names of the communes déléguées or associées keeping its code (Meyronnes, 04120), of the zone."""
    names = beyond_the_load.former_commune_names(con)
    kept = names[(names["code"] == names["current_code"]) & names["code"].isin(set(zone))]
    return {str(code): sorted(set(group["nom"].astype(str))) for code, group in kept.groupby("code")}


def editor_data(con: duckdb.DuckDBPyConnection, options: EditorOptions, params: Params | None = None,
                shared: SharedData | None = None) -> tuple[EditorData, str]:
    """The editor's data for ``options``, and the name of its folder (``editeur-<zone>``)."""
    params = params or default_params()
    shared = shared or read_shared(con)
    units = shared.perimeter.units
    cities = split_cities(units)
    initial = InitialPerimeter()
    start: list[str] = []
    if options.cpts:
        try:
            territory = resolve_territory(con, options.cpts if options.cpts.startswith("cpts:")
                                          else f"cpts:{options.cpts}")
        except TerritoryError as exc:  # suggested as the option takes them (« CPTS=… »), not as « cpts:… »
            raise TerritoryError(exc.message.replace("« cpts:", "« "), exc.path, exc.line) from exc
        start = analysis_codes(territory.unit_codes, cities)
        initial = InitialPerimeter(codes=tuple(start), name=territory.label, cpts=territory.cpts,
                                   listing=territory.listing)
    zone = _zone(con, options, units, start)
    chosen = units.set_index("code").loc[zone.codes].reset_index()
    polygons = geography.unit_polygons_for(con, zone.codes)[["code", "geometry"]]
    frame = chosen.merge(polygons, on="code", how="left")
    frame["population_annee"] = frame["departement"].map(population_year)
    table = gpd.GeoDataFrame(frame[["code", "nom", "population", "population_annee", "departement", "epci",
                                    "epci_nom", "bv2022", "bv2022_nom"]],
                             geometry=gpd.GeoSeries(frame["geometry"].to_numpy(), crs=4326), crs=4326)
    notes: list[str] = []
    od = None
    if shared.offre is None:
        notes.append("Aucune extraction de l'Annuaire Santé n'est chargée : l'auto-confinement n'est pas calculé.")
    # As the diagnostic: flows modelled on the few practitioners of an uncovered zone would be false.
    elif uncovered := registry_missing(shared.registry_counts(con), sorted(set(chosen["departement"].dropna()))):
        notes.append("L'extraction de l'Annuaire Santé chargée ne couvre pas la zone (départements non couverts : "
                     f"{', '.join(uncovered)}) : l'auto-confinement n'est pas calculé.")
    elif table.geometry.notna().any():
        drawn = table[table.geometry.notna()]
        points = flow_model.domain_units(con, drawn.geometry, zone.departement, 2 * params.flows.cutoff_km)
        od = flow_model.modelled_gp_flows(points, shared.offre, params.flows).table
        area = gpd.GeoDataFrame(geometry=[shapely.union_all(drawn.geometry.to_numpy())], crs=4326)
        missing = departements_within(con, area, zone.departement, params.flows.cutoff_km)
        if missing:
            notes.append(zone_note(missing, params.flows.cutoff_km, provenance.loaded_departements(con)))
    beyond = shared.perimeter.outside_the_load(con)
    totals = zone_totals(units, beyond)
    demo = "annuaire-sante" in shared.demo_sources
    # The page writes « Sources : » before it.
    sources = ("Insee/Etalab (COG et populations légales), IGN Admin Express COG 2018 et Etalab "
               "(arrondissements), Insee (bassins de vie 2022), listes de CPTS chargées, Annuaire Santé"
               + (" (données fictives de démonstration)" if demo else "") + " pour le modèle de recours.")
    # The coverage's rule: where no loaded listing speaks for the département, a unit nobody claims is not a white zone.
    anomalies = with_current_communes(con, listings.anomalies(con))
    # A CPTS reaching beyond the load has the taille of its whole population, as its diagnostic.
    outside = codes_beyond_the_load(anomalies).dropna(subset=["current_code"]) if len(anomalies) else None
    perimeters = _perimeters(shared.members, cities, set(zone.codes), anomalies, beyond_the_load.populations(
        con, [] if outside is None else {*outside["code"].astype(str), *outside["current_code"].astype(str)}))
    unlisted = chosen[~chosen["code"].astype(str).isin(shared.perimeter.known_units())]
    unknown = unlisted[~unlisted["code"].astype(str).isin({code for p in perimeters for code in p.codes})]
    if len(unknown):
        notes.append(_unknown_coverage_note(con, unknown))
    # Units within 50 m of each other: the page counts the parts of the perimeter drawn as the diagnostic does.
    left, right = neighbour_pairs(table.geometry, projected_crs(zone.departement))
    codes = table["code"].astype(str).to_numpy()
    former = former_codes(geography.cog_mapping(con), zone.codes)
    data = EditorData(
        units=table, adjacency=list(zip(codes[left], codes[right], strict=True)),
        perimeters=perimeters, od=od, aci=aci_rules(),
        initial=initial, title="Éditeur de périmètre de CPTS", zone=zone.label, sources=sources,
        demo=demo, od_label=OD_LABEL, bv_totals=totals["bv2022"], epci_totals=totals["epci"],
        bv_beyond=beyond[0], epci_beyond=beyond[1], notes=notes,
        former_codes=former[0], former_names=former[1], other_names=names_keeping_the_code(con, zone.codes),
        unknown_coverage=frozenset(unlisted["code"].astype(str)),
        loaded_departements=tuple(provenance.loaded_departements(con)),
    )
    slug = f"editeur-{zone.slug}" + (f"-{slugify(initial.name, max_length=60)}" if options.cpts else "")
    return data, slug


def _unknown_coverage_note(con: duckdb.DuckDBPyConnection, unknown: pd.DataFrame) -> str:
    """« 359 unités non revendiquées (département : Gironde (33)) dont la couverture n'est pas connue … » (French)."""
    places = geography.departement_labels(con, unknown["departement"].dropna())
    where = f"{'département' if len(places) == 1 else 'départements'} : {enumeration(places)}"
    one = len(unknown) == 1
    return (f"{plural(len(unknown), 'unité non revendiquée', 'unités non revendiquées')} ({where}) dont la "
            f"couverture n'est pas connue ({unknown_coverage_why(not one)}) : jamais "
            f"{'comptée' if one else 'comptées'} en zone blanche.")


def run_editor(options: EditorOptions) -> EditorPage:
    """Build and write the editor page; print a French summary (path, units, size)."""
    start = time.perf_counter()
    outputs.check_writable_roots()
    con = connect()
    try:
        data, slug = editor_data(con, options)
    finally:
        con.close()
    with outputs.atomic_dir(outputs.map_dir(slug)) as folder:
        page = write_editor_page(data, folder / "editeur.html")
    final = outputs.map_dir(slug) / "editeur.html"
    print(f"Éditeur de périmètre : {final}\n  {format_number(len(data.units))} unités, "
          f"{format_number(len(data.perimeters))} CPTS listées, {format_number(page.od_pairs)} paires "
          "origine-destination ; page de "
          f"{format_number(page.size_bytes / 1e6, 1)} Mo (contours simplifiés à {page.tolerance_m:.0f} m)")
    print(f"Terminé en {time.perf_counter() - start:.1f} s")
    return EditorPage(path=final, size_bytes=page.size_bytes, tolerance_m=page.tolerance_m, seconds=page.seconds,
                      od_pairs=page.od_pairs)
