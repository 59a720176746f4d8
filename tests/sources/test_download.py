"""Downloads against a local HTTP server started by the test."""

from __future__ import annotations

import hashlib
import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline import config
from pipeline.errors import DownloadError
from pipeline.sources.download import download, obtain

PAYLOAD = b"code_insee,cpts\n04070,CPTS test\n" * 200_000  # 6.6 MB: several chunks arrive before the cut


class Handler(http.server.BaseHTTPRequestHandler):
    truncate = False

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/missing":
            self.send_response(404)
            self.end_headers()
            return
        start = 0
        if "Range" in self.headers:
            start = int(self.headers["Range"].split("=")[1].split("-")[0])
            self.send_response(206)
        else:
            self.send_response(200)
        body = PAYLOAD[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.path == "/truncated":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture()
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_download_and_checksum(server: str, tmp_path: Path) -> None:
    sha = hashlib.sha256(PAYLOAD).hexdigest()
    path = download(f"{server}/file.csv", tmp_path / "file.csv", sha)
    assert path.read_bytes() == PAYLOAD


def test_checksum_mismatch_is_refused_and_nothing_is_kept(server: str, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="Somme de contrôle incorrecte"):
        download(f"{server}/file.csv", tmp_path / "file.csv", "0" * 64)
    assert not (tmp_path / "file.csv").exists()
    assert not (tmp_path / "file.csv.part").exists()


def test_truncated_download_is_reported_then_resumed(server: str, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="Téléchargement tronqué"):
        download(f"{server}/truncated", tmp_path / "f.csv")
    part = tmp_path / "f.csv.part"
    assert 0 < part.stat().st_size < len(PAYLOAD)
    assert not (tmp_path / "f.csv").exists()
    # A new run resumes from the partial file with an HTTP Range request.
    download(f"{server}/file.csv", tmp_path / "f.csv", hashlib.sha256(PAYLOAD).hexdigest())
    assert (tmp_path / "f.csv").read_bytes() == PAYLOAD


def test_http_error(server: str, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="Le serveur a répondu 404"):
        download(f"{server}/missing", tmp_path / "m.csv")


def test_server_down_gives_a_french_offline_error(tmp_path: Path) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens on this port any more
    with pytest.raises(DownloadError, match="pas de connexion réseau"):
        download(f"http://127.0.0.1:{port}/x.csv", tmp_path / "x.csv")


def test_obtain_downloads_to_raw_when_no_mirror(server: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(config.MIRROR_ENV, raising=False)
    source = config.SourceFile(name="essai", vintage="1", mirror_path="essai/file.csv", url=f"{server}/file.csv")
    local = obtain(source)
    assert local.path == data_dir / "raw" / "essai" / "file.csv"
    assert local.sha256 == hashlib.sha256(PAYLOAD).hexdigest()
    assert local.origin == f"{server}/file.csv"


def test_obtain_reads_the_mirror_in_place(mirror: Path) -> None:
    local = obtain(config.APL, mirror)
    assert local.path == mirror / config.APL.mirror_path
    assert local.origin.startswith("miroir:")


def test_missing_mirror_file_is_a_french_error(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="Fichier absent du miroir"):
        obtain(config.APL, tmp_path)


def test_contours_download_fetches_every_departement_file(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.sources import contours_download

    slugs = ["04-alpes-de-haute-provence", "2A-corse-du-sud"]
    monkeypatch.setattr(contours_download, "department_slugs", lambda: slugs)
    folder = contours_download.download_contours(tmp_path / "contours", base_url=f"{server}/departements")
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["communes-04-alpes-de-haute-provence.geojson", "communes-2A-corse-du-sud.geojson"]


def test_contours_slugs_cover_the_101_departements() -> None:
    from pipeline.sources.contours_download import department_slugs

    slugs = department_slugs()
    assert len(slugs) == 101
    assert "04-alpes-de-haute-provence" in slugs and "976-mayotte" in slugs


def test_obtain_keeps_a_publisher_archive_under_its_own_name(
    server: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(config.MIRROR_ENV, raising=False)
    source = config.SourceFile(name="essai", vintage="1", mirror_path="insee/FILO.csv", url=f"{server}/file.csv",
                               extra={"archive": "base_csv.zip"})
    local = obtain(source)
    assert local.path == data_dir / "raw" / "insee" / "base_csv.zip"
    assert local.path.read_bytes() == PAYLOAD
