"""Annuaire Santé (RPPS / ex-ADELI) public extraction: download.

Staging (reading, validating, locating and classifying the rows) lives in
:mod:`pipeline.sources.annuaire`; unpacking the official zip in
:mod:`pipeline.sources.archives`.

Download URL: :data:`RPPS_EXTRACTION_URL`, the ANS web service that the
annuaire.sante.fr « extractions publiques » page links to.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import requests

from pipeline.errors import DownloadError

#: Official public extraction (zip of the three PS_LibreAcces files).
RPPS_EXTRACTION_URL = (
    "https://service.annuaire.sante.fr/annuaire-sante-webservices/V300/services/extraction/PS_LibreAcces"
)


# --------------------------------------------------------------------------- #
# Download
# --------------------------------------------------------------------------- #


def _filename_from(response: requests.Response, url: str) -> str:
    disposition = response.headers.get("Content-Disposition", "")
    match = re.search(r'filename\*?=(?:UTF-8\'\')?"?([^";]+)"?', disposition)
    if match:
        return Path(match.group(1)).name
    tail = url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
    if tail.lower().endswith((".zip", ".txt")):
        return tail
    return f"PS_LibreAcces_{datetime.now(UTC).strftime('%Y%m%d%H%M')}.zip"


def download_rpps(
    dest_dir: str | Path,
    url: str = RPPS_EXTRACTION_URL,
    timeout: tuple[float, float] = (15.0, 120.0),
    session: requests.Session | None = None,
) -> Path:
    """Download the Annuaire Santé public extraction, streaming to disk.

    Parameters
    ----------
    dest_dir
        Folder receiving the file (created if needed).
    url
        Extraction URL; defaults to the official ANS web service.
    timeout
        ``(connect, read)`` timeouts in seconds.
    session
        Optional :class:`requests.Session` (tests, proxies).

    Returns
    -------
    pathlib.Path
        The downloaded file (a zip for the official URL).

    Raises
    ------
    DownloadError
        Offline, server unreachable, HTTP error or interrupted transfer; the
        partial file is removed.
    """
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    getter = session or requests
    try:
        response = getter.get(url, stream=True, timeout=timeout)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise DownloadError(
            "Téléchargement de l'extraction Annuaire Santé impossible (pas de réseau ou serveur "
            f"injoignable : {url}). Déposez le fichier PS_LibreAcces à la main dans {dest} et relancez.",
            url,
        ) from exc
    with response:
        if response.status_code != 200:
            raise DownloadError(
                f"Le serveur de l'Annuaire Santé a répondu « {response.status_code} {response.reason} » ; "
                "réessayez plus tard.",
                url,
            )
        target = dest / _filename_from(response, url)
        partial = target.with_name(target.name + ".part")
        written = 0
        try:
            with open(partial, "wb") as handle:
                for block in response.iter_content(chunk_size=1 << 20):
                    handle.write(block)
                    written += len(block)
        except (requests.RequestException, OSError) as exc:
            partial.unlink(missing_ok=True)
            raise DownloadError(f"Téléchargement interrompu après {written} octets ; réessayez.", url) from exc
        expected = response.headers.get("Content-Length")
        if expected is not None and expected.isdigit() and int(expected) != written:
            partial.unlink(missing_ok=True)
            raise DownloadError(
                f"Téléchargement incomplet : {written} octets reçus sur {expected} annoncés ; réessayez.", url
            )
        shutil.move(partial, target)
    return target
