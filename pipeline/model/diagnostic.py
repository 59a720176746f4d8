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

#: Kilometres inside the territory beyond which an establishment of another commune contradicts its coordinates
#: (an address geocoded a few hundred metres across a commune boundary is common; kilometres inside are not).
CONTRADICTION_KM = 1.0


#: Ends the ``periode_taux`` of a comparison row whose rate leaves Mayotte out (absent from the first package,
#: the same census in every later one): the row's first-year population is then « non disponible ».
RATE_WITHOUT_MAYOTTE = " (hors Mayotte)"
#: Separates the QPV of a unit's « particularités » (French typography: a space before the semicolon).
QPV_SEPARATOR = " ; "


@dataclass
class PopulationSection:
    """Population, area and evolution of the territory, with its département, région and France.

    ``evolution``: ``millesime`` (legal-population year), ``population``,
    ``evolution``, ``taux_annuel_pct``. ``references``: one row per zone
    (the territory, each of its départements then each of its régions, the
    main one first, and France) with ``zone``, ``population``,
    ``surface_km2``, ``densite_hab_km2``, ``population_<first year>``,
    ``taux_annuel_pct``, ``periode_taux`` (ending with
    :data:`RATE_WITHOUT_MAYOTTE` when the rate leaves Mayotte out), ``niveau``
    (territoire, departement, region, france) and ``code``.
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
    #: French label of the legal-population years (« population légale 2023, 2017 pour Mayotte »).
    years_label: str = ""
    #: Units left out of the evolution (no census since the first year: Mayotte); all of them: no evolution.
    evolution_excluded: list[str] = field(default_factory=list)


@dataclass
class TailleSection:
    """ACI size band and funding (seed 001), mission calendar when a signature date is given."""

    #: None when not known (``unknown_reason``); ``label`` is then « non disponible ».
    band: int | None
    label: str
    bounds: str
    professionals: int | None
    #: Known part of the annual funding without / with the unscheduled-care supplement (a lower bound when
    #: ``missions_without_amount`` is not empty: no source of the project gives those amounts); None when the
    #: taille is not known.
    total_possible: int | None
    volet_supplementaire: int | None
    maximum: int | None
    version: str
    version_label: str
    funding: pd.DataFrame
    missions_without_amount: list[str] = field(default_factory=list)
    calendar: pd.DataFrame | None = None
    #: Signature date of the ACI contract the calendar is computed from (``SIGNATURE=``).
    signature: date | None = None
    #: Why the taille is not known (part of a CPTS outside the loaded départements), in French; else None.
    unknown_reason: str | None = None
    #: The band its loaded communes alone reach when the taille is not known (the whole is at least that); else None.
    lower_bound: int | None = None
    #: The population of the whole territory the taille is established on, when part of it lies beyond the load
    #: (the national COG's); else None.
    whole_population: int | None = None
    #: Why the professionals are not counted although a registry is loaded (it does not cover the territory:
    #: its few rows there are strays, no count), in French; else None.
    professionals_unavailable: str | None = None


@dataclass
class SupplySection:
    """Health-care supply in the shape of the Trame (seed 002), head counts.

    ``table``: ``groupe, praticiens, praticiens_etp, dont_liberaux, unite, source,
    densite_10000, densite_departement, densite_region, densite_france``.
    ``by_recours`` / ``by_mode``: practitioners per group × recours / mode.
    ``per_unit``: ``code, groupe, effectif`` (distinct practitioners of each unit, for the map and the units'
    GP densities; :func:`pipeline.store.queries.supply.praticiens_par_unite`).
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
    #: The 2023 arrondissements under the threshold (either variant) of the cities the territory counts as one
    #: unit (its mean hides them; the zones' population under 2.5 counts them): ``code, ville, apl,
    #: apl_moins_65, population_totale, sous_dense, sous_dense_moins_65``.
    city_parts_under: pd.DataFrame = field(default_factory=pd.DataFrame)


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
    #: Why the APL approchée was not computed (French, « APL approchée non calculée : … »), when it was not: said
    #: by the section that knows it, not recovered from the flows' wording.
    access_unavailable: str | None = None
    #: Départements not loaded in the database with communes within the model's cutoff of the territory: the
    #: modelled flows and the APL approchée miss their residents and professionals.
    beyond_the_load: tuple[str, ...] = ()
    #: French reservations on the figures (a model reaching départements not loaded, rows of a ``FLUX=`` table
    #: left out), shown in the section itself and not only among the diagnostic's notes.
    caveats: list[str] = field(default_factory=list)
    #: The reservations on the GP consultations alone, which the perimeter's pertinence reads (a review read the
    #: nurses' there); None: the same as ``caveats``.
    gp_caveats: list[str] | None = None

    @property
    def available(self) -> bool:
        return self.unavailable is None

    @property
    def real(self) -> bool:
        """Whether the flows come from a real origin–destination table (``FLUX=``) rather than the model."""
        return self.kind == "table"


