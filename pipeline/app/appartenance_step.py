"""``make data`` step for the INSEE table d'appartenance, and the sizes of its zones in the whole country.

The table gives each commune its bassin de vie 2022, unité urbaine, aire
d'attraction and EPCI on the COG of 2024; the communes created or restored
since are added with the zonings of the communes they come from
(:func:`pipeline.sources.insee.on_current_geography`). A load of some
départements keeps their communes only, but the zones crossing its border are
measured on the whole table and the whole COG: the analysis units of every
bassin de vie and EPCI (``zones_unites``, for the pertinence of a perimeter
and the editor) and the population of every aire d'attraction
(``aires_populations``, for the territory type). Both files are read again
when either changes.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pandas as pd

from pipeline import collector, config
from pipeline.analysis.population.territory_type import national_aire_populations
from pipeline.analysis.zone_cuts import national_zone_units
from pipeline.app.steps import Scope, StepResult, combined_sha
from pipeline.sources import cog as cog_history
from pipeline.sources import decoupage, insee, staged_cache
from pipeline.sources.download import obtain
from pipeline.store import load
from pipeline.store.load import Provenance

NAME = "table d'appartenance INSEE"
NOTES = "INSEE, table d'appartenance géographique des communes au 1er janvier 2024 (BV2022, ZE2020, EPCI…)"
#: 2: with the units of every bassin de vie and EPCI of the country (``zones_unites``); 3: with the communes
#: created or restored since the table, which take the zonings of the communes they come from (``herite_de``);
#: 4: with the population of every aire d'attraction des villes of the country (``aires_populations``); 5: with the
#: population and départements of every bassin de vie and EPCI of the country (``zones_unites``).
LOADER_VERSION = "5"


def load_appartenance(con: duckdb.DuckDBPyConnection, mirror: Path | None, force: bool, scope: Scope) -> StepResult:
    """The table d'appartenance of the loaded départements, ``zones_unites`` and ``aires_populations``."""
    start = time.perf_counter()
    source = config.APPARTENANCE
    local = obtain(source, mirror)
    vintages = sorted(config.DECOUPAGE_VERSIONS)
    cog = {v: obtain(config.decoupage_file(v), mirror) for v in vintages}
    both = combined_sha([local.sha256, *(f"{v}:{cog[v].sha256}" for v in vintages)])
    sha = scope.tag(both)
    if not force and load.source_loaded(con, source.name, source.vintage, sha, LOADER_VERSION):
        return StepResult(NAME, "inchangé", 0, time.perf_counter() - start)
    table = staged_cache.staged(source.name, local.sha256,
                                lambda: {"appartenance": insee.stage_appartenance(local.path)})["appartenance"]

    def on_current_geography() -> dict[str, pd.DataFrame]:
        with collector.paused():
            staged = [decoupage.staged_vintage(cog[v].path, v, cog[v].sha256) for v in vintages]
        communes = pd.concat([s.communes for s in staged], ignore_index=True)
        edges = pd.concat([s.edges for s in staged], ignore_index=True)
        mapping = cog_history.build_mapping(communes, edges, config.CURRENT_VINTAGE)
        current = staged[-1].communes
        current = current[current["type"] == "commune-actuelle"]
        extended = insee.on_current_geography(table, current, mapping, edges)
        of_the_table = next(s.communes for s in staged if s.vintage == int(source.vintage))
        return {"appartenance": extended,
                "zones_unites": national_zone_units(current[["code", "epci", "population", "departement"]], extended),
                "aires_populations": national_aire_populations(table, of_the_table)}

    # Computed once per pair of files (the national COG mapping takes a couple of seconds).
    staged = staged_cache.staged("appartenance-zones", both, on_current_geography)
    tables = {"appartenance": scope.keep(staged["appartenance"], "code"), "zones_unites": staged["zones_unites"],
              "aires_populations": staged["aires_populations"]}
    rows = len(tables["appartenance"])
    load.load_source(con, tables, Provenance(source.name, source.vintage, local.origin, sha, rows,
                                             NOTES + scope.label, LOADER_VERSION))
    return StepResult(NAME, "chargé", rows, time.perf_counter() - start)
