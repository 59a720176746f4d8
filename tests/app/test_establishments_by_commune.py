"""Establishments are in a territory by their commune, whatever their coordinates say.

A FINESS record whose coordinates were mistyped (x and y swapped by a spreadsheet, degrees under a Lambert 93
token) used to fall outside the bounding box searched around the territory, and so out of its own
territory's counts: « 5 établissements » for 7 with a commune code of the territory.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from pipeline.app.sections.supply import establishments_near

#: A square around Digne-les-Bains (04070), in degrees.
DIGNE = shapely.box(6.15, 44.05, 6.32, 44.15)


def _table() -> pd.DataFrame:
    rows = [  # finess, commune, lon, lat
        ("040000011", "04070", 6.235, 44.092),   # placed in its commune
        ("040000021", "04070", 38.47, -7.90),    # x and y swapped: the other side of the world
        ("040000031", "04070", None, None),      # no coordinates
        ("040000041", "04001", 6.40, 44.10),     # Aiglun, about 7 km east of the square: nearby, not inside
        ("130000011", "13001", 5.45, 43.53),     # Aix-en-Provence, 90 km away: neither
    ]
    return pd.DataFrame({
        "finess": [r[0] for r in rows], "commune": [r[1] for r in rows], "unite": [r[1] for r in rows],
        "lon": [r[2] for r in rows], "lat": [r[3] for r in rows], "groupe": "MSP",
        "nom": [f"Établissement {r[0]}" for r in rows],
    })


def test_every_establishment_of_the_territory_is_counted_once_whatever_its_coordinates() -> None:
    perimeter = gpd.GeoDataFrame(geometry=[DIGNE], crs=4326)
    found = establishments_near(None, perimeter, ["04070"], 2154, 10.0, every_establishment=_table())  # type: ignore[arg-type]
    assert found is not None
    inside = sorted(found.loc[found["dans_territoire"], "finess"])
    assert inside == ["040000011", "040000021", "040000031"]
    assert sorted(found.loc[~found["dans_territoire"], "finess"]) == ["040000041"]
    assert found["finess"].is_unique
    assert set(found.loc[found["dans_territoire"], "distance_km"]) == {0.0}
