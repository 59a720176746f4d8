"""Downloads against a local HTTP server started by the test."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import json
import socket
import tarfile
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from pipeline import config
from pipeline.errors import DownloadError, SourceUnavailableError
from pipeline.sources import download as download_module
from pipeline.sources import transfer as transfer_module
from pipeline.sources.download import download, npm_version, obtain

PAYLOAD = b"code_insee,cpts\n04070,CPTS test\n" * 200_000  # 6.6 MB: several chunks arrive before the cut


def _zipped(payload: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("FILO.csv", payload)
    return buffer.getvalue()


def _npm_tarball(version: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        data = json.dumps({"name": "@etalab/decoupage-administratif", "version": version}).encode()
        info = tarfile.TarInfo("package/package.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


#: A gzipped file of the publisher (Etalab's contours).
GZ_FILE = gzip.compress(PAYLOAD[:100_000])
#: A publisher's archive (INSEE's zips).
ZIP_PAYLOAD = _zipped(PAYLOAD)
#: The zip with a byte of its compressed data changed: its headers read, its deflate stream does not.
DAMAGED_ZIP = ZIP_PAYLOAD[:200] + bytes([ZIP_PAYLOAD[200] ^ 0xFF]) + ZIP_PAYLOAD[201:]
#: What a portal serves with status 200 when the file is gone or behind a login.
HTML_PAGE = b"<!DOCTYPE html>\n<html><head><title>Maintenance</title></head><body>Revenez plus tard</body></html>\n"


class Handler(http.server.BaseHTTPRequestHandler):
    truncate = False
    #: Requests received, by path (the busy paths answer by their count).
    hits: ClassVar[dict[str, int]] = {}

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        Handler.hits[self.path] = Handler.hits.get(self.path, 0) + 1
        busy = {"/busy-twice.csv": (503, "2", 2), "/busy-always.csv": (429, None, 99),
                "/busy-long.csv": (503, "3600", 99)}.get(self.path)
        if busy is not None and Handler.hits[self.path] <= busy[2]:
            self.send_response(busy[0])
            if busy[1] is not None:
                self.send_header("Retry-After", busy[1])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/missing":
            self.send_response(404)
            self.end_headers()
            return
        payload = {"/pkg-6.0.0.tgz": _npm_tarball("6.0.0"), "/pkg-5.3.0.tgz": _npm_tarball("5.3.0"),
                   "/archive.zip": ZIP_PAYLOAD, "/damaged.zip": DAMAGED_ZIP,
                   "/cut.zip": ZIP_PAYLOAD[: len(ZIP_PAYLOAD) // 2],
                   "/page.zip": HTML_PAGE, "/page.csv": HTML_PAGE}.get(self.path, PAYLOAD)
        if self.path in ("/gzip-encoded", "/labelled.gz", "/gzip-cut"):  # « gzip » although identity was asked
            # Compressed on the fly; or a .gz file sent as it is, its own compression labelled as the transfer's.
            body = GZ_FILE if self.path == "/labelled.gz" else gzip.compress(PAYLOAD)
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2] if self.path == "/gzip-cut" else body)
            return
        if self.path == "/trickle.csv":  # a few bytes a second, for ever
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            try:
                for _ in range(100):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:  # the client closed the connection
                pass
            return
        start = 0
        if "Range" in self.headers:
            start = int(self.headers["Range"].split("=")[1].split("-")[0])
            self.send_response(206)
            if self.path == "/wrong-range":  # the whole file again, labelled as such: appending it corrupts
                start = 0
            self.send_header("Content-Range", f"bytes {start}-{len(payload) - 1}/{len(payload)}")
        else:
            self.send_response(200)
        body = payload[start:]
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
    with pytest.raises(DownloadError) as info:
        download(f"{server}/missing", tmp_path / "m.csv")
    # What it means and what to do; no « (fichier …) » naming a local file that was never made (a review).
    assert str(info.value) == (
        f"Le serveur a répondu 404 (fichier introuvable à cette adresse) pour {server}/missing : relancez plus tard ; "
        "si l'erreur persiste, le fichier a pu changer d'adresse chez l'éditeur (un miroir local des données se lit "
        "avec CPTS_DATA_MIRROR)")
    assert list(tmp_path.iterdir()) == []


def test_a_busy_server_is_asked_again_after_the_wait_it_gives(server: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """503 twice with « Retry-After: 2 », then the file: two waits of 2 s, three requests, the file kept; each
    wait is said (a review: a run waiting up to a minute without a word looked hung), unless CPTS_QUIET."""
    waits: list[float] = []
    monkeypatch.setattr(download_module, "wait", waits.append)
    monkeypatch.delenv("CPTS_QUIET", raising=False)
    Handler.hits.clear()
    path = download(f"{server}/busy-twice.csv", tmp_path / "b.csv", hashlib.sha256(PAYLOAD).hexdigest())
    assert path.read_bytes() == PAYLOAD
    assert waits == [2.0, 2.0] and Handler.hits["/busy-twice.csv"] == 3
    assert capsys.readouterr().err.splitlines() == [
        f"Le serveur a répondu 503 (surcharge ou maintenance) pour {server}/busy-twice.csv : nouvel essai dans 2 s "
        f"(essai {n} sur 3)" for n in (2, 3)]
    monkeypatch.setenv("CPTS_QUIET", "1")
    Handler.hits.clear()
    download(f"{server}/busy-twice.csv", tmp_path / "c.csv", hashlib.sha256(PAYLOAD).hexdigest())
    assert Handler.hits["/busy-twice.csv"] == 3 and capsys.readouterr().err == ""


def test_a_server_busy_for_longer_says_to_come_back_later(server: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr(download_module, "wait", waits.append)
    Handler.hits.clear()
    # Without Retry-After: 1 s then 2 s, and the third answer ends the run.
    with pytest.raises(DownloadError, match=r"Le serveur a répondu 429 .* après 3 essais .* relancez plus tard"):
        download(f"{server}/busy-always.csv", tmp_path / "a.csv")
    assert waits == [1.0, 2.0] and Handler.hits["/busy-always.csv"] == 3
    # An hour asked: not waited for in a run, said at once.
    with pytest.raises(DownloadError, match=r"demande d'attendre 3600 s .* relancez plus tard"):
        download(f"{server}/busy-long.csv", tmp_path / "l.csv")
    assert waits == [1.0, 2.0] and Handler.hits["/busy-long.csv"] == 1
    assert not (tmp_path / "a.csv").exists() and not (tmp_path / "l.csv").exists()


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
    source = config.SourceFile(name="essai", vintage="1", mirror_path="insee/FILO.csv",
                               url=f"{server}/archive.zip", extra={"archive": "base_csv.zip"})
    local = obtain(source)
    assert local.path == data_dir / "raw" / "insee" / "base_csv.zip"
    assert local.path.read_bytes() == ZIP_PAYLOAD


# --------------------------------------------------------------------------- what is kept in data/raw


@pytest.mark.parametrize(("path", "name", "problem"), [
    ("/page.zip", "base.zip", "le serveur a renvoyé une page web au lieu du fichier"),
    ("/page.csv", "base.csv", "le serveur a renvoyé une page web au lieu du fichier"),
    ("/cut.zip", "base.zip", "l'archive reçue est illisible (coupée, corrompue, ou d'un autre format)"),
    ("/damaged.zip", "base.zip", "l'archive reçue est illisible (coupée, corrompue, ou d'un autre format)"),
])
def test_a_page_or_a_broken_archive_is_refused_and_not_kept(server: str, tmp_path: Path, path: str, name: str,
                                                             problem: str) -> None:
    """A review: an HTML page served with status 200, or a cut archive without Content-Length, was saved in
    data/raw/ and read again by every later run. Refused, deleted, a system error (exit code 1): the
    publisher's side, not the user's input."""
    dest = tmp_path / name
    with pytest.raises(SourceUnavailableError) as info:
        download(f"{server}{path}", dest)
    assert info.value.exit_code == 1
    assert info.value.message == (f"Téléchargement de {server}{path} refusé : {problem} ; le fichier a été "
                                  "supprimé, relancez plus tard")
    assert list(tmp_path.iterdir()) == []
    download(f"{server}/archive.zip", dest)  # the next run, the server mended
    with zipfile.ZipFile(dest) as archive:
        assert archive.read("FILO.csv") == PAYLOAD


def test_a_server_compressing_anyway_gives_the_file(server: str, tmp_path: Path) -> None:
    # Content-Length counts the compressed bytes: the file (decoded) was « tronqué » at every run (a review).
    assert download(f"{server}/gzip-encoded", tmp_path / "f.csv").read_bytes() == PAYLOAD
    # A .gz file sent as it is, labelled « gzip »: kept as the publisher's file (it was decoded, then refused as
    # an unreadable archive).
    assert download(f"{server}/labelled.gz", tmp_path / "f.geojson.gz").read_bytes() == GZ_FILE
    # Cut: started again by the next run, not resumed (compressed bytes and plain ones were mixed, a review).
    with pytest.raises(SourceUnavailableError, match="Téléchargement tronqué"):
        download(f"{server}/gzip-cut", tmp_path / "g.csv")
    assert not (tmp_path / "g.csv.part").exists()


def test_a_resumed_transfer_given_another_range_starts_again(server: str, tmp_path: Path) -> None:
    dest = tmp_path / "f.csv"
    part = tmp_path / "f.csv.part"
    part.write_bytes(PAYLOAD[:1000])  # an earlier run's part; the server answers the whole file as a 206
    assert download(f"{server}/wrong-range", dest).read_bytes() == PAYLOAD
    assert not part.exists()


def test_a_transfer_without_end_or_too_slow_is_stopped(server: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transfer_module, "MAX_DOWNLOAD_BYTES", 1 << 20)  # far below the 6.6 MB served
    with pytest.raises(SourceUnavailableError, match="dépasse") as info:
        download(f"{server}/big.csv", tmp_path / "big.csv")
    assert info.value.exit_code == 1 and list(tmp_path.iterdir()) == []
    # A server sending 5 bytes a second: each read waits for a whole block, and never times out; the watchdog
    # stops it once the rate is known too low (1 s here, 2 minutes by default).
    monkeypatch.setattr(transfer_module, "SLOW_AFTER_S", 1.0)
    monkeypatch.setattr(transfer_module, "WATCH_EVERY_S", 0.2)
    started = time.monotonic()
    with pytest.raises(SourceUnavailableError, match="relancez plus tard pour reprendre"):
        download(f"{server}/trickle.csv", tmp_path / "slow.csv")
    assert time.monotonic() - started < 10  # the server would trickle for 20 s
    assert (tmp_path / "slow.csv.part").exists()  # kept: the next run resumes it


def test_an_npm_tarball_of_another_version_is_refused(server: str, data_dir: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A review: the 5.3.0 package served at the 6.0.0 address loaded as the COG 2026. The tarball's own
    package.json says its version: another one is refused and deleted; one left by an earlier run is fetched
    again."""
    monkeypatch.delenv(config.MIRROR_ENV, raising=False)
    monkeypatch.setenv("PATH", str(data_dir))  # no npm: the tarball comes from its address

    def source(path: str) -> config.SourceFile:
        return config.SourceFile(name="decoupage-administratif", vintage="2026", mirror_path="d/pkg-6.0.0.tgz",
                                 url=f"{server}{path}", extra={"npm_spec": "@etalab/decoupage-administratif@6.0.0"})

    with pytest.raises(SourceUnavailableError) as info:
        obtain(source("/pkg-5.3.0.tgz"))
    assert info.value.message == (f"Paquet reçu de {server}/pkg-5.3.0.tgz : version 5.3.0 au lieu de 6.0.0 ; le "
                                  "fichier a été supprimé, relancez plus tard")
    kept = data_dir / "raw" / "d" / "pkg-6.0.0.tgz"
    assert not kept.exists()
    kept.write_bytes(_npm_tarball("5.3.0"))  # left by an older version of the tool
    assert npm_version(obtain(source("/pkg-6.0.0.tgz")).path) == "6.0.0"


