"""Pertinence of a CPTS perimeter: does it follow where its residents consult?

The DGOS/CNAM instruction (seed ``003``, §6.1 « La pertinence du
territoire ») allows the ARS to oppose a projet de santé on « la pertinence
du territoire d'action » and describes the relevant territory as « le
“territoire vécu” [...] en cohérence avec les parcours effectifs des
patients ». This module measures that coherence from an origin–destination
table of general-practice consultations (modelled by
:func:`pipeline.analysis.flows.huff_flows`, or a real table read by the
sources layer): residents' consultations are counted where they are made.

Conventions
    * ``flows``: one row per (origin, destination) with ``volume`` =
      consultations per year made by residents of ``origin`` in
      ``destination`` (any consistent unit: only shares are reported, and
      volumes). Rows whose destination is missing are *unserved* demand (no
      supply within the model's reach): they are left out of every share, as
      in :func:`pipeline.analysis.flows.territory_flow_indicators`, and their
      volume is reported separately.
    * Codes of ``flows``, ``perimeter`` and ``units`` are on one geography
      (analysis units, or current communes); mixing a city code with its
      arrondissements makes the city look absent.
    * A share whose denominator is 0 (a unit whose residents have no served
      consultation in the table) is NaN, never 0: such a unit is neither a
      candidate nor « à examiner »; perimeter units in that case are listed in
      :attr:`PerimeterPertinence.units_without_flows`.
    * A population that is not known for every unit it adds up is NaN.

The result is descriptive: candidates and units to examine are prompts for
the ARS and the project team, not decisions (the instruction: the perimeter
« se définit en fonction de l'envie des acteurs de travailler ensemble »).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.analysis.zone_cuts import zones_cut_by

__all__ = [
    "COLUMN_LABELS",
    "PerimeterPertinence",
    "PertinenceThresholds",
    "cut_zones",
    "perimeter_pertinence",
    "self_containment",
]

#: French labels of the columns of the result frames, for renderers.
COLUMN_LABELS: dict[str, str] = {
    "code": "Code",
    "nom": "Commune",
    "population": "Population",
    "share_into_perimeter": "Part des recours des habitants réalisés dans le territoire",
    "volume_into_perimeter": "Recours des habitants réalisés dans le territoire",
    "claimed_by": "Autres CPTS revendiquant la commune",
    "share_inside": "Part des recours des habitants réalisés dans le territoire",
    "main_destination": "Principale destination hors du territoire",
    "main_destination_nom": "Nom de la destination",
    "main_destination_share": "Part des recours vers cette destination",
    "level": "Zonage",
    "zone": "Code de la zone",
    "n_units_in": "Communes dans le territoire",
    "n_units_out": "Communes hors du territoire",
    "population_in": "Population dans le territoire",
    "population_out": "Population hors du territoire",
    "units_out": "Communes hors du territoire (codes)",
}

#: Columns of the candidates and of the units to examine (also of their empty tables when not computed).
CANDIDATE_COLUMNS = ["code", "nom", "population", "share_into_perimeter", "volume_into_perimeter", "claimed_by"]
EXAMINE_COLUMNS = [
    "code", "nom", "population", "share_inside",
    "main_destination", "main_destination_nom", "main_destination_share",
]  # fmt: skip


#: Shares are compared with their threshold to within this: 0.3 / (0.1 + 0.2 + 0.3) is 0.49999999999999994 in
#: floating point, and a review saw a commune sending exactly half of its consultations in « under 50 % ».
SHARE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class PertinenceThresholds:
    """Thresholds of the pertinence analysis (shares between 0 and 1).

    Attributes
    ----------
    candidate_min_share
        An outside unit is a candidate to add when at least this share of its
        residents' served consultations are made inside the perimeter
        (``>=``; default 0.5: most of them).
    examine_below_share
        An inside unit is « à examiner » when strictly less than this share of
        its residents' served consultations are made inside the perimeter
        (``<``; default 0.5: most of them go elsewhere).
    """

    candidate_min_share: float = 0.5
    examine_below_share: float = 0.5

    def __post_init__(self) -> None:
        for name in ("candidate_min_share", "examine_below_share"):
            value = getattr(self, name)
            if not (0.0 <= value <= 1.0) or math.isnan(value):
                raise ValueError(f"{name} doit être une part entre 0 et 1, pas {value!r}")


@dataclass(frozen=True)
class PerimeterPertinence:
    """Result of :func:`perimeter_pertinence`.

    Attributes
    ----------
    thresholds
        Thresholds used.
    self_containment
        Share (0–1) of the perimeter residents' served consultations made
        inside the perimeter; NaN when they have none in the table.
    resident_volume, internal_volume, unserved_volume
        Residents' served consultations, those made inside, and residents'
        unserved demand (destination missing), in the table's unit.
    population
        Population of the perimeter (NaN if a unit's population is unknown).
    candidates
        Outside units sending at least ``candidate_min_share`` of their
        residents' consultations into the perimeter, sorted by share then
        population (descending), then code. Columns: ``code`` (str), ``nom``
        (str, NA if unknown), ``population`` (float64, NaN if unknown),
        ``share_into_perimeter`` (float64), ``volume_into_perimeter``
        (float64), ``claimed_by`` (list of names of other CPTS claiming the
        unit; ``None`` when ``units`` carries no ``cpts_claims`` column, i.e.
        claims unknown).
    to_examine
        Inside units with ``share_inside < examine_below_share``, sorted by
        share ascending then code. Columns: ``code``, ``nom``, ``population``,
        ``share_inside`` (float64), ``main_destination`` (code of the outside
        destination receiving most of their consultations; NA if none),
        ``main_destination_nom``, ``main_destination_share`` (float64).
    cut_zones
        Bassins de vie and EPCI with units both inside and outside the
        perimeter (among the units of ``units``). Columns: ``level``
        (« bassin de vie 2022 » or « EPCI »), ``zone`` (code), ``n_units_in``,
        ``n_units_out`` (int64), ``population_in``, ``population_out``
        (float64, NaN if a population is unknown), ``units_out`` (sorted list
        of codes), ``n_units_unloaded``. Sorted by level, then population
        outside descending.
    self_containment_with_candidates, population_with_candidates
        The same figures for the perimeter plus every candidate (equal to the
        perimeter's own when there is no candidate).
    units_without_flows
        Perimeter units whose residents have no served consultation in the
        table (sorted codes).
    """

    thresholds: PertinenceThresholds
    self_containment: float
    resident_volume: float
    internal_volume: float
    unserved_volume: float
    population: float
    candidates: pd.DataFrame
    to_examine: pd.DataFrame
    cut_zones: pd.DataFrame
    self_containment_with_candidates: float
    population_with_candidates: float
    units_without_flows: list[str] = field(default_factory=list)


def _clean_flows(flows: pd.DataFrame, groupe: str | None) -> pd.DataFrame:
    """origin, destination (str or NA), volume (float64), one profession group."""
    missing = [c for c in ("origin", "destination", "volume") if c not in flows.columns]
    if missing:
        raise ValueError(f"colonnes absentes de la table de flux : {', '.join(missing)}")
    frame = flows
    if "groupe" in flows.columns:
        if groupe is not None:
            frame = flows[flows["groupe"] == groupe]
        elif flows["groupe"].nunique(dropna=False) > 1:
            raise ValueError(
                "la table de flux mélange plusieurs groupes de professionnels : "
                "précisez le groupe (par exemple « Médecins généralistes »)"
            )
    volume = pd.to_numeric(frame["volume"], errors="coerce").to_numpy(dtype="float64")
    if np.isnan(volume).any() or (volume < 0).any():
        raise ValueError("volumes de flux manquants ou négatifs")
    destination = frame["destination"].astype("string")
    return pd.DataFrame(
        {
            "origin": frame["origin"].astype("string").to_numpy(),
            "destination": destination.to_numpy(),
            "volume": volume,
        }
    )


def self_containment(flows: pd.DataFrame, perimeter: Iterable[str], groupe: str | None = None) -> float:
    """Share of the perimeter residents' served consultations made inside it.

    Parameters
    ----------
    flows
        ``origin``, ``destination`` (missing = unserved), ``volume``; optional
        ``groupe`` (see :func:`perimeter_pertinence`).
    perimeter
        Unit codes of the perimeter.
    groupe
        Profession group to keep when ``flows`` has a ``groupe`` column.

    Returns
    -------
    float
        Σ volume(origin ∈ P, destination ∈ P) / Σ volume(origin ∈ P,
        destination known), between 0 and 1; NaN when the denominator is 0.
    """
    table = _clean_flows(flows, groupe)
    return _containment(table, set(map(str, perimeter)))[0]


def _containment(table: pd.DataFrame, inside: set[str]) -> tuple[float, float, float, float]:
    """(self-containment, residents' served volume, internal volume, unserved volume)."""
    resident = table["origin"].isin(inside).to_numpy()
    served = table["destination"].notna().to_numpy()
    to_inside = table["destination"].isin(inside).fillna(False).to_numpy(dtype=bool)
    volume = table["volume"].to_numpy()
    total = float(volume[resident & served].sum())
    internal = float(volume[resident & to_inside].sum())
    unserved = float(volume[resident & ~served].sum())
    return (internal / total if total > 0 else math.nan), total, internal, unserved


def _population(units: pd.DataFrame, codes: Iterable[str]) -> float:
    """Sum of the populations of ``codes`` (``units`` indexed by code); NaN when one of them is unknown."""
    population = units["population"].reindex(list(codes))
    if population.isna().any():
        return math.nan
    return float(population.sum())


def _attributes(units: pd.DataFrame) -> pd.DataFrame:
    """``units`` indexed by code (str), with ``population`` as float64."""
    missing = [c for c in ("code", "nom", "population") if c not in units.columns]
    if missing:
        raise ValueError(f"colonnes absentes de la table des unités : {', '.join(missing)}")
    frame = units.assign(code=units["code"].astype(str)).drop_duplicates("code").set_index("code")
    frame["population"] = pd.to_numeric(frame["population"], errors="coerce").astype("float64")
    return frame


def cut_zones(units: pd.DataFrame, perimeter: Iterable[str],
              zone_sizes: Mapping[str, Mapping[str, int]] | None = None) -> pd.DataFrame:
    """The zones cut by a perimeter alone (no flows needed): ``cut_zones`` of :class:`PerimeterPertinence`.

    ``units`` and ``zone_sizes`` as for :func:`perimeter_pertinence`.
    """
    return zones_cut_by(_attributes(units), set(map(str, perimeter)), sizes=zone_sizes)


def _claim_list(value: object) -> list[str]:
    """Sorted names of a ``cpts_claims`` cell (a list, tuple, set or array; anything else means none)."""
    if isinstance(value, list | tuple | set | np.ndarray):
        return sorted(str(v) for v in value)
    return []


def perimeter_pertinence(
    flows: pd.DataFrame,
    perimeter: Iterable[str],
    units: pd.DataFrame,
    thresholds: PertinenceThresholds | None = None,
    groupe: str | None = None,
    zone_sizes: Mapping[str, Mapping[str, int]] | None = None,
) -> PerimeterPertinence:
    """Self-containment, units to add, units to examine and zones cut by a perimeter.

    Parameters
    ----------
    flows
        Origin–destination table of general-practice consultations:
        ``origin``, ``destination`` (missing = unserved demand), ``volume``
        (consultations per year, ≥ 0). When it has a ``groupe`` column with
        several groups, ``groupe`` selects one (ValueError otherwise: the
        groups are never mixed silently).
    perimeter
        Unit codes of the perimeter.
    units
        Attributes of the units (the perimeter's, the flows' origins, and
        every unit of the bassins de vie and EPCI the perimeter touches, so
        that cuts are counted in full: pass the units of the départements
        concerned, or of France): ``code``, ``nom``, ``population``, and
        optionally ``bv2022``, ``epci`` (zones checked for cuts) and
        ``cpts_claims`` (list of names of the *other* CPTS claiming the unit;
        ``None`` when they are unknown, no listing covering the unit's
        région; when the column is absent, claims are unknown and
        ``claimed_by`` is ``None``).
    thresholds
        :class:`PertinenceThresholds` (defaults 0.5 / 0.5).
    groupe
        Profession group kept when ``flows`` has a ``groupe`` column.
    zone_sizes
        Units of each bassin de vie and EPCI in the whole country, when
        ``units`` holds part of the country only (see
        :func:`pipeline.analysis.zone_cuts.zones_cut_by`).

    Returns
    -------
    PerimeterPertinence
        See the class for every field.

    Raises
    ------
    ValueError
        Missing columns, missing or negative volumes, several groups mixed,
        an empty perimeter.
    """
    limits = thresholds or PertinenceThresholds()
    inside = set(map(str, perimeter))
    if not inside:
        raise ValueError("le périmètre ne contient aucune unité")
    table = _clean_flows(flows, groupe)
    attributes = _attributes(units)
    containment, resident_volume, internal_volume, unserved_volume = _containment(table, inside)

    # Shares per origin: served consultations, and those made inside the perimeter.
    served = table[table["destination"].notna()]
    into = served["destination"].isin(inside).to_numpy(dtype=bool)
    per_origin = pd.DataFrame(
        {
            "served": served.groupby("origin")["volume"].sum(),
            "into": served[into].groupby("origin")["volume"].sum(),
        }
    ).fillna({"into": 0.0})
    per_origin = per_origin[per_origin["served"] > 0]
    per_origin["share"] = per_origin["into"] / per_origin["served"]

    def named(codes: pd.Index) -> pd.DataFrame:
        frame = pd.DataFrame({"code": pd.Series(codes, dtype="string")})
        frame["nom"] = frame["code"].map(attributes["nom"]).astype("string")
        frame["population"] = frame["code"].map(attributes["population"]).astype("float64")
        return frame

    # Candidates: outside origins sending at least the threshold into the perimeter.
    outside = per_origin[~per_origin.index.isin(list(inside))]
    chosen = outside[outside["share"] >= limits.candidate_min_share - SHARE_TOLERANCE]
    candidates = named(chosen.index)
    candidates["share_into_perimeter"] = chosen["share"].to_numpy(dtype="float64")
    candidates["volume_into_perimeter"] = chosen["into"].to_numpy(dtype="float64")
    if "cpts_claims" in attributes.columns:
        known = set(attributes.index)
        claims = attributes["cpts_claims"]
        # a unit absent from ``units``, or whose cell is None, has unknown claims (None); a known unit without a
        # list has none
        candidates["claimed_by"] = pd.Series(
            [_claim_list(claims.get(code)) if code in known and claims.get(code) is not None else None
             for code in candidates["code"]], dtype=object
        )
    else:
        candidates["claimed_by"] = pd.Series([None] * len(candidates), dtype=object)
    candidates = candidates.sort_values(
        ["share_into_perimeter", "population", "code"], ascending=[False, False, True], na_position="last"
    ).reset_index(drop=True)[CANDIDATE_COLUMNS]

    # Inside units whose residents mostly consult elsewhere, with their main outside destination.
    own = per_origin[per_origin.index.isin(list(inside))]
    low = own[own["share"] < limits.examine_below_share - SHARE_TOLERANCE]
    examine = named(low.index)
    examine["share_inside"] = low["share"].to_numpy(dtype="float64")
    leaving = served[served["origin"].isin(list(low.index)) & ~into]
    by_pair = leaving.groupby(["origin", "destination"], as_index=False)["volume"].sum()
    by_pair = by_pair.sort_values(["origin", "volume", "destination"], ascending=[True, False, True])
    top = by_pair.drop_duplicates("origin").set_index("origin")
    examine["main_destination"] = examine["code"].map(top["destination"]).astype("string")
    examine["main_destination_nom"] = examine["main_destination"].map(attributes["nom"]).astype("string")
    top_share = top["volume"] / per_origin["served"].reindex(top.index)
    examine["main_destination_share"] = examine["code"].map(top_share).astype("float64")
    examine = examine.sort_values(["share_inside", "code"]).reset_index(drop=True)[EXAMINE_COLUMNS]

    enlarged = inside | set(candidates["code"].astype(str))
    with_candidates = _containment(table, enlarged)[0] if len(candidates) else containment
    no_flows = sorted(inside - set(per_origin.index))
    return PerimeterPertinence(
        thresholds=limits,
        self_containment=containment,
        resident_volume=resident_volume,
        internal_volume=internal_volume,
        unserved_volume=unserved_volume,
        population=_population(attributes, sorted(inside)),
        candidates=candidates,
        to_examine=examine,
        cut_zones=zones_cut_by(attributes, inside, sizes=zone_sizes),
        self_containment_with_candidates=with_candidates,
        population_with_candidates=_population(attributes, sorted(enlarged)),
        units_without_flows=no_flows,
    )
