"""The result of a coverage analysis of a zone (département, région or France)."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd


def unknown_coverage_why(several: bool = False) -> str:
    """Why a unit's coverage is not known: the rule of :func:`pipeline.analysis.coverage.claims.known_units`.

    Said the same way by the coverage's notes and map, the editor and the diagnostic: fewer than two CPTS of the
    loaded listings are rooted in the unit's département (more than half of it there), and the few communes they claim
    there (across a border) do not make its unclaimed units white zones (French; ``several``: of several units).
    """
    which = "leur" if several else "son"
    return (f"moins de deux CPTS des listes chargées ont l'essentiel de leur territoire dans {which} département, "
            "et ces listes y revendiquent moins de la moitié des habitants ou moins du quart des unités")


#: Why a whole zone's white zones are « non disponible » (the summary line and the tables' only row).
UNKNOWN_ZONE_WHY = ("dans aucun département de cette zone, ni deux CPTS des listes chargées au moins n'ont l'essentiel "
                    "de leur territoire, ni ces listes ne revendiquent la moitié des habitants et le quart des unités")


@dataclass
class Coverage:
    """Claims, overlaps, white zones, atone territories and candidate perimeters of a zone.

    ``claims``: one row per unit (``unit_code, nom, type, population,
    departement, region, n_cpts, cpts, cpts_ids``). ``geometries``: map layers
    (``units``, ``perimeters``, ``overlaps``, ``white``, ``atone``,
    ``candidates``). Coverage reads listings, the COG and polygons only: no
    demonstration data can reach it.
    """

    zone: str
    label: str
    threshold: int
    units: pd.DataFrame
    claims: pd.DataFrame
    overlaps: pd.DataFrame
    polygon_overlaps: pd.DataFrame
    white: pd.DataFrame
    atone: pd.DataFrame
    candidates: pd.DataFrame
    quality: pd.DataFrame
    geometries: dict[str, gpd.GeoDataFrame]
    demo_data: bool = False
    notes: list[str] = field(default_factory=list)
    #: White units of départements no loaded listing speaks for (:data:`UNKNOWN_COVERAGE_WHY`): their coverage unknown.
    outside_listings: pd.DataFrame | None = None
    #: Units whose claims the loaded listings tell (:func:`pipeline.analysis.coverage.claims.known_units`); None: all.
    known_units: frozenset[str] | None = None
    timings: dict[str, float] = field(default_factory=dict)
    #: Year of the legal populations (the package's; 2017 for Mayotte alone) and its French label (« population
    #: légale 2023, 2017 pour Mayotte »): :mod:`pipeline.analysis.population.legal_year`.
    population_year: int = 0
    population_years_label: str = ""
