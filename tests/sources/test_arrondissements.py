"""Polygons of the arrondissements municipaux: the mirror's file, and hostile variants of it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.errors import DataError
from pipeline.sources.arrondissements import ARRONDISSEMENTS_2023, COLUMNS, stage_arrondissement_polygons


@pytest.fixture(scope="module")
def georef(mirror: Path) -> dict[str, Any]:
    return json.loads((mirror / ARRONDISSEMENTS_2023.mirror_path).read_text(encoding="utf-8"))


def write(tmp_path: Path, obj: dict[str, Any]) -> Path:
    path = tmp_path / "arrondissements.geojson"
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path


@pytest.mark.mirror
def test_mirror_file_gives_the_45_arrondissements(mirror: Path) -> None:
    polygons = stage_arrondissement_polygons(mirror / ARRONDISSEMENTS_2023.mirror_path)
    assert list(polygons.columns) == COLUMNS and polygons.crs.to_epsg() == 4326
    expected = ([str(c) for c in range(13201, 13217)] + [str(c) for c in range(69381, 69390)]
                + [str(c) for c in range(75101, 75121)])
    assert polygons["code"].tolist() == expected
    assert polygons.groupby("commune").size().to_dict() == {"13055": 16, "69123": 9, "75056": 20}
    row = polygons.set_index("code").loc["69385"]
    assert (row["nom"], row["commune"]) == ("Lyon 5e Arrondissement", "69123")
    assert polygons.geometry.is_valid.all()
    # Areas of the unions documented in SOURCES.md: 105.4 km² (Paris, woods included), 47.9 (Lyon), 238.4
    # (Marseille, islands included).
    areas = {city: round(group.to_crs(2154).union_all().area / 1e6, 1) for city, group in polygons.groupby("commune")}
    assert areas == {"75056": 105.4, "69123": 47.9, "13055": 238.4}


@pytest.mark.mirror
def test_every_defect_is_listed(tmp_path: Path, georef: dict[str, Any]) -> None:
    obj = copy.deepcopy(georef)
    features = obj["features"]
    by_code = {f["properties"]["com_arm_code"][0]: f for f in features}
    features.remove(by_code["13216"])  # missing
    features.append(copy.deepcopy(by_code["75101"]))  # twice
    by_code["69381"]["properties"]["com_code"] = ["69266"]  # wrong city (Villeurbanne)
    by_code["13201"]["geometry"] = {"type": "Polygon", "coordinates": [[[5, 43], [6, 44], [6, 43], [5, 44], [5, 43]]]}
    by_code["13202"]["geometry"] = {"type": "Point", "coordinates": [5.37, 43.3]}
    by_code["13203"]["geometry"] = None
    by_code["13204"]["properties"]["com_arm_code"] = ["13217"]
    with pytest.raises(DataError) as info:
        stage_arrondissement_polygons(write(tmp_path, obj))
    message = info.value.message
    assert message.startswith("Contours des arrondissements municipaux invalides :")
    for part in [
        "(69381) : commune « 69266 » au lieu de 69123",
        "(13201) : géométrie invalide (le contour se recoupe près de (5,5 ; 43,5))",
        "(13202) : géométrie de type Point (polygone attendu)",
        "(13203) : géométrie absente",
        "(13217) : « 13217 » n'est pas un arrondissement municipal de Paris, Lyon ou Marseille",
        "arrondissement 75101 présent plusieurs fois",
        "2 arrondissement(s) absent(s) sur 45 : 13204, 13216",
    ]:
        assert part in message


def test_etalab_layout_and_declared_crs(tmp_path: Path) -> None:
    from pyproj import Transformer

    from pipeline.sources.arrondissements import ALL_ARRONDISSEMENTS

    to_l93 = Transformer.from_crs(4326, 2154, always_xy=True)
    origin = {"13": (5.37, 43.29), "69": (4.83, 45.75), "75": (2.33, 48.85)}
    features = []
    for i, code in enumerate(ALL_ARRONDISSEMENTS):
        x0, y0 = origin[code[:2]]
        x0 += 0.001 * i
        ring = [to_l93.transform(x, y) for x, y in [(x0, y0), (x0 + 0.001, y0), (x0 + 0.001, y0 + 0.001), (x0, y0)]]
        city = {"13": "13055", "69": "69123", "75": "75056"}[code[:2]]
        features.append({"type": "Feature", "properties": {"code": code, "nom": f"Arrondissement {code}",
                                                           "commune": city},
                         "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}})
    obj = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}},
           "features": features}
    polygons = stage_arrondissement_polygons(write(tmp_path, obj))
    assert polygons.crs.to_epsg() == 4326 and len(polygons) == 45
    first = polygons.set_index("code").loc["13201"]
    assert first["commune"] == "13055"
    assert first.geometry.bounds == pytest.approx((5.37, 43.29, 5.371, 43.291), abs=1e-7)  # back in degrees


def test_not_json_and_not_a_collection(tmp_path: Path) -> None:
    path = tmp_path / "a.geojson"
    path.write_text('{"type": "FeatureCollection",\n "features": [\n}', encoding="utf-8")
    with pytest.raises(DataError) as info:
        stage_arrondissement_polygons(path)
    assert info.value.line == 3 and info.value.message.startswith("GeoJSON illisible")
    path.write_text('{"type": "Feature"}', encoding="utf-8")
    with pytest.raises(DataError, match="doit être une FeatureCollection"):
        stage_arrondissement_polygons(path)
