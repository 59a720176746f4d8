"""CPTS listings as ARS write them: the README example, GeoJSON in any CRS, misplaced features, homonyms."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio
import pytest
from pyproj import Transformer
from shapely.geometry import Polygon

from pipeline.errors import DataError
from pipeline.sources.cpts_listing import (
    find_probable_homonyms,
    read_listing,
    read_perimeter_geojson,
    reject_anomalies,
)
from pipeline.sources.cpts_listing.model import ISSUE_COLUMNS, ListingResult
from pipeline.sources.cpts_listing.perimeter_members import POINT_RULE, with_point_rule_issues
from tests.sources.test_cpts_listing import _cog_from_mirror, _mapping, _units

ROOT = Path(__file__).resolve().parents[2]
TO_L93 = Transformer.from_crs(4326, 2154, always_xy=True)
TO_3857 = Transformer.from_crs(4326, 3857, always_xy=True)
# Two squares of about 5 × 5 km in the Alpes-de-Haute-Provence (around Digne-les-Bains), lon/lat.
WEST = [(6.20, 44.05), (6.27, 44.05), (6.27, 44.10), (6.20, 44.10), (6.20, 44.05)]
EAST = [(6.30, 44.05), (6.37, 44.05), (6.37, 44.10), (6.30, 44.10), (6.30, 44.05)]


def feature(ring: list[tuple[float, float]], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [
        [list(p) for p in ring]]}}


def write(path: Path, features: list[dict[str, Any]], crs: str | None = None) -> Path:
    obj: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if crs is not None:
        obj["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path


def projected(ring: list[tuple[float, float]], transformer: Transformer) -> list[tuple[float, float]]:
    return [transformer.transform(x, y) for x, y in ring]


# --------------------------------------------------------------------------- README example


def test_the_readme_listing_example_parses(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```csv\n(cpts,code_insee[^`]*)```", readme)
    assert block is not None, "the README's listing example has moved"
    path = tmp_path / "verdon.csv"
    path.write_text(block.group(1), encoding="utf-8")
    units = pd.DataFrame([("04004", "Allos", "commune-actuelle", None, "04", "93", 700),
                          ("04039", "Castellane", "commune-actuelle", None, "04", "93", 1500)],
                         columns=["code", "nom", "type", "parent", "departement", "region", "population"])
    result = read_listing(path, _mapping(), units)
    assert result.members[["cpts", "cpts_id", "statut", "date", "unit_code", "line"]].values.tolist() == [
        ["CPTS Exemple des Trois Vallées", "trois-vallees", "ACI signé", "2023-06-01", "04004", 2],
        ["CPTS Exemple des Trois Vallées", "trois-vallees", "ACI signé", "2023-06-01", "04039", 3],
    ]
    assert result.issues.empty


# --------------------------------------------------------------------------- CRS


def test_listing_headers_as_a_spreadsheet_user_writes_them(tmp_path: Path) -> None:
    """« CPTS », « Code INSEE », « Statut », « Date » (the labels of the workbooks): the documented columns."""
    path = tmp_path / "liste.csv"
    path.write_text("CPTS;Code INSEE;Identifiant CPTS;Statut;Date\nCPTS A;04004;;ACI signé;2023-06-01\n"
                    "CPTS A;04039;;ACI signé;2023-06-01\n", encoding="utf-8")
    units = pd.DataFrame([("04004", "Allos", "commune-actuelle", None, "04", "93", 700),
                          ("04039", "Castellane", "commune-actuelle", None, "04", "93", 1500)],
                         columns=["code", "nom", "type", "parent", "departement", "region", "population"])
    result = read_listing(path, _mapping(), units)
    assert result.members[["cpts", "statut", "date", "unit_code"]].values.tolist() == [
        ["CPTS A", "ACI signé", "2023-06-01", "04004"], ["CPTS A", "ACI signé", "2023-06-01", "04039"]]


@pytest.mark.parametrize("name", ["Nom de la CPTS", "nom_cpts", "NOM_CPTS", "CPTS"])
def test_geojson_properties_as_a_spreadsheet_user_writes_them(tmp_path: Path, name: str) -> None:
    """A GeoJSON's properties are read as a CSV's headers (a review: « nom_cpts » was read as an empty « cpts »
    and the listing refused)."""
    path = write(tmp_path / "perimetres.geojson", [
        feature(WEST, **{name: "CPTS Ouest", "Statut de la CPTS": "projet"}),
        feature(EAST, **{name: "CPTS Est", "Statut de la CPTS": "ACI signé"})])
    result = read_listing(path, _mapping(), _units())
    p = result.perimeters
    assert p is not None and p[["cpts", "statut"]].values.tolist() == [["CPTS Ouest", "projet"],
                                                                        ["CPTS Est", "ACI signé"]]


def test_qgis_lambert93_export_without_crs_is_read_as_2154_with_a_note(tmp_path: Path) -> None:
    # QGIS « Save features as » GeoJSON of a Lambert 93 layer with RFC 7946 unticked: metres, no crs member.
    path = write(tmp_path / "perimetres_qgis.geojson", [
        feature(projected(WEST, TO_L93), cpts="CPTS Ouest", statut="projet"),
        feature(projected(EAST, TO_L93), cpts="CPTS Est", statut="ACI signé"),
    ])
    result = read_listing(path, _mapping(), _units())
    p = result.perimeters
    assert p is not None and p.crs.to_epsg() == 4326
    assert p["cpts"].tolist() == ["CPTS Ouest", "CPTS Est"]
    assert p.geometry.iloc[0].bounds == pytest.approx((6.20, 44.05, 6.27, 44.10), abs=1e-6)
    notes = result.issues[result.issues["kind"] == "note_crs"]["detail_fr"].tolist()
    assert notes == ["coordonnées en mètres sans CRS déclaré : lues en Lambert 93 (EPSG:2154), la projection des "
                     "exports QGIS pour la France ; déclarez le CRS ou exportez en WGS84 pour lever le doute"]


@pytest.mark.parametrize(("crs", "transformer"), [
    ("urn:ogc:def:crs:EPSG::2154", TO_L93), ("EPSG:3857", TO_3857), ("urn:ogc:def:crs:OGC:1.3:CRS84", None)])
def test_declared_crs_is_reprojected(tmp_path: Path, crs: str, transformer: Transformer | None) -> None:
    ring = projected(WEST, transformer) if transformer else WEST
    frame, notes = read_perimeter_geojson(write(tmp_path / "p.geojson", [feature(ring, code="x")], crs))
    assert notes == [] and frame.crs.to_epsg() == 4326
    assert frame.geometry.iloc[0].bounds == pytest.approx((6.20, 44.05, 6.27, 44.10), abs=1e-6)
    assert frame["anomalie"].isna().all()


def test_geopackage_listing_in_lambert93_is_read_like_its_geojson(tmp_path: Path) -> None:
    """A QGIS layer saved as a GeoPackage (Lambert 93 declared in the file): the same perimeters."""
    import geopandas as gpd
    from shapely.geometry import Polygon

    frame = gpd.GeoDataFrame({"cpts": ["CPTS Ouest", "CPTS Est"], "statut": ["projet", "ACI signé"]},
                             geometry=[Polygon(projected(WEST, TO_L93)), Polygon(projected(EAST, TO_L93))],
                             crs=2154)
    path = tmp_path / "perimetres.gpkg"
    frame.to_file(path, driver="GPKG")
    result = read_listing(path, _mapping(), _units())
    p = result.perimeters
    assert p is not None and p.crs.to_epsg() == 4326
    assert p["cpts"].tolist() == ["CPTS Ouest", "CPTS Est"]
    assert p.geometry.iloc[1].bounds == pytest.approx((6.30, 44.05, 6.37, 44.10), abs=1e-6)
    assert result.issues[result.issues["kind"] == "note_crs"].empty  # declared, not guessed


def test_unknown_or_unguessable_crs_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        read_perimeter_geojson(write(tmp_path / "p.geojson", [feature(WEST)], "EPSG:999999"))
    assert info.value.message == "CRS déclaré inconnu « EPSG:999999 »"
    utm = Transformer.from_crs(4326, 32631, always_xy=True)  # UTM 31N: metres, not Lambert 93
    with pytest.raises(DataError) as info:
        read_perimeter_geojson(write(tmp_path / "q.geojson", [feature(projected(WEST, utm))]))
    assert info.value.message.startswith("Coordonnées projetées sans CRS déclaré (x de ")
    assert info.value.message.endswith("qui ne sont pas du Lambert 93 : déclarez le CRS (membre « crs ») ou "
                                       "exportez en WGS84")


# --------------------------------------------------------------------------- misplaced features


def test_swapped_and_foreign_features_are_listing_anomalies_not_perimeters(tmp_path: Path) -> None:
    swapped = [(y, x) for x, y in EAST]  # latitude written first: a square in Somalia
    madrid = [(-3.70, 40.40), (-3.60, 40.40), (-3.60, 40.45), (-3.70, 40.40)]
    path = write(tmp_path / "perimetres.geojson", [
        feature(WEST, cpts="CPTS Ouest"), feature(swapped, cpts="CPTS Est"), feature(madrid, cpts="CPTS Madrid")])
    result = read_listing(path, _mapping(), _units())
    assert result.perimeters is not None and result.perimeters["cpts"].tolist() == ["CPTS Ouest"]
    assert result.issues[["kind", "cpts", "detail_fr"]].values.tolist() == [
        ["coordonnees_inversees", "CPTS Est",
         "entité n° 2 (« CPTS Est ») : longitude et latitude inversées ; périmètre écarté"],
        ["hors_france", "CPTS Madrid",
         "entité n° 3 (« CPTS Madrid ») : hors de France (métropole et DROM) ; périmètre écarté"],
    ]


def test_a_listing_whose_every_feature_is_set_aside_is_refused(tmp_path: Path) -> None:
    """A review: a listing whose only feature had its latitude first loaded as « 0 CPTS » and exit 0."""
    swapped = [(y, x) for x, y in EAST]
    path = write(tmp_path / "perimetres.geojson", [feature(swapped, cpts="CPTS Est")])
    with pytest.raises(DataError) as info:
        read_listing(path, _mapping(), _units())
    assert info.value.message == (
        "Aucun périmètre utilisable dans la liste (coordonnées attendues en longitude/latitude WGS84 ou avec un "
        "CRS déclaré) :\n  - entité n° 1 (« CPTS Est ») : longitude et latitude inversées ; périmètre écarté")


def test_features_of_one_cpts_are_one_perimeter(tmp_path: Path) -> None:
    """A review: two features of one CPTS (drawn in two parts, or a QGIS layer of communes carrying the CPTS)
    stopped the load on the database's primary key, in English. They are one perimeter, their union, said."""
    path = write(tmp_path / "perimetres.geojson", [
        feature(WEST, cpts="CPTS A", statut="projet"), feature(EAST, cpts="CPTS B"),
        feature(EAST, cpts="CPTS A", statut="ACI signé")])
    result = read_listing(path, _mapping(), _units())
    assert result.perimeters is not None
    assert result.perimeters[["cpts", "cpts_id", "feature"]].values.tolist() == [["CPTS A", "cpts-a", 0],
                                                                                 ["CPTS B", "cpts-b", 1]]
    statut = result.perimeters["statut"].tolist()
    assert statut[0] == "projet" and pd.isna(statut[1])  # the first feature's status; none given for B
    union = result.perimeters.set_index("cpts").geometry
    assert union["CPTS A"].area == pytest.approx(Polygon(WEST).area + Polygon(EAST).area, rel=1e-9)
    assert union["CPTS B"].equals(Polygon(EAST))
    merged = result.issues[result.issues["kind"] == "entites_reunies"]
    assert merged[["cpts", "detail_fr"]].values.tolist() == [
        ["CPTS A", "2 entités (« CPTS A » : n° 0, n° 2) réunies en un seul périmètre"]]


