"""Typed inputs of the perimeter editor page, and their validation.

The use case (``pipeline.app``) reads the database, runs the flow model and
fills an :class:`EditorData`; :func:`pipeline.render.editor.page.build_editor_page`
turns it into one self-contained HTML page. Nothing here reads files or the
database.

Units
    One row per *unit*: a current commune, or an arrondissement municipal of
    Paris, Lyon or Marseille (never the city itself next to its
    arrondissements). Every figure of the page is a sum or a count over units.

Definitions shown by the page (and returned by ``window.cptsEditor.state()``)
are written in :mod:`pipeline.render.editor` (package docstring).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd

from pipeline.errors import DataError, collect
from pipeline.geography import WGS84, city_of_arrondissement, is_insee_code

#: Columns of :attr:`EditorData.units` (besides ``geometry``); ``cpts`` is optional.
UNIT_COLUMNS: tuple[str, ...] = (
    "code",
    "nom",
    "population",
    "population_annee",
    "departement",
    "epci",
    "epci_nom",
    "bv2022",
    "bv2022_nom",
)
#: Columns of :attr:`EditorData.od`.
OD_COLUMNS: tuple[str, ...] = ("origin", "destination", "volume")


@dataclass(frozen=True)
class ListedPerimeter:
    """A CPTS of a loaded listing.

    Attributes
    ----------
    name
        CPTS name as written in the listing.
    listing
        Name of the listing it comes from.
    codes
        Unit codes it claims (a city code 75056/69123/13055 is NOT expanded
        here: the use case passes units). Codes outside the editor's units are
        allowed (a CPTS crossing the zone's boundary) and counted as
        « hors zone ».
    beyond_the_load
        Communes its listing names in départements the database was not
        loaded for (absent from every page); ``None`` when a part of its drawn
        perimeter covers no loaded commune (how many is unknown). Its taille
        is then « non disponible », as in its diagnostic.
    beyond_the_load_codes
        The codes its listing names outside the loaded départements, as listed (the export writes them back).
    beyond_the_load_communes
        The current commune of each of them (a code merged since counts in its commune, as ``beyond_the_load``).
    beyond_the_load_units
        What each of them counts the population of: its current commune, an arrondissement itself.
    beyond_the_load_populations
        The population of each of those units (the national COG's; None when unknown): the taille is that of
        the whole CPTS, as in its diagnostic.
    """

    name: str
    listing: str
    codes: tuple[str, ...]
    beyond_the_load: int | None = 0
    beyond_the_load_codes: tuple[str, ...] = ()
    beyond_the_load_communes: tuple[str, ...] = ()
    beyond_the_load_units: tuple[str, ...] = ()
    beyond_the_load_populations: tuple[int | None, ...] = ()


@dataclass(frozen=True)
class InitialPerimeter:
    """The perimeter the page opens with.

    Attributes
    ----------
    codes
        Unit codes (empty for a new perimeter). Every code must be a unit of
        :attr:`EditorData.units`.
    name
        Name shown and proposed for the export file.
    cpts, listing
        When editing a listed CPTS: its name and listing. Units claimed only
        by that CPTS are not "shared with another CPTS" (same rule as the
        diagnostic's neighbours, which leave out the same name in the same
        listing); the export names it, so that the diagnostic of the exported
        file does the same.
    """

    codes: tuple[str, ...] = ()
    name: str = "Nouveau périmètre"
    cpts: str | None = None
    listing: str | None = None


@dataclass(frozen=True)
class AciRules:
    """ACI size bands and annual funding, passed in from :mod:`pipeline.analysis.aci`.

    Build it in the use case with::

        AciRules(bounds=aci.SIZE_BOUNDS,
                 funding={band: aci.known_funding(band) for band in (1, 2, 3, 4)},
                 note=aci.funding_note(),
                 version=aci.DEFAULT_VERSION, version_label=aci.VERSION_LABELS[aci.DEFAULT_VERSION])

    Attributes
    ----------
    bounds
        Inclusive lower bounds of tailles 2, 3, 4 (taille = 1 + number of
        bounds <= population, as :func:`pipeline.analysis.aci.size_band`; « plus de 175 000 » is 175 001).
    funding
        Per taille: ``total_possible``, ``volet_supplementaire``, ``maximum`` (EUR per year).
    version
        Version of the funding table (e.g. ``"ACI-2019"``).
    version_label
        That version for people (« montants de l'ACI du 20 juin 2019 … »): the page shows it, not the
        key.
    note
        French remark shown after the funding line (missions whose amount no source gives), or empty.
    """

    bounds: tuple[int, ...]
    funding: Mapping[int, Mapping[str, int]]
    version: str
    note: str = ""
    version_label: str = ""
    #: Per taille, its bounds as the ACI words them (« plus de 175 000 habitants »); empty: written from ``bounds``.
    descriptions: Mapping[int, str] = field(default_factory=dict)


@dataclass
class EditorData:
    """Everything the editor page shows.

    Attributes
    ----------
    units
        GeoDataFrame in EPSG:4326, one row per unit, columns :data:`UNIT_COLUMNS`
        (``code`` str; ``nom`` str; ``population`` integer legal population or
        missing; ``population_annee`` its legal year or missing; ``departement``;
        ``epci``/``epci_nom`` and ``bv2022``/``bv2022_nom``, missing allowed),
        optional ``cpts`` (list of the CPTS names claiming the unit: when given
        it must agree with :attr:`perimeters`) and ``geometry`` (Polygon or
        MultiPolygon; missing allowed: the unit stays selectable by search).
    perimeters
        The CPTS of the loaded listings.
    od
        Sparse origin–destination table of modelled GP consultations:
        ``origin``, ``destination`` (unit codes; codes outside ``units`` allowed
        for the surroundings; ``destination`` missing = demand with no
        reachable supply), ``volume`` (>= 0, consultations per year). ``None``
        or empty: self-containment is « non disponible ».
    aci
        Size bands and funding.
    initial
        The perimeter being edited.
    title, zone
        Page title and zone label (« Région Provence-Alpes-Côte d'Azur »).
    generated
        Generation date.
    sources
        Sources line (French), shown at the foot of the page.
    demo
        True when some data is made up for a demonstration (red banner).
    od_label
        How the OD table was obtained (French), shown next to the self-containment.
    bv_totals, epci_totals
        Number of units of each bassin de vie / EPCI in the whole country,
        when some lie outside ``units``. Without them, the units of ``units``
        are the whole bassin / EPCI.
    bv_beyond, epci_beyond
        Of those, the units outside the loaded départements (none when not
        given): while the edited CPTS has communes beyond the load, a zone
        reaching there has its units in the perimeter « non disponible », as
        in the diagnostic.
    notes
        Extra French notes shown at the foot of the page.
    former_codes
        Codes of the COG history (communes merged into a commune nouvelle,
        communes déléguées or associées) → the current unit code, or city
        code (75056, 69123, 13055), they stand for: a commune list written
        with them is read as ``diagnostic`` reads it, not as unknown codes.
    former_names
        The names of :attr:`former_codes` (« Les Dourbes » for 04071): an imported list naming a former
        commune beside its code agrees with it, as ``TERRITORY=fichier:`` checks names.
    other_names
        Unit code → the names of the communes déléguées keeping that code (« Meyronnes » for 04120, Val
        d'Oronaye): they agree with it too.
    """

    units: gpd.GeoDataFrame
    perimeters: list[ListedPerimeter]
    od: pd.DataFrame | None
    aci: AciRules
    initial: InitialPerimeter = field(default_factory=InitialPerimeter)
    title: str = "Éditeur de périmètre de CPTS"
    zone: str = ""
    generated: date = field(default_factory=date.today)
    sources: str = ""
    demo: bool = False
    od_label: str = "recours modélisés aux médecins généralistes"
    bv_totals: Mapping[str, int] | None = None
    epci_totals: Mapping[str, int] | None = None
    bv_beyond: Mapping[str, int] = field(default_factory=dict)
    epci_beyond: Mapping[str, int] = field(default_factory=dict)
    #: Départements the database holds (empty: all of France): a code of another is beyond the load.
    loaded_departements: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)
    former_codes: Mapping[str, str] = field(default_factory=dict)
    former_names: Mapping[str, str] = field(default_factory=dict)
    other_names: Mapping[str, list[str]] = field(default_factory=dict)
    #: Pairs of unit codes whose polygons are within 50 m of each other
    #: (:func:`pipeline.analysis.perimeter_parts.neighbour_pairs`): the page counts the parts of the perimeter
    #: drawn from them; None when not given (the page then says « non disponible »).
    adjacency: Sequence[tuple[str, str]] | None = None
    #: Units of the régions the loaded listings do not speak for (the coverage's rule,
    #: :func:`pipeline.analysis.coverage.claims.listed_regions`): claimed by no loaded CPTS, they are of unknown
    #: coverage, never white zones created or absorbed.
    unknown_coverage: frozenset[str] = frozenset()


def _check_units(units: gpd.GeoDataFrame, errors: list[str]) -> None:
    missing = [c for c in (*UNIT_COLUMNS, "geometry") if c not in units.columns]
    if missing:
        errors.append("colonnes absentes de la table des unités : " + ", ".join(missing))
        return
    if units.crs is None:
        errors.append("table des unités sans système de coordonnées (EPSG:4326 attendu)")
    if units.empty:
        errors.append("aucune unité dans la zone")
    codes = units["code"]
    bad = [str(c) for c in codes if not is_insee_code(c)]
    if bad:
        errors.append("codes d'unité invalides (5 caractères attendus) : " + ", ".join(bad[:20]))
    dup = sorted(set(codes[codes.duplicated()].astype(str)))
    if dup:
        errors.append("unités en double : " + ", ".join(dup[:20]))
    pop = pd.to_numeric(units["population"], errors="coerce")
    wrong = units.loc[(pop.isna() & units["population"].notna()) | (pop < 0) | (pop.notna() & (pop % 1 != 0)), "code"]
    if len(wrong):
        errors.append("population non entière ou négative pour : " + ", ".join(map(str, wrong[:20])))
    year = pd.to_numeric(units["population_annee"], errors="coerce")
    wrong_year = units.loc[(year.isna() & units["population_annee"].notna()) | (year % 1 != 0), "code"]
    if len(wrong_year):
        errors.append("année de population invalide pour : " + ", ".join(map(str, wrong_year[:20])))
    no_name = units.loc[units["nom"].isna(), "code"]
    if len(no_name):
        errors.append("unités sans nom : " + ", ".join(map(str, no_name[:20])))


def _check_claims(data: EditorData, errors: list[str]) -> None:
    if "cpts" not in data.units.columns:
        return
    declared: dict[str, set[str]] = {}
    for perimeter in data.perimeters:
        for code in perimeter.codes:
            declared.setdefault(code, set()).add(perimeter.name)
    for code, names in zip(data.units["code"], data.units["cpts"], strict=True):
        if isinstance(names, str):
            listed = {names}
        elif isinstance(names, Iterable):  # list, tuple, set, numpy array (DuckDB list columns)
            listed = {str(name) for name in names}
        else:  # None / NaN: no claim
            listed = set()
        if listed != declared.get(str(code), set()):
            errors.append(
                f"unité {code} : CPTS de la colonne cpts ({', '.join(sorted(listed)) or 'aucune'}) "
                f"différentes des périmètres listés ({', '.join(sorted(declared.get(str(code), set()))) or 'aucun'})"
            )
            if len(errors) > 60:
                return


def _check_od(od: pd.DataFrame, errors: list[str]) -> None:
    missing = [c for c in OD_COLUMNS if c not in od.columns]
    if missing:
        errors.append("colonnes absentes de la table origine-destination : " + ", ".join(missing))
        return
    volume = pd.to_numeric(od["volume"], errors="coerce").to_numpy(dtype=float)
    bad = int((~np.isfinite(volume) | (volume < 0)).sum())
    if bad:
        errors.append(f"{bad} volumes absents, négatifs ou infinis dans la table origine-destination")
    if od["origin"].isna().any():
        errors.append(f"{int(od['origin'].isna().sum())} lignes sans origine dans la table origine-destination")


def _check_totals(name: str, totals: Mapping[str, int] | None, column: pd.Series, errors: list[str]) -> None:
    if totals is None:
        return
    counts = column.dropna().astype(str).value_counts()
    short = [f"{code} ({totals.get(code, 0)} < {n})" for code, n in counts.items() if totals.get(code, 0) < n]
    if short:
        errors.append(
            f"nombre total d'unités par {name} inférieur au nombre d'unités de la zone : " + ", ".join(short[:20])
        )


def _check_former_codes(data: EditorData, known: set[str], errors: list[str]) -> None:
    cities = {city for code in known if (city := city_of_arrondissement(code)) is not None}
    wrong = sorted(old for old, current in data.former_codes.items()
                   if old in known or (current not in known and current not in cities))
    if wrong:
        errors.append("anciens codes déjà unités de la zone, ou rattachés à une unité absente de la zone : "
                      + ", ".join(wrong[:20]))


def validate(data: EditorData) -> None:
    """Check an :class:`EditorData`, collecting every problem before raising.

    Raises
    ------
    DataError
        French message listing every problem: missing columns, invalid or
        duplicated codes, non-integer or negative populations, initial
        perimeter codes absent from the units, inconsistent ``cpts`` column,
        malformed OD table, ACI rules without four tailles.
    """
    errors: list[str] = []
    _check_units(data.units, errors)
    if all(c in data.units.columns for c in UNIT_COLUMNS):
        known = set(data.units["code"].astype(str))
        outside = sorted(set(data.initial.codes) - known)
        if outside:
            errors.append(
                "le périmètre initial contient des unités absentes de la zone (élargir la zone) : "
                + ", ".join(outside[:20])
            )
        _check_claims(data, errors)
        _check_former_codes(data, known, errors)
        _check_totals("bassin de vie", data.bv_totals, data.units["bv2022"], errors)
        _check_totals("EPCI", data.epci_totals, data.units["epci"], errors)
    if data.od is not None:
        _check_od(data.od, errors)
    if len(data.aci.bounds) != 3 or sorted(data.aci.bounds) != list(data.aci.bounds):
        errors.append("bornes de taille ACI : trois bornes croissantes attendues")
    absent = [str(b) for b in range(1, len(data.aci.bounds) + 2) if b not in data.aci.funding]
    if absent:
        errors.append("financement ACI absent pour la taille " + ", ".join(absent))
    collect(errors, "Données de l'éditeur de périmètre invalides :")


def ensure_wgs84(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``units`` in EPSG:4326 (reprojected when given in another CRS)."""
    if units.crs is None:
        raise DataError("Table des unités sans système de coordonnées (EPSG:4326 attendu)")
    return units if units.crs.to_epsg() == WGS84 else units.to_crs(WGS84)
