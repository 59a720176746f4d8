"""Pertinence of the perimeter (seed 003 §6.1, « territoire vécu »): the section of every diagnostic.

The GP consultations (modelled by :mod:`pipeline.app.flow_model` on analysis
units, or the GP rows of the ``FLUX=`` table) are handed to
:func:`pipeline.analysis.pertinence.perimeter_pertinence` with the units'
populations, zonings and the other CPTS claiming them. A ``FLUX=`` table with
no GP row, or none from the territory's residents, makes the section
unavailable with its French reason (:data:`NO_GP_FLOWS`): the model never
replaces a given table, and no figure is computed from other professions;
the zones cut, which depend on the zonings only, are still given.
"""

from __future__ import annotations

import math

import duckdb
import geopandas as gpd
import pandas as pd

from pipeline.analysis.pertinence import (
    CANDIDATE_COLUMNS,
    EXAMINE_COLUMNS,
    PertinenceThresholds,
    cut_zones,
    perimeter_pertinence,
)
from pipeline.app import flow_model
from pipeline.app.flow_model import GpFlows
from pipeline.app.sections import flow_gaps
from pipeline.app.sections.flow_table import read_flow_table, staged_flow_table
from pipeline.app.sections.perimeter_data import (
    PerimeterData,
    analysis_codes,
    known_claims,
    split_cities,
    zone_totals,
)
from pipeline.app.sections.pertinence_shapes import pertinence_shapes
from pipeline.app.sections.units import split_cities as partly_held_cities
from pipeline.model import DiagnosticOptions, Territory
from pipeline.model.diagnostic import PertinenceSection
from pipeline.params import Params
from pipeline.render.report import format_number
from pipeline.sources import od_table
from pipeline.store.queries import geography

NO_REGISTRY = ("pertinence du périmètre non calculée : aucune extraction de l'Annuaire Santé n'est chargée, or les "
               "recours modélisés partent de l'offre de médecins généralistes (donnez FLUX= pour une table réelle)")
NOT_COVERED = ("pertinence du périmètre non calculée : {reason} (donnez FLUX= pour une table réelle des "
               "recours)")
NO_POLYGON = ("pertinence du périmètre non calculée : aucune unité du territoire n'a de contour, or le modèle de "
              "recours part des distances entre unités voisines")
#: A ``FLUX=`` table without the GP consultations of the territory's residents ({reason}).
NO_GP_FLOWS = ("pertinence du périmètre non calculée : {reason} ; l'auto-confinement, les communes candidates à "
               "l'ajout et les communes à examiner se mesurent sur les recours aux médecins généralistes des "
               "habitants, et les flux modélisés ne remplacent pas une table fournie par FLUX= (relancez sans FLUX= "
               "pour la pertinence modélisée)")
#: Part of the perimeter lies in départements the database was not loaded for ({reason}).
NOT_LOADED = ("pertinence du périmètre non calculée : {reason} ; les recours de ses habitants vers ces communes ne "
              "peuvent pas être comptés dans le périmètre, d'où un auto-confinement faussé et des communes à "
              "examiner à tort")
#: The zones cut of such a perimeter: its communes beyond the load are in no zone of the database.
CUT_BEYOND_THE_LOAD = ("bassins de vie et EPCI coupés : les communes du territoire hors des départements chargés "
                       "ne sont placées dans aucune zone ; une zone qui déborde des départements chargés a ses "
                       "communes dans et hors du territoire « non disponible », et les zones atteintes par elles "
                       "seules manquent")
NO_RESIDENT_ROWS = ("la table de flux fournie n'a aucune ligne de médecins généralistes partant d'une commune du "
                    "territoire")
#: Rows of the territory's residents exist, but their volumes are all 0: no share can be computed.
ZERO_RESIDENT_VOLUME = ("les lignes de médecins généralistes partant des communes du territoire, dans la table de flux "
                        "fournie, ont toutes un volume nul")


