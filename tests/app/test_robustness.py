"""Robustness (issue 7): bad inputs across the pipeline.

Every case asserts (a) the exact French message, naming the file and line
where relevant, (b) the exit code of the command line (``pipeline.cli.main``
in-process, or ``python -m pipeline`` in its own process where processes,
signals or privileges matter), (c) that the database (row count of every
table, the ``sources`` table) and the outputs of a previous diagnostic
(bytes and mtimes of ``maps/<slug>/`` and ``data/processed/diagnostics/<slug>/``)
are unchanged, and (d) that no Python traceback reaches stderr.

Workspaces: conftest's session fixture ``previous_run`` copies the fixture
database (``fixture_data_dir``, five départements) once and writes a diagnostic
of ``communes:04070`` in it; cases that only read run against it (:func:`shared`),
cases that write (``make data``) run on a private copy of it (:func:`workspace`).

Read-only output folder: the tests run as root, for whom ``chmod`` does not
prevent writes. The CLI subprocess is then started through ``setpriv`` with
the capabilities CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH dropped, so that the
kernel applies the folder's permission bits to it like to any user (no mount,
no other account needed). A second case blocks the output path with a file.
"""

from __future__ import annotations

import contextlib
import errno
import http.server
import os
import re
import shutil
import signal
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline import config
from pipeline.errors import PipelineError
from pipeline.store import connection as store
from pipeline.store import writing
from tests.app.robust_support import (
    CODE_BUSY,
    CODE_ERROR,
    FIXTURES,
    PREVIOUS,
    SLUG,
    Process,
    Workspace,
    cli,
    error_line,
    run_module,
    snapshot,
    spawn,
    without_dac_override,
)

# --------------------------------------------------------------------------- workspaces
# The workspace, snapshot and subprocess helpers are those of tests/app/robust_support.py; the previous run
# (fixture database + one diagnostic of communes:04070) is conftest's ``previous_run``, built once per session.


