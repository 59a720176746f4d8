"""The modelled GP consultations between analysis units, shared by the pertinence section, the editor and the batch.

The Huff model gives, for each unit of residence, the shares of its
consultations made in each unit within the model's cutoff: an origin's rows
depend only on the supply and the distances of the units it can reach. A
*domain* that holds every unit within twice the cutoff of an area therefore
gives, for every origin within the cutoff of that area, exactly the rows a
larger domain would give; a table computed once for a whole région serves
every perimeter inside it (the batch, the editor), and equals the table the
diagnostic computes around one perimeter (``app/sections/flows.py``, same
parameters, same supply ``etp_sites``, same populations).

Units are analysis units (arrondissements in Paris, Lyon, Marseille; see
:mod:`pipeline.store.queries.perimeter`). Supply is ``offre_commune`` summed
by ``unite``: an arrondissement gets its own practitioners.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from pipeline.analysis import flows
from pipeline.analysis.distances import distance_table
from pipeline.geography import projected_crs
from pipeline.nomenclatures import GROUPE_MG, RECOURS_HORS_AMBULATOIRE
from pipeline.params import FlowParams
from pipeline.render.sections.common import agree
from pipeline.sources import od_table
from pipeline.sources.annuaire.classify import MODE_BENEVOLE, RECOURS_NON_RENSEIGNE
from pipeline.store.queries import geography

GP = GROUPE_MG
#: Simplification (metres) of an area's outline before it is buffered: the buffer grows by as much, so the
#: domain is a superset of the exact one (a larger domain changes no origin's rows, see the module docstring).
_OUTLINE_TOLERANCE_M = 500.0


@dataclass
class GpFlows:
    """Modelled (or given) GP consultations between units.

    Attributes
    ----------
    table
        ``origin``, ``destination`` (NA: demand with no supply within the
        cutoff), ``volume`` (consultations per year), as str codes.
    points
        Units of the domain: ``code``, ``lon``, ``lat``, ``area_km2``, ``population``.
    kind
        ``"modele"`` or ``"table"`` (``FLUX=``).
    origin
        French description of where the volumes come from.
    notes
        French remarks (codes of a ``FLUX=`` table left out…).
    unavailable
        French reason why a ``FLUX=`` table gives no GP consultation (it
        has none: :func:`given_gp_flows`), or None.
    """

    table: pd.DataFrame
    points: pd.DataFrame
    kind: str = "modele"
    origin: str = "modèle gravitaire de Huff (flux modélisés, pas des données de l'Assurance maladie)"
    notes: list[str] = field(default_factory=list)
    unavailable: str | None = None

    def for_origins(self, codes: set[str]) -> pd.DataFrame:
        """Rows whose origin is one of ``codes``."""
        return self.table[self.table["origin"].isin(codes)]


def outline(geometries: gpd.GeoSeries, crs: int) -> BaseGeometry:
    """Union of ``geometries`` in ``crs`` (metres), simplified by :data:`_OUTLINE_TOLERANCE_M`."""
    projected = geometries.dropna().to_crs(crs)
    return shapely.union_all(projected.values).simplify(_OUTLINE_TOLERANCE_M)


def domain_units(
    con: duckdb.DuckDBPyConnection, area: gpd.GeoSeries, departement: str, radius_km: float,
    units: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Analysis units whose representative point lies within ``radius_km`` of ``area`` (same projected CRS).

    Parameters
    ----------
    area
        Polygons (EPSG:4326) of the area: a perimeter, or a whole zone.
    departement
        Main département of the area (chooses the projected CRS; units of
        another CRS, e.g. an overseas département, are left out).
    radius_km
        Buffer around the area (twice the model's cutoff for complete rows).
    units
        Unit polygons already read (``code``, ``departement``, ``population``,
        ``area_km2``, ``lon``, ``lat``); read from the database otherwise.
    """
    crs = projected_crs(departement)
    if units is None:
        # A degree of latitude is 111 km and one of longitude at least 70 km in metropolitan France.
        units = geography.unit_polygons_near(con, tuple(area.total_bounds), margin_deg=radius_km / 70)
    same = units[units["departement"].astype(str).map(projected_crs) == crs]
    points = gpd.GeoSeries(gpd.points_from_xy(same["lon"], same["lat"]), crs=4326, index=same.index)
    buffer = outline(area, crs).buffer(radius_km * 1000 + _OUTLINE_TOLERANCE_M)
    near = same[points.to_crs(crs).within(buffer).to_numpy()]
    return pd.DataFrame({"code": near["code"].astype(str).to_numpy(), "lon": near["lon"].to_numpy(),
                         "lat": near["lat"].to_numpy(), "area_km2": near["area_km2"].to_numpy(),
                         "population": near["population"].to_numpy()})


def _rate_key(rates: dict[str, float]) -> str:
    lowered = {k.lower(): k for k in rates}
    return lowered.get(GP.lower(), GP)


