"""The zone of a coverage run (``make coverage``): which one was asked, which units count, the notes on the rest."""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import pandas as pd

from pipeline.errors import PipelineError
from pipeline.geography import DEPARTEMENTS, OVERSEAS_COLLECTIVITIES, france_label
from pipeline.model import CoverageOptions
from pipeline.render.report import format_number
from pipeline.render.sections.common import agree, plural
from pipeline.store.queries import provenance
from pipeline.store.territory import loaded_part, resolve_zone


def zone_of(options: CoverageOptions, con: duckdb.DuckDBPyConnection
            ) -> tuple[str, str, str | None, str | None, list[str]]:
    """(slug, French label, column, value, notes) of the requested zone (column None for France).

    On a database loaded for some départements, a zone held in part is labelled with what it sums.
    """
    if options.kind == "france":
        loaded = provenance.loaded_departements(con)
        return "france", france_label(loaded) if loaded else "France", None, None, []
    # A code, an acronym (PACA) or a name, as a diagnostic's « region: » and « departement: » territories read them.
    code, name = resolve_zone(con, options.kind, str(options.code))
    if code in OVERSEAS_COLLECTIVITIES:
        # As France's coverage leaves them out (a review ran « --departement 975 »: the listings were blamed).
        raise PipelineError(f"{name} ({code}) : collectivité d'outre-mer ({OVERSEAS_COLLECTIVITIES[code]}), hors du "
                            "champ de la couverture : les contours communaux chargés n'en ont aucune commune")
    if options.kind == "region":
        label, notes = loaded_part(con, "region", code, name)
        return f"region-{code}", f"Région {label}", "region", code, notes
    return f"departement-{code.lower()}", f"Département {name} ({code})", "departement", code, []


def within_ars_field(units: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """The units of the départements (metropolitan France and the DROM), and a French note on those left out: the
    collectivités d'outre-mer (975, 977, 984…) have no ARS and no CPTS (France's coverage counted them)."""
    beyond = ~units["departement"].isin(DEPARTEMENTS)
    if not beyond.any():
        return units, None
    count = int(beyond.sum())
    counted = agree(count, "n'est pas comptée", "ne sont pas comptées")
    note = f"{plural(count, 'unité')} des collectivités d'outre-mer, hors du champ des ARS et des CPTS, {counted}"
    return units[~beyond].reset_index(drop=True), note


def unlisted_region_notes(region_names: dict[str, str], regions: pd.DataFrame, units: pd.DataFrame,
                          known: frozenset[str], whole: Mapping[str, int | None] | None = None,
                          beyond: pd.DataFrame | None = None) -> list[str]:
    """French notes on the régions of the zone where the loaded listings claim units but too few to speak for
    (the départements they speak for within it named: their unclaimed units are white zones).

    ``whole``: each région's population, loaded or not; ``beyond``: ``region, unites, population`` of the units
    the listings claim outside the load. The units and the share of inhabitants claimed are the whole région's (a
    review read « 17,3 % de ses habitants » of Nouvelle-Aquitaine, Gironde's share, on a load of the Gironde
    alone; another, its claims in the Dordogne, not loaded, left out of the count)."""
    notes = []
    outside = (beyond if beyond is not None else pd.DataFrame(columns=["region", "unites", "population"])) \
        .set_index("region")
    for r in regions.itertuples():
        population = (whole or {}).get(str(r.region))
        partial = bool(population and population > r.population)
        extra_units, extra_people = (int(outside.loc[str(r.region), "unites"]), float(outside.loc[
            str(r.region), "population"])) if partial and str(r.region) in outside.index else (0, 0.0)
        claimed = int(r.unites_revendiquees) + extra_units
        share = (r.population_revendiquee + extra_people) / population if partial and population else r.part
        listed = sorted(set(units.loc[units["code"].astype(str).isin(known) & (units["region"] == r.region),
                                      "departement"].dropna().astype(str)))
        which = "du département" if len(listed) == 1 else "des départements"
        counted = (f"seules les unités non revendiquées {which} {', '.join(listed)}, où au moins deux CPTS des "
                   "listes ont l'essentiel de leur territoire ou dont elles revendiquent au moins la moitié des "
                   "habitants et le quart des unités, sont comptées en zones blanches") if listed \
            else ("moins de deux CPTS des listes chargées ont "
                  "l'essentiel de leur territoire dans ses départements et ses "
                  "unités non revendiquées ne sont pas comptées en zones blanches")
        notes.append(f"région {region_names.get(str(r.region), r.region)} ({r.region}) : les listes chargées n'y "
                     f"revendiquent que {plural(claimed, 'unité')} "
                     f"({format_number(share * 100, 1, '%')} de ses habitants) : {counted}")
    return notes
