"""Catalogue resolution (data.gouv.fr API v1) and download, against a local HTTP server."""

from __future__ import annotations

import hashlib
import http.server
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import ClassVar

import pytest

from pipeline.errors import DownloadError, SourceUnavailableError
from pipeline.sources import catalogue, transfer
from pipeline.sources import download as download_module
from pipeline.sources.annuaire import extraction_date_from_name
from pipeline.sources.catalogue import (
    ANNUAIRE_ACTIVITE,
    ANNUAIRE_SAVOIR_FAIRE,
    FINESS_ETABLISSEMENTS,
    CatalogueSource,
    download_latest,
    resolve_latest,
)
from tests.sources.trickle import trickle

# A few lines in the layout of the extraction (header of the real file, made-up values), repeated so
# that the transfer spans several blocks and can be cut in the middle.
ACTIVITE = ("Type d'identifiant PP|Identifiant PP|Identification nationale PP|\n"
            + "8|10000000001|810000000001|\n" * 150_000).encode()
SAVOIR_FAIRE = b"Type d'identifiant PP|Identifiant PP|Code savoir-faire|\n8|10000000001|SM54|\n"
FINESS = "finess;etalab;95;2026-03-11\nstructureet;010000024;010000016;CH DE FLEYRIAT\n".encode("latin-1")
STATIC = "/resources/annuaire-sante-extractions-des-donnees-en-libre-acces-des-professionnels-intervenant"


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