def test_territory_file_refuses_misplaced_features(tmp_path: Path) -> None:
    swapped = [(y, x) for x, y in WEST]
    path = write(tmp_path / "territoire.geojson", [feature(EAST), feature(swapped)])
    frame, _ = read_perimeter_geojson(path)
    with pytest.raises(DataError) as info:
        reject_anomalies(frame, path)
    assert info.value.message == ("Périmètre mal placé (coordonnées attendues en longitude/latitude WGS84 ou avec un "
                                  "CRS déclaré) :\n  - entité n° 2 : longitude et latitude inversées")


def test_drom_perimeters_are_in_france(tmp_path: Path) -> None:
    reunion = [(55.40, -21.00), (55.50, -21.00), (55.50, -20.95), (55.40, -21.00)]
    frame, _ = read_perimeter_geojson(write(tmp_path / "p.geojson", [feature(reunion)]))
    assert frame["anomalie"].isna().all()


def test_invalid_polygon_is_repaired_for_a_territory_and_refused_in_a_listing(tmp_path: Path) -> None:
    bowtie = [(6.20, 44.05), (6.27, 44.10), (6.27, 44.05), (6.20, 44.10), (6.20, 44.05)]
    path = write(tmp_path / "p.geojson", [feature(bowtie, cpts="CPTS Noeud")])
    frame, notes = read_perimeter_geojson(path)
    assert frame.geometry.iloc[0].is_valid
    assert notes == ["entité n° 1 : géométrie invalide (le contour se recoupe près de (6,235 ; 44,075)) réparée"]
    with pytest.raises(DataError) as info:
        read_listing(path, _mapping(), _units())
    assert info.value.message == ("Périmètres de CPTS invalides :\n  - entité n° 1 : géométrie invalide "
                                  "(le contour se recoupe près de (6,235 ; 44,075))")


