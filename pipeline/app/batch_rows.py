"""The comparison's rows of ``make diagnostics``: one CPTS's figures from its computed diagnostic, and their ranks.

What every CPTS of the batch shares for its row (:class:`BatchContext`: whole tables, territory types, unit
polygons) is read once by :mod:`pipeline.app.batch`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import geopandas as gpd
import pandas as pd

from pipeline.analysis.comparison import UNKNOWN, dominant_type, group_ranks, uncovered_population_near
from pipeline.analysis.perimeter_parts import PARTS_TOLERANCE_M
from pipeline.app.sections.neighbours import communes_outside_the_load
from pipeline.app.sections.pertinence import analysis_codes, split_cities
from pipeline.app.shared import SharedData
from pipeline.geography import projected_crs
from pipeline.model.diagnostic import Diagnostic
from pipeline.model.perimeter import (
    BORDERING,
    FIGURES,
    PARTIAL,
    PARTS,
    PROFESSIONS,
    REACH,
    UNKNOWN_NEIGHBOURS,
    anchor_of,
)
from pipeline.render.comparison.page import FIGURE_LABELS

#: A unit within this distance of a perimeter touches it (the contiguity rule of the coverage and the perimeter parts;
#: 200 m counted Bayons and Sigoyer, 44 and 54 m from the Gapençais, where the page says « qui touchent »).
NEAR_M = PARTS_TOLERANCE_M


@dataclass
class BatchContext:
    """What every CPTS of the batch shares: whole tables, territory types, unit polygons (projected)."""

    shared: SharedData
    types: pd.DataFrame
    #: Units near the CPTS (EPSG:4326, with ``departement`` and ``known``: whether the loaded listings tell their
    #: coverage, :meth:`~pipeline.app.sections.perimeter_data.PerimeterData.known_units`): projected per CRS by
    #: :meth:`near_units`.
    polygons: gpd.GeoDataFrame
    claimed: set[str]
    #: Communes outside the load that border a loaded one, in the régions of the loaded listings (EPSG:4326).
    borders: gpd.GeoDataFrame | None = None
    _projected: dict[int, tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]] = field(default_factory=dict)

    def near_units(self, crs: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
        """The units and the bordering communes of the départements projected in ``crs``, in metres.

        A listing may hold CPTS of mainland France and of overseas départements: each is measured against the
        units of its own projection (a review saw every Réunion CPTS of a mixed batch with 0 uncovered neighbours).
        """
        if crs not in self._projected:
            same = self.polygons[self.polygons["departement"].astype(str).map(projected_crs) == crs]
            borders = self.borders
            if borders is not None:
                borders = borders[borders["departement"].astype(str).map(projected_crs) == crs]
            self._projected[crs] = (same[["code", "population", "known", "geometry"]].to_crs(crs),
                                    borders.to_crs(crs) if borders is not None and len(borders) else None)
        return self._projected[crs]


#: Key of a row's départements (:func:`comparison_row`), left out of the comparison's table.
DEPARTEMENTS = "departements"


def comparison_row(d: Diagnostic, context: BatchContext, cpts: str, listing: str) -> dict[str, object]:
    """The comparison figures of one CPTS, from its computed diagnostic."""
    units = d.units.set_index("unit_code")["population"]
    shared_units = {u for value in d.neighbours["unites_communes"] for u in str(value).split(", ") if u}
    shared_population = units.reindex(sorted(shared_units)).astype("float64")
    row: dict[str, object] = {
        "cpts": cpts, "liste": listing, "slug": d.territory.slug, "ancre": anchor_of(d.territory.slug),
        "population": d.population.total, "taille": d.taille.label,
        "type_territoire": dominant_type(context.types, analysis_codes(d.territory.unit_codes,
                                                                        split_cities(context.shared.perimeter.units))),
        "apl_2023": d.apl.synthesis.set_index("annee")["territoire"].get(2023, float("nan")),
        "population_partagee": float(shared_population.sum()) if shared_population.notna().all() else float("nan"),
        # Not a column: the départements whose legal-population years the comparison's sources line names.
        DEPARTEMENTS: tuple(sorted(set(d.units["departement"].astype(str)))),
    }
    density = d.supply.table.set_index("groupe")["densite_10000"] if d.supply is not None else pd.Series(dtype=float)
    for group, column in PROFESSIONS.items():
        row[column] = density.get(group, float("nan"))
    gp = float("nan")
    # Part of the perimeter beyond the load: its residents' consultations to its communes there would count as
    # leaving it, and its diagnostic says the self-containment is not computed (« auto-confinement faussé »).
    beyond = d.pertinence is not None and d.pertinence.beyond_the_load is not None
    if d.flows is not None and d.flows.available and not beyond:
        synthesis = d.flows.synthesis.set_index("groupe")["auto_confinement"]
        gp = float(synthesis.get("Médecins généralistes", float("nan")))
    row["auto_confinement"] = gp
    main = d.units["departement"].astype(str).mode()
    near_units, borders = context.near_units(projected_crs(str(main.iloc[0]) if len(main) else "75"))
    perimeter = d.perimeter.to_crs(near_units.crs).geometry.iloc[0] if len(d.perimeter) else None
    known = near_units[near_units["known"]].drop(columns="known")
    row["population_non_couverte_proche"] = uncovered_population_near(perimeter, known, context.claimed, NEAR_M)
    # An unclaimed neighbour where no listing speaks may be uncovered or not: the figure is then unknown, not the
    # sum of the others (a review: Paris Nord-Est, beside Montreuil and Bagnolet of the 93, shown 0 and ranked).
    unknown = near_units[~near_units["known"] & ~near_units["code"].astype(str).isin(context.claimed)]
    unknown = unknown[unknown.distance(perimeter) <= NEAR_M] if perimeter is not None else unknown.iloc[0:0]
    row[UNKNOWN_NEIGHBOURS] = ", ".join(sorted(unknown["code"].astype(str)))
    unknown_near = not unknown.empty
    # The diagnostic shows its self-containment with the reservation; the comparison names the départements (none
    # when it has no self-containment to overestimate).
    row[REACH] = ", ".join(d.flows.beyond_the_load) if d.flows is not None and not beyond else ""
    touching = borders[borders.distance(perimeter) <= NEAR_M] if perimeter is not None and borders is not None \
        else None
    row[BORDERING] = ", ".join(sorted(set(touching["departement"]))) if touching is not None else ""
    if row[BORDERING] or unknown_near or not set(d.units["unit_code"].astype(str)) & \
            context.shared.perimeter.known_units():
        # Neighbours beyond the load, or of unknown coverage, or no listing speaks here.
        row["population_non_couverte_proche"] = float("nan")
    # Unknown (NaN) when a unit has no polygon: its place, hence the perimeter's continuity, is unknown.
    count = d.pertinence.parts_count if d.pertinence is not None else None
    parts = d.pertinence.parts if d.pertinence is not None else pd.DataFrame()
    if not parts.empty and parts["part"].isna().any():
        # Nor are its neighbours: the sum of the others' was a lower bound, ranked as a figure (a review: a CPTS of
        # Sannerville, re-created after the 2018 contours, and Cesson-Sévigné showed Cesson's neighbours alone).
        row["population_non_couverte_proche"] = float("nan")
    row[PARTS] = float("nan") if count is None else count
    row[PARTIAL] = communes_outside_the_load(d.listing_anomalies)
    if row[PARTIAL] != 0:  # also NaN: a drawn part over no loaded commune
        # Only lower bounds: the communes outside the load may be shared, or border uncovered ones (unknown).
        row["population_partagee"] = row["population_non_couverte_proche"] = float("nan")
        row["type_territoire"] = _type_when_partial(d, context, str(row["type_territoire"]))
    return row


def _type_when_partial(d: Diagnostic, context: BatchContext, loaded_type: str) -> str:
    """The territory type of a CPTS partly beyond the load: its loaded communes' class only when it holds more
    than half of its whole population (a review: Aiglun and Nice, 99.6 % of it unloaded, were « Aire de moins de
    50 000 habitants »), else unknown."""
    whole = d.taille.whole_population
    if whole is None or loaded_type == UNKNOWN:
        return UNKNOWN
    codes = set(analysis_codes(d.territory.unit_codes, split_cities(context.shared.perimeter.units)))
    types = context.types[context.types["code"].astype(str).isin(codes)]
    held = float(types.loc[types["aav_classe_libelle"] == loaded_type, "population"].sum())
    return loaded_type if 2 * held > whole else UNKNOWN


def as_shown(value: object, decimals: int, percent: bool) -> float:
    """``value`` rounded as the comparison page shows it: ``Intl.NumberFormat`` rounds the exact binary value half
    away from zero (18.05 is shown « 18,1 »; ``round`` would give 18.0), a share after its × 100."""
    try:
        number = float(value)  # type: ignore[arg-type]  # None, NA or text: not a figure
    except (TypeError, ValueError):
        return float("nan")
    if not math.isfinite(number):
        return float("nan")
    exact = Decimal(number * 100 if percent else number)
    return float(exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def comparison_table(rows: list[dict[str, object]]) -> pd.DataFrame:
    """One row per CPTS with the ranks of each figure among CPTS of the same taille and territory type."""
    columns = ["cpts", "liste", "slug", "ancre", "population", "taille", "type_territoire", *FIGURES, PARTIAL, REACH,
               BORDERING, UNKNOWN_NEIGHBOURS, PARTS]
    table = pd.DataFrame(rows, columns=list(dict.fromkeys(columns)))
    if table.empty:
        return table
    # A CPTS some of whose communes are outside the départements of the database has partial figures: not ranked.
    # An unknown count (a drawn perimeter partly outside the load) is partial too.
    whole = table[PARTIAL] == 0
    # Ranked as shown: two CPTS both shown « 18,1 » share their rank (the page and the workbook round the figures).
    shown = table.assign(**{f: [as_shown(v, *FIGURE_LABELS[f][1:]) for v in table[f]] for f in FIGURES})
    # A self-containment overestimated by a model that misses départements not loaded is shown, not ranked.
    reaching = table[REACH].map(lambda v: isinstance(v, str) and v != "").astype(bool)
    shown.loc[reaching, "auto_confinement"] = float("nan")
    ranks = group_ranks(shown[whole], FIGURES, by=["taille", "type_territoire"]).reindex(table.index)
    return pd.concat([table, ranks], axis=1)


