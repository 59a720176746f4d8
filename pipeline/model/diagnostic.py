"""The result of a territory diagnostic, one typed record per section of the report.

The use case (:mod:`pipeline.app.diagnostic`) fills these records from the
database and the analysis functions; the renderers (:mod:`pipeline.render`)
only read them. Tables are DataFrames with documented columns; a missing
figure is NaN/NA (shown « non disponible »), never 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import geopandas as gpd
import pandas as pd

from pipeline.model.options import WhatIfChange
from pipeline.model.profile import (
    AgeNeedSection,
    AreasSection,
    DynamicsSection,
    IncomeSection,
    MembersSection,
    RegistryCoverageSection,
    TerritoryTypeSection,
)
from pipeline.model.territory import Territory
from pipeline.params import FlowParams


@dataclass
class PopulationSection:
    """Population, area and evolution of the territory, with its département, région and France.

    ``evolution``: ``millesime`` (legal-population year), ``population``,
    ``evolution``, ``taux_annuel_pct``. ``references``: one row per zone
    (Territoire, Département, Région, France) with ``zone``, ``population``,
    ``surface_km2``, ``densite_hab_km2``, ``population_<first year>``,
    ``taux_annuel_pct``.
    """

    total: int
    year: int
    cog: int
    area_km2: float
    density: float
    departement: str
    region: str
    departement_name: str
    region_name: str
    evolution: pd.DataFrame
    references: pd.DataFrame
    #: Year of each unit's legal population: ``unit_code, annee_population`` (Mayotte: its 2017 census in
    #: every package, the others the package's year).
    legal_years: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: French label of the legal-population years (« population légale 2022, 2017 pour Mayotte »).
    years_label: str = ""
    #: Units left out of the evolution (no census since the first year: Mayotte); all of them: no evolution.
    evolution_excluded: list[str] = field(default_factory=list)


@dataclass
class TailleSection:
    """ACI size band and funding (seed 001), mission calendar when a signature date is given."""

    band: int
    label: str
    bounds: str
    professionals: int | None
    #: Known part of the annual funding without / with the unscheduled-care supplement (a lower bound when
    #: ``missions_without_amount`` is not empty: no source of the project gives those amounts).
    total_possible: int
    volet_supplementaire: int
    maximum: int
    version: str
    version_label: str
    funding: pd.DataFrame
    missions_without_amount: list[str] = field(default_factory=list)
    calendar: pd.DataFrame | None = None


@dataclass
class SupplySection:
    """Health-care supply in the shape of the Trame (seed 002), head counts.

    ``table``: ``groupe, praticiens, praticiens_etp, dont_liberaux, unite, source,
    densite_10000, densite_departement, densite_region, densite_france``.
    ``by_recours`` / ``by_mode``: practitioners per group × recours / mode.
    ``per_unit``: ``code, groupe, effectif`` (site shares per unit, for the map).
    """

    table: pd.DataFrame
    by_recours: pd.DataFrame
    by_mode: pd.DataFrame
    per_unit: pd.DataFrame


@dataclass
class AplSection:
    """The official DREES APL: territory and references per year, and per unit.

    ``synthesis``: ``annee, territoire, departement, region, france``.
    ``per_unit``: ``unit_code, commune_code, nom, population, apl_2022, apl_2023, sous_dense``,
    ``apl_moins_65_2022, apl_moins_65_2023, sous_dense_moins_65`` (NA where the workbook has no figure).
    """

    synthesis: pd.DataFrame
    per_unit: pd.DataFrame
    missing: list[str]
    threshold: float
    commune_2023: pd.Series
    #: Per compared area and year (workbook rows): ``libelle, niveau, code, annee, apl, apl_moins_65,
    #: population_totale, population_sous_seuil, part_sous_seuil_pct, population_sous_seuil_moins_65,
    #: part_sous_seuil_moins_65_pct`` — populations under the threshold counted with the total
    #: (not standardised) population, as the workbook prescribes.
    zones: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class FlowsSection:
    """Patient flows (modelled, or from a real origin–destination table).

    ``unavailable`` holds the French reason when flows could not be computed;
    the tables are then empty. ``synthesis``: per group ``recours_residents,
    recours_internes, auto_confinement, fuites, recours_realises,
    recours_exterieurs_entrants, attraction, non_affecte``.
    """

    origin: str
    kind: str  # "modele" or "table"
    params: FlowParams
    synthesis: pd.DataFrame = field(default_factory=pd.DataFrame)
    external_destinations: pd.DataFrame = field(default_factory=pd.DataFrame)
    bassins_de_vie: pd.DataFrame = field(default_factory=pd.DataFrame)
    lines: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)
    unavailable: str | None = None

    @property
    def available(self) -> bool:
        return self.unavailable is None

    @property
    def real(self) -> bool:
        """Whether the flows come from a real origin–destination table (``FLUX=``) rather than the model."""
        return self.kind == "table"


@dataclass
class AccessSection:
    """The « APL approchée » (E2SFCA of the tool, not the official APL) and its what-if."""

    communes: pd.DataFrame
    spearman_territory: tuple[float, int]
    spearman_neighbourhood: tuple[float, int]
    unit: str
    simulation: pd.DataFrame | None = None
    changes: tuple[WhatIfChange, ...] = ()


@dataclass
class Diagnostic:
    """Everything the report, the maps and the tables show."""

    territory: Territory
    generated: date
    units: pd.DataFrame
    communes_geo: gpd.GeoDataFrame
    perimeter: gpd.GeoDataFrame
    population: PopulationSection
    taille: TailleSection
    apl: AplSection
    neighbours: pd.DataFrame
    sources: pd.DataFrame
    demo_sources: list[str]
    supply: SupplySection | None = None
    establishments: pd.DataFrame | None = None
    representativeness: pd.DataFrame | None = None
    neighbour_shapes: gpd.GeoDataFrame | None = None
    flows: FlowsSection | None = None
    access: AccessSection | None = None
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    areas: AreasSection | None = None
    age_need: AgeNeedSection | None = None
    income: IncomeSection | None = None
    territory_type: TerritoryTypeSection | None = None
    dynamics: DynamicsSection | None = None
    registry_coverage: RegistryCoverageSection | None = None
    members: MembersSection | None = None

    @property
    def demo_data(self) -> bool:
        return bool(self.demo_sources)

    def is_demo(self, source: str) -> bool:
        """Whether ``source`` (``annuaire-sante``, ``finess``) was loaded from demonstration data."""
        return source in self.demo_sources
