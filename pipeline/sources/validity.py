"""Why a polygon is invalid, in French: GEOS's reason and where it occurs.

Shapely's :func:`~shapely.validation.explain_validity` answers in English
(« Self-intersection[6.25 44.15] »): the messages users read are French, so
each reason GEOS can give is translated and its point written as
« près de (longitude, latitude) ».
"""

from __future__ import annotations

import re

from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

#: GEOS's reasons (``IsValidOp``), in French.
REASONS = {
    "Self-intersection": "le contour se recoupe",
    "Ring Self-intersection": "un anneau se recoupe",
    "Hole lies outside shell": "un trou est hors du contour extérieur",
    "Holes are nested": "un trou est dans un autre trou",
    "Interior is disconnected": "l'intérieur est coupé en plusieurs morceaux par un trou",
    "Nested shells": "un polygone est dans un autre polygone de la même géométrie",
    "Duplicate Rings": "un anneau est répété",
    "Too few points in geometry component": "une partie a trop peu de points pour former une surface",
    "Invalid Coordinate": "une coordonnée est invalide",
    "Ring is not closed": "un anneau n'est pas fermé",
    "Repeated Point": "un point est répété",
}

_EXPLAINED = re.compile(r"^(?P<reason>[^\[]+?)\s*(?:\[(?P<x>\S+) (?P<y>\S+)\])?$")


def invalidity_reason(geometry: BaseGeometry) -> str:
    """The French reason ``geometry`` is invalid, with the point where GEOS found it (see the module docstring)."""
    explained = explain_validity(geometry)
    match = _EXPLAINED.match(explained)
    if match is None:
        return explained
    reason = REASONS.get(match["reason"], match["reason"])
    if match["x"] is None:
        return reason
    return f"{reason} près de ({_coordinate(match['x'])} ; {_coordinate(match['y'])})"


def _coordinate(text: str) -> str:
    """A coordinate as GEOS wrote it, shortened to six decimals (about 0.1 m in degrees) with a decimal comma."""
    try:
        value = float(text)
    except ValueError:
        return text
    return f"{value:.6f}".rstrip("0").rstrip(".").replace(".", ",")
