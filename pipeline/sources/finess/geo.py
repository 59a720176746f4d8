"""FINESS places: INSEE codes from the FINESS fields, projections of the coordinates, WGS84.

``commune`` holds the last three characters of the INSEE code and
``departement`` the département, written ``9A``..``9F`` overseas
(Guadeloupe 971 … Mayotte 976) and ``9J`` etc. for the collectivités 98x:
the INSEE code is ``departement + commune`` in metropolitan France (incl.
2A/2B) and ``97``/``98`` + ``commune`` overseas.

Coordinates: ``sourcecoordet`` ends with the projection, ``LAMBERT_93`` or
``L93_METROPOLE`` for metropolitan France (EPSG:2154) and ``UTM_N20``
(Guadeloupe, Martinique: RGAF09 / UTM 20N, EPSG:5490), ``UTM_N21``
(Saint-Pierre-et-Miquelon: RGSPM06 / UTM 21N, EPSG:4467), ``UTM_N22``
(Guyane: RGFG95 / UTM 22N, EPSG:2972), ``UTM_S40`` (La Réunion: RGR92 /
UTM 40S, EPSG:2975), ``UTM_S38`` (Mayotte: RGM04 / UTM 38S, EPSG:4471)
overseas; when the token is missing or unknown the département decides.
These local frames coincide with WGS84 to well under a metre.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from pyproj import CRS, Transformer

#: Projection token at the end of ``sourcecoordet`` -> EPSG code.
EPSG_PAR_JETON: dict[str, int] = {
    "LAMBERT_93": 2154,
    "L93_METROPOLE": 2154,
    "UTM_N20": 5490,
    "UTM_N21": 4467,
    "UTM_N22": 2972,
    "UTM_S38": 4471,
    "UTM_S40": 2975,
}
#: UTM zone -> EPSG of the official local frame, for tokens written differently.
_EPSG_PAR_ZONE = {20: 5490, 21: 4467, 22: 2972, 38: 4471, 40: 2975}
#: FINESS département code overseas -> (INSEE prefix, EPSG of its local frame).
DEPARTEMENTS_OUTRE_MER: dict[str, tuple[str, int | None]] = {
    "9A": ("971", 5490),
    "9B": ("972", 5490),
    "9C": ("973", 2972),
    "9D": ("974", 2975),
    "9E": ("975", 4467),
    "9F": ("976", 4471),
}
_EPSG_PAR_DEPARTEMENT_INSEE = {prefix: epsg for prefix, epsg in DEPARTEMENTS_OUTRE_MER.values()}


def insee_code(departement: str, commune: str) -> str | None:
    """INSEE commune code from the FINESS ``departement`` and ``commune`` fields.

    Examples
    --------
    >>> insee_code("01", "451"), insee_code("2A", "004"), insee_code("9D", "411"), insee_code("9J", "613")
    ('01451', '2A004', '97411', '98613')
    """
    dep = (departement or "").strip().upper()
    com = (commune or "").strip()
    if not dep or not com:
        return None
    com = com.zfill(3)[-3:]
    if dep.startswith("9") and len(dep) == 2 and dep[1].isalpha():
        # 9A..9F: DROM (971..976, "97" + 3 digits); 9G and beyond: COM 98x.
        return ("97" if dep[1] <= "F" else "98") + com
    return dep.zfill(2)[-2:] + com


def epsg_for(sourcecoordet: str | None, departement: str | None) -> tuple[int | None, bool]:
    """EPSG of a geolocation record, and whether the token itself told it."""
    token = (sourcecoordet or "").strip().rsplit(",", 1)[-1].strip().upper()
    if token in EPSG_PAR_JETON:
        return EPSG_PAR_JETON[token], True
    if "L93" in token or "LAMBERT" in token:
        return 2154, True
    match = re.search(r"UTM_?[NS]?_?(\d{2})", token)
    if match and int(match.group(1)) in _EPSG_PAR_ZONE:
        return _EPSG_PAR_ZONE[int(match.group(1))], True
    dep = (departement or "").strip().upper()
    if dep in DEPARTEMENTS_OUTRE_MER:
        return DEPARTEMENTS_OUTRE_MER[dep][1], False
    if dep in _EPSG_PAR_DEPARTEMENT_INSEE:
        return _EPSG_PAR_DEPARTEMENT_INSEE[dep], False
    if dep and not dep.startswith("9"):
        return 2154, False
    return None, False


def to_wgs84(x: np.ndarray, y: np.ndarray, epsg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project coordinates to WGS84 longitude/latitude, one transformer per EPSG."""
    lon = np.full(len(x), np.nan)
    lat = np.full(len(x), np.nan)
    for code in pd.unique(epsg[~pd.isna(epsg)]):
        mask = (epsg == code) & ~np.isnan(x) & ~np.isnan(y)
        if mask.any():
            transformer = Transformer.from_crs(int(code), 4326, always_xy=True)
            lon[mask], lat[mask] = transformer.transform(x[mask], y[mask])
    return lon, lat


#: Degrees allowed around a frame's area of use (the Guyane's frame, UTM 22N, is declared east of 54°W only).
AREA_MARGIN_DEGREES = 1.0


def outside_area_of_use(lon: np.ndarray, lat: np.ndarray, epsg: np.ndarray) -> np.ndarray:
    """Whether each projected point falls outside the area of use of its frame (EPSG database, plus a margin).

    Coordinates whose x and y were swapped, or degrees written where metres are declared, project to the
    other side of the world (Lambert 93 x/y swapped: lon 38, lat -8): such a point cannot be placed.
    """
    outside = np.zeros(len(lon), dtype=bool)
    for code in pd.unique(epsg[~pd.isna(epsg)]):
        west, south, east, north = CRS.from_epsg(int(code)).area_of_use.bounds  # type: ignore[union-attr]
        mask = (epsg == code) & ~np.isnan(lon)
        outside[mask] = ~((lon[mask] >= west - AREA_MARGIN_DEGREES) & (lon[mask] <= east + AREA_MARGIN_DEGREES)
                          & (lat[mask] >= south - AREA_MARGIN_DEGREES) & (lat[mask] <= north + AREA_MARGIN_DEGREES))
    return outside
