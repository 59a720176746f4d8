"""A perimeter with a NaN or Infinity coordinate (Python's JSON reader accepts both): named, never « vide »."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from pipeline.sources.cpts_listing.perimeters import read_features


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_non_numeric_coordinate_is_an_error_of_its_feature(tmp_path: Path, value: str) -> None:
    path = tmp_path / "p.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": '
                    '{"type": "Polygon", "coordinates": [[[6.1, 43.7], [6.1, 43.85], [' + value + ', 43.85], '
                    '[5.9, 43.7], [6.1, 43.7]]]}}]}', encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no shapely RuntimeWarning leaks to the user's terminal
        _, _, errors = read_features(path)
    assert errors == [(0, "entité n° 1 : coordonnée non numérique (NaN ou infini)")]