def residents_unknown(synthesis: pd.DataFrame) -> set[str]:
    """The groups of a flows synthesis whose residents' consultations are unknown (``recours_residents`` NaN: a
    given table without them), whose destinations' and bassins de vie's residents' figures are unknown too."""
    if "recours_residents" not in synthesis:
        return set()
    return set(synthesis.loc[synthesis["recours_residents"].isna(), "groupe"].astype(str))


@dataclass
class AccessSection:
    """The « APL approchée » (E2SFCA of the tool, not the official APL) and its what-if.

    ``communes``: one row per analysis unit of the territory (communes, and
    arrondissements of Paris, Lyon, Marseille): ``code, apl_approchee,
    apl_officielle_2023, nom``. ``demand``: French sentence saying which
    population the demand is (DREES standardised, or total where the workbook
    has none).
    """

    communes: pd.DataFrame
    spearman_territory: tuple[float, int]
    spearman_neighbourhood: tuple[float, int]
    unit: str
    simulation: pd.DataFrame | None = None
    changes: tuple[WhatIfChange, ...] = ()
    #: Names of the communes the changes are placed on (the scenario names them, inside the territory or not).
    change_names: dict[str, str] = field(default_factory=dict)
    #: The territory's APL approchée before and after the what-if (population-weighted over its units), per
    #: groupe: ``groupe, avant, apres, ecart``; None without a what-if.
    simulation_territory: pd.DataFrame | None = None
    demand: str = ""
    #: The model's demand per unit (the weights of the territory's average), indexed by unit code.
    demand_weights: pd.Series = field(default_factory=lambda: pd.Series(dtype="float64"))
    #: The what-if's notes (how its codes were read), among the diagnostic's notes too: the Word Trame, which
    #: holds no simulation, leaves them out.
    simulation_notes: tuple[str, ...] = ()


