"""Typed sections of the diagnostic that describe who lives in the territory and how supply moves.

The ARS guide (seed 000) and the Trame (seed 002) ask for them: the areas the
territory is compared with (every département and région it touches, and the
ARS concerned), the age-related need, income, the territory type, supply
dynamics between dated extractions, which départements the loaded registries
cover, and the members of the CPTS matched to the registry. The use case
fills them (:mod:`pipeline.app.sections`); renderers only read them. A missing
figure is NaN/NA (« non disponible »), never 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd


@dataclass
class AreasSection:
    """The areas a territory is compared with.

    ``zones``: one row per area, territory first, then each département, each
    région (the one holding most of the population first), then France:
    ``niveau`` (``territoire``, ``departement``, ``region``, ``france``),
    ``code``, ``nom``, ``libelle`` (French label of the row), ``principal``
    (the main département / région), ``population`` (current legal
    population of the area), ``population_territoire`` (the territory's
    inhabitants in it), ``departements`` (comma-separated codes of the
    area's départements).
    ``ars``: French names of the agences régionales de santé concerned.
    ``supply``: when the territory spans several départements or régions,
    the supply densities of each area (``libelle, niveau, code, groupe,
    praticiens, densite_10000``; NaN where the registry does not cover the
    area), else None.
    """

    zones: pd.DataFrame
    ars: list[str]
    supply: pd.DataFrame | None = None

    @property
    def several(self) -> bool:
        """Whether the territory spans several départements."""
        return int((self.zones["niveau"] == "departement").sum()) > 1


@dataclass
class AgeNeedSection:
    """Age-related need index (DREES standardised population / total population).

    ``per_unit``: ``unit_code, population_standardisee, population_totale,
    indice_besoin_age`` (NaN where the workbook has no row: Mayotte).
    ``zones``: ``libelle, niveau, code, indice_besoin_age,
    population_standardisee, population_totale, unites_sans_donnee``.
    """

    year: int
    population_year: int
    explanation: str
    per_unit: pd.DataFrame
    zones: pd.DataFrame
    missing: list[str] = field(default_factory=list)


@dataclass
class IncomeSection:
    """INSEE Filosofi 2019 income of the territory, of its units and of the areas compared.

    ``territory``: one row per indicator (``indicateur, libelle, valeur,
    n_communes, n_non_diffusees, population_non_diffusee, methode``).
    ``zones``: ``libelle, niveau, code, methode`` and one column per
    indicator (``mediane, d1, d9, part_minima_sociaux``).
    ``per_unit``: ``unit_code, codes_source, mediane, mediane_approchee, d1,
    d9, part_minima_sociaux, secret, fusion, statut`` (``statut``: « publié »,
    « non diffusé (secret statistique) », « absent du fichier »…).
    ``method`` is ``approximation``, ``epci`` (the territory is exactly an EPCI
    of the file) or ``commune`` (one commune, or every arrondissement of a
    city: the file's own row); ``label`` its French wording.
    """

    available: bool
    method: str
    label: str
    epci: str | None
    territory: pd.DataFrame
    zones: pd.DataFrame
    per_unit: pd.DataFrame
    zones_method: str
    unavailable: str | None = None


@dataclass
class TerritoryTypeSection:
    """Unité urbaine 2020, aire d'attraction des villes 2020 and density of the units.

    ``per_unit``: ``unit_code, population, area_km2, densite_hab_km2,
    uu2020, uu_libelle, hors_unite_urbaine, aav2020, aav_libelle,
    aav_population, aav_classe, aav_classe_libelle``.
    ``shares``: :func:`pipeline.analysis.population.territory_type_shares`.
    """

    per_unit: pd.DataFrame
    shares: pd.DataFrame
    notes: list[str] = field(default_factory=list)


#: Counts of a :class:`DynamicsPeriod`'s tables, after their ``groupe`` (and ``lieu``), in order.
DYNAMICS_COUNT_COLUMNS = ("present_start", "present_end", "arrivals", "departures", "net_change")


@dataclass
class DynamicsPeriod:
    """Arrivals and departures between two dated extractions.

    ``territory``: per ``groupe``: ``present_start, present_end, arrivals,
    departures, net_change`` and a ``Total`` row (distinct practitioners).
    ``per_unit``: per ``lieu`` (territory unit) and ``groupe``, same counts.
    ``withheld``: French reason when the two extractions do not both cover
    the territory's départements (figures then not given).
    ``identifier_switches``: French caveats, per profession whose practitioners
    went from ADELI to RPPS identifiers between the two extractions (a
    changed identifier counts as a departure and an arrival).
    """

    start: date
    end: date
    territory: pd.DataFrame
    per_unit: pd.DataFrame
    rows_left_out: dict[str, int]
    withheld: str | None = None
    identifier_switches: list[str] = field(default_factory=list)


@dataclass
class DynamicsSection:
    """Supply dynamics between the latest dated Annuaire Santé extractions (« installations n-1, n-2 »)."""

    extractions: list[date]
    periods: list[DynamicsPeriod]
    forecast_note: str
    unavailable: str | None = None


@dataclass
class RegistryCoverageSection:
    """Which départements the loaded Annuaire Santé and FINESS extractions cover.

    ``registry`` / ``finess``: :class:`~pipeline.analysis.registry_coverage.RegistryCoverage`
    tables (``departement, activites`` — activity lines of the latest
    extraction — or ``etablissements`` for FINESS, ``population,
    densite_10000, rapport_reference, noyau, couvert``).
    ``zones``: per compared area (``libelle, niveau, code``): ``annuaire``,
    ``finess`` (bool: covered) and ``non_couverts`` (départements missing).
    ``departements``/``finess_departements``: codes covered.
    """

    departements: list[str]
    finess_departements: list[str]
    complete: bool
    registry: pd.DataFrame
    finess: pd.DataFrame
    zones: pd.DataFrame
    note: str | None = None
    #: Activity lines per dated extraction and département (``extraction, departement, activites``), and the
    #: départements' populations: whether each extraction covers an area (supply dynamics).
    extraction_counts: pd.DataFrame = field(default_factory=pd.DataFrame)
    populations: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class MembersSection:
    """The Trame's representativeness table in full, and the members matched to the registry.

    ``table``: one row per Trame row (professions, MSP, Centres de santé,
    Autres): ``groupe, professionnels_territoire, unite, adherents,
    part_adherents_pct, gouvernance, part_gouvernance_pct,
    gouvernance_non_renseigne, elaboration, part_elaboration_pct,
    elaboration_non_renseigne``.
    ``matches``: one row per member given with an RPPS or ADELI number: ``ligne, rpps,
    groupe, statut, groupe_annuaire, lieux`` (``statut``: « exerce dans le
    territoire », « n'exerce pas dans le territoire », « absent de
    l'extraction »).
    """

    table: pd.DataFrame
    matches: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    #: How the members' numbers are named: « RPPS », or « RPPS ou ADELI » when one of them is an ADELI number.
    identifier: str = "RPPS"
