"""Obtain upstream files: read them in place from the mirror, or download them.

With ``CPTS_DATA_MIRROR`` set, a source is read where it lies in the mirror
(never copied). Without it, the file is streamed from its official URL into
``data/raw/`` with timeouts, resumption of a partial ``.part`` file (HTTP
Range), a size check against ``Content-Length`` and, when the catalogue knows
it, a sha256 check. Every failure is a French :class:`DownloadError`.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import requests

from pipeline import config
from pipeline.config import SourceFile
from pipeline.errors import DownloadError

CHUNK = 1 << 18
TIMEOUT = (10, 60)  # connect, read (seconds)


@dataclass(frozen=True)
class LocalFile:
    """A source file available locally, with where it came from."""

    path: Path
    origin: str
    sha256: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def download(url: str, dest: Path, expected_sha256: str | None = None, session: requests.Session | None = None) -> Path:
    """Stream ``url`` to ``dest``, resuming a previous partial download.

    Raises
    ------
    DownloadError
        Offline or unreachable server, HTTP error, truncated transfer or
        checksum mismatch. A failed file never takes the place of ``dest``.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    http = session or requests.Session()
    offset = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    try:
        with http.get(url, stream=True, timeout=TIMEOUT, headers=headers) as response:
            if response.status_code == 416:  # the part file is already complete
                pass
            else:
                if response.status_code >= 400:
                    raise DownloadError(
                        f"Le serveur a répondu {response.status_code} pour {url}", dest
                    )
                resumed = offset > 0 and response.status_code == 206
                expected_len = response.headers.get("Content-Length")
                mode = "ab" if resumed else "wb"
                written = 0
                with open(part, mode) as handle:
                    for block in response.iter_content(CHUNK):
                        handle.write(block)
                        written += len(block)
                if expected_len is not None and written != int(expected_len):
                    raise DownloadError(
                        f"Téléchargement tronqué : {written} octets reçus sur {expected_len} attendus "
                        f"depuis {url} ; relancez pour reprendre",
                        part,
                    )
    except requests.exceptions.ConnectionError as exc:
        raise DownloadError(
            f"Impossible de joindre {url} : pas de connexion réseau ? Définissez CPTS_DATA_MIRROR "
            "pour lire un miroir local des données.",
            dest,
        ) from exc
    except requests.exceptions.Timeout as exc:
        raise DownloadError(f"Délai dépassé en téléchargeant {url} ; relancez pour reprendre", dest) from exc
    except requests.exceptions.ChunkedEncodingError as exc:
        raise DownloadError(
            f"Téléchargement tronqué : connexion interrompue pendant {url} ; relancez pour reprendre", part
        ) from exc
    if expected_sha256 is not None:
        actual = sha256_of(part)
        if actual != expected_sha256:
            part.unlink(missing_ok=True)
            raise DownloadError(
                f"Somme de contrôle incorrecte pour {url} : attendu {expected_sha256}, obtenu {actual} ; "
                "le fichier a été supprimé",
                dest,
            )
    part.replace(dest)
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
    """Return a local copy of ``source``: the mirror's file, or a download."""
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
    if dest.exists():
        return LocalFile(dest, source.url or str(dest), sha256_of(dest))
    spec = source.extra.get("npm_spec")
    if spec:
        packed = npm_pack(spec, dest.parent)
        if packed is not None:
            packed.replace(dest)
            return LocalFile(dest, f"npm pack {spec}", sha256_of(dest))
    if source.url is None:
        raise DownloadError(
            f"La source « {source.name} » {source.vintage} n'a pas d'adresse de téléchargement "
            f"automatique : placez le fichier dans {dest} ou définissez {config.MIRROR_ENV}",
            dest,
        )
    download(source.url, dest, source.sha256)
    return LocalFile(dest, source.url, sha256_of(dest))