@dataclass
class PertinenceSection:
    """Pertinence of the perimeter (seed 003 §6.1, « territoire vécu »): where its residents consult.

    Computed by :func:`pipeline.analysis.pertinence.perimeter_pertinence` on
    analysis units from the GP consultations (modelled, or ``FLUX=``).
    ``unavailable`` holds the French reason when it could not be computed
    (no registry, no polygon); the figures are then NaN and tables empty.

    ``candidates``: ``code, nom, population, share_into_perimeter,
    volume_into_perimeter, claimed_by`` (« ; »-joined names of the other
    CPTS claiming the unit, "" when none). ``to_examine``: ``code, nom,
    population, share_inside, main_destination, main_destination_nom,
    main_destination_share``. ``cut_zones``: ``level, zone, nom,
    n_units_in, n_units_out, population_in, population_out, units_out``
    (codes « , »-joined). ``shapes``: candidate and « à examiner » units for
    the map (``code, nom, role`` = ``candidat`` / ``a_examiner``, ``info``
    French tooltip line, geometry), or None.
    """

    origin: str
    kind: str  # "modele" or "table"
    candidate_min_share: float
    examine_below_share: float
    self_containment: float = float("nan")
    population: float = float("nan")
    self_containment_with_candidates: float = float("nan")
    population_with_candidates: float = float("nan")
    resident_volume: float = float("nan")
    unserved_volume: float = float("nan")
    candidates: pd.DataFrame = field(default_factory=pd.DataFrame)
    to_examine: pd.DataFrame = field(default_factory=pd.DataFrame)
    cut_zones: pd.DataFrame = field(default_factory=pd.DataFrame)
    units_without_flows: list[str] = field(default_factory=list)
    shapes: gpd.GeoDataFrame | None = None
    notes: list[str] = field(default_factory=list)
    unavailable: str | None = None
    #: French reservations on the figures (the flows' own: a model reaching départements not loaded, rows of a
    #: ``FLUX=`` table left out), shown in the section itself and not only among the diagnostic's notes.
    caveats: list[str] = field(default_factory=list)
    #: The separate pieces of the perimeter (:mod:`pipeline.analysis.perimeter_parts`): ``code, nom, population,
    #: part`` for every unit, part 1 the most populated, NA for a unit without polygon; computed whether or not
    #: the flows are.
    parts: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Why part of the perimeter lies in départements the database was not loaded for (its listed communes
    #: there), or None: the flows' figures and the continuity are then unknown.
    beyond_the_load: str | None = None
    #: Why the residents' figures (self-containment, units to examine, self-containment with the candidates) are
    #: unknown while the candidates are computed (a ``FLUX=`` table with no consultation of the residents made
    #: outside the territory), or None.
    residents_unknown: str | None = None

    @property
    def available(self) -> bool:
        return self.unavailable is None

    @property
    def drawn_parts(self) -> int | None:
        """Number of parts of the units with a polygon (None without any)."""
        if self.parts.empty or self.parts["part"].isna().all():
            return None
        return int(self.parts["part"].max())

    @property
    def parts_count(self) -> int | None:
        """Number of parts of the whole perimeter: None when a unit has no polygon (its place is unknown), or
        when part of it is outside the loaded départements."""
        if self.parts.empty or self.parts["part"].isna().any() or self.beyond_the_load is not None:
            return None
        return self.drawn_parts


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
    pertinence: PertinenceSection | None = None
    #: Relative link to this territory's line in a comparison of a listing's CPTS (``make diagnostics``).
    comparison_link: str | None = None
    #: Name of that comparison (``comparaison-<name>``): the batch that wrote these outputs, which alone may remove
    #: them once it no longer holds the CPTS (``summary.json`` key ``comparaison``).
    comparison: str | None = None
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    #: Polygons of the units outside the territory at the end of the drawn flows (``code``, ``nom``), so that
    #: the flow maps draw and name the destinations.
    flow_places: gpd.GeoDataFrame | None = None
    #: Names of the units the outputs mention outside the territory (establishments' communes, flow ends):
    #: code -> name, so that a reader sees « Manosque (04112) » rather than a bare code.
    place_names: dict[str, str] = field(default_factory=dict)
    #: Loaded CPTS listings with member units in the territory's région(s) (empty: none is loaded there).
    listings_in_region: list[str] = field(default_factory=list)
    #: Names of the régions of the territory, or of the units touching it, the loaded listings do not speak for at
    #: all (:func:`pipeline.analysis.coverage.claims.known_units`): the overlaps and neighbours were not searched there.
    regions_without_listing: list[str] = field(default_factory=list)
    #: « Ardèche (07) »: départements of a région where a listing speaks for another département only (the Drôme's).
    departements_without_listing: list[str] = field(default_factory=list)
    #: Neighbouring CPTS whose listing reports a near-duplicate name (perhaps one CPTS counted twice).
    near_duplicate_neighbours: list[str] = field(default_factory=list)
    #: What follows for the territory if those names are one CPTS (French sentences, one per pair).
    near_duplicate_notes: list[str] = field(default_factory=list)
    #: Départements the database was loaded for (``make data --departements``); empty for all of France.
    #: « France » figures computed from the database then cover these départements only.
    loaded_departements: list[str] = field(default_factory=list)
    #: For a ``cpts:`` territory, the anomalies its listing reports about this CPTS (``kind``, ``code``,
    #: ``line``, ``detail_fr``; a probable homonym among them); None for other territories.
    listing_anomalies: pd.DataFrame | None = None
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
