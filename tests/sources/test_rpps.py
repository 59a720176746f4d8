"""Annuaire Santé download (staging is tested in test_annuaire_*.py)."""

from __future__ import annotations

import functools
import http.server
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.errors import DownloadError
from pipeline.sources import rpps

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rpps"
ACTIVITE = FIXTURES / "PS_LibreAcces_Personne_activite_202501150800.txt"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    root = tmp_path / "www"
    root.mkdir()
    shutil.copy(ACTIVITE, root / "PS_LibreAcces.zip")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_download_streams_file(served: str, tmp_path: Path) -> None:
    dest = tmp_path / "raw"
    path = rpps.download_rpps(dest, url=f"{served}/PS_LibreAcces.zip")
    assert path == dest / "PS_LibreAcces.zip"
    assert path.read_bytes() == ACTIVITE.read_bytes()
    assert not list(dest.glob("*.part"))


def test_download_http_error(served: str, tmp_path: Path) -> None:
    with pytest.raises(DownloadError) as err:
        rpps.download_rpps(tmp_path, url=f"{served}/absent.zip")
    assert "404" in err.value.message


def test_download_server_down(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DownloadError) as err:
        rpps.download_rpps(tmp_path, url=f"http://127.0.0.1:{port}/PS_LibreAcces", timeout=(2.0, 2.0))
    assert "impossible" in err.value.message and "à la main" in err.value.message
    assert not list(tmp_path.iterdir())


def test_default_url_is_official() -> None:
    assert rpps.RPPS_EXTRACTION_URL.startswith("https://service.annuaire.sante.fr/")
    assert rpps.RPPS_EXTRACTION_URL.endswith("/extraction/PS_LibreAcces")
