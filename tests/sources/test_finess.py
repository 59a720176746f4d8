"""FINESS loader: classification, INSEE codes, projections, malformed inputs."""

from __future__ import annotations

import math
import zipfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pytest

from pipeline.errors import DataError
from pipeline.sources import finess
from pipeline.store.schema import create_schema

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "finess" / "etalab-cs1100507-stock-20250301-0412.csv"


def lambert93_forward(lon: float, lat: float) -> tuple[float, float]:
    """Lambert-93 from longitude/latitude, written from the projection's definition.

    Lambert conformal conic with two standard parallels (Snyder, « Map
    Projections: A Working Manual », USGS 1987, eq. 15-1 to 15-10) on the
    GRS80 ellipsoid, with the IGN parameters of Lambert-93: parallels 44° and
    49° N, origin 46.5° N / 3° E, false easting 700 000 m, false northing
    6 600 000 m. Independent of pyproj, so it checks the loader's projection.
    """
    a, f = 6378137.0, 1 / 298.257222101
    e = math.sqrt(f * (2 - f))

    def m(phi: float) -> float:
        return math.cos(phi) / math.sqrt(1 - (e * math.sin(phi)) ** 2)

    def t(phi: float) -> float:
        return math.tan(math.pi / 4 - phi / 2) / ((1 - e * math.sin(phi)) / (1 + e * math.sin(phi))) ** (e / 2)

    p1, p2, p0, l0 = (math.radians(v) for v in (49.0, 44.0, 46.5, 3.0))
    n = (math.log(m(p1)) - math.log(m(p2))) / (math.log(t(p1)) - math.log(t(p2)))
    big_f = m(p1) / (n * t(p1) ** n)

    def rho(phi: float) -> float:
        return a * big_f * t(phi) ** n

    theta = n * (math.radians(lon) - l0)
    phi = math.radians(lat)
    return 700000 + rho(phi) * math.sin(theta), 6600000 + rho(p0) - rho(phi) * math.cos(theta)


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius) in metres."""
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    # The declared schema; each test writes its own small COG mapping.
    create_schema(connection)
    connection.execute("DROP TABLE cog_mapping")
    connection.execute(
        """
        CREATE TABLE cog_mapping AS SELECT * FROM (VALUES
            ('01451', '01451'), ('2A004', '2A004'), ('75056', '75056'), ('97411', '97411')
        ) t(code, current_code)
        """
    )
    yield connection
    connection.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_insee_codes() -> None:
    assert finess.insee_code("01", "451") == "01451"
    assert finess.insee_code("2A", "004") == "2A004"
    assert finess.insee_code("2B", "33") == "2B033"
    assert finess.insee_code("9A", "123") == "97123"
    assert finess.insee_code("9D", "411") == "97411"
    assert finess.insee_code("9F", "610") == "97610"
    assert finess.insee_code("9J", "613") == "98613"
    assert finess.insee_code("", "451") is None


def test_projection_tokens() -> None:
    assert finess.epsg_for("1,ATLASANTE,96,BAN,L93_METROPOLE", "01") == (2154, True)
    assert finess.epsg_for("1,ATLASANTE,96,BAN,LAMBERT_93", "01") == (2154, True)
    assert finess.epsg_for("1,ATLASANTE,96,BAN,UTM_S40", "9D") == (2975, True)
    assert finess.epsg_for("1,ATLASANTE,96,BAN,UTM_N22", "9C") == (2972, True)
    assert finess.epsg_for("", "9F") == (4471, False)
    assert finess.epsg_for("", "2B") == (2154, False)


def test_lambert93_origin_and_paris_within_one_metre() -> None:
    lon, lat = finess.to_wgs84(np.array([700000.0]), np.array([6600000.0]), np.array([2154.0]))
    # The projection origin is 3° E, 46.5° N by definition of Lambert-93.
    assert metres(lon[0], lat[0], 3.0, 46.5) < 1.0
    x, y = lambert93_forward(2.3522, 48.8566)
    lon, lat = finess.to_wgs84(np.array([x]), np.array([y]), np.array([2154.0]))
    assert metres(lon[0], lat[0], 2.3522, 48.8566) < 1.0


def test_load_classifies_and_locates(con: duckdb.DuckDBPyConnection) -> None:
    report = finess.load_finess(con, FIXTURE)
    assert report.etablissements == 13
    assert report.vintage == "2025-03-01"
    groups = dict(_rows(con, "SELECT finess, groupe FROM etablissements"))
    assert groups == {
        "010000024": "Hôpital public",  # 355 CH
        "2A0000011": "Hôpital privé",  # 365 clinique, codesph 0
        "750000031": "MSP",  # 603
        "010000041": "Centre de santé",  # 124
        "010000051": "EHPAD",  # 500
        "010000061": "SSIAD",  # 354
        "010000071": "DAC",  # 606
        "010000081": "Psychiatrie",  # 156 CMP
        "010000091": "SSR",  # 109
        "010000101": "Autre médico-social",  # 183 IME
        "010000111": "Autre",  # 620 pharmacie, not in the table
        "970400024": "Hôpital public",  # 101 CHR
        "010000131": "Centre de santé",
    }
    assert report.groupes["Centre de santé"] == 2
    communes = dict(_rows(con, "SELECT finess, commune_source FROM etablissements"))
    assert communes["2A0000011"] == "2A004"
    assert communes["970400024"] == "97411"
    assert communes["750000031"] == "75056"
    # Name with quotes and a ';' inside a quoted field.
    assert _rows(con, "SELECT nom FROM etablissements WHERE finess = '010000041'") == [('CDS "LES PINS"; ANNEXE',)]
    assert _rows(con, "SELECT adresse FROM etablissements WHERE finess = '010000024'") == [
        ("900 RTE DE PARIS 01440 VIRIAT",)
    ]


def test_coordinates_within_one_metre(con: duckdb.DuckDBPyConnection) -> None:
    finess.load_finess(con, FIXTURE)
    rows = _rows(con, "SELECT finess, lon, lat, epsg FROM etablissements")
    coords = {f: (lon, lat, epsg) for f, lon, lat, epsg in rows}
    lon, lat, epsg = coords["010000024"]
    assert epsg == 2154 and metres(lon, lat, 3.0, 46.5) < 1.0
    lon, lat, _ = coords["750000031"]
    assert metres(lon, lat, 2.3522, 48.8566) < 1.0
    lon, lat, _ = coords["2A0000011"]
    assert metres(lon, lat, 8.74, 41.92) < 1.0
    lon, lat, epsg = coords["970400024"]
    assert epsg == 2975 and metres(lon, lat, 55.45, -20.88) < 1.0
    assert coords["010000051"][0] is None or math.isnan(coords["010000051"][0])


def test_anomalies(con: duckdb.DuckDBPyConnection) -> None:
    report = finess.load_finess(con, FIXTURE)
    got = _rows(con, "SELECT type, code, nb_lignes, premiere_ligne FROM finess_anomalies ORDER BY type")
    assert got == [
        ("commune_inconnue", "01999", 1, 14),
        ("projection_deduite", None, 1, 5),
        ("sans_coordonnees", None, 8, 6),
    ]
    assert report.unmapped_communes == {"01999": 1}
    assert report.geolocalises == 4 + 1


def test_provenance(con: duckdb.DuckDBPyConnection) -> None:
    finess.load_finess(con, FIXTURE)
    assert _rows(con, "SELECT source, vintage, row_count FROM sources") == [("finess", "2025-03-01", 13)]


# --------------------------------------------------------------------------- #
# Malformed inputs
# --------------------------------------------------------------------------- #


def _sentinel(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE OR REPLACE TABLE etablissements AS SELECT 'sentinelle' AS finess")


def _untouched(con: duckdb.DuckDBPyConnection) -> None:
    assert _rows(con, "SELECT * FROM etablissements") == [("sentinelle",)]
    assert not _rows(con, "SELECT * FROM finess_anomalies")


def _lines() -> list[str]:
    return FIXTURE.read_text(encoding="utf-8").splitlines()


def test_incomplete_record_lists_missing_fields(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    lines = _lines()
    lines[3] = ";".join(lines[3].split(";")[:13])  # stops after « commune »
    path = tmp_path / "etalab-cs1100507-stock-20250301-0412.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _sentinel(con)
    with pytest.raises(DataError) as err:
        finess.load_finess(con, path)
    assert err.value.path == str(path) and err.value.line == 4
    assert "« departement »" in err.value.message and "« numuai »" in err.value.message
    _untouched(con)


def test_wrong_separator(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "finess.csv"
    path.write_text("\n".join(line.replace(";", ",") for line in _lines()) + "\n", encoding="utf-8")
    _sentinel(con)
    with pytest.raises(DataError) as err:
        finess.load_finess(con, path)
    assert err.value.line == 1 and "« ; »" in err.value.message
    _untouched(con)


def test_latin1(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "finess.csv"
    path.write_bytes(FIXTURE.read_text(encoding="utf-8").encode("latin-1"))
    _sentinel(con)
    with pytest.raises(DataError) as err:
        finess.load_finess(con, path)
    # First non-ASCII byte: « Etablissement public de santé » on line 2.
    assert err.value.line == 2 and "UTF-8" in err.value.message
    _untouched(con)
    # The same file loads when its encoding is declared.
    assert finess.load_finess(con, path, encoding="latin-1").etablissements == 13


def test_truncated_zip(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    archive = tmp_path / "finess.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.write(FIXTURE, FIXTURE.name)
    data = archive.read_bytes()
    archive.write_bytes(data[: data.index(b"structureet;010000051")])
    _sentinel(con)
    with pytest.raises(DataError) as err:
        finess.load_finess(con, archive)
    assert err.value.line == 6 and "tronquée" in err.value.message
    _untouched(con)


def test_empty_file(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "finess.csv"
    path.write_bytes(b"")
    _sentinel(con)
    with pytest.raises(DataError) as err:
        finess.load_finess(con, path)
    assert err.value.line == 1
    _untouched(con)


def test_header_without_records(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "finess.csv"
    path.write_text("finess;etalab;97;2025-03-01\n", encoding="utf-8")
    _sentinel(con)
    with pytest.raises(DataError) as err:
        finess.load_finess(con, path)
    assert err.value.line == 2 and "structureet" in err.value.message
    _untouched(con)