def test_a_fifo_listing_is_named(tmp_path: Path) -> None:
    fifo = tmp_path / "liste.csv"
    os.mkfifo(fifo)
    with pytest.raises(DataError, match="C'est un tube nommé"):
        read_listing(fifo, _mapping(), _units())


# --------------------------------------------------------------------------- homonyms


def test_detached_member_outside_the_departements_is_a_probable_homonym() -> None:
    points = pd.DataFrame([
        ("84138", "Valréas", "84", 5.0078, 44.3794), ("84053", "Grillon", "84", 4.9333, 44.3940),
        ("26367", "Venterol", "26", 5.0983, 44.3905), ("04234", "Venterol", "04", 6.0959, 44.4393),
        ("26001", "Voisine", "26", 4.9500, 44.4500),  # a Drôme neighbour: another département, but close
    ], columns=["code", "nom", "departement", "lon", "lat"])
    members = pd.DataFrame({"cpts_id": "x", "cpts": "CPTS X", "commune_code": ["84138", "84053", "04234", "26001"],
                            "line": [2, 3, 4, 5]})
    table = find_probable_homonyms(members, points)
    assert table[["code", "line", "proche_code", "proche_departement"]].values.tolist() == [
        ["04234", 4, "26367", "26"]]
    # Venterol (04) to Valréas: Δlon 1.0881° × cos 44.41° × 111.2 km = 86.4 km, Δlat 0.0599° × 111.2 = 6.7 km.
    assert table["distance_km"].iloc[0] == pytest.approx(86.7, abs=0.3)
    # Venterol (26) to Valréas: 0.0905° × 0.7146 × 111.2 = 7.2 km, and 1.2 km of latitude: 7.3 km.
    assert table["proche_distance_km"].iloc[0] == pytest.approx(7.3, abs=0.3)
    # Within 40 km of the core, or in a core département, nobody is suspect.
    near = points.assign(lon=points["lon"].where(points["code"] != "04234", 5.30))
    assert find_probable_homonyms(members, near).empty


