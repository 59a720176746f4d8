"""What a download keeps, against a local HTTP server started by the test: a corrupted npm tarball, the npm
registry's integrity, a web page without doctype, and the resumption of a file changed on the server."""

from __future__ import annotations

import base64
import hashlib
import http.server
import io
import json
import tarfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from pipeline import config
from pipeline.errors import DataError, SourceUnavailableError
from pipeline.sources import transfer
from pipeline.sources.decoupage import stage_vintage
from pipeline.sources.download import download, npm_dist, npm_version, obtain
from tests.sources.trickle import trickle

SPEC = "@etalab/decoupage-administratif@6.0.0"
TARBALL = "/npm/@etalab/decoupage-administratif/-/decoupage-administratif-6.0.0.tgz"
METADATA = "/npm/@etalab%2Fdecoupage-administratif"
MAINTENANCE = b"\n\n<title>Maintenance</title>\n<p>Le service revient bient\xc3\xb4t.</p>\n"
OLD = b"Type d'identifiant PP|Identifiant PP|\n" + b"8|10000000001|\n" * 100_000
NEW = b"Type d'identifiant PP|Identifiant PP|\n" + b"8|20000000002|\n" * 100_000


def corrupted(data: bytes) -> bytes:
    """The review's damage: 64 bytes XOR-ed in the middle, same length."""
    middle = len(data) // 2
    return data[:middle] + bytes(b ^ 0x5A for b in data[middle:middle + 64]) + data[middle + 64:]


def small_tarball(version: str, filler: bytes = b"") -> bytes:
    """A valid npm tarball of ``version`` (another one than the mirror's, with ``filler`` in it)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in (("package/package.json", json.dumps({"version": version}).encode()),
                           ("package/filler.txt", filler)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class Registry(http.server.BaseHTTPRequestHandler):
    """An npm registry (tarball and metadata), and files whose version changes (``ETag``)."""

    files: ClassVar[dict[str, bytes]] = {}
    content_types: ClassVar[dict[str, str]] = {}
    etags: ClassVar[dict[str, str]] = {}
    #: Paths whose next transfer stops half-way; paths whose server ignores If-Range.
    cut_once: ClassVar[set[str]] = set()
    ignores_if_range: ClassVar[set[str]] = set()
    #: Paths answered a byte every 0.5 s, each within the read timeout.
    trickles: ClassVar[set[str]] = set()
    requests: ClassVar[list[tuple[str, str | None, str | None]]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        Registry.requests.append((self.path, self.headers.get("Range"), self.headers.get("If-Range")))
        if self.path in self.trickles:
            trickle(self)
            return
        body = self.files.get(self.path)
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        etag = self.etags.get(self.path)
        start = 0
        if "Range" in self.headers:
            if_range = self.headers.get("If-Range")
            # RFC 9110 §13.1.5: the range only when the validator still names the version served.
            if if_range is None or if_range == etag or self.path in self.ignores_if_range:
                start = int(self.headers["Range"].split("=")[1].split("-")[0])
        self.send_response(206 if start else 200)
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        if etag is not None:
            self.send_header("ETag", etag)
        self.send_header("Content-Type", self.content_types.get(self.path, "application/octet-stream"))
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        if self.path in self.cut_once:
            self.cut_once.discard(self.path)
            self.wfile.write(body[start:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body[start:])


@pytest.fixture()
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Registry)
    Registry.files, Registry.content_types, Registry.etags = {}, {}, {}
    Registry.cut_once, Registry.ignores_if_range, Registry.requests, Registry.trickles = set(), set(), [], set()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture()
def genuine(mirror: Path) -> bytes:
    return (mirror / config.decoupage_file(2026).mirror_path).read_bytes()


def source(base: str) -> config.SourceFile:
    return config.SourceFile(name="decoupage-administratif", vintage="2026",
                             mirror_path="decoupage-administratif/etalab-decoupage-administratif-6.0.0.tgz",
                             url=f"{base}{TARBALL}", extra={"npm_spec": SPEC})


@pytest.fixture()
def no_npm(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No mirror and no ``npm`` command: tarballs come from their address, into ``data/raw/``."""
    monkeypatch.delenv(config.MIRROR_ENV, raising=False)
    monkeypatch.setenv("PATH", str(data_dir))
    return data_dir / "raw" / "decoupage-administratif" / "etalab-decoupage-administratif-6.0.0.tgz"