class Catalogue(http.server.BaseHTTPRequestHandler):
    """data.gouv.fr's API v1 and static files, as far as the pipeline uses them."""

    base = ""
    files: ClassVar[dict[str, bytes]] = {}
    cut_once: ClassVar[set[str]] = set()
    ranges: ClassVar[list[str | None]] = []
    #: One 503 answer of the API per item, before it answers again.
    busy: ClassVar[list[int]] = []

    def log_message(self, *args: object) -> None:
        pass

    def _json(self, body: object, status: int = 200) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def datasets(self, name: str) -> None:
        b = self.base
        if name == catalogue.ANNUAIRE_DATASET:
            self._json({"id": "5e4c", "resources": [
                {"id": "r-doc", "title": "Documentation de l'extraction", "type": "documentation",
                 "url": f"{b}{STATIC}/20260101-000000/notice.pdf", "last_modified": "2026-06-10T13:00:00"},
                {"id": "r-old", "title": "ps-libreacces-personne-activite.txt",
                 "url": f"{b}{STATIC}/20260609-120500/ps-libreacces-personne-activite.txt",
                 "last_modified": "2026-06-09T12:05:00.000000+00:00",
                 "checksum": {"type": "sha1", "value": "0" * 40}},
                {"id": "r-new", "title": "ps-libreacces-personne-activite.txt",
                 "url": f"{b}{STATIC}/20260610-120843/ps-libreacces-personne-activite.txt",
                 "last_modified": "2026-06-10T12:08:43.512000+00:00",
                 "checksum": {"type": "sha1", "value": sha1(ACTIVITE)}},
                {"id": "r-sf", "title": "ps-libreacces-savoirfaire.txt",
                 "url": f"{b}{STATIC}/20260610-120956/ps-libreacces-savoirfaire.txt",
                 "last_modified": "2026-06-10T12:09:56+00:00", "checksum": None},
                {"id": "r-dipl", "title": "ps-libreacces-dipl-autexerc.txt",
                 "url": f"{b}{STATIC}/20260610-120547/ps-libreacces-dipl-autexerc.txt",
                 "last_modified": "2026-06-10T12:05:47+00:00"},
            ]})
        elif name == catalogue.FINESS_DATASET:
            self._json({"id": "53699569a3a729239d2046eb", "resources": [
                {"title": "Extraction FINESS des entités juridiques",
                 "url": f"{b}/resources/finess/20260312-094547/etalab-cs1100501-stock-20260311-0343.csv",
                 "last_modified": "2026-03-12T09:45:47"},
                {"title": "Extraction FINESS des établissements",
                 "url": f"{b}/resources/finess/20260312-094547/etalab-cs1100507-stock-20260311-0343.csv",
                 "last_modified": "2026-03-12T09:45:47", "checksum": {"type": "sha1", "value": sha1(FINESS)}},
            ]})
        elif name == "faux-checksum":
            self._json({"resources": [{"title": "ps-libreacces-personne-activite.txt",
                                       "url": f"{b}{STATIC}/20260610-120843/ps-libreacces-personne-activite.txt",
                                       "last_modified": "2026-06-10T12:08:43",
                                       "checksum": {"type": "sha1", "value": "f" * 40}}]})
        elif name == "coupe":
            self._json({"resources": [{"title": "ps-libreacces-personne-activite.txt",
                                       "url": f"{b}/coupe/ps-libreacces-personne-activite.txt",
                                       "last_modified": "2026-06-10T12:08:43",
                                       "checksum": {"type": "sha1", "value": sha1(ACTIVITE)}}]})
        elif name == "html":
            data = b"<html><body>Maintenance</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif name == "sans-date":  # a date the API should give, of another type, and no creation date
            self._json({"resources": [{"title": "ps-libreacces-personne-activite.txt",
                                       "url": f"{b}{STATIC}/x/ps-libreacces-personne-activite.txt",
                                       "last_modified": {"a": 1}}]})
        elif name == "sans-ressources":
            self._json({"id": "x", "title": "Un jeu sans liste"})
        elif name == "interdit":
            self._json({"message": "Forbidden"}, status=403)
        elif name == "goutte":  # the answer's bytes one by one, each within the read timeout
            trickle(self)
        else:
            self._json({"message": "Not Found"}, 404)

    def do_GET(self) -> None:
        if self.path.startswith("/api/1/datasets/") and self.busy:  # the API in maintenance for a while
            self.busy.pop()
            self.send_response(503)
            self.send_header("Retry-After", "7")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/api/1/datasets/"):
            self.datasets(self.path.removeprefix("/api/1/datasets/").strip("/"))
            return
        name = self.path.rsplit("/", 1)[-1]
        body = self.files.get(name)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        self.ranges.append(self.headers.get("Range"))
        start = int(self.headers["Range"].split("=")[1].split("-")[0]) if "Range" in self.headers else 0
        self.send_response(206 if start else 200)
        rest = body[start:]
        self.send_header("Content-Length", str(len(rest)))
        self.end_headers()
        if self.path.startswith("/coupe/") and self.path not in self.cut_once:
            self.cut_once.add(self.path)
            self.wfile.write(rest[: len(rest) // 3])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(rest)


@pytest.fixture()
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Catalogue)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    Catalogue.base = base
    Catalogue.files = {"ps-libreacces-personne-activite.txt": ACTIVITE,
                       "ps-libreacces-savoirfaire.txt": SAVOIR_FAIRE,
                       "etalab-cs1100507-stock-20260311-0343.csv": FINESS}
    Catalogue.cut_once = set()
    Catalogue.ranges = []
    Catalogue.busy = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield base
    httpd.shutdown()
    httpd.server_close()


def api(base: str) -> str:
    return f"{base}/api/1"


def test_latest_annuaire_extraction_is_resolved_and_named_with_its_date(server: str) -> None:
    entry = resolve_latest(ANNUAIRE_ACTIVITE.dataset, ANNUAIRE_ACTIVITE.pattern, api_base=api(server),
                           local_name=ANNUAIRE_ACTIVITE.local_name)
    # Of the two personne-activité resources, the one modified on 10 June 12:08:43 UTC.
    assert entry.url.endswith("/20260610-120843/ps-libreacces-personne-activite.txt")
    assert entry.published is not None and entry.published.isoformat() == "2026-06-10T12:08:43.512000+00:00"
    assert entry.filename == "PS_LibreAcces_Personne_activite_202606101208.txt"
    assert extraction_date_from_name(entry.filename) == date(2026, 6, 10)  # the loader reads the date in the name
    assert (entry.checksum.algorithm, entry.checksum.value) == ("sha1", sha1(ACTIVITE))  # type: ignore[union-attr]
    assert entry.resource_id == "r-new"


def test_a_catalogue_in_maintenance_is_asked_again_after_the_wait_it_gives(
        server: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    waits: list[float] = []
    monkeypatch.setattr(download_module, "wait", waits.append)
    monkeypatch.delenv("CPTS_QUIET", raising=False)
    Catalogue.busy = [1, 1]
    entry = resolve_latest(ANNUAIRE_ACTIVITE.dataset, ANNUAIRE_ACTIVITE.pattern, api_base=api(server),
                           local_name=ANNUAIRE_ACTIVITE.local_name)
    assert entry.resource_id == "r-new" and waits == [7.0, 7.0]
    said = capsys.readouterr().err.splitlines()
    assert len(said) == 2 and all(line.startswith("Le catalogue a répondu 503 (surcharge ou maintenance) pour ")
                                  and line.endswith(f" : nouvel essai dans 7 s (essai {n} sur 3)")
                                  for line, n in zip(said, (2, 3), strict=True))
    Catalogue.busy = [1, 1, 1]  # still busy at the third question: a French « relancez plus tard »
    with pytest.raises(SourceUnavailableError,
                       match=r"Le catalogue a répondu 503 .* après 3 essais .* relancez plus tard"):
        resolve_latest(ANNUAIRE_ACTIVITE.dataset, ANNUAIRE_ACTIVITE.pattern, api_base=api(server),
                       local_name=ANNUAIRE_ACTIVITE.local_name)


def test_download_checks_the_catalogue_checksum_and_records_sha256(server: str, tmp_path: Path) -> None:
    result = download_latest(ANNUAIRE_ACTIVITE, tmp_path, api_base=api(server))
    assert result.local.path == tmp_path / "PS_LibreAcces_Personne_activite_202606101208.txt"
    assert result.local.path.read_bytes() == ACTIVITE
    assert result.local.sha256 == hashlib.sha256(ACTIVITE).hexdigest()
    assert result.local.origin == result.entry.url
    # A second run reuses the complete copy (its sha1 matches the catalogue's) without downloading.
    Catalogue.files = {}
    again = download_latest(ANNUAIRE_ACTIVITE, tmp_path, api_base=api(server))
    assert again.local.sha256 == result.local.sha256


def test_savoir_faire_without_checksum_and_finess_by_file_name(server: str, tmp_path: Path) -> None:
    sf = download_latest(ANNUAIRE_SAVOIR_FAIRE, tmp_path, api_base=api(server))
    assert sf.entry.checksum is None  # the catalogue gave « checksum »: null
    assert sf.local.path.name == "PS_LibreAcces_SavoirFaire_202606101209.txt"
    finess = download_latest(FINESS_ETABLISSEMENTS, tmp_path, api_base=api(server))
    # The établissements file (cs1100507), not the entités juridiques (cs1100501), keeps its official name.
    assert finess.local.path.name == "etalab-cs1100507-stock-20260311-0343.csv"
    assert finess.local.path.read_bytes() == FINESS


def test_catalogue_without_a_matching_resource(server: str) -> None:
    source = CatalogueSource("essai", catalogue.FINESS_DATASET, r"etalab-cs1100599-stock")
    with pytest.raises(DownloadError) as info:
        resolve_latest(source.dataset, source.pattern, api_base=api(server))
    assert info.value.message == (  # the pattern is not shown: a regular expression means nothing to the user
        "Aucune ressource du jeu de données « finess-extraction-du-fichier-des-etablissements » n'est le fichier "
        "recherché (ressources publiées : « Extraction FINESS des entités juridiques », "
        "« Extraction FINESS des établissements »)")
    assert info.value.exit_code == 1


@pytest.mark.parametrize(("dataset", "message", "advice"), [
    # A review: a dataset the catalogue no longer has said nothing of what to do.
    ("absent", "Jeu de données « absent » introuvable dans le catalogue",
     " : relancez plus tard ; si l'erreur persiste, téléchargez l'extraction vous-même et donnez-la : make data "
     "REGISTRY=… FINESS=… (ou CPTS_REGISTRY, CPTS_FINESS)"),
    ("html", "Réponse du catalogue illisible : JSON attendu", ""),
    ("interdit", "Le catalogue a répondu 403 (accès refusé) pour", ""),
    ("sans-ressources", "Réponse du catalogue inattendue : pas de liste « resources »", ""),
])
def test_catalogue_answering_nonsense_is_a_french_error(server: str, dataset: str, message: str, advice: str) -> None:
    with pytest.raises(DownloadError) as info:
        resolve_latest(dataset, "x", api_base=api(server))
    if dataset == "interdit":  # what to do: give the files, which the data mirror does not hold
        assert info.value.message == (
            f"{message} {server}/api/1/datasets/{dataset}/ : relancez plus tard ; si l'erreur persiste, le fichier a "
            "pu changer d'adresse chez l'éditeur (téléchargez l'extraction vous-même et donnez-la : make data "
            "REGISTRY=… FINESS=… (ou CPTS_REGISTRY, CPTS_FINESS))")
    else:
        assert info.value.message == f"{message} ({server}/api/1/datasets/{dataset}/){advice}"
    assert info.value.exit_code == 1  # the publisher's side, not the user's input


def test_a_catalogue_trickling_its_answer_is_given_up(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A review: an answer sent a byte every 20 s never reached the read timeout, and the load held the database's
    write lock for ever. Here a byte every 0.5 s for 20 s, against a limit of 1 s."""
    monkeypatch.setattr(transfer, "SMALL_ANSWER_S", 1.0)
    started = time.monotonic()
    with pytest.raises(DownloadError) as info:
        resolve_latest("goutte", "x", api_base=api(server))
    assert time.monotonic() - started < 10
    assert info.value.message == (f"Catalogue injoignable ({server}/api/1/datasets/goutte/) : délai dépassé, le "
                                  "serveur ne répond pas (ou pas en entier en 1 s)")
    assert info.value.exit_code == 1


def test_a_resource_without_a_readable_date_is_not_downloaded(server: str) -> None:
    """Its file name carries its date, from which the extraction is dated: a review got an extraction dated the
    day of the download, which became the current one. Refused (the caller keeps the earlier extraction)."""
    with pytest.raises(DownloadError) as info:
        resolve_latest("sans-date", ANNUAIRE_ACTIVITE.pattern, api_base=api(server),
                       local_name=ANNUAIRE_ACTIVITE.local_name)
    assert info.value.message == (
        "La ressource « ps-libreacces-personne-activite.txt » du jeu de données « sans-date » n'a pas de date de "
        "publication lisible (« last_modified », « created_at ») : son extraction ne peut pas être datée, elle "
        "n'est pas téléchargée")
    assert info.value.exit_code == 1  # the publisher's side, not the user's input


def test_server_down_gives_the_offline_message(tmp_path: Path) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(DownloadError) as info:
        download_latest(ANNUAIRE_ACTIVITE, tmp_path, api_base=f"http://127.0.0.1:{port}/api/1")
    assert info.value.message.startswith(f"Catalogue injoignable (http://127.0.0.1:{port}/api/1/datasets/annuaire-")
    # The mirror holds no Annuaire Santé nor FINESS (a review was told to read one): the files are given instead.
    assert info.value.message.endswith(" : pas de connexion réseau ? Téléchargez l'extraction vous-même et donnez-la : "
                                       "make data REGISTRY=… FINESS=… (ou CPTS_REGISTRY, CPTS_FINESS)")
    assert list(tmp_path.iterdir()) == []


def test_checksum_mismatch_deletes_the_file(server: str, tmp_path: Path) -> None:
    source = CatalogueSource("essai", "faux-checksum", ANNUAIRE_ACTIVITE.pattern, ANNUAIRE_ACTIVITE.local_name)
    with pytest.raises(DownloadError) as info:
        download_latest(source, tmp_path, api_base=api(server))
    assert f"attendu {'f' * 40}, obtenu {sha1(ACTIVITE)} (sha1) ; le fichier a été supprimé" in info.value.message
    assert list(tmp_path.iterdir()) == []


def test_truncated_download_is_resumed_by_the_next_run(server: str, tmp_path: Path) -> None:
    source = CatalogueSource("essai", "coupe", ANNUAIRE_ACTIVITE.pattern, ANNUAIRE_ACTIVITE.local_name)
    with pytest.raises(DownloadError, match="Téléchargement tronqué") as info:
        download_latest(source, tmp_path, api_base=api(server))
    assert "relancez pour reprendre" in info.value.message
    part = tmp_path / "PS_LibreAcces_Personne_activite_202606101208.txt.part"
    kept = part.stat().st_size
    assert 0 < kept < len(ACTIVITE)
    result = download_latest(source, tmp_path, api_base=api(server))
    assert result.local.path.read_bytes() == ACTIVITE
    assert Catalogue.ranges == [None, f"bytes={kept}-"]  # the second run asked for the rest only
    assert not part.exists()
