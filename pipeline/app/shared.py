"""Data every diagnostic of a database reads whole: read once, shared by the diagnostics of a batch.

:func:`pipeline.app.diagnostic.compute` reads a :class:`SharedData` itself
when it is given none; ``make diagnostics`` (:mod:`pipeline.app.batch`) reads
one for the whole listing, so that the supply, the APL, the listings and
the units are not read again for each CPTS.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

from pipeline.app.coverage_listings import outside_codes
from pipeline.app.sections import characteristics
from pipeline.app.sections.perimeter_data import PerimeterData
from pipeline.app.sections.registry_coverage import RegistryCounts, read_counts
from pipeline.app.sections.taille import claims_beyond
from pipeline.store.queries import apl as apl_queries
from pipeline.store.queries import establishments as establishment_queries
from pipeline.store.queries import listings, provenance
from pipeline.store.queries import perimeter as perimeter_queries
from pipeline.store.queries import supply as supply_queries


@dataclass
class SharedData:
    """Whole tables a diagnostic reads (see :func:`read_shared`).

    Attributes
    ----------
    offre
        ``offre_commune`` with département and région (None without registry).
    official_apl
        DREES APL on the current geography (:func:`pipeline.store.queries.apl.apl_current`).
    members
        Units of every loaded CPTS listing.
    sources, demo_sources
        Provenance of the loaded sources, and those made up for a demonstration.
    perimeter
        Analysis units, members and (for a batch) a région's GP flows, for the pertinence section.
    zone_supply
        Head counts per Trame group of the départements, régions and France already asked for
        (:meth:`supply_of_zone`): the CPTS of a batch share a few of them.
    coverage_counts
        Per-département counts of the registry coverage (:meth:`registry_counts`), read once.
    income_zones
        Income figures of every département, région and France (:meth:`income_references`), computed once.
    finess
        Every establishment of the FINESS extraction (:meth:`establishments`), read once.
    """

    offre: pd.DataFrame | None
    official_apl: pd.DataFrame
    members: pd.DataFrame
    sources: pd.DataFrame
    demo_sources: list[str]
    perimeter: PerimeterData
    zone_supply: dict[tuple[str | None, str | None], pd.DataFrame] = field(default_factory=dict)
    apl_rows: pd.DataFrame | None = None
    coverage_counts: RegistryCounts | None = None
    income_zones: pd.DataFrame | None = None
    finess: pd.DataFrame | None = None

    def apl_workbook_rows(self, con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
        """:func:`pipeline.store.queries.apl.apl_workbook_rows` (every row of the DREES workbook), read once."""
        if self.apl_rows is None:
            self.apl_rows = apl_queries.apl_workbook_rows(con)
        return self.apl_rows

    def registry_counts(self, con: duckdb.DuckDBPyConnection) -> RegistryCounts:
        """:func:`pipeline.app.sections.registry_coverage.read_counts`, read once (a scan of every activity)."""
        if self.coverage_counts is None:
            self.coverage_counts = read_counts(con)
        return self.coverage_counts

    def income_references(self, con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
        """:func:`pipeline.app.sections.characteristics.income_references` (a scan of every Filosofi row),
        computed once."""
        if self.income_zones is None:
            self.income_zones = characteristics.income_references(con)
        return self.income_zones

    def establishments(self, con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
        """:func:`pipeline.store.queries.establishments.establishments` (every FINESS establishment), read
        once."""
        if self.finess is None:
            self.finess = establishment_queries.establishments(con)
        return self.finess

    def supply_of_zone(self, con: duckdb.DuckDBPyConnection, departement: str | None = None,
                       region: str | None = None) -> pd.DataFrame:
        """:func:`pipeline.store.queries.supply.effectifs_zone`, asked once per area."""
        key = (departement, region)
        if key not in self.zone_supply:
            self.zone_supply[key] = supply_queries.effectifs_zone(con, departement=departement, region=region)
        return self.zone_supply[key]


def read_shared(con: duckdb.DuckDBPyConnection) -> SharedData:
    """Read the whole tables of :class:`SharedData` once."""
    members = listings.members(con)
    anomalies = listings.anomalies(con)
    return SharedData(
        offre=supply_queries.offre(con), official_apl=apl_queries.apl_current(con), members=members,
        sources=provenance.sources(con), demo_sources=provenance.demo_sources(con),
        perimeter=PerimeterData(units=perimeter_queries.analysis_units(con), members=members, anomalies=anomalies,
                                beyond=claims_beyond(con, outside_codes(members, anomalies))),
    )
