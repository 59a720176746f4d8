"""Issue 11, item 12: real data by default when online, against a local server standing for the publishers.

``python -m pipeline data`` runs in its own process (forked, :mod:`tests.app.forked`) with no mirror
(``CPTS_DATA_MIRROR`` unset) and the publishers' addresses pointed at a server
started by the test (``CPTS_NPM_REGISTRY``, ``CPTS_CONTOURS_URL``,
``CPTS_CATALOGUE_API``). The server serves:

* the ``@etalab/decoupage-administratif`` tarballs (the mirror's files);
* Etalab's « contours administratifs » national communes file of the COG
  year, built from the mirror's polygons of départements 01 and 04 and the
  45 arrondissements, with Digne-les-Bains (04070) drawn as a 0.05° square so
  that the test can tell these contours from the 2018 ones;
* data.gouv.fr's API v1 for the two registry datasets, whose current
  resources are the real rows of ``../shared/data/samples/``: the Annuaire
  Santé extraction of 2 December 2021 and the FINESS extraction of 31
  December 2020 in its flattened layout (both for département 01), with the
  sha1 checksums the catalogue publishes.

The sources that have no official download address (INSEE appartenance and
libellés, DREES APL, ARS QPV zoning) are placed in ``data/raw/`` under their
mirror path, as the README tells users to do.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import html
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import pytest

from pipeline import config
from pipeline.sources.catalogue import ANNUAIRE_DATASET, FINESS_DATASET
from tests.app.robust_support import Workspace, run_module
from tests.french_spacing import as_typed

SAMPLES = "samples"
ANNUAIRE_SAMPLE = "PS_LibreAcces_Personne_activite_202112020908-extrait.txt"
FINESS_SAMPLE = "finess-etablissements-20201231-extrait.csv"
SAVOIR_FAIRE = ("Type d'identifiant PP|Identifiant PP|Identification nationale PP|Nom d'exercice|Prénom d'exercice|"
                "Code profession|Libellé profession|Code catégorie professionnelle|Libellé catégorie professionnelle|"
                "Code type savoir-faire|Libellé type savoir-faire|Code savoir-faire|Libellé savoir-faire|\n"
                # The sample's physician, with the specialty its activity row carries inline.
                "8|10106476764|810106476764|BENHOUCHAME|Zakaria|10|Médecin|C|Civil|S|Spécialité ordinale|SM20|"
                "Gynécologie-obstétrique|\n").encode()
STATIC = "/static/resources"
ANNUAIRE_PATH = f"{STATIC}/annuaire/20260610-120843/ps-libreacces-personne-activite.txt"
DIGNE_SQUARE = {"type": "Polygon", "coordinates": [[[6.20, 44.07], [6.25, 44.07], [6.25, 44.12], [6.20, 44.12],
                                                    [6.20, 44.07]]]}


def etalab_communes(mirror: Path) -> bytes:
    """Etalab's layout (properties ``code``, ``nom``, ``departement``; ``commune`` for arrondissements), gzipped."""
    features = []
    for path in sorted((mirror / config.CONTOURS_MIRROR_DIR).glob("communes-0[14]-*.geojson")):
        for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
            props = feature["properties"]
            geometry = DIGNE_SQUARE if props["code"] == "04070" else feature["geometry"]
            features.append({"type": "Feature", "geometry": geometry, "properties": {
                "code": props["code"], "nom": props["nom"], "departement": props["code"][:2]}})
    arrondissements = mirror / "contours-arrondissements-2023" / \
        "georef-france-commune-arrondissement-municipal-2023.geojson"
    for feature in json.loads(arrondissements.read_text(encoding="utf-8"))["features"]:
        props = feature["properties"]
        features.append({"type": "Feature", "geometry": feature["geometry"], "properties": {
            "code": props["com_arm_code"][0], "nom": props["com_arm_name"][0], "commune": props["com_code"][0]}})
    return gzip.compress(json.dumps({"type": "FeatureCollection", "features": features}).encode())