def ambulatory(offre: pd.DataFrame) -> pd.DataFrame:
    """The supply rows the flows and the APL approchée count: practice « en ambulatoire » (libéral, or salaried in
    a centre de santé), as the DREES APL counts « omnipraticiens libéraux et salariés en centre de santé ».

    A review: GPs salaried in hospitals and médico-social establishments, 37 % of the GPs' presence shares, were
    counted as receiving consultations; the Annuaire Santé classification (:mod:`pipeline.sources.annuaire.
    classify`) calls them « hors ambulatoire », and a salaried practice of unknown setting « non renseigné »:
    neither is counted (a second review found the latter counted). Nor is volunteer practice (mode « bénévole »:
    a review counted 46 presence shares of volunteers in centres de santé nationally), which the DREES leaves out.
    """
    kept = ~offre["recours"].isin([RECOURS_HORS_AMBULATOIRE, RECOURS_NON_RENSEIGNE])
    if "mode" in offre.columns:
        kept &= offre["mode"] != MODE_BENEVOLE
    return offre[kept.to_numpy(dtype=bool)]


def gp_supply(offre: pd.DataFrame, codes: set[str], params: FlowParams) -> pd.DataFrame:
    """Ambulatory GP supply (``etp_sites``, :func:`ambulatory`) per unit of ``codes``: ``code, groupe, effectif``
    (group named as in the rates)."""
    offre = ambulatory(offre)
    gp = offre[(offre["groupe"] == GP) & offre["unite"].astype(str).isin(codes)]
    supply = gp.groupby("unite", as_index=False)["etp_sites"].sum()
    return pd.DataFrame({"code": supply["unite"].astype(str).to_numpy(),
                         "groupe": _rate_key(dict(params.rates)),
                         "effectif": supply["etp_sites"].to_numpy(dtype=float)})


def _gp_table(rows: pd.DataFrame) -> pd.DataFrame:
    """``origin, destination, volume`` of flow rows: string codes (destination missing when unserved)."""
    return pd.DataFrame({
        "origin": rows["origin"].astype(str).to_numpy(),
        "destination": rows["destination"].astype("string").to_numpy(),
        "volume": rows["volume"].to_numpy(dtype=np.float64),
    })


def modelled_gp_flows(points: pd.DataFrame, offre: pd.DataFrame, params: FlowParams) -> GpFlows:
    """Huff flows of GP consultations between the units of ``points`` (see :func:`domain_units`)."""
    distances = distance_table(points, cutoff_km=params.cutoff_km, detour=params.detour_factor,
                               intra_factor=params.intra_factor, default_intra_km=params.default_intra_km)
    supply = gp_supply(offre, set(points["code"]), params)
    demand = points[["code", "population"]].fillna({"population": 0})
    return GpFlows(table=_gp_table(flows.huff_flows(demand, supply, distances, params)), points=points)


def gp_rows_of(table: pd.DataFrame, points: pd.DataFrame, params: FlowParams) -> GpFlows:
    """The GP rows of a modelled flow table of every group (``groupe`` named as in the rates)."""
    return GpFlows(table=_gp_table(table[table["groupe"] == _rate_key(dict(params.rates))]), points=points)


def _listed(names: list[str], limit: int = 8) -> str:
    more = len(names) - limit
    return ", ".join(names[:limit]) + (f" et {more} {agree(more, 'autre', 'autres')}" if more > 0 else "")


#: A ``FLUX=`` table without any profession is read as GP consultations (the flows section and the pertinence).
NO_PROFESSION_NOTE = ("la table de flux fournie ne précise pas la profession : tous ses recours sont lus comme des "
                      "recours aux médecins généralistes")


def given_gp_flows(table: pd.DataFrame, origin: str, notes: list[str]) -> GpFlows:
    """A ``FLUX=`` table (``origin, destination, groupe, volume``) reduced to its GP rows.

    GP rows are those whose ``groupe`` names general practitioners
    (:func:`pipeline.sources.od_table.is_gp`: « Médecins généralistes (MG) »,
    « Médecine générale », « MG », « omnipraticien »…). A table that gives no
    profession at all (every row :data:`~pipeline.sources.od_table.GROUPE_NON_PRECISE`)
    is taken as GP consultations, and a note says so. Rows of another
    profession never stand for GPs: when no GP row remains the table is empty
    and :attr:`GpFlows.unavailable` says why, naming the professions read
    (the model does not replace a given table).
    """
    groups = table["groupe"].astype(str)
    is_gp = groups.map({g: od_table.is_gp(g) for g in set(groups)}).astype(bool)
    notes = list(notes)
    unavailable = None
    if len(table) and (groups == od_table.GROUPE_NON_PRECISE).all():
        kept = table
        notes.append(NO_PROFESSION_NOTE)
    else:
        kept = table[is_gp.to_numpy()]
        others = sorted(set(groups[~is_gp]))
        if kept.empty and others:
            unavailable = ("la table de flux fournie ne contient aucune ligne de médecins généralistes (professions "
                           f"lues : {_listed(others)})")
        elif kept.empty:
            unavailable = ("la table de flux fournie n'a aucune ligne utilisable (toutes écartées : codes communes "
                           "invalides ou inconnus, ou communes hors des départements chargés dans la base)")
        elif others:
            notes.append(f"pertinence du périmètre : les recours des autres professions de la table de flux fournie "
                         f"({_listed(others)}) ne sont pas utilisés, elle se mesure sur les recours aux médecins "
                         "généralistes")
    return GpFlows(table=_gp_table(kept), points=pd.DataFrame(columns=["code", "lon", "lat", "area_km2", "population"]),
                   kind="table", origin=origin, notes=notes, unavailable=unavailable)