@pytest.fixture(scope="module")
def paca_points(mirror: Path) -> pd.DataFrame:
    """Representative points of the communes of PACA and the Drôme (COG 2018 contours of the mirror)."""
    frames = []
    for dep in ("04", "05", "06", "13", "26", "83", "84"):
        path = next((mirror / "contours-communes-2018").glob(f"communes-{dep}-*.geojson"))
        polygons = pyogrio.read_dataframe(path, columns=["code", "nom"])
        point = polygons.geometry.representative_point()
        frames.append(pd.DataFrame({"code": polygons["code"], "nom": polygons["nom"], "departement": dep,
                                    "lon": point.x, "lat": point.y}))
    return pd.concat(frames, ignore_index=True)


@pytest.mark.mirror
def test_real_paca_listing_venterol_and_rochebrune(mirror: Path, paca_points: pd.DataFrame) -> None:
    units, mapping = _cog_from_mirror()
    result = read_listing(mirror / "cpts" / "paca-cpts-communes.csv", mapping, units, name="paca",
                          points=paca_points)
    found = result.issues[result.issues["kind"] == "homonyme_probable"]
    # Venterol (04234) and Rochebrune (05121) listed in a Vaucluse-Drôme CPTS; the Drôme has a Venterol
    # (26367) and a Rochebrune (26269) next to Valréas. Nothing else in the 71 CPTS is detached.
    assert found[["cpts", "code", "line"]].values.tolist() == [
        ["CPTS Drôme Provençale - Enclave des Papes", "04234", 157],
        ["CPTS Drôme Provençale - Enclave des Papes", "05121", 274],
    ]
    assert found["detail_fr"].iloc[0].startswith(
        "« Venterol » (04234, département 04) est à 87 km du groupe principal des communes de « CPTS Drôme "
        "Provençale - Enclave des Papes » et hors des départements de ce groupe ; commune probablement visée : "
        "Venterol (26367, département 26), à ")
    assert "commune probablement visée : Rochebrune (26269, département 26)" in found["detail_fr"].iloc[1]