class Publishers(http.server.BaseHTTPRequestHandler):
    """npm, Etalab and data.gouv.fr, as far as ``make data`` uses them; ``catalogue_down`` answers 503."""

    files: ClassVar[dict[str, bytes]] = {}
    catalogue_down: ClassVar[bool] = False
    requested: ClassVar[list[str]] = []
    #: Paths whose next transfer stops half-way (the connection closes); ranges asked, in order.
    cut_once: ClassVar[set[str]] = set()
    ranges: ClassVar[list[str | None]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.requested.append(self.path)
        if self.path.startswith("/api/") and self.catalogue_down:
            body, status = b"", 503
        else:
            found = self.files.get(self.path)
            body, status = (found, 200) if found is not None else (b"", 404)
        asked = self.headers.get("Range")
        if not self.path.startswith("/api/"):
            self.ranges.append(asked)
        start = int(asked.removeprefix("bytes=").rstrip("-")) if asked and status == 200 else 0
        self.send_response(206 if start else status)
        if status == 503:  # asked again at once (a busy server is asked three times): the test does not wait
            self.send_header("Retry-After", "0")
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        if self.path in self.cut_once:
            self.cut_once.discard(self.path)
            self.wfile.write(body[start:len(body) // 2])
            self.close_connection = True
            return
        self.wfile.write(body[start:])


def catalogue_entry(base: str, dataset: str, resources: list[tuple[str, str, str, bytes]]) -> bytes:
    """A dataset of data.gouv.fr's API v1: (title, file path, last_modified, content) per resource."""
    return json.dumps({"id": dataset, "resources": [
        {"id": f"r{i}", "title": title, "url": f"{base}{path}", "last_modified": modified,
         "checksum": {"type": "sha1", "value": hashlib.sha1(content).hexdigest()}}
        for i, (title, path, modified, content) in enumerate(resources)]}).encode()


@pytest.fixture()
def publishers(mirror: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Publishers)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    annuaire = (mirror / SAMPLES / ANNUAIRE_SAMPLE).read_bytes()
    finess = (mirror / SAMPLES / FINESS_SAMPLE).read_bytes()
    annuaire_path = f"{STATIC}/annuaire/20260610-120843/ps-libreacces-personne-activite.txt"
    savoir_faire_path = f"{STATIC}/annuaire/20260610-120956/ps-libreacces-savoirfaire.txt"
    finess_path = f"{STATIC}/finess/20260611-0342/etalab-cs1100507-stock-20260611-0342.csv"
    files = {
        f"/npm/@etalab/decoupage-administratif/-/decoupage-administratif-{v}.tgz":
            (mirror / config.decoupage_file(year).mirror_path).read_bytes()
        for year, v in config.DECOUPAGE_VERSIONS.items()
    }
    files[f"/contours/{config.CURRENT_VINTAGE}/geojson/communes-50m.geojson.gz"] = etalab_communes(mirror)
    files[annuaire_path], files[savoir_faire_path], files[finess_path] = annuaire, SAVOIR_FAIRE, finess
    files[f"/api/1/datasets/{ANNUAIRE_DATASET}/"] = catalogue_entry(base, ANNUAIRE_DATASET, [
        ("ps-libreacces-personne-activite.txt", annuaire_path, "2026-06-10T12:08:43+00:00", annuaire),
        ("ps-libreacces-savoirfaire.txt", savoir_faire_path, "2026-06-10T12:09:56+00:00", SAVOIR_FAIRE)])
    files[f"/api/1/datasets/{FINESS_DATASET}/"] = catalogue_entry(base, FINESS_DATASET, [
        ("etalab-cs1100507-stock-20260611-0342.csv", finess_path, "2026-06-11T03:42:00+00:00", finess)])
    Publishers.files, Publishers.catalogue_down, Publishers.requested = files, False, []
    Publishers.cut_once, Publishers.ranges = set(), []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    server.server_close()


@pytest.fixture()
def fresh(mirror: Path, tmp_path: Path) -> Workspace:
    """An empty data folder with the four sources that have no download address placed in ``raw/``."""
    ws = Workspace(tmp_path / "ws")
    for source in (config.APPARTENANCE, config.ZONAGES_LIBELLES, config.APL, config.QPV_ZONAGE):
        target = ws.data / "raw" / source.mirror_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(mirror / source.mirror_path)
    return ws


def run_online(ws: Workspace, base: str, *args: str) -> tuple[int, str, str]:
    return run_module(ws, None, *args, timeout=900, CPTS_NPM_REGISTRY=f"{base}/npm",
                      CPTS_CONTOURS_URL=f"{base}/contours", CPTS_CATALOGUE_API=f"{base}/api/1",
                      NO_PROXY="127.0.0.1", no_proxy="127.0.0.1")


def query(ws: Workspace, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(ws.db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def finess_rows(mirror: Path) -> int:
    """Establishments of the FINESS sample, counted from the raw file (one per ``nofinesset``)."""
    with open(mirror / SAMPLES / FINESS_SAMPLE, encoding="latin-1", newline="") as handle:
        return len({row["nofinesset"] for row in csv.DictReader(handle, delimiter=";")})


def test_fresh_install_online_loads_the_current_registries_and_contours(
    fresh: Workspace, publishers: str, mirror: Path
) -> None:
    code, out, err = run_online(fresh, publishers, "data", "--departements", "01,04")
    assert (code, err) == (0, ""), out + err
    assert out.startswith("Sources : téléchargement depuis les sources officielles\n")
    assert (f"extraction courante téléchargée : {publishers}{STATIC}/annuaire/20260610-120843/"
            "ps-libreacces-personne-activite.txt, publié le 10/06/2026") in out
    assert (f"extraction courante téléchargée : {publishers}{STATIC}/finess/20260611-0342/"
            "etalab-cs1100507-stock-20260611-0342.csv, publié le 11/06/2026") in out
    assert "données fictives de démonstration inutile" in out.replace("  ", " ")
    assert "ATTENTION" not in out
    sources = {row[0]: row[1:] for row in query(fresh, "SELECT source, vintage, origin, demo FROM sources "
                                                       "WHERE source IN ('annuaire-sante', 'finess', "
                                                       "'contours-communes')")}
    assert sources["annuaire-sante"] == ("2026-06-10", f"{publishers}{STATIC}/annuaire/20260610-120843/"
                                         "ps-libreacces-personne-activite.txt", False)
    assert sources["finess"][1:] == (f"{publishers}{STATIC}/finess/20260611-0342/"
                                     "etalab-cs1100507-stock-20260611-0342.csv", False)
    assert sources["contours-communes"] == (str(config.CURRENT_VINTAGE),
                                            f"{publishers}/contours/{config.CURRENT_VINTAGE}/geojson/"
                                            "communes-50m.geojson.gz", False)
    # Digne-les-Bains is the served square (about 22 km²), not its 2018 outline (117 km²).
    ((area,),) = query(fresh, "SELECT area_km2 FROM commune_polygons WHERE code = '04070'")
    assert 15 < area < 30
    assert query(fresh, "SELECT count(*) FROM etablissements") == [(finess_rows(mirror),)]
    assert query(fresh, "SELECT count(DISTINCT extraction) FROM ps_activites") == [(1,)]
    assert not (fresh.data / "raw" / "demo").exists()
    # The downloads are kept: a second run reuses them (checksums match the catalogue) and changes nothing.
    served = len(Publishers.requested)
    code, out, err = run_online(fresh, publishers, "data")
    assert (code, err) == (0, "")
    assert "Annuaire Santé                   inchangé" in out and "FINESS                           inchangé" in out
    downloads = [p for p in Publishers.requested[served:] if not p.startswith("/api/")]
    assert downloads == []


def test_registries_unreachable_fall_back_to_demonstration_data_and_say_why(
    fresh: Workspace, publishers: str
) -> None:
    Publishers.catalogue_down = True
    code, out, err = run_online(fresh, publishers, "data", "--departements", "04")
    assert (code, err) == (0, "")
    busy = "après 3 essais (surcharge ou maintenance) : relancez plus tard"
    reason = ("téléchargement de l'extraction Annuaire Santé impossible : Le catalogue a répondu 503 pour "
              f"{publishers}/api/1/datasets/{ANNUAIRE_DATASET}/ {busy} ; téléchargement de l'extraction FINESS "
              f"impossible : Le catalogue a répondu 503 pour {publishers}/api/1/datasets/{FINESS_DATASET}/ {busy}")
    asked = [p for p in Publishers.requested if p.startswith("/api/")]
    assert asked == [f"/api/1/datasets/{ANNUAIRE_DATASET}/"] * 3 + [f"/api/1/datasets/{FINESS_DATASET}/"] * 3
    assert f"\nATTENTION : offre de soins fictive de démonstration, car {reason}\n" in out
    assert query(fresh, "SELECT DISTINCT demo FROM sources WHERE source IN ('annuaire-sante', 'finess')") == [(True,)]
    code, out, err = run_online(fresh, publishers, "diagnostic", "communes:04070")
    assert (code, err) == (0, "")
    note = f"offre de soins fictive de démonstration, car {reason}"
    assert f"  note : {note}\n" in out
    summary = json.loads((fresh.diagnostics / "communes-04070" / "summary.json").read_text(encoding="utf-8"))
    assert note in summary["notes"]
    assert note in as_typed(html.unescape((fresh.maps / "communes-04070" / "rapport.html").read_text(
        encoding="utf-8")))
    # Back online: the real extractions replace the demonstration ones, and the reason goes away.
    Publishers.catalogue_down = False
    code, out, err = run_online(fresh, publishers, "data")
    assert (code, err) == (0, "") and "ATTENTION" not in out
    assert query(fresh, "SELECT count(*) FROM sources WHERE demo AND source = 'annuaire-sante'") == [(0,)]
    assert query(fresh, "SELECT count(DISTINCT extraction) FROM ps_activites") == [(1,)]
    assert query(fresh, "SELECT value FROM schema_info WHERE key = 'demo_raison'") == [("",)]


def test_an_unreadable_download_falls_back_as_a_failed_one_and_is_not_kept(fresh: Workspace, publishers: str) -> None:
    """The catalogue's checksum matches, but the FINESS file is no extraction (a page of text): ``make data``
    stopped there (a review). It goes on as after a failed download (the demonstration here, said why), and the
    file is deleted so that the next run fetches it again."""
    path = f"{STATIC}/finess/20260611-0342/etalab-cs1100507-stock-20260611-0342.csv"
    junk = b"Service momentanement indisponible\n"
    Publishers.files[path] = junk
    Publishers.files[f"/api/1/datasets/{FINESS_DATASET}/"] = catalogue_entry(publishers, FINESS_DATASET, [
        ("etalab-cs1100507-stock-20260611-0342.csv", path, "2026-06-11T03:42:00+00:00", junk)])
    code, out, err = run_online(fresh, publishers, "data", "--departements", "04")
    assert (code, err) == (0, ""), out + err
    assert "téléchargement de l'extraction FINESS impossible : fichier téléchargé illisible, supprimé (" in out
    assert query(fresh, "SELECT DISTINCT demo FROM sources WHERE source = 'finess'") == [(True,)]
    assert query(fresh, "SELECT DISTINCT demo FROM sources WHERE source = 'annuaire-sante'") == [(False,)]
    assert not list((fresh.data / "raw" / "finess").glob("etalab-cs1100507-stock-*"))


def test_demo_option_does_not_ask_the_catalogue(fresh: Workspace, publishers: str) -> None:
    code, out, err = run_online(fresh, publishers, "data", "--departements", "04", "--demo")
    assert (code, err) == (0, "")
    assert not [p for p in Publishers.requested if p.startswith("/api/")]
    assert query(fresh, "SELECT DISTINCT demo FROM sources WHERE source IN ('annuaire-sante', 'finess')") == [(True,)]
    assert "ATTENTION" not in out


def test_interrupted_download_is_resumed_by_the_next_run(fresh: Workspace, publishers: str, mirror: Path) -> None:
    """The transfer of the Annuaire Santé stops half-way: demonstration data meanwhile, then the rest is fetched.

    The downloader writes blocks of 256 kB: the served extraction is the sample followed by 3 000 copies of
    its physician's row under other identifiers (about 900 kB), so that the interrupted transfer leaves a
    partial file to resume.
    """
    lines = (mirror / SAMPLES / ANNUAIRE_SAMPLE).read_text(encoding="utf-8").splitlines(keepends=True)
    physician = lines[-1].split("|")
    copies = ["|".join([physician[0], f"2{i:010d}", f"82{i:010d}", *physician[3:]]) for i in range(3000)]
    content = "".join(lines + copies).encode()
    Publishers.files[ANNUAIRE_PATH] = content
    Publishers.files[f"/api/1/datasets/{ANNUAIRE_DATASET}/"] = catalogue_entry(publishers, ANNUAIRE_DATASET, [
        ("ps-libreacces-personne-activite.txt", ANNUAIRE_PATH, "2026-06-10T12:08:43+00:00", content)])
    Publishers.cut_once = {ANNUAIRE_PATH}
    code, out, err = run_online(fresh, publishers, "data", "--departements", "01,04")
    assert (code, err) == (0, "")
    assert (f"\nATTENTION : offre de soins fictive de démonstration, car téléchargement de l'extraction Annuaire "
            f"Santé impossible : Téléchargement tronqué : connexion interrompue pendant {publishers}{ANNUAIRE_PATH} ; "
            "relancez pour reprendre\n") in out
    part = fresh.data / "raw" / "annuaire" / "PS_LibreAcces_Personne_activite_202606101208.txt.part"
    kept = part.stat().st_size
    assert 0 < kept <= len(content) // 2
    Publishers.ranges.clear()
    code, out, err = run_online(fresh, publishers, "data")
    assert (code, err) == (0, "") and "ATTENTION" not in out
    assert f"bytes={kept}-" in Publishers.ranges  # resumed where it stopped, then checked against the sha1
    assert query(fresh, "SELECT demo, row_count FROM sources WHERE source = 'annuaire-sante'") == [
        (False, len(lines) - 1 + len(copies))]
    assert not part.exists()


def test_what_the_catalogue_resources_say_is_said_in_make_data(fresh: Workspace, publishers: str) -> None:
    """A review: a checksum of a type the tool does not know was silent, a newer spreadsheet matching the title hid
    the usable extraction (demonstration data), and the FINESS maintenance page without <html> read as an empty
    file. The extraction is loaded, with what was not verified and what was set aside said; the page is named."""
    annuaire = Publishers.files[ANNUAIRE_PATH]
    entry = json.loads(Publishers.files[f"/api/1/datasets/{ANNUAIRE_DATASET}/"])
    entry["resources"][0]["checksum"] = {"type": "crc32", "value": "deadbeef"}
    entry["resources"].append({"title": "ps-libreacces-personne-activite.xlsx", "format": "xlsx",
                               "url": f"{publishers}{STATIC}/annuaire/20260612-000000/ps-libreacces.xlsx",
                               "last_modified": "2026-06-12T00:00:00+00:00"})
    Publishers.files[f"/api/1/datasets/{ANNUAIRE_DATASET}/"] = json.dumps(entry).encode()
    finess_path = f"{STATIC}/finess/20260611-0342/etalab-cs1100507-stock-20260611-0342.csv"
    page = b"\r\n<title>Maintenance</title><p>Le service revient vite.</p>\r\n"
    Publishers.files[finess_path] = page
    Publishers.files[f"/api/1/datasets/{FINESS_DATASET}/"] = catalogue_entry(publishers, FINESS_DATASET, [
        ("etalab-cs1100507-stock-20260611-0342.csv", finess_path, "2026-06-11T03:42:00+00:00", page)])
    code, out, err = run_online(fresh, publishers, "data", "--departements", "04")
    assert (code, err) == (0, ""), out + err
    assert (f"extraction courante téléchargée : {publishers}{ANNUAIRE_PATH}, publié le 10/06/2026 ; ressource plus "
            "récente écartée : « ps-libreacces-personne-activite.xlsx » est au format xlsx, que l'outil ne lit pas ; "
            "somme de contrôle non vérifiée (type « crc32 » inconnu de l'outil)") in " ".join(out.split())
    assert (f"ATTENTION : offre de soins fictive de démonstration, car téléchargement de l'extraction FINESS "
            f"impossible : Téléchargement de {publishers}{finess_path} refusé : le serveur a renvoyé une page web au "
            "lieu du fichier ; le fichier a été supprimé, relancez plus tard") in out
    assert query(fresh, "SELECT source, demo FROM sources WHERE source IN ('annuaire-sante', 'finess') "
                        "ORDER BY source") == [("annuaire-sante", False), ("finess", True)]
    assert (fresh.data / "raw" / "annuaire" / "PS_LibreAcces_Personne_activite_202606101208.txt").read_bytes() \
        == annuaire


def test_a_corrupted_npm_tarball_ends_the_run_as_a_system_error(fresh: Workspace, publishers: str) -> None:
    """A review: 64 bytes changed in the middle of the 6.0.0 tarball passed the download's check, were kept in
    data/raw/, and every later run ended « Contenu JSON invalide » (exit 2) with no hint."""
    path = f"/npm/@etalab/decoupage-administratif/-/decoupage-administratif-{config.DECOUPAGE_VERSIONS[2026]}.tgz"
    genuine = Publishers.files[path]
    middle = len(genuine) // 2
    Publishers.files[path] = genuine[:middle] + bytes(b ^ 0x5A for b in genuine[middle:middle + 64]) \
        + genuine[middle + 64:]
    code, _, err = run_online(fresh, publishers, "data", "--departements", "04")
    assert code == 1
    assert err.startswith(f"Erreur : Téléchargement de {publishers}{path} refusé : l'archive reçue est illisible "
                          "(coupée, corrompue, ou d'un autre format) ; le fichier a été supprimé, relancez plus tard")
    assert not (fresh.data / "raw" / config.decoupage_file(2026).mirror_path).exists()


def test_a_reload_of_a_copy_already_downloaded_is_not_said_downloaded(tmp_path: Path) -> None:
    """A review: « make data --force » said « extraction courante téléchargée » of files reused from data/raw/
    (their checksums matched the catalogue's), which its server never served."""
    from datetime import UTC, datetime

    from pipeline.app.online_supply import _fetched
    from pipeline.app.steps import StepResult
    from pipeline.sources.catalogue import CatalogueDownload, CatalogueEntry
    from pipeline.sources.download import LocalFile

    url = "http://127.0.0.1:9/annuaire/ps-libreacces-personne-activite.txt"
    entry = CatalogueEntry(url=url, filename="ps.txt", published=datetime(2026, 6, 10, tzinfo=UTC), checksum=None,
                           title="ps")
    local = LocalFile(tmp_path / "ps.txt", url, "0" * 64)
    loaded, same = StepResult("Annuaire Santé", "chargé", 22, 0.1), StepResult("Annuaire Santé", "inchangé", 0, 0.1)
    said = ", publié le 10/06/2026"
    assert _fetched(CatalogueDownload(entry, local), loaded) == f"extraction courante téléchargée : {url}{said}"
    assert _fetched(CatalogueDownload(entry, local, downloaded=False), loaded) == (
        f"extraction courante rechargée depuis le fichier déjà téléchargé (même somme de contrôle) : {url}{said}")
    assert _fetched(CatalogueDownload(entry, local, downloaded=False), same) == (
        f"extraction courante déjà chargée : {url}{said}")


def test_a_savoir_faire_file_fetched_beside_activities_reused_is_said(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A re-check: with the savoir-faire file deleted, « make data --force » fetched it and said « rechargée » only,
    of the activities."""
    from datetime import UTC, datetime

    from pipeline.app import online_supply
    from pipeline.app.steps import Scope, StepResult
    from pipeline.sources.catalogue import CatalogueDownload, CatalogueEntry
    from pipeline.sources.download import LocalFile

    def entry(name: str) -> CatalogueEntry:
        return CatalogueEntry(url=f"http://127.0.0.1:9/{name}", filename=name,
                              published=datetime(2026, 6, 10, tzinfo=UTC), checksum=None, title=name)

    downloads = iter([CatalogueDownload(entry("activite.txt"), LocalFile(tmp_path / "a", "x", "0"), downloaded=False),
                      CatalogueDownload(entry("savoirfaire.txt"), LocalFile(tmp_path / "s", "x", "0"))])
    monkeypatch.setattr(online_supply, "_fetch", lambda source, folder: next(downloads))  # activities reused
    step = online_supply.online_registry_step(
        online_supply.OnlineSupply(),
        lambda path, savoir_faire, origin: lambda con, mirror, force, scope: StepResult("Annuaire Santé", "chargé",
                                                                                      1, 0.1))
    result = step(None, None, True, Scope())  # type: ignore[arg-type]
    assert result.details[:2] == [
        "extraction courante rechargée depuis le fichier déjà téléchargé (même somme de contrôle) : "
        "http://127.0.0.1:9/activite.txt, publié le 10/06/2026",
        "savoir-faire téléchargé : http://127.0.0.1:9/savoirfaire.txt, publié le 10/06/2026"]