def _commune_level(units: pd.DataFrame, con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The analysis units with each split city as one row (a ``FLUX=`` table names cities whole)."""
    arr = units[units["type"] == "arrondissement-municipal"]
    if arr.empty:
        return units
    names = geography.commune_names(con, set(arr["commune"].astype(str)))
    cities = arr.groupby("commune", as_index=False).agg(
        population=("population", lambda p: p.sum() if p.notna().all() else math.nan),
        departement=("departement", "first"), region=("region", "first"), epci=("epci", "first"),
        epci_nom=("epci_nom", "first"), bv2022=("bv2022", "first"), bv2022_nom=("bv2022_nom", "first"))
    cities = cities.assign(code=cities["commune"], nom=cities["commune"].map(names), type="commune-actuelle")
    return pd.concat([units[units["type"] != "arrondissement-municipal"], cities], ignore_index=True)


def _none_computed() -> dict[str, pd.DataFrame]:
    """Empty candidates and units to examine, with their columns: their tables say « non disponible »."""
    return {"candidates": pd.DataFrame(columns=CANDIDATE_COLUMNS), "to_examine": pd.DataFrame(columns=EXAMINE_COLUMNS)}


def _given_flows(con: duckdb.DuckDBPyConnection, options: DiagnosticOptions, territory: Territory,
                 units: pd.DataFrame, codes: list[str]) -> tuple[GpFlows, pd.DataFrame, list[str]]:
    """A ``FLUX=`` table with the units and the perimeter it is read on.

    A territory holding some of a city's arrondissements (Marseille 1er–3e) is read on arrondissements, as the
    flows section reads the table (:func:`pipeline.app.sections.flow_table.read_flow_table`: the city's own rows
    cannot be split among them); any other is read on communes, a city's arrondissements folded into it.
    """
    if partly_held_cities(territory.unit_codes):
        table, _, _ = read_flow_table(con, options.flows, territory.unit_codes)
        return (flow_model.given_gp_flows(table, f"table origine-destination fournie ({options.flows})", []),
                units, codes)
    return _read_given_flows(con, options, territory.commune_codes), _commune_level(units, con), territory.commune_codes


def _read_given_flows(con: duckdb.DuckDBPyConnection, options: DiagnosticOptions, communes: list[str]) -> GpFlows:
    """The table on communes: arrondissements folded into their city (the residents' leaks out of the load kept)."""
    return flow_model.given_gp_flows(od_table.to_flow_table(staged_flow_table(con, options.flows, communes)),
                                     f"table origine-destination fournie ({options.flows})", [])


def _cut_zones(cut: pd.DataFrame, units: pd.DataFrame, members_beyond: bool = False) -> pd.DataFrame:
    """:func:`pipeline.analysis.zone_cuts.zones_cut_by` with the zones' names and the units outside as text.

    ``members_beyond``: some units of the territory are outside the loaded départements, where the database
    places none in its zones: a zone reaching there has its counts in and out unknown (NA), not its loaded
    units' (a review: the CPTS du Gapençais had 1 commune of the bassin de vie of Gap, not 14).
    """
    cut = cut.copy()
    bv_names = units.dropna(subset=["bv2022"]).drop_duplicates("bv2022").set_index("bv2022")["bv2022_nom"]
    epci_names = units.dropna(subset=["epci"]).drop_duplicates("epci").set_index("epci")["epci_nom"]
    cut.insert(2, "nom", [bv_names.get(z) if level.startswith("bassin") else epci_names.get(z)
                          for level, z in zip(cut["level"], cut["zone"], strict=True)])
    unloaded = cut.pop("n_units_unloaded")
    beyond = " hors des départements chargés" + (", dont peut-être des communes du territoire" if members_beyond
                                                  else "")
    cut["units_out"] = [" et ".join(filter(None, [", ".join(codes), f"{n}{beyond}" if n else ""]))
                        for codes, n in zip(cut["units_out"], unloaded, strict=True)]
    if members_beyond:
        spans = (unloaded > 0).to_numpy()
        for column in ("n_units_in", "n_units_out"):
            cut[column] = cut[column].astype("Int64").mask(spans)
        cut["population_in"] = cut["population_in"].mask(spans)
    return cut


def _covering_flows(regional: GpFlows | None, modelled: GpFlows | None, codes: list[str],
                    low: float) -> GpFlows | None:
    """Flows already modelled that hold every origin the section needs, or None to model the neighbourhood.

    A région's table (batch) covers its units; the flows section's table covers the origins that reach the
    territory, which are all that count when the candidates' threshold is positive.
    """
    if regional is not None and set(codes) <= set(regional.points["code"]):
        return regional
    if modelled is not None and low > 0 and set(codes) == set(modelled.points["code"]):
        return modelled
    return None


def pertinence_section(
    con: duckdb.DuckDBPyConnection,
    territory: Territory,
    offre: pd.DataFrame | None,
    options: DiagnosticOptions,
    perimeter: gpd.GeoDataFrame,
    departement: str,
    params: Params,
    shared: PerimeterData,
    modelled: GpFlows | None = None,
    uncovered: str | None = None,
    beyond_the_load: str | None = None,
) -> PertinenceSection:
    """Self-containment, candidates to add, units to examine and zones cut, for one territory.

    ``modelled``: the GP flows the flows section modelled for the origins that can reach the territory
    (:func:`pipeline.app.sections.flows.flows_and_access`), used instead of a new model of the
    neighbourhood when the candidates' threshold is positive (only those origins can then count).
    ``uncovered``: why the loaded Annuaire Santé cannot describe the territory's supply; no model is then
    built on it (a ``FLUX=`` table is still read).
    ``beyond_the_load``: why part of the perimeter is outside the loaded départements (its listed communes
    there): its residents' consultations there would count as leaving it, so that nothing is computed from
    the flows (:data:`NOT_LOADED`), and the zones cut reaching there are unknown.
    """
    thresholds = PertinenceThresholds(candidate_min_share=params.pertinence.candidate_share,
                                      examine_below_share=params.pertinence.inside_share)
    units = shared.units
    cities = split_cities(units)
    codes = analysis_codes(territory.unit_codes, cities)
    low, high = thresholds.candidate_min_share, thresholds.examine_below_share
    # The zones cut depend on the zonings only: counted on the analysis units whatever units the flows come on (a
    # review: a FLUX= table folding Marseille into one commune counted 91 units of the Métropole outside, not 106).
    sizes = zone_totals(units, shared.outside_the_load(con))
    cut = _cut_zones(cut_zones(units, codes, sizes), units, members_beyond=beyond_the_load is not None)
    if beyond_the_load is not None:
        why = NOT_LOADED.format(reason=beyond_the_load)
        return PertinenceSection(origin="", kind="modele" if options.flows is None else "table",
                                 candidate_min_share=low, examine_below_share=high, cut_zones=cut,
                                 **_none_computed(), notes=[why, CUT_BEYOND_THE_LOAD], unavailable=why,
                                 beyond_the_load=beyond_the_load)
    if options.flows is not None:
        gp, units, codes = _given_flows(con, options, territory, units, codes)
    elif (offre is None or uncovered is not None or perimeter.empty or perimeter.geometry.iloc[0] is None
          or perimeter.geometry.iloc[0].is_empty):
        # No flow can be modelled; the zones cut, which depend on the zonings only, are still given.
        why = (NO_REGISTRY if offre is None else NOT_COVERED.format(reason=uncovered) if uncovered is not None
               else NO_POLYGON)
        return PertinenceSection(origin="", kind="modele", candidate_min_share=low, examine_below_share=high,
                                 cut_zones=cut, **_none_computed(),
                                 notes=[why] if uncovered is not None else [], unavailable=why)
    elif (covering := _covering_flows(shared.flows, modelled, codes, low)) is not None:
        gp = covering
        if low > 0:
            # Only the perimeter's residents and the origins sending something into it can change a figure
            # (an origin sending nothing in has a share of 0, below any positive threshold).
            table = gp.table
            origins = set(table.loc[table["destination"].isin(codes), "origin"]) | set(codes)
            gp = GpFlows(table=table[table["origin"].isin(origins)], points=gp.points, kind=gp.kind,
                         origin=gp.origin, notes=gp.notes)
    else:
        points = flow_model.domain_units(con, perimeter.geometry, departement, 2 * params.flows.cutoff_km)
        gp = flow_model.modelled_gp_flows(points, offre, params.flows)
    claimed_by = known_claims(units, shared.member_units(), shared.known_units(), territory)
    attributes = units.assign(cpts_claims=claimed_by)
    # Judged on every GP row: those of the outside origins set aside below may go elsewhere.
    residents_unknown, unknown = (flow_gaps.pertinence_leaks(gp.table, set(codes)) if gp.kind == "table"
                                  else (None, None))
    if gp.kind == "table":  # outside origins whose rows are not all their residents' are no candidates
        kept, set_aside = flow_gaps.without_partial_origins(gp.table, set(codes), units)
        if set_aside:
            gp = GpFlows(table=kept, points=gp.points, kind=gp.kind, origin=gp.origin, notes=[*gp.notes, *set_aside],
                         unavailable=gp.unavailable)
    result = perimeter_pertinence(gp.table, codes, attributes, thresholds, zone_sizes=sizes)
    reason = gp.unavailable
    if reason is None and gp.kind == "table" and not result.resident_volume > 0:
        reason = ZERO_RESIDENT_VOLUME if gp.table["origin"].isin(codes).any() else NO_RESIDENT_ROWS
    if reason is None and gp.kind == "table":  # as the flows section: a table of a few communes tells nothing
        inside = units[units["code"].astype(str).isin(set(codes))][["code", "nom", "population"]]
        share = flow_gaps.uncovered_units(gp.table, inside)[1]
        if share > 1 - flow_gaps.MIN_COVERED_SHARE:
            reason = (f"la table de flux fournie n'a aucun recours de médecins généralistes pour des unités du "
                      f"territoire qui en rassemblent {format_number(share * 100, 1)} % des habitants")
    reason = reason or unknown
    if reason is not None:
        # The zones cut depend on the zonings only: they are still given, never a figure of the flows.
        unavailable = NO_GP_FLOWS.format(reason=reason)
        return PertinenceSection(origin=gp.origin, kind=gp.kind, candidate_min_share=low, examine_below_share=high,
                                 population=result.population, cut_zones=cut,
                                 **_none_computed(),
                                 notes=[*gp.notes, unavailable], unavailable=unavailable)
    candidates = result.candidates.assign(
        claimed_by=result.candidates["claimed_by"].map(lambda c: "; ".join(c) if isinstance(c, list) else None))
    # Without the residents' leaks, their shares are 100 % by construction: only the candidates are computed.
    known = residents_unknown is None
    section = PertinenceSection(
        origin=gp.origin, kind=gp.kind, self_containment=result.self_containment if known else math.nan,
        population=result.population,
        self_containment_with_candidates=result.self_containment_with_candidates if known else math.nan,
        population_with_candidates=result.population_with_candidates, resident_volume=result.resident_volume,
        unserved_volume=result.unserved_volume, candidates=candidates,
        to_examine=result.to_examine if known else result.to_examine.iloc[:0],
        cut_zones=cut, units_without_flows=result.units_without_flows, residents_unknown=residents_unknown,
        notes=[*gp.notes, *filter(None, [residents_unknown])], candidate_min_share=low,
        examine_below_share=high)
    section.shapes = pertinence_shapes(con, section)
    return section
