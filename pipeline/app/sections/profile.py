"""The profile sections of a diagnostic, called by :func:`pipeline.app.diagnostic.compute`.

One entry point per step of ``compute``, so that the use case stays short:
the areas compared (:mod:`.areas`), the registries' coverage applied to the
supply table (:mod:`.registry_coverage`), the population characteristics,
APL variants and supply dynamics (:mod:`.characteristics`, :mod:`.apl`,
:mod:`.dynamics`), the members (:mod:`.members`) and the map columns
(:mod:`.profile_layers`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import pandas as pd

from pipeline.app.sections.apl import apl_zones
from pipeline.app.sections.areas import areas_section, supply_by_zone
from pipeline.app.sections.characteristics import age_need_section, income_section, territory_type_section
from pipeline.app.sections.dynamics import dynamics_section
from pipeline.app.sections.members import legacy_table, members_section
from pipeline.app.sections.profile_layers import profile_columns
from pipeline.app.sections.registry_coverage import (
    RegistryCounts,
    coverage_section,
    mask_supply,
    mask_zone_supply,
)
from pipeline.model.diagnostic import AplSection, SupplySection
from pipeline.model.profile import (
    AgeNeedSection,
    AreasSection,
    DynamicsSection,
    IncomeSection,
    RegistryCoverageSection,
    TerritoryTypeSection,
)
from pipeline.store.queries import apl as apl_queries
from pipeline.store.queries import registry_history

__all__ = ["ProfileParts", "areas_section", "legacy_table", "members_section", "profile_columns",
           "profile_sections", "registry_coverage"]


@dataclass
class ProfileParts:
    """Sections computed after the APL: age-related need, income, territory type, supply dynamics."""

    age_need: AgeNeedSection
    income: IncomeSection
    territory_type: TerritoryTypeSection
    dynamics: DynamicsSection | None


def registry_coverage(
    con: duckdb.DuckDBPyConnection, areas: AreasSection, supply: SupplySection | None, counts: RegistryCounts,
) -> RegistryCoverageSection | None:
    """Coverage of the loaded registries; withholds the supply figures of uncovered areas (in place).

    When the territory spans several départements or régions, the supply
    densities of each of them are added to ``areas.supply``.
    """
    coverage = coverage_section(areas, counts)
    if supply is None:
        return coverage
    if coverage is not None:
        mask_supply(supply, coverage, areas)
    levels = areas.zones["niveau"].value_counts()
    if levels.get("departement", 0) > 1 or levels.get("region", 0) > 1:
        areas.supply = mask_zone_supply(supply_by_zone(con, areas), coverage)
    return coverage


def profile_sections(
    con: duckdb.DuckDBPyConnection, units: pd.DataFrame, areas: AreasSection, official_apl: pd.DataFrame,
    apl: AplSection, coverage: RegistryCoverageSection | None, workbook_rows: pd.DataFrame | None = None,
    income_references: Callable[[], pd.DataFrame] | None = None, land: float | None = None,
) -> ProfileParts:
    """APL variants per area (set on ``apl``), age-related need, income, territory type and supply dynamics.

    ``workbook_rows``: the DREES workbook's rows when the caller has read them already (a batch);
    ``income_references``: gives the income figures of every area, computed once for a batch
    (:func:`pipeline.app.sections.characteristics.income_references`).
    """
    rows = workbook_rows if workbook_rows is not None else apl_queries.apl_workbook_rows(con)
    apl.zones = apl_zones(rows, units, areas.zones)
    dynamics = dynamics_section(con, units, coverage) if registry_history.extraction_dates(con) else None
    return ProfileParts(
        age_need=age_need_section(official_apl, units, areas.zones),
        income=income_section(con, units, areas.zones, income_references),
        territory_type=territory_type_section(con, units, land),
        dynamics=dynamics,
    )
