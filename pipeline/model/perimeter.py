"""Options of the perimeter commands: the offline editor (``make editeur``) and every CPTS of a listing
(``make diagnostics``), and the comparison the latter produces."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

#: Densities compared, per profession group (Trame's names) -> column of :attr:`Comparison.table`.
PROFESSIONS: dict[str, str] = {
    "Médecins généralistes": "densite_medecins_generalistes",
    "Infirmiers": "densite_infirmiers",
    "Masseurs-kinésithérapeutes": "densite_masseurs_kinesitherapeutes",
    "Pharmaciens": "densite_pharmaciens",
    "Chirurgiens-dentistes": "densite_chirurgiens_dentistes",
    "Sages-femmes": "densite_sages_femmes",
}
#: Figures of the comparison, in display order (each also ranked: ``rang_<figure>``).
#: Column of the comparison: the CPTS's listed communes outside the départements of the database (not counted).
PARTIAL = "communes_hors_base"
#: Column of the comparison: départements not loaded within the flow model's cutoff of the CPTS (« 05, 26 »): its
#: self-containment is overestimated (the model misses their residents and professionals), shown but not ranked.
REACH = "departements_non_charges_a_portee"
#: Column of the comparison: départements not loaded, of a région of the loaded listings, with communes touching the
#: CPTS: its « population non couverte limitrophe » is not available (their population and CPTS are unknown).
BORDERING = "departements_voisins_non_charges"
#: Column of the comparison: the separate parts of the CPTS's perimeter (1: in one piece; more: an island, an enclave
#: or a mistyped code of the listing; empty when a unit has no polygon), :mod:`pipeline.analysis.perimeter_parts`.
PARTS = "parties_du_perimetre"
#: Comparison column: neighbouring units no CPTS of the loaded listings claims, in a département where those
#: listings do not tell the coverage (their population non couverte limitrophe is then unknown).
UNKNOWN_NEIGHBOURS = "voisins_couverture_inconnue"
FIGURES: tuple[str, ...] = ("population", *PROFESSIONS.values(), "apl_2023", "auto_confinement",
                            "population_partagee", "population_non_couverte_proche")


def anchor_of(slug: str) -> str:
    """Anchor of a CPTS's line in the comparison page: its output folder's name (unique, URL-safe)."""
    return slug


@dataclass(frozen=True)
class EditorOptions:
    """Options of ``make editeur``: the zone (région or département) and the CPTS to start from.

    With only ``cpts``, the zone is the départements of that CPTS.
    """

    region: str | None = None
    departement: str | None = None
    cpts: str | None = None


@dataclass(frozen=True)
class BatchOptions:
    """Options of ``make diagnostics``: one loaded listing, or the CPTS of a région (of every listing)."""

    listing: str | None = None
    region: str | None = None


@dataclass
class Comparison:
    """One row per CPTS of a listing (``make diagnostics``), and what failed.

    ``table``: ``cpts``, ``liste``, ``slug`` (folder of its outputs),
    ``ancre`` (anchor of its line), ``population``, ``taille``,
    ``type_territoire``, ``densite_<group>`` (per 10 000 inhabitants),
    ``apl_2023``, ``auto_confinement`` (0–1), ``population_partagee``,
    ``population_non_couverte_proche``, and ``rang_<figure>`` for each
    figure (1 = highest among the CPTS of the same taille and territory
    type, NA when the figure is missing), ``groupe_comparaison`` (size of
    that group). ``failures``: ``cpts``, ``liste``, ``erreur`` (French).
    ``shapes``: perimeter of each CPTS (``ancre``, geometry), for the map.
    ``not_loaded``: CPTS of the listing with no commune in the database (a
    load of some départements), not diagnosed; ``by_region``: the batch of a
    région (its CPTS from every listing), not of one listing.
    """

    name: str
    table: pd.DataFrame
    failures: pd.DataFrame
    shapes: gpd.GeoDataFrame | None = None
    labels: dict[str, str] = field(default_factory=dict)
    demo: bool = False
    sources: str = ""
    not_loaded: tuple[str, ...] = ()
    #: The same CPTS: ``cpts``, ``liste``, ``departements`` (of their communes), ``raison`` (French).
    not_loaded_table: pd.DataFrame | None = None
    by_region: bool = False
    #: Every loaded listing: the shared population counts the CPTS of them all (named when several).
    listings: tuple[str, ...] = ()
