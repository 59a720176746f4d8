"""Obtain upstream files: read them in place from the mirror, or download them.

With ``CPTS_DATA_MIRROR`` set, a source is read where it lies in the mirror
(never copied). Without it, the file is streamed from its official URL into
``data/raw/`` with timeouts, resumption of a partial ``.part`` file (HTTP
Range, with If-Range), up to three attempts while the server answers a transient status
(429, 502, 503, 504: after the ``Retry-After`` it asks, at most a minute),
a size check against ``Content-Length``, a content check (no web page, an
archive read to its end: :mod:`pipeline.sources.received`) and, when the
publisher gives one, a checksum check (sha256, the sha1/md5 a catalogue such
as data.gouv.fr publishes, the npm registry's sha512 ``dist.integrity``).
Every failure is a French :class:`DownloadError`; the publisher's side (network,
server, a corrupted or missing file) a :class:`SourceUnavailableError` (exit code 1).
This is the project's only downloader: every source module uses it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import shutil
import subprocess
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import requests

from pipeline import config
from pipeline.config import SourceFile
from pipeline.errors import DataError, DownloadError, SourceUnavailableError
from pipeline.sources import transfer as transfer_module
from pipeline.sources.received import check_content, readable_archive
from pipeline.sources.transfer import (
    CHUNK,
    TIMEOUT,
    TRANSIENT_STATUSES,
    HTTPStatusError,
    StalePart,
    announce_retry,
    discard,
    retry_wait,
    transfer,
    transient_message,
    validator_file,
)

__all__ = ["HASHES", "TIMEOUT", "Checksum", "HTTPStatusError", "LocalFile", "download", "file_digest", "npm_dist",
           "npm_pack", "npm_version", "obtain", "refused_download", "sha256_of", "wait"]


@dataclass(frozen=True)
class LocalFile:
    """A source file available locally, with where it came from."""

    path: Path
    origin: str
    sha256: str


def refused_download(path: Path, url: str, what: str, exc: DataError) -> SourceUnavailableError:
    """Delete ``path``, a publisher's file (from ``url``) that downloaded whole but does not read (``exc``), and the
    system error saying so: kept, it stopped every later run with the same error, never fetched again (a review).
    """
    path.unlink(missing_ok=True)
    return SourceUnavailableError(
        f"{what} téléchargé de {url} inutilisable : {exc.message} ; le fichier a été supprimé, relancez « make data » "
        "pour le télécharger de nouveau (si l'erreur revient, c'est le fichier publié qui est en cause)", path)


#: Checksum algorithms a publisher may give, by the name data.gouv.fr uses (``sha2`` is sha256).
HASHES: dict[str, str] = {"sha256": "sha256", "sha2": "sha256", "sha1": "sha1", "md5": "md5", "sha512": "sha512"}


@dataclass(frozen=True)
class Checksum:
    """An expected digest of a file: ``algorithm`` (a key of :data:`HASHES`) and hex ``value``."""

    algorithm: str
    value: str


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    """Hex digest of a file, read in blocks (``algorithm``: a key of :data:`HASHES`)."""
    digest = hashlib.new(HASHES.get(algorithm, algorithm))
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_of(path: Path) -> str:
    """sha256 of a file: the digest recorded in the ``sources`` table."""
    return file_digest(path, "sha256")


def wait(seconds: float) -> None:
    """Sleep ``seconds`` before asking a busy server again (replaced in tests)."""
    time.sleep(seconds)


def _transfer_with_retries(http: requests.Session, url: str, part: Path, dest: Path) -> str | None:
    """:func:`transfer`, made again while the server answers a transient status (:func:`retry_wait`); the
    Content-Type served."""
    attempt = 1
    while True:
        try:
            return transfer(http, url, part, dest)
        except HTTPStatusError as exc:
            if exc.status not in TRANSIENT_STATUSES:
                raise
            pause = retry_wait(exc.retry_after, attempt)
            if pause is None:
                raise HTTPStatusError(transient_message(exc.status, exc.retry_after, url, attempt), None,
                                      exc.status, exc.retry_after) from None  # no local file at fault
            announce_retry(exc.status, url, pause, attempt)
            wait(pause)
            attempt += 1


def download(
    url: str,
    dest: Path,
    expected_sha256: str | None = None,
    session: requests.Session | None = None,
    *,
    checksum: Checksum | None = None,
) -> Path:
    """Stream ``url`` to ``dest``, resuming a previous partial download.

    Parameters
    ----------
    url, dest
        Source URL and final path; the transfer goes to ``dest`` + ``.part``
        and replaces ``dest`` only once complete and checked.
    expected_sha256
        sha256 the file must have (the project's own catalogue).
    session
        Optional :class:`requests.Session` (tests, proxies).
    checksum
        Another expected digest (a publisher's sha1 or md5).

    Raises
    ------
    DownloadError
        Offline or unreachable server, HTTP error, truncated transfer (the
        partial file is kept: the next run resumes it) or checksum mismatch
        (the partial file is deleted). A failed file never takes the place of
        ``dest``.
    """
    expected = [Checksum("sha256", expected_sha256)] if expected_sha256 else []
    if checksum is not None:
        if checksum.algorithm.lower() not in HASHES:
            raise DownloadError(
                f"Somme de contrôle d'un type inconnu « {checksum.algorithm} » annoncée pour {url}", dest)
        expected.append(Checksum(checksum.algorithm.lower(), checksum.value.lower()))
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    http = session or requests.Session()
    try:
        content_type = _transfer_with_retries(http, url, part, dest)
    except StalePart:
        # The partial file does not fit the file now served (a new version): start again, once.
        discard(part)
        try:
            content_type = _transfer_with_retries(http, url, part, dest)
        except StalePart:
            raise SourceUnavailableError(f"Le serveur refuse de reprendre le téléchargement de {url}", dest) from None
    for check in expected:
        actual = file_digest(part, check.algorithm)
        if actual != check.value:
            discard(part)
            raise SourceUnavailableError(
                f"Somme de contrôle incorrecte pour {url} : attendu {check.value}, obtenu {actual} "
                f"({HASHES[check.algorithm]}) ; le fichier a été supprimé, relancez plus tard",
                dest,
            )
    check_content(part, dest, url, content_type)
    part.replace(dest)
    validator_file(part).unlink(missing_ok=True)
    return dest


def npm_pack(spec: str, dest_dir: Path) -> Path | None:
    """Fetch an npm package tarball with ``npm pack``; None if npm is unusable."""
    npm = shutil.which("npm")
    if npm is None:
        return None
    dest_dir.mkdir(parents=True, exist_ok=True)
    try:
        result = subprocess.run(
            [npm, "pack", spec, "--pack-destination", str(dest_dir), "--silent"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    name = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    path = dest_dir / name
    return path if name and path.exists() else None


def obtain(source: SourceFile, mirror: Path | None = None) -> LocalFile:
    """Return a local copy of ``source``: the mirror's file, or a download.

    Without a mirror the file goes to ``data/raw/<mirror_path>``; when the
    publisher ships it inside an archive (``source.extra["archive"]``, e.g.
    INSEE's zips), the archive is kept under that name in the same folder
    and its path returned: the staging module reads the member it needs.
    """
    mirror = mirror if mirror is not None else config.mirror_dir()
    if mirror is not None:
        path = mirror / source.mirror_path
        if not path.exists():
            raise DownloadError(
                f"Fichier absent du miroir {mirror} (variable {config.MIRROR_ENV}) pour la source "
                f"« {source.name} » {source.vintage}",
                path,
            )
        return LocalFile(path, f"miroir:{path}", sha256_of(path))
    dest = config.raw_dir() / source.mirror_path
    if source.extra.get("archive"):
        dest = dest.parent / source.extra["archive"]
    spec = source.extra.get("npm_spec")
    # A tarball of another version, or one that does not read to its gzip trailer (kept by an earlier version of
    # the tool, which did not check it: a review's failed at every run as « Contenu JSON invalide »), is deleted
    # and fetched again. Only the npm tarballs are read whole here: a few MB each.
    if dest.exists() and (spec is None or (npm_version(dest) == spec.rpartition("@")[2]
                                           and readable_archive(dest, dest.name))):
        return LocalFile(dest, source.url or str(dest), sha256_of(dest))
    dest.unlink(missing_ok=True)
    if spec and not config.npm_registry_set():
        packed = npm_pack(spec, dest.parent)
        if packed is not None:
            packed.replace(dest)
            _check_npm_version(dest, spec, f"npm pack {spec}")
            return LocalFile(dest, f"npm pack {spec}", sha256_of(dest))
    if source.url is None:
        raise DownloadError(
            f"La source « {source.name} » {source.vintage} n'a pas d'adresse de téléchargement "
            f"automatique : placez le fichier dans {dest} ou définissez {config.MIRROR_ENV}",
            dest,
        )
    download(source.url, dest, source.sha256, checksum=npm_dist(spec, source.url) if spec else None)
    if spec:
        _check_npm_version(dest, spec, source.url)
    return LocalFile(dest, source.url, sha256_of(dest))


def npm_dist(spec: str, tarball_url: str, session: requests.Session | None = None) -> Checksum | None:
    """The checksum the npm registry serving ``tarball_url`` gives for ``spec``'s version (``dist.integrity``
    sha512, else ``dist.shasum`` sha1), or None when its metadata cannot be had or gives none.

    Read from the package's abbreviated metadata on the same registry as the tarball (``<registry>/@scope%2fname``,
    as npm asks it). Best effort: a registry that serves tarballs without metadata (a plain mirror) still gives
    them, and the tarball is then checked by its gzip trailer only
    (:func:`pipeline.sources.received.readable_archive`); a registry that cannot be reached fails at the tarball's
    own download, in French.
    """
    name, _, version = spec.rpartition("@")
    root, separator, _ = tarball_url.partition("/-/")
    if not separator or not root.endswith(f"/{name}"):
        return None  # not a registry's tarball address: no metadata beside it
    url = f"{root.removesuffix(name)}{quote(name, safe='@')}"
    try:
        http = session or requests.Session()
        response = transfer_module.within_small_answer_time(lambda: http.get(url, timeout=TIMEOUT, headers={
            "Accept": "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8"}), url)
        dist = response.json()["versions"][version]["dist"] if response.status_code == 200 else None
    except (requests.exceptions.RequestException, ValueError, KeyError, TypeError):
        return None
    if not isinstance(dist, dict):
        return None
    for entry in str(dist.get("integrity") or "").split():  # « sha512-<base64> », possibly several
        algorithm, _, value = entry.partition("-")
        if algorithm == "sha512":
            try:
                return Checksum("sha512", base64.b64decode(value, validate=True).hex())
            except (binascii.Error, ValueError):
                break
    shasum = str(dist.get("shasum") or "").lower()
    return Checksum("sha1", shasum) if len(shasum) == 40 and all(c in "0123456789abcdef" for c in shasum) else None


def npm_version(path: Path) -> str | None:
    """The ``version`` of an npm tarball's ``package/package.json``, or None when it cannot be read."""
    try:
        with tarfile.open(path, "r:gz") as archive:
            for member in archive:
                if member.name == "package/package.json" and (handle := archive.extractfile(member)) is not None:
                    version = json.loads(handle.read().decode("utf-8")).get("version")
                    return str(version) if version is not None else None
    except (OSError, EOFError, tarfile.TarError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        return None
    return None


def _check_npm_version(path: Path, spec: str, origin: str) -> None:
    """Refuse, and delete, a tarball of another version than ``spec``'s (a review: the 5.3.0 package served at the
    6.0.0 address was loaded as the COG 2026)."""
    expected = spec.rpartition("@")[2]
    found = npm_version(path)
    if found != expected:
        path.unlink(missing_ok=True)
        raise SourceUnavailableError(
            f"Paquet reçu de {origin} : version {found or 'illisible'} au lieu de {expected} ; le fichier a été "
            "supprimé, relancez plus tard", path)
