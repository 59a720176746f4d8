"""Which catalogue resource is taken, and what is said of it, against a local data.gouv.fr API started by the test:
checksums the tool cannot verify, formats the loaders do not read, resources without an address, exit codes."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import re
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from pipeline.errors import SourceUnavailableError
from pipeline.sources import contours_download
from pipeline.sources.catalogue import (
    ANNUAIRE_ACTIVITE,
    FINESS_ETABLISSEMENTS,
    CatalogueSource,
    download_latest,
    resolve_latest,
)

ACTIVITE = b"Type d'identifiant PP|Identifiant PP|Identification nationale PP|\n8|10000000001|810000000001|\n"
FINESS = b"finess;etalab;95;2026-03-11\nstructureet;010000024;010000016;CH DE FLEYRIAT\n"
PATTERN_CHARACTERS = re.compile(r"\\d|\[-_\]|\{\d")


def zipped(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


class Api(http.server.BaseHTTPRequestHandler):
    """``/api/1/datasets/<name>/`` answers ``datasets[name]``; ``/files/<name>`` serves ``files[name]``."""

    datasets: ClassVar[dict[str, list[dict[str, Any]]]] = {}
    files: ClassVar[dict[str, bytes]] = {}
    served: ClassVar[list[str]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        name = self.path.rsplit("/", 1)[-1] if self.path.startswith("/files/") else None
        if self.path.startswith("/api/1/datasets/"):
            resources = self.datasets.get(self.path.removeprefix("/api/1/datasets/").strip("/"))
            body = json.dumps({"resources": resources}).encode() if resources is not None else b"{}"
            status = 200 if resources is not None else 404
        elif name is not None and name in self.files:
            self.served.append(name)
            body, status = self.files[name], 200
        else:
            body, status = b"", 404
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture()
def base() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Api)
    Api.datasets, Api.files, Api.served = {}, {}, []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def resource(base: str, name: str | None, modified: str, content: bytes = b"", **extra: Any) -> dict[str, Any]:
    return {"title": extra.pop("title", name), "url": f"{base}/files/{name}" if name else None,
            "last_modified": modified, "checksum": {"type": "sha1", "value": hashlib.sha1(content).hexdigest()},
            **extra}


def source(dataset: str, model: CatalogueSource = ANNUAIRE_ACTIVITE) -> CatalogueSource:
    return CatalogueSource(model.name, dataset, model.pattern, model.local_name, model.shown, model.member,
                           model.single_member)


@pytest.mark.parametrize(("checksum", "note"), [
    ({"type": "crc32", "value": "deadbeef"}, "somme de contrôle non vérifiée (type « crc32 » inconnu de l'outil)"),
    ({"type": "sha1", "value": "pas-un-condensat"},
     "somme de contrôle non vérifiée (valeur « pas-un-condensat » illisible pour le type sha1)"),
    ({"type": "sha256", "value": "deadbeef"},
     "somme de contrôle non vérifiée (valeur « deadbeef » illisible pour le type sha256)"),
])
def test_a_checksum_the_tool_cannot_verify_is_said(base: str, tmp_path: Path, checksum: dict[str, str],
                                                   note: str) -> None:
    """A review: such a checksum was taken for « no checksum » in silence, and an altered file loaded as real.
    The file is loaded (the publisher's real extraction rather than demonstration data), and it is said."""
    Api.files["ps-libreacces-personne-activite.txt"] = ACTIVITE
    Api.datasets["d"] = [resource(base, "ps-libreacces-personne-activite.txt", "2026-06-10T12:08:43",
                                  checksum=checksum)]
    result = download_latest(source("d"), tmp_path, api_base=f"{base}/api/1")
    assert result.local.path.read_bytes() == ACTIVITE
    assert result.entry.checksum is None and result.entry.notes == (note,)


def test_a_verified_checksum_says_nothing(base: str, tmp_path: Path) -> None:
    Api.files["ps-libreacces-personne-activite.txt"] = ACTIVITE
    Api.datasets["d"] = [resource(base, "ps-libreacces-personne-activite.txt", "2026-06-10T12:08:43", ACTIVITE)]
    assert download_latest(source("d"), tmp_path, api_base=f"{base}/api/1").entry.notes == ()


def test_a_newer_resource_the_loaders_cannot_read_does_not_hide_an_older_one(base: str, tmp_path: Path) -> None:
    """A review: the newest resource matching the title was a spreadsheet, or a zip of other files: the run fell
    back to demonstration data though an older usable extraction was published."""
    spreadsheet = b"PK\x03\x04 un classeur"
    several = zipped(**{"notice.pdf": b"%PDF", "lisez-moi.txt": b"bonjour"})
    Api.files |= {"ps-libreacces-personne-activite.xlsx": spreadsheet, "ps-libreacces-personne-activite.zip": several,
                  "ps-libreacces-personne-activite.txt": ACTIVITE, "ps-libreacces-personne-activite.bin": spreadsheet}
    Api.datasets["d"] = [
        resource(base, "ps-libreacces-personne-activite.txt", "2026-06-01T10:00:00", ACTIVITE),
        resource(base, "ps-libreacces-personne-activite.xlsx", "2026-06-12T10:00:00", spreadsheet, format="xlsx"),
        resource(base, "ps-libreacces-personne-activite.bin", "2026-06-13T10:00:00", spreadsheet,
                 title="Annuaire : ps-libreacces-personne-activite (tableur)",
                 mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        resource(base, "ps-libreacces-personne-activite.zip", "2026-06-11T10:00:00", several, format="zip"),
    ]
    result = download_latest(source("d"), tmp_path, api_base=f"{base}/api/1")
    assert result.entry.url == f"{base}/files/ps-libreacces-personne-activite.txt"
    assert result.local.path.name == "PS_LibreAcces_Personne_activite_202606011000.txt"
    assert result.local.path.read_bytes() == ACTIVITE
    assert result.entry.notes == (
        "ressource plus récente écartée : « ps-libreacces-personne-activite.xlsx » est au format xlsx, que l'outil "
        "ne lit pas",
        "ressource plus récente écartée : « Annuaire : ps-libreacces-personne-activite (tableur) » est au format "
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, que l'outil ne lit pas",
        "ressource plus récente écartée : « ps-libreacces-personne-activite.zip » : l'archive ne contient pas de "
        "fichier PS_LibreAcces_Personne_activite… (contenu : « notice.pdf », « lisez-moi.txt »)")
    assert "ps-libreacces-personne-activite.xlsx" not in Api.served  # never downloaded
    assert sorted(p.name for p in tmp_path.iterdir()) == [result.local.path.name]  # the unusable zip not kept


def test_a_zip_holding_the_extraction_is_taken_and_kept_as_a_zip(base: str, tmp_path: Path) -> None:
    archive = zipped(**{"PS_LibreAcces_Personne_activite_202606111000.txt": ACTIVITE, "notice.pdf": b"%PDF"})
    Api.files |= {"extraction.zip": archive, "ps-libreacces-personne-activite.txt": ACTIVITE}
    Api.datasets["d"] = [
        resource(base, "ps-libreacces-personne-activite.txt", "2026-06-01T10:00:00", ACTIVITE),
        resource(base, "extraction.zip", "2026-06-11T10:00:00", archive, title="ps-libreacces-personne-activite",
                 format="zip", mime="application/zip"),
    ]
    result = download_latest(source("d"), tmp_path, api_base=f"{base}/api/1")
    assert result.local.path.name == "PS_LibreAcces_Personne_activite_202606111000.zip"
    assert result.local.path.read_bytes() == archive and result.entry.notes == ()


def test_a_resource_without_a_download_address_is_said_so_without_a_pattern(base: str) -> None:
    """A review: « Aucune ressource … ne correspond au motif « etalab[-_]cs1100507[-_]stock… » (ressources :
    « etalab-cs1100507-stock-20260611-0342.csv ») »: the listed resource matched, and a regular expression was
    shown to the user."""
    Api.datasets["f"] = [resource(base, None, "2026-06-11T03:42:00", title="etalab-cs1100507-stock-20260611-0342.csv")]
    with pytest.raises(SourceUnavailableError) as info:
        resolve_latest("f", FINESS_ETABLISSEMENTS.pattern, api_base=f"{base}/api/1",
                       shown=FINESS_ETABLISSEMENTS.shown)
    assert info.value.exit_code == 1
    assert info.value.message == (
        "Aucune ressource utilisable pour le fichier « etalab-cs1100507-stock-AAAAMMJJ-hhmm.csv » dans le jeu de "
        "données « f » : « etalab-cs1100507-stock-20260611-0342.csv » n'a pas d'adresse de téléchargement")


def test_no_usable_resource_names_each_one_and_why(base: str, tmp_path: Path) -> None:
    Api.files["etalab-cs1100507-stock-20260611-0342.xls"] = b"\xd0\xcf\x11\xe0"
    Api.datasets["f"] = [
        resource(base, "etalab-cs1100507-stock-20260611-0342.xls", "2026-06-11T03:42:00"),
        resource(base, None, "2026-06-10T03:42:00", title="etalab-cs1100507-stock-20260610-0342.csv"),
        {"title": "Documentation", "url": f"{base}/files/doc.pdf", "last_modified": "2026-06-11T03:42:00"},
    ]
    with pytest.raises(SourceUnavailableError) as info:
        download_latest(source("f", FINESS_ETABLISSEMENTS), tmp_path, api_base=f"{base}/api/1")
    assert info.value.exit_code == 1
    assert info.value.message == (
        "Aucune ressource utilisable pour le fichier « etalab-cs1100507-stock-AAAAMMJJ-hhmm.csv » dans le jeu de "
        "données « f » : « etalab-cs1100507-stock-20260611-0342.xls » est au format xls, que l'outil ne lit pas ; "
        "« etalab-cs1100507-stock-20260610-0342.csv » n'a pas d'adresse de téléchargement")
    assert list(tmp_path.iterdir()) == []


def test_no_matching_resource_lists_them_without_a_pattern(base: str, tmp_path: Path) -> None:
    Api.datasets["f"] = [{"title": "Documentation", "url": f"{base}/files/doc.pdf", "last_modified": "2026-06-11"}]
    with pytest.raises(SourceUnavailableError) as info:
        download_latest(source("f", FINESS_ETABLISSEMENTS), tmp_path, api_base=f"{base}/api/1")
    assert info.value.exit_code == 1
    assert info.value.message == ("Aucune ressource du jeu de données « f » n'est le fichier « etalab-cs1100507-stock-"
                                  "AAAAMMJJ-hhmm.csv » (ressources publiées : « Documentation »)")
    assert not PATTERN_CHARACTERS.search(info.value.message)


def test_a_publisher_without_the_file_is_a_system_error(base: str, tmp_path: Path) -> None:
    """A review: a 404 of the npm tarball gave exit code 1, a 404 of every contours year and the catalogue's
    « introuvable », « JSON attendu », « aucune ressource » gave 2, the code of the user's bad input."""
    with pytest.raises(SourceUnavailableError) as info:
        download_latest(source("absent"), tmp_path, api_base=f"{base}/api/1")
    assert info.value.exit_code == 1 and "introuvable dans le catalogue" in info.value.message
    with pytest.raises(SourceUnavailableError) as info:
        contours_download.download_current_contours(tmp_path, 2030, base_url=f"{base}/contours", earlier_years=1)
    assert info.value.exit_code == 1
    assert info.value.message.startswith("Contours Etalab « communes » introuvables pour les millésimes 2030, 2029")