def test_reserved_property_names_and_a_features_member_that_is_no_list(tmp_path: Path) -> None:
    frame, _ = read_perimeter_geojson(write(tmp_path / "p.geojson", [feature(WEST, anomalie="oui", feature=7)]))
    assert frame["feature"].tolist() == [0] and frame["anomalie"].isna().all()
    path = tmp_path / "q.geojson"
    path.write_text('{"type": "FeatureCollection", "features": {"a": 1}}', encoding="utf-8")
    with pytest.raises(DataError, match="Le membre « features » du GeoJSON doit être une liste"):
        read_perimeter_geojson(path)


@pytest.mark.mirror
def test_a_drawn_border_the_point_rule_reads_otherwise_is_a_listing_anomaly(mirror: Path) -> None:
    """A review: a listing's perimeter covering 97 % of Digne-les-Bains but not its representative point left the
    town out without a word, where the same perimeter given as ``fichier:`` named it; a disc around Aiglun's
    point counted all of it. Known answers: geodesic shares of the raw contours (pyproj)."""
    import geopandas as gpd
    import shapely

    from tests.geodesic import geodesic_area_km2

    contours = gpd.read_file(next((mirror / "contours-communes-2018").glob("communes-04-*.geojson")))
    contours = contours[contours["code"].isin(["04070", "04001", "04019"])].reset_index(drop=True)
    shape = dict(zip(contours["code"], contours.geometry, strict=True))
    hole = shape["04070"].representative_point().buffer(0.01)
    disc = shape["04001"].representative_point().buffer(0.002)
    perimeters = gpd.GeoDataFrame({"cpts": ["CPTS Haut Verdon", "CPTS Disque"], "cpts_id": ["a", "b"],
                                   "feature": [0, 1]},
                                  geometry=[shapely.union(shapely.difference(shape["04070"], hole), shape["04019"]),
                                            disc], crs=4326)
    # Members as the point rule gives them: Digne's point is in the hole, Aiglun's in the disc.
    members = pd.DataFrame({"cpts_id": ["a", "b"], "unit_code": ["04019", "04001"]})
    result = ListingResult(members=members, issues=pd.DataFrame(columns=ISSUE_COLUMNS), perimeters=perimeters)
    polygons = contours[["code", "nom", "geometry"]]
    found = with_point_rule_issues(result, polygons, "dessin").issues
    assert list(found["kind"]) == [POINT_RULE, POINT_RULE]
    assert list(zip(found["cpts"], found["code"], strict=True)) == [("CPTS Haut Verdon", "04070"),
                                                                     ("CPTS Disque", "04001")]
    digne = geodesic_area_km2(shapely.difference(shape["04070"], hole)) / geodesic_area_km2(shape["04070"])
    aiglun = geodesic_area_km2(shapely.intersection(disc, shape["04001"])) / geodesic_area_km2(shape["04001"])
    assert 0.5 <= digne < 1 and aiglun < 0.5
    assert (f"Digne-les-Bains (04070) non comptée bien que {round(digne * 100)} % de sa surface soit dans le "
            "périmètre") in found["detail_fr"].iloc[0]
    assert f"Aiglun (04001) comptée avec {round(aiglun * 100)} % de sa surface" in found["detail_fr"].iloc[1]
