"""Flows and accessibility of one territory: the modelled sections of the diagnostic.

The Huff model and the E2SFCA are computed on a domain around the territory
(analysis units within twice the model's cutoff of its perimeter), wide
enough that the territory's residents and the outsiders who come to it see
every destination within the model's cutoff. Analysis units are the current
communes, with Paris, Lyon and Marseille replaced by their arrondissements
(:mod:`pipeline.app.sections.units`): each has its own polygon, population,
supply (practitioners placed in it) and bassin de vie (its city's).
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd

from pipeline.analysis import access, flows
from pipeline.analysis.distances import distance_table
from pipeline.analysis.flow_indicators import residents_unknown_without_rows
from pipeline.app import flow_model
from pipeline.app.flow_model import GpFlows
from pipeline.app.sections import flow_gaps
from pipeline.app.sections.flow_table import EMPTY_TABLE, read_flow_table
from pipeline.app.sections.load_reach import apl_note, departements_within, flows_note
from pipeline.app.sections.units import (
    CITY_NAMES,
    commune_of_unit,
    domain_cities,
    flow_codes,
    of_units,
    summed_per_unit,
    unit_of_rows,
)
from pipeline.app.sections.what_if_inputs import (
    check_what_if_loaded,
    check_what_if_places,
    postal_code_notes,
    what_if_as_read,
    what_if_notes,
)
from pipeline.errors import PipelineError
from pipeline.geography import is_arrondissement, projected_crs
from pipeline.model import DiagnosticOptions, Territory
from pipeline.model.diagnostic import AccessSection, FlowsSection
from pipeline.model.options import check_what_if_totals
from pipeline.nomenclatures import GROUPE_MG
from pipeline.params import Params
from pipeline.render.sections.common import agree, fmt
from pipeline.store.queries import geography, provenance

GP = GROUPE_MG

#: Year of the official APL the APL approchée is compared with.
OFFICIAL_APL_YEAR = 2023

#: Note of a territory none of whose communes has a polygon (reliquat of the 2018 contours).
NO_POLYGON_NOTE = (
    "flux de patients et APL approchée non calculés : aucune commune du territoire n'a de polygone dans les "
    "contours communaux chargés (IGN Admin Express COG 2018), or ces modèles partent des distances entre "
    "communes voisines"
)


#: The APL approchée's share of :data:`NO_POLYGON_NOTE`.
NO_POLYGON_ACCESS = (
    "APL approchée non calculée : aucune commune du territoire n'a de polygone dans les contours communaux chargés "
    "(IGN Admin Express COG 2018), or ce modèle part des distances entre communes voisines"
)


def has_geometry(perimeter: gpd.GeoDataFrame) -> bool:
    """Whether the territory's perimeter has a usable (non-empty) polygon."""
    if perimeter is None or perimeter.empty:
        return False
    geometry = perimeter.geometry.iloc[0]
    return geometry is not None and not geometry.is_empty


def domain_points(
    con: duckdb.DuckDBPyConnection, perimeter: gpd.GeoDataFrame, dep: str, radius_km: float
) -> pd.DataFrame:
    """Representative points (inside the polygon) of the analysis units near the territory.

    Columns ``code`` (unit), ``commune`` (its current commune), ``lon``,
    ``lat``, ``area_km2``, ``population`` (the unit's legal population).
    """
    # A degree of latitude is 111 km and one of longitude at least 70 km in metropolitan France.
    polygons = geography.unit_polygons_near(con, perimeter.total_bounds, margin_deg=radius_km / 70)
    crs = projected_crs(dep)
    same_crs = polygons[polygons["departement"].map(projected_crs) == crs]
    points = gpd.GeoSeries(gpd.points_from_xy(same_crs["lon"], same_crs["lat"]), crs=4326, index=same_crs.index)
    area = perimeter.to_crs(crs).geometry.iloc[0].buffer(radius_km * 1000)
    near = same_crs[points.to_crs(crs).within(area)]
    return pd.DataFrame({"code": near["code"].to_numpy(), "commune": near["commune"].to_numpy(),
                         "lon": near["lon"].to_numpy(), "lat": near["lat"].to_numpy(),
                         "area_km2": near["area_km2"].to_numpy(), "population": near["population"].to_numpy()})