def test_a_corrupted_npm_tarball_is_refused_deleted_and_said_to_run_again(server: str, genuine: bytes,
                                                                         no_npm: Path) -> None:
    """A review: the tarball's tar entries all read, the gzip trailer (its CRC) was never reached: kept as
    complete, then « Contenu JSON invalide » (exit 2) at every later run. A system error now (exit 1)."""
    Registry.files[TARBALL] = corrupted(genuine)
    with pytest.raises(SourceUnavailableError) as info:
        obtain(source(server))
    assert info.value.exit_code == 1
    assert info.value.message == (
        f"Téléchargement de {server}{TARBALL} refusé : l'archive reçue est illisible (coupée, corrompue, ou d'un "
        "autre format) ; le fichier a été supprimé, relancez plus tard")
    assert list(no_npm.parent.iterdir()) == []
    Registry.files[TARBALL] = genuine  # the next run, the transfer sound
    assert obtain(source(server)).path.read_bytes() == genuine


@pytest.mark.parametrize("field", ["integrity", "shasum"])
def test_the_registry_checksum_of_a_tarball_is_verified(server: str, genuine: bytes, no_npm: Path,
                                                        field: str) -> None:
    """The registry's metadata gives ``dist.integrity`` (sha512, base64) and ``dist.shasum`` (sha1, hex): a
    tarball that reads well but is not the published one is refused; the published one is kept."""
    dist = ({"integrity": "sha512-" + base64.b64encode(hashlib.sha512(genuine).digest()).decode()}
            if field == "integrity" else {"shasum": hashlib.sha1(genuine).hexdigest()})
    Registry.files[METADATA] = json.dumps({"name": "@etalab/decoupage-administratif",
                                           "versions": {"6.0.0": {"dist": dist}}}).encode()
    Registry.files[TARBALL] = small_tarball("6.0.0", b"autre contenu")
    with pytest.raises(SourceUnavailableError) as info:
        obtain(source(server))
    algorithm = "sha512" if field == "integrity" else "sha1"
    assert info.value.exit_code == 1
    assert info.value.message.startswith(f"Somme de contrôle incorrecte pour {server}{TARBALL} : attendu ")
    assert info.value.message.endswith(f"({algorithm}) ; le fichier a été supprimé, relancez plus tard")
    assert list(no_npm.parent.iterdir()) == []
    Registry.files[TARBALL] = genuine
    assert obtain(source(server)).path.read_bytes() == genuine
    assert METADATA in [path for path, _, _ in Registry.requests]


def test_a_corrupted_tarball_kept_by_an_older_version_is_fetched_again(server: str, genuine: bytes,
                                                                      no_npm: Path) -> None:
    """Its package.json still says 6.0.0 (read before the damage): it was used as it was, at every run."""
    no_npm.parent.mkdir(parents=True)
    no_npm.write_bytes(corrupted(genuine))
    assert npm_version(no_npm) == "6.0.0"
    Registry.files[TARBALL] = genuine
    local = obtain(source(server))
    assert local.path == no_npm and local.path.read_bytes() == genuine
    assert local.sha256 == hashlib.sha256(genuine).hexdigest()


def test_a_corrupted_tarball_read_in_place_says_what_to_do(genuine: bytes, tmp_path: Path) -> None:
    """From a mirror (read in place, never fetched again): named as corrupted, with the remedy, not as invalid
    JSON."""
    path = tmp_path / "etalab-decoupage-administratif-6.0.0.tgz"
    path.write_bytes(corrupted(genuine))
    with pytest.raises(DataError) as info:
        stage_vintage(path, 2026)
    assert info.value.exit_code == 2
    assert info.value.message == (
        "Archive du découpage administratif corrompue (contenu compressé altéré) : recopiez le fichier depuis le "
        "miroir ou supprimez-le pour le télécharger à nouveau")