@pytest.fixture()
def shared(previous_run: Workspace, mirror: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """The previous run's workspace, for commands that must not write anything."""
    for key, value in previous_run.env(mirror).items():
        monkeypatch.setenv(key, value)
    return previous_run


@pytest.fixture()
def workspace(ws: Workspace) -> Workspace:
    """A private copy of the previous run (conftest's ``ws``), for commands that write (``make data``)."""
    return ws


# --------------------------------------------------------------------------- snapshots

#: A path up to a data folder's ``raw/`` (in ``sources.origin`` and ``sources.notes``).
RAW_FOLDER = re.compile(r"\S*/raw/")


def without_load_times(snap: dict[str, Any]) -> dict[str, Any]:
    """The snapshot as a forced reload of identical files leaves it: ``sources.loaded_at`` dropped, and the data
    folder taken out of the paths in ``origin`` and ``notes`` (the workspace reads the fixture's raw files through
    its own folder, so a step the reload committed records the same file, by checksum, under another path)."""
    def local(value: Any) -> Any:
        return RAW_FOLDER.sub("raw/", value) if isinstance(value, str) else value

    return {**snap, "sources": [tuple(local(v) for v in (*row[:5], *row[6:])) for row in snap["sources"]]}


# --------------------------------------------------------------------------- running the CLI




def wait_for_lock(ws: Workspace, proc: Process, timeout: float = 120) -> None:
    """Wait until ``proc`` holds the writer lock (it writes its pid into the lock file)."""
    lock = ws.db.with_suffix(".duckdb.lock")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the loading run ended early: {proc.communicate()}"
        if lock.exists() and lock.read_text(encoding="utf-8").strip() == str(proc.pid):
            return
        time.sleep(0.05)
    raise AssertionError("the loading run never took the writer lock")


def wait_for_open_database(ws: Workspace, proc: Process, timeout: float = 120) -> None:
    """Wait until ``proc`` has the database file open (after the lock, it first reads its files' checksums)."""
    target = ws.db.resolve()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the loading run ended early: {proc.communicate()}"
        with contextlib.suppress(OSError):  # a descriptor may close between listing and reading it
            for fd in Path(f"/proc/{proc.pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    if Path(os.readlink(fd)) == target:
                        return
        time.sleep(0.02)
    raise AssertionError("the loading run never opened the database")


# --------------------------------------------------------------------------- territories and options (read only)


def _read_only_cases() -> list[Any]:
    f = FIXTURES
    return [
        pytest.param(
            ["diagnostic", "communes:99999"],
            error_line("Territoire non résolu (communes:99999) :\n  - code INSEE inconnu : 99999"),
            id="code-insee-inconnu"),
        pytest.param(
            ["diagnostic", "departement:999"], error_line("Département inconnu : 999"), id="departement-inconnu"),
        pytest.param(
            ["territoire", "epci:123456789"], error_line("EPCI inconnu : 123456789"), id="epci-inconnu"),
        pytest.param(
            ["couverture", "--departement", "999"], error_line("Département inconnu : 999"),
            id="couverture-departement-inconnu"),
        pytest.param(
            ["diagnostic", f"fichier:{f / 'territoire_entete_seule.csv'}"],
            error_line("Territoire vide : le fichier n'a aucun code dans la colonne « code_insee » (en-tête seul ?)",
                       f / "territoire_entete_seule.csv", 2),
            id="territoire-vide-csv"),
        pytest.param(
            ["diagnostic", f"fichier:{f / 'perimetre_en_mer.geojson'}"],
            error_line("Territoire vide : le périmètre du fichier ne contient le point représentatif d'aucune "
                       "commune chargée, et la base est limitée aux départements 04, 13, 33, 75, 976 (emprise lon "
                       "5.800 à 6.100, lat 42.500 à 42.700) : ajoutez ses départements (make data DEPARTEMENTS=…) "
                       "ou chargez toute la France (make data FRANCE=1) ; sinon, vérifiez ses coordonnées "
                       "(longitude/latitude WGS84 ou CRS déclaré)", f / "perimetre_en_mer.geojson"),
            id="territoire-vide-geojson"),
        pytest.param(
            ["diagnostic", f"fichier:{f / 'absent.csv'}"],
            error_line("Fichier de territoire introuvable", f / "absent.csv"),
            id="fichier-territoire-absent"),
        pytest.param(
            ["diagnostic", f"fichier:{f / 'listing_utf8_abime.csv'}"],
            error_line("Le fichier n'est encodé ni en UTF-8 ni en Windows-1252 (UTF-8 abîmé, ou un autre encodage) ; "
                       "réenregistrez-le en « CSV UTF-8 » :\n  - ligne 3 : octet 0xe9 invalide en UTF-8 (colonne 10)",
                       f / "listing_utf8_abime.csv", 3),
            id="territoire-utf8-abime"),
        pytest.param(
            ["diagnostic", PREVIOUS, "--signature", "2024-13-45"],
            error_line("Date de signature invalide « 2024-13-45 » : ce jour n'existe pas dans le calendrier"),
            id="signature-mal-formee"),
        pytest.param(
            ["diagnostic", PREVIOUS, "--signature", "15.01.2024"],
            error_line("Date de signature invalide « 15.01.2024 » : attendu AAAA-MM-JJ ou JJ/MM/AAAA"),
            id="signature-format-inconnu"),
        pytest.param(  # a review: the workbook's properties refused it after the whole computation
            ["diagnostic", PREVIOUS, "--nom", "CPTS\x01test"],
            error_line("Nom du territoire invalide 'CPTS\\x01test' : il contient un caractère de contrôle "
                       "(tabulation, retour à la ligne…) ; donnez un nom sur une seule ligne"), id="nom-controle"),
        pytest.param(
            ["diagnostic", PREVIOUS, "--ajout", "médecins généralistes:deux@04070"],
            error_line("Scénario : élément 1, nombre invalide « deux » (un nombre de professionnels, au centième "
                       "près, ex. 2, -1 ou 0,5) ; forme attendue « groupe:nombre@commune », "
                       "par ex. « médecins généralistes:2@04070 »."),
            id="ajout-nombre-invalide"),
        pytest.param(
            ["diagnostic", PREVIOUS, "--ajout", "infirmiers:1@407"],  # « 4070 » is 04070, its zero restored
            error_line("Scénario : élément 1, code commune INSEE invalide « 407 » (5 caractères, ex. 04070 ou "
                       "2A004)."),
            id="ajout-code-invalide"),
        pytest.param(  # a code of no commune: not « outside the neighbourhood »
            ["diagnostic", PREVIOUS, "--ajout", "médecins généralistes:2@99999"],
            error_line("Simulation : code(s) INSEE inconnu(s) de la base (ni commune ni arrondissement des "
                       "départements chargés) : 99999"),
            id="ajout-code-inconnu"),
        pytest.param(
            ["diagnostic", PREVIOUS, "--adherents", str(f / "adherents_profession_inconnue.csv")],
            error_line("Fichier des adhérents invalide (profession attendue : l'un des groupes de la Trame : Médecins "
                       "généralistes, Médecins spécialistes, Infirmiers, Pharmaciens, Masseurs-kinésithérapeutes, "
                       "Biologistes, Sages-femmes, Orthophonistes, Orthoptistes, Chirurgiens-dentistes, "
                       "Pédicures-podologues, Psychologues, MSP, Centres de santé, Autres ; « Autre (astrologue) » "
                       "pour une profession hors de ces lignes, si ce n'est pas une faute de frappe) :\n"
                       "  - ligne 3 : profession inconnue « astrologue »",
                       f / "adherents_profession_inconnue.csv", 3),
            id="adherents-profession-inconnue"),
        pytest.param(
            ["diagnostic", PREVIOUS, "--flux", str(f / "flux_volume_negatif.csv")],
            error_line("Table origine–destination invalide : volume négatif ou non fini « -5 »",
                       f / "flux_volume_negatif.csv", 3),
            id="flux-volume-negatif"),
        pytest.param(
            ["diagnostic", PREVIOUS, "--flux", str(f / "listing_vide.csv")],
            error_line("Fichier vide : une ligne d'en-tête origine;destination;volume est attendue",
                       f / "listing_vide.csv", 1),
            id="flux-fichier-vide"),
        pytest.param(
            ["diagnostic", PREVIOUS, "--flux", str(f / "absent.csv")],
            error_line("Fichier introuvable (option --flux)", f / "absent.csv"), id="flux-fichier-absent"),
        pytest.param(
            ["territoire", f"fichier:{f}"],
            error_line("Le territoire doit être un fichier CSV, GeoJSON, GeoPackage ou Shapefile, pas un dossier", f),
            id="territoire-dossier"),
    ]


@pytest.mark.parametrize(("args", "expected"), _read_only_cases())
def test_bad_request_fails_in_french_and_changes_nothing(
    shared: Workspace, capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    before = snapshot(shared)
    code, out, err = cli(capsys, *args)
    assert (code, err) == (CODE_ERROR, expected)
    assert "Diagnostic de" not in out
    assert snapshot(shared) == before


def test_bad_option_fails_before_the_computation(shared: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    """A typo in an option is reported at once, not after the whole diagnostic was computed."""
    start = time.perf_counter()
    code, _, err = cli(capsys, "diagnostic", PREVIOUS, "--signature", "demain")
    assert (code, err) == (CODE_ERROR,
                           error_line("Date de signature invalide « demain » : attendu AAAA-MM-JJ ou JJ/MM/AAAA"))
    assert time.perf_counter() - start < 3


def test_old_insee_code_resolves_with_a_note(shared: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(shared)
    code, out, err = cli(capsys, "territoire", "communes:04003")
    assert (code, err) == (0, "")
    assert "  note : 04003 (Albiosc, commune associée) rattaché à la commune actuelle 04081 (Esparron-de-Verdon)\n" \
        in out
    assert "  04081 Esparron-de-Verdon (" in out
    assert snapshot(shared) == before


def test_corrupted_database_is_reported_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = Workspace(tmp_path)
    ws.db.parent.mkdir(parents=True)
    ws.db.write_bytes(b"DUCK" + bytes(range(256)) * 64)
    content = ws.db.read_bytes()
    monkeypatch.setenv("CPTS_DATA_DIR", str(ws.data))
    code, _, err = cli(capsys, "territoire", PREVIOUS)
    assert code == CODE_ERROR
    assert err.startswith("Erreur : La base de données est endommagée (fichier tronqué, corrompu ou qui n'est pas "
                          "une base DuckDB) (IO Error: ")
    assert err.endswith(" : supprimez le fichier ou relancez « make data », qui reconstruira la base "
                        f"(fichier {ws.db})\n")
    # A rebuild that cannot complete (an empty mirror) leaves the damaged file as it was.
    (tmp_path / "miroir-vide").mkdir()
    code, _, err = cli(capsys, "data", "--sans-demo", "--miroir", str(tmp_path / "miroir-vide"))
    assert code == CODE_ERROR and err.startswith("Erreur : Fichier absent du miroir ")
    assert ws.db.read_bytes() == content
    assert not ws.db.with_name("cpts.duckdb.reconstruction").exists()


def test_make_data_rebuilds_a_damaged_database(
    tmp_path: Path, mirror: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = Workspace(tmp_path)
    ws.db.parent.mkdir(parents=True)
    ws.db.write_bytes(b"DUCK" + bytes(range(256)) * 64)
    monkeypatch.setenv("CPTS_DATA_DIR", str(ws.data))
    code, out, err = cli(capsys, "data", "--sans-demo", "--departements", "04", "--miroir", str(mirror))
    assert (code, err) == (0, "")
    assert "Base reconstruite entièrement : base endommagée (La base de données est endommagée" in out
    assert "(départements 04 seulement)" in out and "Terminé en" in out
    code, out, err = cli(capsys, "territoire", PREVIOUS)
    assert (code, err) == (0, "") and out.startswith("Digne-les-Bains : 1 unité, 17 979 habitants")


# --------------------------------------------------------------------------- output folders


def test_output_path_blocked_by_a_file(shared: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "bloque"
    blocker.write_text("un fichier à la place du dossier des cartes\n", encoding="utf-8")
    monkeypatch.setenv("CPTS_MAPS_DIR", str(blocker / "maps"))
    before = snapshot(shared)
    code, _, err = cli(capsys, "diagnostic", PREVIOUS)
    assert (code, err) == (CODE_ERROR, error_line(
        "Dossier de sortie impossible à créer : ce chemin est un fichier, pas un dossier "
        f"(attendu un dossier pour {blocker / 'maps'})", blocker))
    assert snapshot(shared) == before
    assert blocker.read_text(encoding="utf-8") == "un fichier à la place du dossier des cartes\n"


@pytest.mark.parametrize("inside", [False, True])
def test_output_folder_on_a_missing_disk(shared: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str], inside: bool) -> None:
    # CPTS_MAPS_DIR (or a folder above it) left as a link to a disk that is not mounted: not « un fichier ».
    link = tmp_path / "cartes"
    link.symlink_to(tmp_path / "disque-demonte" / "cartes")
    maps = link / "projet" if inside else link
    monkeypatch.setenv("CPTS_MAPS_DIR", str(maps))
    before = snapshot(shared)
    code, _, err = cli(capsys, "diagnostic", PREVIOUS)
    assert (code, err) == (CODE_ERROR, error_line(
        "Dossier de sortie impossible à créer : ce chemin est un lien symbolique vers un emplacement absent "
        f"({tmp_path / 'disque-demonte' / 'cartes'}) (attendu un dossier pour {maps})"
        # The link is the folder the variable names: said (a review: the variable was never named).
        + ("" if inside else " ; c'est le dossier que désigne la variable CPTS_MAPS_DIR"), link))
    assert snapshot(shared) == before
    assert link.is_symlink() and not link.exists()


@pytest.mark.parametrize("which", ["maps", "diagnostics"])
def test_read_only_output_folder(workspace: Workspace, mirror: Path, which: str) -> None:
    folder = workspace.maps if which == "maps" else workspace.diagnostics
    before = snapshot(workspace)
    mode = folder.stat().st_mode
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    try:
        code, _, err = run_module(workspace, mirror, "diagnostic", PREVIOUS, prefix=without_dac_override())
    finally:
        folder.chmod(mode)
    assert (code, err) == (CODE_ERROR, error_line(
        "Dossier de sortie non accessible en écriture (droits ou système de fichiers en lecture seule) : les "
        "sorties précédentes sont conservées", folder))
    assert snapshot(workspace) == before


def test_disk_full_while_writing_keeps_previous_outputs(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A system error half-way through the writing: French line, exit 1, previous outputs untouched."""
    from pipeline.render import tables

    real = tables.write_tables

    def disk_full(d: Any, folder: Path) -> None:
        real(d, folder)
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "diagnostic.xlsx"))

    monkeypatch.setattr(tables, "write_tables", disk_full)
    before = snapshot(workspace)
    code, out, err = cli(capsys, "diagnostic", PREVIOUS)
    assert code == 1
    assert err.startswith("Erreur système : plus d'espace libre sur le disque (fichier ")
    assert err.endswith("/diagnostic.xlsx). La base est celle du dernier chargement achevé (make data écrit dans "
                        "une copie, qui ne la remplace qu'à la fin) et les sorties précédentes sont intactes.\n")
    assert "Traceback" not in err and "Diagnostic de" not in out
    assert snapshot(workspace) == before


def test_new_outputs_are_not_private(workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    """The swapped-in folders get the usual permissions, not mkdtemp's 0700."""
    assert cli(capsys, "diagnostic", PREVIOUS)[0] == 0
    umask = os.umask(0)
    os.umask(umask)
    for folder in (workspace.maps / SLUG, workspace.diagnostics / SLUG):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o777 & ~umask
    assert not [p for p in workspace.maps.iterdir() if p.name.startswith(".")]


# --------------------------------------------------------------------------- make data: bad files


def _listing_cases() -> list[Any]:
    f = FIXTURES
    return [
        pytest.param("listing_mal_forme.csv", error_line(
            "Liste de CPTS invalide :\n  - ligne 3 : 5 champs au lieu de 4\n  - ligne 4 : 3 champs au lieu de 4",
            f / "listing_mal_forme.csv", 3), id="csv-mal-forme"),
        pytest.param("listing_utf8_abime.csv", error_line(
            "Le fichier n'est encodé ni en UTF-8 ni en Windows-1252 (UTF-8 abîmé, ou un autre encodage) ; "
            "réenregistrez-le en « CSV UTF-8 » :\n  - ligne 3 : octet 0xe9 invalide en UTF-8 (colonne 10)",
            f / "listing_utf8_abime.csv", 3), id="utf8-abime"),
        pytest.param("listing_vide.csv", error_line("Le fichier de CPTS est vide.", f / "listing_vide.csv", 1),
                     id="fichier-vide"),
        pytest.param("listing_sans_colonne.csv", error_line(
            "Colonnes obligatoires absentes : « code_insee » (colonnes lues : cpts, commune ; séparateur « , »)",
            f / "listing_sans_colonne.csv", 1), id="colonne-absente"),
        pytest.param("perimetres_geometrie_invalide.geojson", error_line(
            "Périmètres de CPTS invalides :\n  - entité n° 1 : géométrie invalide (le contour se recoupe près de "
            "(6,25 ; 44,15))",
            f / "perimetres_geometrie_invalide.geojson"), id="geometrie-invalide"),
        pytest.param("perimetres_geometrie_vide.geojson", error_line(
            "Périmètres de CPTS invalides :\n  - entité n° 1 : géométrie vide",
            f / "perimetres_geometrie_vide.geojson"), id="geometrie-vide"),
        pytest.param("liste_absente.csv", error_line("Fichier introuvable (option --cpts)", f / "liste_absente.csv"),
                     id="fichier-absent"),
    ]


@pytest.mark.parametrize(("name", "expected"), _listing_cases())
def test_bad_cpts_listing_is_refused(workspace: Workspace, capsys: pytest.CaptureFixture[str], name: str,
                                     expected: str) -> None:
    before = snapshot(workspace)
    code, _, err = cli(capsys, "data", "--cpts", str(FIXTURES / name))
    assert (code, err) == (CODE_ERROR, expected)
    assert snapshot(workspace) == before


def test_truncated_annuaire_zip(workspace: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import random
    import zipfile

    rnd = random.Random(7)
    full = tmp_path / "annuaire.zip"
    with zipfile.ZipFile(full, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("PS_LibreAcces_Personne_activite_202601010000.txt",
                         "\n".join("|".join(f"{rnd.random():.12f}" for _ in range(10)) for _ in range(20_000)))
    truncated = tmp_path / "PS_LibreAcces_202601010000_tronque.zip"
    truncated.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    before = snapshot(workspace)
    code, _, err = cli(capsys, "data", "--registre", str(truncated))
    assert code == CODE_ERROR
    assert err.startswith("Erreur : Archive ZIP illisible ou tronquée (téléchargement interrompu ?) ; contenu "
                          "lisible jusqu'à la ligne ")
    line = int(err.split("jusqu'à la ligne ")[1].split(" ")[0])
    assert 5_000 < line < 15_000
    assert err == error_line(f"Archive ZIP illisible ou tronquée (téléchargement interrompu ?) ; contenu lisible "
                             f"jusqu'à la ligne {line} : téléchargez-la à nouveau", truncated, line)
    assert snapshot(workspace) == before


def test_truncated_decoupage_tarball_in_mirror(workspace: Workspace, mirror: Path, tmp_path: Path) -> None:
    fake = (tmp_path / "miroir").resolve()
    shutil.copytree(mirror, fake, copy_function=os.symlink)
    tarball = fake / config.decoupage_file(min(config.DECOUPAGE_VERSIONS)).mirror_path
    content = tarball.read_bytes()
    tarball.unlink()
    tarball.write_bytes(content[: len(content) // 2])
    before = snapshot(workspace)
    code, _, err = run_module(workspace, None, "data", "--miroir", str(fake))
    assert (code, err) == (CODE_ERROR, error_line(
        "Archive du découpage administratif tronquée (fin de fichier inattendue) : copie ou téléchargement "
        "interrompu ? Recopiez le fichier depuis le miroir ou supprimez-le pour le télécharger à nouveau", tarball))
    assert snapshot(workspace) == before


def test_a_mirror_setting_naming_no_folder_is_said_so(workspace: Workspace, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    # A review got « Fichier absent du miroir » for a setting naming a file, or a folder that does not exist.
    a_file = tmp_path / "miroir.txt"
    a_file.write_text("", encoding="utf-8")
    before = snapshot(workspace)
    for path, what in ((a_file, "est un fichier, pas un dossier"), (tmp_path / "absent", "est introuvable")):
        code, _, err = cli(capsys, "data", "--miroir", str(path))
        assert (code, err) == (CODE_ERROR, error_line(
            f"Miroir de données (variable CPTS_DATA_MIRROR ou option --miroir) {what} : {path.resolve()}"))
    assert snapshot(workspace) == before


def test_mirror_without_the_file(workspace: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = (tmp_path / "miroir-vide").resolve()
    empty.mkdir()
    before = snapshot(workspace)
    code, _, err = cli(capsys, "data", "--miroir", str(empty))
    source = config.decoupage_file(min(config.DECOUPAGE_VERSIONS))
    assert (code, err) == (CODE_ERROR, error_line(
        f"Fichier absent du miroir {empty} (variable CPTS_DATA_MIRROR) pour la source « decoupage-administratif » "
        f"{source.vintage}", empty / source.mirror_path))
    assert snapshot(workspace) == before


# --------------------------------------------------------------------------- make data: offline

#: A publisher out of reach is a system error, not the user's input (the contract: 2 bad input, 1 system error).
CODE_SYSTEM = 1


def test_download_when_offline(workspace: Workspace, tmp_path: Path) -> None:
    """No mirror, no npm on the PATH, and every connection refused (proxy on a closed local port)."""
    no_tools = tmp_path / "bin-vide"
    no_tools.mkdir()
    refused = "http://127.0.0.1:9"
    before = snapshot(workspace)
    code, out, err = run_module(workspace, None, "data", "--sans-demo", PATH=str(no_tools), HTTPS_PROXY=refused,
                                https_proxy=refused, HTTP_PROXY=refused, http_proxy=refused, NO_PROXY="",
                                no_proxy="", timeout=120)
    source = config.decoupage_file(min(config.DECOUPAGE_VERSIONS))
    assert out.startswith("Sources : téléchargement depuis les sources officielles\n")
    assert (code, err) == (CODE_SYSTEM, error_line(
        f"Impossible de joindre {source.url} : pas de connexion réseau ? Définissez CPTS_DATA_MIRROR pour lire un "
        "miroir local des données.", workspace.data / "raw" / source.mirror_path))
    assert not list((workspace.data / "raw" / "decoupage-administratif").iterdir())  # no partial file left
    assert snapshot(workspace) == before


class _Unavailable(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(503)
        self.send_header("Retry-After", "0")  # asked again at once: three answers, no wait in the test
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def server_down() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Unavailable)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_download_when_the_server_is_down(workspace: Workspace, server_down: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv(config.MIRROR_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no npm: the tarball is fetched from its URL
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setattr(config, "NPM_REGISTRY", server_down)
    before = snapshot(workspace)
    code, _, err = cli(capsys, "data", "--sans-demo")
    source = config.decoupage_file(min(config.DECOUPAGE_VERSIONS))
    assert source.url is not None and source.url.startswith(server_down)
    # No « (fichier …) »: the file was never made, the server is at fault (a review).
    assert (code, err) == (CODE_SYSTEM, error_line(
        f"Le serveur a répondu 503 pour {source.url} après 3 essais (surcharge ou maintenance) : relancez plus "
        "tard"))
    assert snapshot(workspace) == before


# --------------------------------------------------------------------------- listings: ambiguity and anomalies


def test_cpts_name_in_two_listings_is_ambiguous(workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "data", "--cpts", str(FIXTURES / "listing_nom_en_double.csv"))
    assert (code, err) == (0, "")
    assert "liste de CPTS « listing_nom_en_double » chargé" in out
    before = snapshot(workspace)
    code, _, err = cli(capsys, "diagnostic", "cpts:CPTS du Verdon")
    assert (code, err) == (CODE_ERROR, error_line(
        "Nom de CPTS ambigu : « CPTS du Verdon » (liste listing_nom_en_double), « CPTS du Verdon » (liste paca) ; "
        "précisez la liste, par exemple « cpts:listing_nom_en_double:CPTS du Verdon » ou "
        "« cpts:paca:CPTS du Verdon »"))
    assert snapshot(workspace) == before
    code, out, err = cli(capsys, "territoire", "cpts:listing_nom_en_double:CPTS du Verdon")
    assert (code, err) == (0, "")
    assert out.startswith("CPTS du Verdon (liste listing_nom_en_double) : 2 unités")


def test_commune_claimed_twice_is_an_anomaly_not_an_error(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(workspace)
    code, out, err = cli(capsys, "data", "--cpts", str(FIXTURES / "listing_commune_deux_fois.csv"))
    assert (code, err) == (0, "")
    # Counted in French, and the row to fix named under the step's line (its counts alone named no row).
    assert "1 anomalie : unité revendiquée deux fois par la même CPTS 1" in out
    assert ("\n      ligne 3, « CPTS Robuste » — unité revendiquée deux fois par la même CPTS : unité 04070 déjà "
            "revendiquée par « CPTS Robuste » ligne 2 (code 04070)\n") in out
    con = duckdb.connect(str(workspace.db), read_only=True)
    try:
        anomalies = con.execute(
            "SELECT kind, cpts, code, line, detail_fr FROM cpts_anomalies WHERE listing = 'listing_commune_deux_fois'"
        ).fetchall()
        members = con.execute(
            "SELECT unit_code FROM cpts_membres WHERE listing = 'listing_commune_deux_fois' ORDER BY 1").fetchall()
    finally:
        con.close()
    assert anomalies == [("doublon", "CPTS Robuste", "04070", 3,
                          "unité 04070 déjà revendiquée par « CPTS Robuste » ligne 2 (code 04070)")]
    assert members == [("04001",), ("04070",)]
    after = snapshot(workspace)
    assert after["files"] == before["files"]
    changed = {t for t in after["counts"] if after["counts"][t] != before["counts"].get(t)}
    assert changed == {"cpts_membres", "cpts_anomalies", "sources"}


# --------------------------------------------------------------------------- concurrency and interruptions


def test_concurrent_loads(workspace: Workspace, mirror: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A second ``make data`` fails at once with exit code 3, so does a reader; the first run completes.

    The first run is stopped (SIGSTOP) once it holds the lock, and continued at the end: a forced reload from the
    staged cache takes a few seconds, less than the second run could take to reach the lock on a busy machine.
    """
    before = snapshot(workspace)
    first = spawn(workspace, mirror, "data", "--force", "--sans-demo")
    try:
        wait_for_lock(workspace, first)
        wait_for_open_database(workspace, first)  # a reader is refused by DuckDB's own lock, once it is taken
        first.send_signal(signal.SIGSTOP)  # alive and holding the lock, as a run in the middle of its load
        started = time.monotonic()
        code, _, err = run_module(workspace, mirror, "data", timeout=60)
        assert time.monotonic() - started < 30
        assert (code, err) == (CODE_BUSY, error_line(
            f"Un autre chargement écrit déjà dans la base (processus {first.pid}) ; attendez qu'il se termine "
            "puis relancez.", workspace.db))
        assert first.poll() is None, "the first run must still be loading"
        code, _, err = cli(capsys, "territoire", PREVIOUS)
        assert (code, err) == (CODE_BUSY, error_line(
            "La base de données est utilisée par un autre processus (un autre « make » est en cours ?) ; "
            "réessayez quand il sera terminé.", workspace.db))
        assert first.poll() is None
    finally:
        first.send_signal(signal.SIGCONT)
        out, err = first.communicate(timeout=600)
    assert (first.returncode, err) == (0, "")
    assert "Terminé en" in out
    assert without_load_times(snapshot(workspace)) == without_load_times(before)


@pytest.mark.parametrize(("signum", "expected_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
                         ids=["SIGINT", "SIGTERM"])
def test_interrupted_load_keeps_the_database(workspace: Workspace, mirror: Path, signum: int,
                                             expected_code: int) -> None:
    before = snapshot(workspace)
    proc = spawn(workspace, mirror, "data", "--force")
    try:
        wait_for_lock(workspace, proc)
        time.sleep(1)  # inside the load (about 6 s), at a step that depends on the machine and the staged cache
        proc.send_signal(signal.SIGSTOP)  # so that it cannot end before the signal, however fast the machine
        assert proc.poll() is None
        proc.send_signal(signum)  # delivered when the run continues
    finally:
        proc.send_signal(signal.SIGCONT)
        _, err = proc.communicate(timeout=120)
    interrupted = "Interrompu : la base et les sorties précédentes sont inchangées.\n"
    assert (proc.returncode, err) == (expected_code, interrupted), err
    # A forced reload of identical files may have committed some steps before the signal: same content.
    assert without_load_times(snapshot(workspace)) == without_load_times(before)
    code, out, err = run_module(workspace, mirror, "data")
    assert (code, err) == (0, "")
    assert "Terminé en" in out
    assert without_load_times(snapshot(workspace)) == without_load_times(before)


def test_failure_inside_a_transaction_rolls_back(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bug after a listing's tables were replaced, before its provenance was recorded.

    The CLI prints a French header then the traceback (a bug must be reportable);
    the transaction is rolled back and the next run loads the listing.
    """
    from pipeline.store import load

    real = load.record_source

    def broken(con: duckdb.DuckDBPyConnection, provenance: load.Provenance) -> None:
        if provenance.source.startswith("cpts:listing_commune"):
            raise RuntimeError("panne simulée au milieu de la transaction")
        real(con, provenance)

    monkeypatch.setattr(load, "record_source", broken)
    listing = str(FIXTURES / "listing_commune_deux_fois.csv")
    before = snapshot(workspace)
    code, _, err = cli(capsys, "data", "--cpts", listing)
    assert code == 1
    assert err.startswith(
        "Erreur inattendue (RuntimeError) : anomalie du programme, pas de vos données. La base est celle du dernier "
        "chargement achevé (make data écrit dans une copie, qui ne la remplace qu'à la fin) et les sorties précédentes "
        "sont intactes. Merci de signaler "
        "l'anomalie avec la commande lancée et le détail technique ci-dessous :\nTraceback (most recent call last):")
    assert err.endswith("RuntimeError: panne simulée au milieu de la transaction\n")
    assert snapshot(workspace) == before
    monkeypatch.setattr(load, "record_source", real)
    code, out, err = cli(capsys, "data", "--cpts", listing)
    assert (code, err) == (0, "")
    assert "liste de CPTS « listing_commune_deux_fois » chargé" in out


def test_errors_print_no_traceback_through_python_m(workspace: Workspace, mirror: Path) -> None:
    """The real entry point: one French line on stderr, exit code 2, nothing else."""
    code, out, err = run_module(workspace, mirror, "data", "--cpts", str(FIXTURES / "listing_sans_colonne.csv"))
    assert (code, err) == (CODE_ERROR, error_line(
        "Colonnes obligatoires absentes : « code_insee » (colonnes lues : cpts, commune ; séparateur « , »)",
        FIXTURES / "listing_sans_colonne.csv", 1))
    assert out.startswith("Sources : miroir ")


def test_duckdb_progress_bar_is_off_when_quiet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPTS_QUIET", "1")
    with writing.writer(tmp_path / "q.duckdb"):
        pass
    con = store.connect(tmp_path / "q.duckdb", read_only=False)  # an empty database: no read-only session
    try:
        assert con.execute("SELECT current_setting('enable_progress_bar')").fetchone() == (False,)
    finally:
        con.close()


def test_outputs_of_one_run_never_mix_when_the_second_swap_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the maps folder cannot be swapped in, the tables folder swapped just before is put back."""
    from pipeline.render import outputs, swap_recovery

    monkeypatch.setenv("CPTS_DATA_DIR", str(tmp_path / "data"))
    tables, maps_folder = tmp_path / "tables", tmp_path / "maps"
    tables.mkdir()
    maps_folder.mkdir()
    (tables / "a.csv").write_text("ancien", encoding="utf-8")
    (maps_folder / "carte.html").write_text("ancienne", encoding="utf-8")
    real_exchange = swap_recovery.exchange

    def failing_exchange(new: Path, final: Path) -> bool:  # the new maps folder cannot be moved in
        if Path(final) == maps_folder and new.name.startswith(".maps."):
            raise OSError(28, "No space left on device")
        return real_exchange(new, final)

    monkeypatch.setattr(swap_recovery, "exchange", failing_exchange)
    with (
        pytest.raises(PipelineError, match="les sorties précédentes sont conservées"),
        outputs.atomic_dirs(tables, maps_folder) as (new_tables, new_maps),
    ):
        (new_tables / "a.csv").write_text("nouveau", encoding="utf-8")
        (new_maps / "carte.html").write_text("nouvelle", encoding="utf-8")
    assert (tables / "a.csv").read_text(encoding="utf-8") == "ancien"
    assert (maps_folder / "carte.html").read_text(encoding="utf-8") == "ancienne"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "maps", "tables"]
    assert sorted(p.name for p in tables.iterdir()) == ["a.csv"]
