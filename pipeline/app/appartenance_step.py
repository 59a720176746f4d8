"""``make data`` step for the INSEE table d'appartenance, and the size of every bassin de vie and EPCI.

The table gives each commune its bassin de vie 2022, unité urbaine, aire
d'attraction and EPCI; a load of some départements keeps their communes only.
The pertinence of a perimeter and the perimeter editor count the analysis
units of each zone it cuts in the whole country, also beyond the loaded
départements: ``zones_unites`` holds them, computed from the whole table and
the whole COG (:func:`pipeline.analysis.zone_cuts.national_zone_units`).
Both files are read again when either changes.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pandas as pd

from pipeline import collector, config
from pipeline.analysis.zone_cuts import national_zone_units
from pipeline.app.steps import Scope, StepResult, combined_sha
from pipeline.sources import cog as cog_history
from pipeline.sources import decoupage, insee, staged_cache
from pipeline.sources.download import obtain
from pipeline.store import load
from pipeline.store.load import Provenance

NAME = "table d'appartenance INSEE"
NOTES = "INSEE, table d'appartenance géographique des communes au 1er janvier 2024 (BV2022, ZE2020, EPCI…)"
#: 2: with the units of every bassin de vie and EPCI of the country (``zones_unites``).
LOADER_VERSION = "2"


def load_appartenance(con: duckdb.DuckDBPyConnection, mirror: Path | None, force: bool, scope: Scope) -> StepResult:
    """The table d'appartenance of the loaded départements, and ``zones_unites`` for the whole country."""
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

    def zone_units() -> dict[str, pd.DataFrame]:
        with collector.paused():
            staged = [decoupage.staged_vintage(cog[v].path, v, cog[v].sha256) for v in vintages]
        communes = pd.concat([s.communes for s in staged], ignore_index=True)
        edges = pd.concat([s.edges for s in staged], ignore_index=True)
        mapping = cog_history.build_mapping(communes, edges, config.CURRENT_VINTAGE)
        current = staged[-1].communes
        current = current[current["type"] == "commune-actuelle"][["code", "epci"]]
        return {"zones_unites": national_zone_units(current, mapping, table[["code", "bv2022"]])}

    # Computed once per pair of files (the national COG mapping takes a couple of seconds).
    units = staged_cache.staged("zones-unites", both, zone_units)["zones_unites"]
    tables = {"appartenance": scope.keep(table, "code"), "zones_unites": units}
    rows = len(tables["appartenance"])
    load.load_source(con, tables, Provenance(source.name, source.vintage, local.origin, sha, rows,
                                             NOTES + scope.label, LOADER_VERSION))
    return StepResult(NAME, "chargé", rows, time.perf_counter() - start)
