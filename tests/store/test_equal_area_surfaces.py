"""Commune areas are true areas: the sum over a département equals the geodesic area of its raw contours.

They were measured in Lambert 93 (and UTM overseas), conformal projections whose areas are off by up to half a
percent (+0.45 % for Corse-du-Sud, +0.29 % for the Nord); a review found the densities of those départements
off by as much.
"""

from __future__ import annotations

import duckdb
import geopandas as gpd
import pytest

from pipeline.store.queries import geography
from tests.conftest import mirror_path
from tests.geodesic import geodesic_areas_km2

pytestmark = [pytest.mark.mirror]


@pytest.mark.parametrize(("departement", "file"), [("04", "communes-04-alpes-de-haute-provence.geojson"),
                                                   ("13", "communes-13-bouches-du-rhone.geojson"),
                                                   ("976", "communes-976-mayotte.geojson")])
def test_departement_area_is_the_geodesic_area_of_its_contours(db: duckdb.DuckDBPyConnection, departement: str,
                                                              file: str) -> None:
    raw = gpd.read_file(mirror_path() / "contours-communes-2018" / file).to_crs(4326)
    expected = sum(geodesic_areas_km2(raw.geometry))
    stored = geography.reference_areas(db, [("departement", departement)])[f"departement:{departement}"]
    assert stored == pytest.approx(expected, rel=1e-5)