@pytest.mark.parametrize(("value", "setting"), [("http://", "http://"), ("https:///", "https:///"),
                                                 (" http://serveur.example/a/ ", "http://serveur.example/a"),
                                                 ("", None), ("/", None)])
def test_an_address_setting_loses_its_trailing_slash_but_not_its_scheme(
        value: str, setting: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """A review: CPTS_CONTOURS_URL=http:// was echoed « http:/2024/… » in the error (its « // » stripped)."""
    from pipeline import config
    for name, read in ((config.CONTOURS_URL_ENV, config.contours_base_url),
                       (config.FILOSOFI_URL_ENV, config.filosofi_base_url),
                       (config.CATALOGUE_API_ENV, config.catalogue_api)):
        monkeypatch.setenv(name, value)
        assert read() == setting


@pytest.mark.parametrize(("url", "why"), [
    ("etalab.example/contours/communes.geojson.gz", "une adresse http:// ou https:// est attendue"),
    ("ftp//pas-une-adresse/x.csv", "une adresse http:// ou https:// est attendue"),
    ("http://", "le nom du serveur manque après « http:// »"),
    ("https:///2024/geojson/communes.geojson.gz", "le nom du serveur manque après « https:// »"),  # a review
])
def test_an_address_that_cannot_be_one_is_the_user_s_setting(url: str, why: str, tmp_path: Path) -> None:
    """A review: a CPTS_CONTOURS_URL without « http:// » stopped with « MissingSchema », exit 1 (a publisher's
    failure): it is the user's setting (exit 2), said in French with the variables to check; an address without
    its server was told « une adresse http:// est attendue »."""
    with pytest.raises(DownloadError) as info:
        download(url, tmp_path / "f.csv")
    assert not isinstance(info.value, SourceUnavailableError) and info.value.exit_code == 2
    assert str(info.value) == (  # no « (fichier …) »: no local file is at fault
        f"Adresse de téléchargement invalide : « {url} » ({why}) ; vérifiez "
        "les variables CPTS_CATALOGUE_API, CPTS_CONTOURS_URL, CPTS_NPM_REGISTRY et CPTS_FILOSOFI_URL")
    assert list(tmp_path.iterdir()) == []
