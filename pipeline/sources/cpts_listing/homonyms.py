"""Probable homonyms in listings: a member commune far from its CPTS, whose name exists nearer.

France has many communes of the same name (Venterol in the Alpes-de-Haute-Provence
and in the Drôme, Rochebrune in the Hautes-Alpes and in the Drôme). A listing
typed by hand, or matched on names, easily takes one for the other: the real
PACA listing puts Venterol (04234) and Rochebrune (05121) in the CPTS « Drôme
Provençale - Enclave des Papes », whose other members are in the Vaucluse, when
the communes meant are those of the Drôme, next to Valréas.

The CPTS's *core* is its largest group of members chained by steps of at
most :data:`MAX_KM` (as the crow flies); the core's départements are the
CPTS's départements. A member outside the core (more than :data:`MAX_KM`
from every core member, and from any member chained to it) whose département
is not one of the core's is reported as ``homonyme_probable``, with its
distance to the nearest core member. Two homonyms close to each other (the
PACA case: Venterol and Rochebrune are 10 km apart) are both reported. The
likely intended commune, when there is one, is the commune of the same name
(:func:`pipeline.geography.normalise_name`) nearest to the core, provided it
is nearer than the listed one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pipeline.geography import normalise_name
from pipeline.sources.cpts_listing.model import OUT_OF_SCOPE, issue, single_id_by_name

#: Distance (km, as the crow flies) beyond which a member detached from the rest of its CPTS is suspect.
MAX_KM = 40.0
EARTH_RADIUS_KM = 6371.0088
POINT_COLUMNS = ["code", "nom", "departement", "lon", "lat"]
HOMONYM_COLUMNS = ["cpts_id", "cpts", "code", "nom", "departement", "distance_km", "line",
                   "proche_code", "proche_nom", "proche_departement", "proche_distance_km"]


def _km(lon: np.ndarray, lat: np.ndarray, lon0: float, lat0: float) -> np.ndarray:
    """Great-circle distances (km) from one point to many (haversine)."""
    lon_r, lat_r = np.radians(lon), np.radians(lat)
    lon0_r, lat0_r = np.radians(lon0), np.radians(lat0)
    a = np.sin((lat_r - lat0_r) / 2) ** 2 + np.cos(lat_r) * np.cos(lat0_r) * np.sin((lon_r - lon0_r) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _core(lon: np.ndarray, lat: np.ndarray, max_km: float) -> np.ndarray | None:
    """Mask of the CPTS's core: the largest group of members chained by steps of at most ``max_km``.

    None when two groups tie for the largest (no core to judge the others by).
    """
    n = len(lon)
    group = list(range(n))

    def root(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    for i in range(n):
        close = np.flatnonzero(_km(lon, lat, lon[i], lat[i]) <= max_km)
        for j in close:
            group[root(int(j))] = root(i)
    roots = np.array([root(i) for i in range(n)])
    labels, sizes = np.unique(roots, return_counts=True)
    if (sizes == sizes.max()).sum() > 1:
        return None
    return roots == labels[sizes.argmax()]


def find_probable_homonyms(members: pd.DataFrame, points: pd.DataFrame, max_km: float = MAX_KM) -> pd.DataFrame:
    """Members that are probably a homonym of the commune meant.

    Parameters
    ----------
    members
        Resolved members (:data:`~pipeline.sources.cpts_listing.model.MEMBER_COLUMNS`:
        ``cpts_id``, ``cpts``, ``commune_code``, ``line`` are used).
        Arrondissements count as their city.
    points
        One point per current commune, columns :data:`POINT_COLUMNS`
        (``code``, ``nom``, ``departement``, ``lon``, ``lat`` in WGS84; the
        app reads them from ``communes`` and ``commune_polygons``). The
        candidates for the intended commune are searched among these points:
        pass the whole country. Members without a point are not judged.
    max_km
        Detachment threshold.

    Returns
    -------
    pandas.DataFrame
        One row per suspect member, columns :data:`HOMONYM_COLUMNS`:
        the member (code, name, département, distance to the nearest other
        member, source line) and the likely intended commune (``proche_*``,
        NA when no commune of that name is nearer to the CPTS).
    """
    pts = points.drop_duplicates("code").set_index("code")
    pts = pts[pts["lon"].notna() & pts["lat"].notna()]
    by_name: dict[str, list[str]] = {}
    for code, nom in pts["nom"].items():
        if isinstance(nom, str):  # a commune beyond the load has a place but no name
            by_name.setdefault(normalise_name(nom), []).append(str(code))
    rows: list[dict[str, Any]] = []
    located = members[members["commune_code"].isin(pts.index)]
    for (cid, name), group in located.groupby(["cpts_id", "cpts"], sort=True):
        communes = group.drop_duplicates("commune_code")
        if len(communes) < 2:
            continue
        codes = communes["commune_code"].tolist()
        lon = pts.loc[codes, "lon"].to_numpy(dtype=float)
        lat = pts.loc[codes, "lat"].to_numpy(dtype=float)
        deps = pts.loc[codes, "departement"].astype(str).tolist()
        core = _core(lon, lat, max_km)
        if core is None:
            continue
        core_deps = {deps[j] for j in np.flatnonzero(core)}
        for k in np.flatnonzero(~core):
            code = codes[k]
            if deps[k] in core_deps or not isinstance(pts.at[code, "nom"], str):  # nameless: beyond the load
                continue
            nearest = float(_km(lon[core], lat[core], lon[k], lat[k]).min())
            best: tuple[float, str] | None = None
            for candidate in by_name.get(normalise_name(pts.at[code, "nom"]), []):
                if candidate == code or candidate in codes:
                    continue
                c = pts.loc[candidate]
                distance = float(_km(lon[core], lat[core], float(c["lon"]), float(c["lat"])).min())
                if distance < nearest and (best is None or distance < best[0]):
                    best = (distance, candidate)
            rows.append({
                "cpts_id": cid, "cpts": name, "code": code, "nom": pts.at[code, "nom"], "departement": deps[k],
                "distance_km": round(nearest, 1),
                "line": communes.iloc[k]["line"],
                "proche_code": best[1] if best else None,
                "proche_nom": pts.at[best[1], "nom"] if best else None,
                "proche_departement": str(pts.at[best[1], "departement"]) if best else None,
                "proche_distance_km": round(best[0], 1) if best else None,
            })
    table = pd.DataFrame(rows, columns=HOMONYM_COLUMNS)
    return table.astype({"distance_km": "float64", "proche_distance_km": "float64"})


def homonyms_with_the_load_beyond(issues: pd.DataFrame, members: pd.DataFrame, points: pd.DataFrame,
                                  listing: str) -> pd.DataFrame:
    """``issues`` of a listing loaded in a database of some départements, its ``homonyme_probable`` judged again
    with the members beyond the load.

    Those members (the ``hors_departements_charges`` issues with a code; ``points`` holding their places,
    nameless) take part in each CPTS's core: without them Venterol (04), listed with communes of the Vaucluse
    and the Drôme, had no core to be far from, and a load of the 04 said nothing (a review). Only loaded members
    are judged (a nameless commune cannot be named), and the communes of the same name are searched among the
    loaded ones only, which the detail says. As in :func:`~pipeline.sources.cpts_listing.resolve.
    spans_beyond_the_load`, an issue names its CPTS, not its id: a name two CPTS share is left out.
    """
    # Judged again even with no member beyond the load: the communes of the same name were searched in the loaded
    # départements only, which the detail must say.
    outside = issues[(issues["kind"] == OUT_OF_SCOPE) & issues["code"].notna()]
    ids = single_id_by_name(members)
    beyond = pd.DataFrame({"cpts": outside["cpts"].to_numpy(), "commune_code": outside["code"].astype(str).to_numpy(),
                           "line": outside["line"].to_numpy()})
    beyond["cpts_id"] = beyond["cpts"].map(ids)
    table = find_probable_homonyms(pd.concat([members, beyond.dropna(subset=["cpts_id"])], ignore_index=True),
                                   points)
    found = pd.DataFrame(homonym_issues(table, listing, searched_beyond=False), columns=issues.columns)
    kept = issues[issues["kind"] != "homonyme_probable"]
    return pd.concat([kept, found], ignore_index=True) if len(found) else kept.reset_index(drop=True)


def homonym_issues(table: pd.DataFrame, listing: str, searched_beyond: bool = True) -> list[dict[str, Any]]:
    """Issues ``homonyme_probable`` from :func:`find_probable_homonyms` (French detail); ``searched_beyond``
    False: the communes of the same name were searched in the loaded départements only."""
    issues = []
    for row in table.itertuples(index=False):
        detail = (f"« {row.nom} » ({row.code}, département {row.departement}) est à {row.distance_km:.0f} km du "
                  f"groupe principal des communes de « {row.cpts} » et hors des départements de ce groupe")
        if isinstance(row.proche_code, str):
            detail += (f" ; commune probablement visée : {row.proche_nom} ({row.proche_code}, département "
                       f"{row.proche_departement}), à {row.proche_distance_km:.0f} km")
        elif searched_beyond:
            detail += " ; aucune commune de ce nom plus proche : vérifier le code"
        else:
            detail += (" ; aucune commune de ce nom plus proche dans les départements chargés (les autres ne sont "
                       "pas cherchées) : vérifier le code")
        issues.append(issue(listing, "homonyme_probable", row.cpts, row.code, row.line, detail))
    return issues
