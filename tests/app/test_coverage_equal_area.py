"""The overlap of drawn perimeters is measured on an equal-area projection, as the units' areas are.

Two squares near Ajaccio (Corse-du-Sud, where Lambert 93 inflates areas by 0.45 %) overlapping on a band of
known geodesic area: the coverage's « chevauchements géométriques » give that area, not Lambert 93's.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from pipeline.analysis.coverage import polygon_overlaps
from pipeline.app.coverage import overlap_area_crs
from pipeline.geography import LAMBERT93
from tests.geodesic import geodesic_area_km2

LON, LAT, SIDE = 8.70, 41.90, 0.10


def test_drawn_overlaps_have_their_true_area() -> None:
    # Densified, as contours are: a straight side in degrees is not straight once projected.
    a = shapely.segmentize(box(LON, LAT, LON + SIDE, LAT + SIDE), 0.001)
    b = shapely.segmentize(box(LON + SIDE / 2, LAT, LON + 1.5 * SIDE, LAT + SIDE), 0.001)
    perimeters = gpd.GeoDataFrame({"cpts_id": ["A", "B"]}, geometry=[a, b], crs=4326)
    expected = geodesic_area_km2(a.intersection(b)) * 1e6
    units = pd.DataFrame({"departement": ["2A", "2A", "2B"]})
    measured = polygon_overlaps(perimeters, crs=overlap_area_crs(units))
    assert measured["shared_area_m2"].iloc[0] == pytest.approx(expected, rel=1e-5)
    assert measured["area_a_m2"].iloc[0] == pytest.approx(geodesic_area_km2(a) * 1e6, rel=1e-5)
    # Lambert 93, which the coverage used, is a few tenths of a percent off here.
    conformal = polygon_overlaps(perimeters, crs=LAMBERT93)["shared_area_m2"].iloc[0]
    assert abs(conformal / expected - 1) > 1e-3
