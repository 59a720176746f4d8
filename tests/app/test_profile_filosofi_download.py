"""Without a mirror, ``make data`` downloads INSEE's Filosofi zips (a local server plays insee.fr)."""

from __future__ import annotations

import http.server
import io
import shutil
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.conftest import FIXTURE_DEPARTEMENTS

pytestmark = [pytest.mark.mirror]


@pytest.fixture()
def insee(mirror: Path) -> Iterator[tuple[str, dict[str, int]]]:
    """A server answering INSEE's two archive names with zips of the mirror's files; counts the requests."""
    archives = {}
    for name, member in (("indic-struct-distrib-revenu-2019-COMMUNES_csv.zip", "FILO2019_DISP_COM.csv"),
                         ("indic-struct-distrib-revenu-2019-SUPRA_csv.zip", "FILO2019_DISP_EPCI.csv")):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("meta_" + member, "documentation\n")
            archive.writestr(member, (mirror / "filosofi" / member).read_bytes())
        archives["/" + name] = buffer.getvalue()
    hits: dict[str, int] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            body = archives.get(self.path)
            hits[self.path] = hits.get(self.path, 0) + 1
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    httpd.shutdown()
    httpd.server_close()


def test_filosofi_downloaded_from_insee_when_no_mirror(
    insee: tuple[str, dict[str, int]], fixture_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline import config
    from pipeline.app import filosofi_step
    from pipeline.app.steps import Scope

    url, hits = insee
    monkeypatch.setenv(config.FILOSOFI_URL_ENV, url)
    monkeypatch.setenv("CPTS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CPTS_DATA_MIRROR", raising=False)
    database = tmp_path / "cpts.duckdb"
    shutil.copy(fixture_data_dir / "processed" / "cpts.duckdb", database)
    con = duckdb.connect(str(database))
    try:
        result = filosofi_step.load_filosofi(con, None, True, Scope(frozenset(FIXTURE_DEPARTEMENTS)))
        rows = con.execute("SELECT count(*), count(DISTINCT niveau) FROM filosofi_communes").fetchall()[0]
        origin = con.execute("SELECT origin FROM sources WHERE source = 'insee-filosofi-communes'").fetchall()[0][0]
        again = filosofi_step.load_filosofi(con, None, False, Scope(frozenset(FIXTURE_DEPARTEMENTS)))
    finally:
        con.close()
    assert result.status == "chargé" and rows[0] > 0 and rows[1] == 3
    assert origin.startswith(url) and origin.endswith("COMMUNES_csv.zip")
    kept = tmp_path / "data" / "raw" / "filosofi" / "indic-struct-distrib-revenu-2019-COMMUNES_csv.zip"
    assert kept.is_file()
    # The archive is kept: the second run reads it again without a request, and finds nothing changed.
    assert again.status == "inchangé" and sorted(hits.values()) == [1, 1]


def test_filosofi_out_of_reach_does_not_stop_make_data(mirror: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """An older mirror without ``filosofi/`` (or INSEE out of reach): the other sources load, the step says why,
    and a diagnostic gives income « non disponible »."""
    from pipeline.app import data
    from pipeline.app.diagnostic import compute
    from pipeline.model import DataOptions, DiagnosticOptions
    from pipeline.store.connection import connect
    from pipeline.store.territory import resolve_territory

    old_mirror = tmp_path / "mirror"
    old_mirror.mkdir()
    for entry in mirror.iterdir():
        if entry.name != "filosofi":
            (old_mirror / entry.name).symlink_to(entry)
    monkeypatch.setenv("CPTS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CPTS_QUIET", "1")
    report = data.run(DataOptions(mirror=old_mirror, departements=("04",), demo="never"))
    steps = {step.name: step for step in report.steps}
    step = steps["revenus Filosofi INSEE"]
    assert step.status == "impossible"
    assert "Filosofi 2019 non chargé : Fichier absent du miroir" in step.details[0]
    assert "les revenus des diagnostics seront « non disponibles »" in step.details[0]
    assert steps["APL DREES"].status == "chargé"
    con = connect()
    try:
        spec = "communes:04070"
        d = compute(con, resolve_territory(con, spec), DiagnosticOptions(spec))
    finally:
        con.close()
    assert d.income is not None and not d.income.available
    assert d.income.unavailable == "revenus non disponibles : Filosofi 2019 n'est pas chargé (lancez « make data »)"