def official_by_unit(official_apl: pd.DataFrame, codes: pd.Series, year: int, column: str) -> pd.Series:
    """``column`` of the DREES APL table for each unit code: arrondissement rows for arrondissements.

    ``official_apl`` is :func:`pipeline.store.queries.apl.apl_current`; the
    result is aligned on ``codes`` (NaN where the workbook has no row).
    """
    sheet = official_apl[official_apl["annee"] == year]
    keys = pd.DataFrame({"code": codes.astype(str).to_numpy(),
                         "niveau": np.where(codes.astype(str).map(is_arrondissement), "arrondissement", "commune")})
    found = keys.merge(sheet[["code", "niveau", column]].drop_duplicates(["code", "niveau"]),
                       on=["code", "niveau"], how="left")
    return pd.Series(found[column].to_numpy(dtype=float), index=codes.index)


def apl_demand(points: pd.DataFrame, official_apl: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Demand of the APL approchée: DREES standardised population where the workbook has it, else total.

    The official APL weighs each commune's population by the national
    consumption of GP care per age band (« population standardisée »); the
    E2SFCA of the tool does the same with the latest year of the workbook,
    per unit (arrondissements included). Units the workbook lacks (Mayotte,
    no APL) keep their total population. Returns the ``code, population``
    frame and a French sentence saying which population was used.
    """
    total = points["population"].fillna(0).astype(float)
    with_std = official_apl[official_apl["population_standardisee"].notna()]
    if with_std.empty:
        return (pd.DataFrame({"code": points["code"], "population": total}),
                "Demande : population municipale totale (classeur APL de la DREES non chargé)")
    year = int(with_std["annee"].max())
    standardised = official_by_unit(with_std, points["code"], year, "population_standardisee")
    used = standardised.notna()
    demand = pd.DataFrame({"code": points["code"], "population": standardised.where(used, total)})
    text = (f"Demande : population standardisée de la DREES (APL {year} ; population pondérée par la consommation "
            f"de soins de médecins généralistes selon l'âge, comme pour l'APL officielle) pour {fmt(int(used.sum()))} "
            f"des {fmt(len(points))} unités du voisinage")
    if not used.all():
        text += f", population municipale totale pour les {fmt(int((~used).sum()))} unités absentes du classeur"
    return demand, text


def unit_bassins_de_vie(con: duckdb.DuckDBPyConnection, codes: set[str]) -> pd.Series:
    """Bassin de vie 2022 of each analysis unit: an arrondissement takes its city's."""
    by_commune = geography.bassin_de_vie_of(con, {commune_of_unit(c) for c in codes})
    ordered = sorted(codes)
    return pd.Series([by_commune.get(commune_of_unit(c)) for c in ordered], index=ordered, dtype=object).dropna()


def _origins_that_count(inside: set[str], distances: pd.DataFrame, bassins: pd.Series) -> set[str]:
    """Units of residence whose modelled consultations can change a figure of the flows section.

    The territory's units (``inside``), the units of its bassins de vie (the bassins de vie table), and the
    units within the cutoff of one of its units — only they can send consultations into it, the model
    giving no destination beyond the distance table. The other origins of the neighbourhood (around a dense
    city, most of them) are not modelled: the same figures for much less time and memory.
    """
    near = set(distances.loc[distances["destination"].isin(inside), "origin"].astype(str))
    return inside | near | flows.bassin_members(bassins, inside)


def _coordinates(con: duckdb.DuckDBPyConnection, points: pd.DataFrame, codes: set[str]) -> pd.DataFrame:
    """``code, lon, lat`` of the domain, and of the other ``codes`` (a table's far or city codes)."""
    coords = points[["code", "lon", "lat"]]
    missing = sorted(codes - set(coords["code"]))
    if missing:
        extra = geography.unit_polygons_for(con, missing)
        coords = pd.concat([coords, pd.DataFrame(extra[["code", "lon", "lat"]])], ignore_index=True)
    return coords


def _rate_key(groupe: str, rates: dict[str, float]) -> str | None:
    lowered = {k.lower(): k for k in rates}
    return lowered.get(groupe.lower())


def flows_and_access(
    con: duckdb.DuckDBPyConnection,
    territory: Territory,
    offre: pd.DataFrame,
    options: DiagnosticOptions,
    perimeter: gpd.GeoDataFrame,
    dep: str,
    official_apl: pd.DataFrame,
    params: Params,
    uncovered: str | None = None,
    bv_beyond: Mapping[str, int] | None = None,
) -> tuple[FlowsSection, AccessSection | None, GpFlows | None]:
    """Flow indicators (modelled, or read from ``FLUX=``) and APL approchée with its what-if.

    ``uncovered``: why the loaded Annuaire Santé cannot describe the territory's supply
    (:func:`pipeline.app.sections.registry_coverage.territory_uncovered`); no model is then built on its
    stray practitioners (flows from ``FLUX=`` are still read) and there is no APL approchée.

    The third item is the modelled GP flows of every origin that can send consultations into the
    territory (None when the flows are read from ``FLUX=``): the pertinence section reads them rather
    than modelling the same neighbourhood again.

    ``bv_beyond``: units of each bassin de vie in départements the database was not loaded for
    (:meth:`PerimeterData.outside_the_load`): such a bassin is cut, its residents' figures unknown.

    ``official_apl`` is the DREES APL on the current geography
    (:func:`pipeline.store.queries.apl.apl_current`), the same table as the
    APL section reads, so that the comparison covers merged communes and the
    arrondissements' cities too. A territory none of whose communes has a
    polygon has no domain to model: the flow section only carries a French
    note and there is no access section.
    """
    fp = params.flows
    if not has_geometry(perimeter):
        return FlowsSection(origin="", kind="modele", params=fp, notes=[NO_POLYGON_NOTE],
                            unavailable=NO_POLYGON_NOTE, access_unavailable=NO_POLYGON_ACCESS), None, None
    if uncovered is not None:
        if options.what_if:
            raise PipelineError(f"Simulation impossible : {uncovered}")
        if options.flows is None:
            reason = f"flux non calculés : {uncovered} (donnez FLUX= pour une table réelle des recours)"
            return FlowsSection(origin="", kind="modele", params=fp, notes=[reason], unavailable=reason,
                                access_unavailable=f"APL approchée non calculée : {uncovered}"), None, None
    points = domain_points(con, perimeter, dep, 2 * fp.cutoff_km)
    distances = distance_table(points, cutoff_km=fp.cutoff_km, detour=fp.detour_factor,
                               intra_factor=fp.intra_factor, default_intra_km=fp.default_intra_km)
    domain = set(points["code"])
    notes: list[str] = []
    # Supply per analysis unit: an arrondissement's practitioners where the domain has arrondissements.
    rows = of_units(flow_model.ambulatory(offre), domain)
    placed = unit_of_rows(rows, domain)
    lost = rows[without_arrondissement(rows, placed, domain)]
    if len(lost):
        notes.append(
            f"flux et APL approchée : {lost['etp_sites'].sum():.0f} "
            f"{agree(round(lost['etp_sites'].sum()), 'professionnel', 'professionnels')} (parts de présence) de "
            + ", ".join(CITY_NAMES.get(c, c) for c in sorted(set(lost["commune"])))
            + " sans arrondissement déterminé ne sont pas placés dans le modèle")
    supply = summed_per_unit(rows, placed)
    supply["groupe"] = supply["groupe"].map(lambda g: _rate_key(g, dict(fp.rates)))
    supply = supply.dropna(subset=["groupe"])
    demand = points[["code", "population"]].fillna({"population": 0})

    inside_codes = flow_codes(territory.unit_codes)
    domain_bassins = unit_bassins_de_vie(con, domain)
    caveats: list[str] = []
    gp_caveats: list[str] | None = None  # with a table only: its reservations on the GP rows (the pertinence's)
    if options.flows is not None:
        table, table_notes, caveats = read_flow_table(con, options.flows, territory.unit_codes)
        notes.extend(table_notes)
        origin = f"table origine-destination fournie ({options.flows})"
        kind = "table"
    else:
        origins = _origins_that_count(set(inside_codes), distances, domain_bassins)
        table = flows.huff_flows(demand[demand["code"].isin(origins)], supply, distances, fp)
        origin = "modèle gravitaire de Huff (flux modélisés, pas des données de l'Assurance maladie)"
        kind = "modele"
    # Distinct codes first: a modelled table holds about a million flows.
    table_codes = {str(c) for column in ("origin", "destination") for c in table[column].dropna().unique()}
    # A read table may name units outside the domain: only then are more bassins de vie read.
    bv = domain_bassins if table_codes <= domain else unit_bassins_de_vie(con, domain | table_codes)
    indicators = flows.territory_flow_indicators(table, inside_codes, bv, units_beyond=bv_beyond)
    lines = flows.main_flows(table, inside_codes, top=15)
    coords = _coordinates(con, points, set(lines["origin"].astype(str)) | set(lines["destination"].astype(str)))
    lines = lines.merge(coords.rename(columns={"code": "origin", "lon": "lon_o", "lat": "lat_o"}), on="origin",
                        how="left")
    lines = lines.merge(coords.rename(columns={"code": "destination", "lon": "lon_d", "lat": "lat_d"}),
                        on="destination", how="left")
    # Names for the report and the tables, resolved here so that renderers only present.
    dest = indicators["destinations_exterieures"]
    names = geography.commune_names(con, set(dest["destination"].astype(str)) | set(lines["origin"].astype(str))
                                    | set(lines["destination"].astype(str)))
    dest = dest.assign(nom=dest["destination"].astype(str).map(names))[
        ["groupe", "destination", "nom", "volume", "part_des_residents"]]
    lines = lines.assign(nom_origine=lines["origin"].astype(str).map(names),
                         nom_destination=lines["destination"].astype(str).map(names))
    bvs = indicators.get("bassins_de_vie", pd.DataFrame())
    if not bvs.empty:
        labels = geography.bassin_de_vie_names(con, set(bvs["bassin_de_vie"].astype(str)))
        bvs.insert(1, "bassin_de_vie_nom", bvs["bassin_de_vie"].astype(str).map(labels))
    synthesis = indicators["synthese"]
    if kind == "table":
        # « Non affectés » is the model's demand with no supply within reach; a table has none to tell (a review
        # read 0 where 900 consultations had been set aside as unplaceable).
        synthesis = synthesis.assign(non_affecte=float("nan"))
        synthesis, gaps = flow_gaps.table_gaps(residents_unknown_without_rows(synthesis), table, territory,
                                               inside_codes)
        caveats.extend(gaps)
        notes.extend(gaps)
        # The table's own reservations, then its gaps for the GP rows alone.
        gp = table["groupe"] == GP
        gp_caveats = [c for c in caveats if c not in gaps] + (flow_gaps.table_gaps(
            synthesis[synthesis["groupe"] == GP], table[gp], territory, inside_codes)[1] if gp.any() else [])
        dest, bvs = flow_gaps.resident_shares_unknown(dest, bvs, synthesis)
    flow_section = FlowsSection(origin=origin, kind=kind, params=fp, synthesis=synthesis,
                                external_destinations=dest, bassins_de_vie=bvs, lines=lines, notes=notes,
                                beyond_the_load=departements_within(con, perimeter, dep, fp.cutoff_km),
                                caveats=caveats, gp_caveats=gp_caveats)
    if kind == "table" and table.empty:
        flow_section.unavailable = EMPTY_TABLE
    elsewhere = elsewhere_in_the_world(territory, dep)
    if elsewhere:
        notes.append(elsewhere)
        caveats.append(elsewhere)
        if flow_section.gp_caveats is not None:
            flow_section.gp_caveats.append(elsewhere)
    if flow_section.beyond_the_load:
        reach = (flows_note(flow_section.beyond_the_load, fp.cutoff_km, provenance.loaded_departements(con))
                 if kind == "modele" else apl_note(flow_section.beyond_the_load, fp.cutoff_km))
        notes.append(reach)
        if kind == "modele":  # with a FLUX= table, only the APL approchée is modelled
            caveats.append(reach)

    # APL approchée for GPs, its rank correlation with the official APL, and the what-if.
    steps, speed = dict(params.access.steps_minutes), params.access.speed_kmh
    gp_supply = supply[supply["groupe"] == _rate_key(GP, dict(fp.rates))]
    apl_demand_frame, demand_text = apl_demand(points, official_apl)
    approx = access.approx_apl(apl_demand_frame, gp_supply, distances, supply_col="effectif", steps=steps,
                               speed_kmh=speed)
    official = pd.DataFrame({"code": approx["code"],
                             "apl": official_by_unit(official_apl, approx["code"], OFFICIAL_APL_YEAR, "apl")})
    official = official.dropna(subset=["apl"])
    inside = approx[approx["code"].isin(inside_codes)]
    unit_names = geography.commune_names(con, set(inside["code"].astype(str)))
    access_section = AccessSection(
        communes=inside.merge(official.rename(columns={"apl": "apl_officielle_2023"}), on="code", how="left")
        .assign(nom=lambda f: f["code"].astype(str).map(unit_names))[
            ["code", "nom", "apl_approchee", "apl_officielle_2023"]],
        spearman_territory=access.rank_correlation(inside, official),
        spearman_neighbourhood=access.rank_correlation(approx, official),
        unit=approx.attrs.get("unite", ""),
        demand=demand_text,
        demand_weights=apl_demand_frame.set_index("code")["population"],
    )
    if options.what_if:
        # The groups the model has rates for, whether or not the neighbourhood has any of them yet (a review: the
        # first dentist of a zone without any was « non modélisé »).
        groups = sorted(dict(fp.rates))
        read = what_if_as_read(con, options.what_if, groups)
        typed = {r.commune: o.commune for r, o in zip(read, options.what_if, strict=True) if r.commune != o.commune}
        simulation_notes = what_if_notes(read, typed)
        changes = access.check_what_if_groups(read, groups)
        check_what_if_totals(changes)
        names = geography.commune_names(con, {c.commune for c in changes})
        check_what_if_loaded(con, changes)
        check_what_if_places(changes, domain, set(names), typed, inside_codes)
        simulation_notes += postal_code_notes(changes, names, inside_codes)
        notes.extend(simulation_notes)
        access_section.simulation_notes = tuple(simulation_notes)
        scenario = access.what_if(apl_demand_frame, supply, distances, changes, supply_col="effectif", steps=steps,
                                  speed_kmh=speed)
        access_section.simulation = scenario[scenario["code"].isin(inside_codes)]
        access_section.changes = tuple(changes)
        access_section.change_names = names
    # The distance pairs (about 100 MiB for Paris 18e-20e) are not needed any more: freed before the GP rows
    # are built as text, which was the diagnostic's memory peak.
    del distances
    # The table holds every origin within the cutoff of the territory with all its destinations: for those
    # origins, the same GP rows as a model of the whole neighbourhood.
    gp = None if kind != "modele" else flow_model.gp_rows_of(table, points[points["code"].isin(inside_codes)], fp)
    if uncovered is not None:  # flows read from FLUX=: the approximate APL would still rest on the stray rows
        flow_section.access_unavailable = f"APL approchée non calculée : {uncovered}"
        flow_section.notes.append(flow_section.access_unavailable)
        return flow_section, None, gp
    return flow_section, access_section, gp


def elsewhere_in_the_world(territory: Territory, dep: str) -> str | None:
    """Why the units of another projection than the main département's are not in the models, or None.

    The models run in the main département's projected CRS (:func:`domain_points`): a territory holding
    communes of Guadeloupe, La Réunion and Mayotte would be modelled for one island without a word.
    """
    crs = projected_crs(dep)
    units = territory.units
    away = units[units["departement"].astype(str).map(projected_crs) != crs]
    if away.empty:
        return None
    deps = ", ".join(sorted(set(away["departement"].astype(str))))
    population = f"{pd.to_numeric(away['population'], errors='coerce').sum():,.0f}".replace(",", "\u202f")
    return (f"flux et APL approchée modélisés pour les unités du territoire proches du département {dep} "
            + (f"seulement : son unité de {deps} ({population} habitants), trop éloignée, n'est pas dans le modèle, "
               "et ses indicateurs de flux ne portent pas sur elle" if len(away) == 1 else
               f"seulement : ses {fmt(len(away))} unités de {deps} ({population} habitants), trop éloignées, ne sont "
               "pas dans le modèle, et ses indicateurs de flux ne portent pas sur elles"))


def without_arrondissement(rows: pd.DataFrame, placed: pd.Series, domain: set[str]) -> pd.Series:
    """Rows of a city the domain holds by arrondissement whose own arrondissement is not known (``unite`` is the
    city): the model cannot place them. Rows of an arrondissement outside the domain are simply beyond it (a
    review saw Gap's diagnostic call 19 816 practitioners of Marseille « sans arrondissement déterminé »)."""
    return placed.isna() & rows["commune"].isin(domain_cities(domain)) & (rows["unite"] == rows["commune"])

