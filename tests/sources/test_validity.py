"""Why a polygon is invalid, in French (GEOS answers in English)."""

from __future__ import annotations

import pytest
from shapely import wkt

from pipeline.sources.validity import invalidity_reason


@pytest.mark.parametrize(("polygon", "reason"), [
    # A bow tie: its two edges cross at (0.5, 0.5), worked out by hand.
    ("POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))", "le contour se recoupe près de (0,5 ; 0,5)"),
    # A hole drawn beside its polygon, whose first vertex is (3, 3).
    ("POLYGON((0 0, 2 0, 2 2, 0 2, 0 0), (3 3, 4 3, 4 4, 3 4, 3 3))",
     "un trou est hors du contour extérieur près de (3 ; 3)"),
    # A diamond hole touching the square's four sides cuts its interior in four pieces.
    ("POLYGON((0 0, 4 0, 4 4, 0 4, 0 0), (0 2, 2 0, 4 2, 2 4, 0 2))",
     "l'intérieur est coupé en plusieurs morceaux par un trou près de (2 ; 0)"),
    # Coordinates with more decimals than a map needs are shortened to six.
    ("POLYGON((6.123456789 44, 6.2 44.1, 6.2 44, 6.123456789 44.1, 6.123456789 44))",
     "le contour se recoupe près de (6,161728 ; 44,05)"),
])
def test_geos_reasons_are_said_in_french_with_their_point(polygon: str, reason: str) -> None:
    assert invalidity_reason(wkt.loads(polygon)) == reason