@pytest.mark.parametrize(("body", "content_type"), [
    (MAINTENANCE, "text/plain"),  # no doctype, no <html>: a blank line, then <title>
    (b"Service indisponible<br>Revenez plus tard\n", "text/html; charset=utf-8"),
    (b"  <div class='erreur'>Maintenance</div>", "application/octet-stream"),
])
def test_a_web_page_without_doctype_is_refused(server: str, tmp_path: Path, body: bytes, content_type: str) -> None:
    """A review: the Annuaire Santé's maintenance page, served with status 200 without <html>, was kept and
    then read as « Le fichier est vide : la ligne d'en-tête est absente »."""
    Registry.files["/ps.txt"], Registry.content_types["/ps.txt"] = body, content_type
    with pytest.raises(SourceUnavailableError) as info:
        download(f"{server}/ps.txt", tmp_path / "PS_LibreAcces_Personne_activite_202606101208.txt")
    assert info.value.exit_code == 1
    assert info.value.message == (f"Téléchargement de {server}/ps.txt refusé : le serveur a renvoyé une page web au "
                                  "lieu du fichier ; le fichier a été supprimé, relancez plus tard")
    assert list(tmp_path.iterdir()) == []
    # The extraction itself, even mislabelled « text/html » by the server, holds no markup: kept.
    Registry.files["/ps.txt"], Registry.content_types["/ps.txt"] = OLD, "text/html"
    assert download(f"{server}/ps.txt", tmp_path / "ps.txt").read_bytes() == OLD


@pytest.mark.parametrize("ignores_if_range", [False, True])
def test_a_file_changed_on_the_server_is_not_joined_to_the_old_part(server: str, tmp_path: Path,
                                                                    ignores_if_range: bool) -> None:
    """The first transfer stops half-way; the publisher then replaces the file. The resumption sends If-Range
    with the first ETag: the server sends the new file whole (or, ignoring If-Range, a range of another ETag,
    refused and asked again from zero). The old code joined the new file's end to the old beginning."""
    Registry.files["/f.txt"], Registry.etags["/f.txt"] = OLD, '"v1"'
    Registry.cut_once = {"/f.txt"}
    dest = tmp_path / "f.txt"
    with pytest.raises(SourceUnavailableError, match="Téléchargement tronqué"):
        download(f"{server}/f.txt", dest)
    kept = (tmp_path / "f.txt.part").stat().st_size
    assert 0 < kept < len(OLD)
    Registry.files["/f.txt"], Registry.etags["/f.txt"] = NEW, '"v2"'
    if ignores_if_range:
        Registry.ignores_if_range = {"/f.txt"}
    assert download(f"{server}/f.txt", dest).read_bytes() == NEW
    assert Registry.requests[1] == ("/f.txt", f"bytes={kept}-", '"v1"')
    assert list(tmp_path.iterdir()) == [dest]  # neither the part nor its validator is left


def test_an_unchanged_file_is_resumed_with_its_validator(server: str, tmp_path: Path) -> None:
    Registry.files["/f.txt"], Registry.etags["/f.txt"] = OLD, '"v1"'
    Registry.cut_once = {"/f.txt"}
    dest = tmp_path / "f.txt"
    with pytest.raises(SourceUnavailableError, match="Téléchargement tronqué"):
        download(f"{server}/f.txt", dest)
    kept = (tmp_path / "f.txt.part").stat().st_size
    assert download(f"{server}/f.txt", dest, hashlib.sha256(OLD).hexdigest()).read_bytes() == OLD
    assert Registry.requests[1] == ("/f.txt", f"bytes={kept}-", '"v1"')


def test_registry_metadata_trickling_is_given_up(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A review: the registry's metadata sent a byte every 20 s held the load (and the database's write lock) for
    ever. The metadata is best effort: given up past the limit (1 s here, against 20 s of trickle)."""
    monkeypatch.setattr(transfer, "SMALL_ANSWER_S", 1.0)
    Registry.trickles = {METADATA}
    started = time.monotonic()
    assert npm_dist(SPEC, f"{server}{TARBALL}") is None
    assert time.monotonic() - started < 10
    assert [path for path, _, _ in Registry.requests] == [METADATA]
