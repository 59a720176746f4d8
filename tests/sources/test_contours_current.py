"""Current commune contours (Etalab « contours administratifs »): download with fallback, staging, harmonisation."""

from __future__ import annotations

import gzip
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pytest

from pipeline.errors import DataError, DownloadError
from pipeline.sources.contours import harmonise, stage_etalab_communes
from pipeline.sources.contours_download import download_current_contours, etalab_contours_url


def square(x: float, y: float, size: float = 0.01) -> dict[str, object]:
    return {"type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]}


def etalab_file() -> bytes:
    """A communes file in Etalab's layout (properties as in its README), gzip-compressed."""
    features = [
        {"type": "Feature", "properties": {"code": "04070", "nom": "Digne-les-Bains", "departement": "04",
                                           "region": "93", "epci": "200067437", "plm": False},
         "geometry": square(6.2, 44.1)},
        {"type": "Feature", "properties": {"code": "75056", "nom": "Paris", "departement": "75", "region": "11",
                                           "epci": "200054781", "plm": True},
         "geometry": square(2.30, 48.85, 0.02)},
        {"type": "Feature", "properties": {"code": "75101", "nom": "Paris 1er Arrondissement", "departement": "75",
                                           "region": "11", "commune": "75056"},
         "geometry": square(2.30, 48.85)},
        {"type": "Feature", "properties": {"code": "75102", "nom": "Paris 2e Arrondissement", "departement": "75",
                                           "region": "11", "commune": "75056"},
         "geometry": square(2.31, 48.85)},
        # A self-intersecting ring, repaired as for the 2018 files.
        {"type": "Feature", "properties": {"code": "2A004", "nom": "Ajaccio", "departement": "2A", "region": "94"},
         "geometry": {"type": "Polygon",
                      "coordinates": [[[8.7, 41.9], [8.8, 42.0], [8.8, 41.9], [8.7, 42.0], [8.7, 41.9]]]}},
    ]
    return gzip.compress(json.dumps({"type": "FeatureCollection", "features": features}).encode())


class Etalab(http.server.BaseHTTPRequestHandler):
    files: ClassVar[dict[str, bytes]] = {}
    requested: ClassVar[list[str]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.requested.append(self.path)
        body = self.files.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture()
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Etalab)
    Etalab.files = {"/contours-administratifs/2025/geojson/communes-50m.geojson.gz": etalab_file()}
    Etalab.requested = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/contours-administratifs"
    httpd.shutdown()
    httpd.server_close()


def test_official_url_pattern() -> None:
    assert etalab_contours_url(2026) == (
        "https://etalab-datasets.geo.data.gouv.fr/contours-administratifs/2026/geojson/communes-50m.geojson.gz")
    assert etalab_contours_url(2019, "arrondissements-municipaux", 100).endswith(
        "/2019/geojson/arrondissements-municipaux-100m.geojson.gz")


def test_year_not_yet_published_falls_back_to_the_previous_one(server: str, tmp_path: Path) -> None:
    got = download_current_contours(tmp_path, 2026, base_url=server)
    assert got.year == 2025 and got.path == tmp_path / "2025" / "communes-50m.geojson.gz"
    assert Etalab.requested == ["/contours-administratifs/2026/geojson/communes-50m.geojson.gz",
                                "/contours-administratifs/2025/geojson/communes-50m.geojson.gz"]
    assert not (tmp_path / "2026").exists() or not any((tmp_path / "2026").iterdir())
    with pytest.raises(DownloadError) as info:
        download_current_contours(tmp_path / "autre", 2030, base_url=server, earlier_years=1)
    assert info.value.message.startswith("Contours Etalab « communes » introuvables pour les millésimes 2030, 2029")


def test_staging_matches_the_2018_columns_and_harmonisation_is_a_no_op(server: str, tmp_path: Path) -> None:
    got = download_current_contours(tmp_path, 2025, base_url=server)
    communes, arrondissements = stage_etalab_communes(got.path)
    assert list(communes.columns) == ["code", "nom", "fichier", "geometry"] and communes.crs.to_epsg() == 4326
    assert communes["code"].tolist() == ["04070", "2A004", "75056"]
    assert communes.geometry.is_valid.all()  # Ajaccio's bow-tie was repaired
    assert arrondissements[["code", "commune"]].values.tolist() == [["75101", "75056"], ["75102", "75056"]]
    # Current vintage: the identity mapping keeps every polygon and leaves no residue.
    mapping = pd.DataFrame({"code": communes["code"], "current_code": communes["code"]})
    current = pd.DataFrame({"code": ["04070", "2A004", "75056"], "nom": ["Digne-les-Bains", "Ajaccio", "Paris"],
                            "zone": "metro", "population": [16000, 70000, 2100000]})
    result = harmonise(communes, mapping, current)
    assert result.polygons["code"].tolist() == ["04070", "2A004", "75056"]
    assert result.polygons["source_codes"].tolist() == ["04070", "2A004", "75056"]
    assert result.residue.empty
    assert result.polygons.geometry.iloc[0].equals(communes.geometry.iloc[0])


def test_truncated_gzip_and_bad_codes_are_french_errors(tmp_path: Path) -> None:
    path = tmp_path / "communes-50m.geojson.gz"
    path.write_bytes(etalab_file()[:120])
    with pytest.raises(DataError, match="Archive gzip des contours tronquée ou corrompue"):
        stage_etalab_communes(path)
    # Plain text where GeoJSON was expected: said in French with the file's start, not GDAL's English.
    path.write_bytes(gzip.compress(b"Service indisponible\nRevenez plus tard\n"))
    with pytest.raises(DataError) as info:
        stage_etalab_communes(path)
    assert info.value.message == ("GeoJSON des contours illisible : le fichier ne se lit pas comme du GeoJSON (début : "
                                  "« Service indisponible Revenez plus tard »)")
    bad = json.loads(gzip.decompress(etalab_file()))
    bad["features"][0]["properties"]["code"] = "4070"
    bad["features"][1]["properties"]["code"] = "2A004"
    path.write_bytes(gzip.compress(json.dumps(bad).encode()))
    with pytest.raises(DataError) as info:
        stage_etalab_communes(path)
    assert info.value.message == "Contours Etalab invalides : code « 4070 » invalide ; code 2A004 en double"


def test_an_older_year_does_not_replace_the_loaded_contours(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The 2026 file, loaded before, is gone from data/raw/ and the publisher answers 404 for it: only 2025 can be
    had. A review saw the 2025 polygons replace the loaded 2026 ones without a word. Kept, with a warning."""
    import duckdb

    from pipeline.app import contours_steps
    from pipeline.app.steps import Scope
    from pipeline.sources.contours_download import EtalabContours
    from pipeline.store import load, schema

    con = duckdb.connect(":memory:")
    schema.create_schema(con)
    load.record_source(con, load.Provenance("contours-communes", "2026", "https://exemple/2026", "abc", 10))
    older = EtalabContours(tmp_path / "communes-50m.geojson.gz", 2025, "https://exemple/2025", "def")
    monkeypatch.setattr(contours_steps, "_etalab", lambda layer="communes": older)
    result = contours_steps.load_contours(con, None, True, Scope())
    assert (result.status, result.warning) == ("inchangé", "contours des communes 2026 gardés : seul le millésime "
                                               "2025 a pu être obtenu (https://exemple/2025), il ne remplace pas un "
                                               "millésime plus récent")
    assert con.execute("SELECT vintage FROM sources WHERE source = 'contours-communes'").fetchall() == [("2026",)]
    # The arrondissements' polygons likewise (a second review: communes kept in 2026, arrondissements in 2025).
    from pipeline.sources import arrondissements

    name = arrondissements.ARRONDISSEMENTS_2023.name
    load.record_source(con, load.Provenance(name, "2026", "https://exemple/arr-2026", "abc", 45))
    monkeypatch.setattr(contours_steps, "_online_arrondissements",
                        lambda: (None, "https://exemple/arr-2025", "def", "2025"))
    result = contours_steps.load_arrondissement_polygons(con, None, True, Scope())
    assert (result.status, result.warning) == ("inchangé", "contours des arrondissements 2026 gardés : seul le "
                                               "millésime 2025 a pu être obtenu (https://exemple/arr-2025), il ne "
                                               "remplace pas un millésime plus récent")
    # Loaded before for the 04 only, the newer year is no answer to a load of France: not kept then.
    load.set_setting(con, "departements", "04")
    assert contours_steps._newer_kept(con, name, "x", 2025, "u", Scope()) is None
    assert contours_steps._newer_kept(con, name, "x", 2025, "u", Scope(frozenset({"04"}))) is not None
