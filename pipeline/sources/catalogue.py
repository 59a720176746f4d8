"""Resolve the current file of a registry through its publisher's catalogue.

The two registries of health-care supply are republished on data.gouv.fr
every day or month, each time at a new URL:

* Annuaire Santé public extraction (Agence du Numérique en Santé), dataset
  ``annuaire-sante-extractions-des-donnees-en-libre-acces-des-professionnels-
  intervenant-dans-le-systeme-de-sante-rpps``, resources titled
  ``ps-libreacces-personne-activite.txt``, ``ps-libreacces-savoirfaire.txt``
  (and ``ps-libreacces-dipl-autexerc.txt``, unused), served as
  ``https://static.data.gouv.fr/resources/<dataset>/<AAAAMMJJ-hhmmss>/<title>``;
* FINESS extraction (Ministère de la Santé), dataset
  ``finess-extraction-du-fichier-des-etablissements`` (id
  ``53699569a3a729239d2046eb``), resource ``etalab-cs1100507-stock-<AAAAMMJJ>-<hhmm>.csv``
  (the établissements with their géolocalisation records).

:func:`resolve_latest` asks the data.gouv.fr API v1
(``/api/1/datasets/<id-or-slug>/``) for the dataset, keeps the resources
whose title or file name matches a pattern and returns the latest one (by
its ``last_modified`` date) as a :class:`CatalogueEntry`: URL, local file
name, publication date and the checksum the catalogue gives (data.gouv.fr
computes a sha1 of uploaded files). :func:`download_latest` then fetches it
with the shared downloader (streaming, resumption, checksum); the sha256 of
the local file is what the ``sources`` table records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import requests

from pipeline.errors import DownloadError, SourceUnavailableError
from pipeline.sources import download as download_module
from pipeline.sources.download import HASHES, TIMEOUT, Checksum, LocalFile, download, file_digest, sha256_of
from pipeline.sources.transfer import (
    TRANSIENT_STATUSES,
    announce_retry,
    retry_after_seconds,
    retry_wait,
    transient_message,
)

DATAGOUV_API = "https://www.data.gouv.fr/api/1"


@dataclass(frozen=True)
class CatalogueSource:
    """A file to look up in a catalogue.

    Attributes
    ----------
    name
        Short name, for messages.
    dataset
        Dataset id or slug.
    pattern
        Regular expression searched (case-insensitive) in each resource's
        title and in its URL's file name.
    local_name
        Name of the local copy; ``{stamp}`` is replaced by the publication
        date ``AAAAMMJJhhmm`` and ``{name}`` by the URL's file name. The
        Annuaire Santé loader reads the extraction date from the
        ``PS_LibreAcces_Personne_activite_<AAAAMMJJhhmm>.txt`` naming.
    """

    name: str
    dataset: str
    pattern: str
    local_name: str = "{name}"


ANNUAIRE_DATASET = (
    "annuaire-sante-extractions-des-donnees-en-libre-acces-des-professionnels-intervenant-dans-le-systeme-de-sante-rpps"
)
ANNUAIRE_ACTIVITE = CatalogueSource(
    "Annuaire Santé (personnes et activités)", ANNUAIRE_DATASET,
    r"ps[-_]?libre[-_]?acces[-_]personne[-_]activite", "PS_LibreAcces_Personne_activite_{stamp}.txt")
ANNUAIRE_SAVOIR_FAIRE = CatalogueSource(
    "Annuaire Santé (savoir-faire)", ANNUAIRE_DATASET,
    r"ps[-_]?libre[-_]?acces[-_]savoir[-_]?faire", "PS_LibreAcces_SavoirFaire_{stamp}.txt")
FINESS_DATASET = "finess-extraction-du-fichier-des-etablissements"
FINESS_ETABLISSEMENTS = CatalogueSource(
    "FINESS (établissements géolocalisés)", FINESS_DATASET, r"etalab[-_]cs1100507[-_]stock[-_]\d{8}[-_]\d{4}")


@dataclass(frozen=True)
class CatalogueEntry:
    """The resource a catalogue designates as the current file.

    Attributes
    ----------
    url
        Download URL.
    filename
        Name to give the local copy (see :attr:`CatalogueSource.local_name`).
    published
        The resource's ``last_modified`` (else ``created_at``) date, UTC.
    checksum
        The catalogue's checksum of the file, or None when it gives none (or
        one of an unknown type).
    title
        The resource's title.
    resource_id
        Its id in the catalogue, if given.
    """

    url: str
    filename: str
    published: datetime | None
    checksum: Checksum | None
    title: str
    resource_id: str | None = None


@dataclass(frozen=True)
class CatalogueDownload:
    """A resolved catalogue entry and its local copy (``local.sha256`` to record)."""

    entry: CatalogueEntry
    local: LocalFile


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _checksum(value: Any) -> Checksum | None:
    if not isinstance(value, dict):
        return None
    algorithm, digest = str(value.get("type") or "").lower(), str(value.get("value") or "").lower()
    if algorithm not in HASHES or not re.fullmatch(r"[0-9a-f]+", digest):
        return None
    return Checksum(algorithm, digest)


def _basename(url: str) -> str:
    """The URL's file name, reduced to safe characters (never a path)."""
    name = unquote(urlparse(url).path.rstrip("/").rsplit("/", 1)[-1])
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).lstrip(".")
    return name or "fichier"


def _get_dataset(dataset: str, api_base: str, http: requests.Session) -> dict[str, Any]:
    url = f"{api_base.rstrip('/')}/datasets/{dataset}/"
    attempt = 1
    response = _get_json(url, http)
    while response.status_code in TRANSIENT_STATUSES:  # a busy catalogue is asked again, as files are
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        wait = retry_wait(retry_after, attempt)
        if wait is None:
            raise SourceUnavailableError(transient_message(response.status_code, retry_after, url, attempt,
                                                           "Le catalogue"), url)
        announce_retry(response.status_code, url, wait, attempt, "Le catalogue")
        download_module.wait(wait)
        attempt += 1
        response = _get_json(url, http)
    if response.status_code == 404:
        raise DownloadError(f"Jeu de données « {dataset} » introuvable dans le catalogue ({url})", url)
    if response.status_code >= 400:
        raise SourceUnavailableError(f"Le catalogue a répondu {response.status_code} pour {url}", url)
    try:
        body = response.json()
    except ValueError:
        raise DownloadError(f"Réponse du catalogue illisible : JSON attendu ({url})", url) from None
    if not isinstance(body, dict) or not isinstance(body.get("resources"), list):
        raise DownloadError(f"Réponse du catalogue inattendue : pas de liste « resources » ({url})", url)
    return body


def _get_json(url: str, http: requests.Session) -> requests.Response:
    """One GET of the catalogue API; the network failures as French errors."""
    try:
        return http.get(url, timeout=TIMEOUT, headers={"Accept": "application/json"})
    except requests.exceptions.ConnectionError as exc:
        raise SourceUnavailableError(
            f"Catalogue injoignable ({url}) : pas de connexion réseau ? Définissez CPTS_DATA_MIRROR pour lire "
            "un miroir local, ou donnez le fichier sur la ligne de commande.", url) from exc
    except requests.exceptions.Timeout as exc:
        raise SourceUnavailableError(f"Catalogue injoignable ({url}) : délai dépassé, le serveur ne répond pas",
                                     url) from exc
    except requests.exceptions.TooManyRedirects as exc:
        raise SourceUnavailableError(f"Catalogue injoignable ({url}) : trop de redirections", url) from exc
    except requests.exceptions.RequestException as exc:
        raise SourceUnavailableError(f"Catalogue injoignable ({url}) : {type(exc).__name__}", url) from exc


def resolve_latest(
    dataset: str,
    pattern: str,
    *,
    api_base: str = DATAGOUV_API,
    local_name: str = "{name}",
    session: requests.Session | None = None,
) -> CatalogueEntry:
    """The latest resource of ``dataset`` whose title or file name matches ``pattern``.

    Parameters
    ----------
    dataset
        Dataset id or slug in the catalogue.
    pattern
        Regular expression, searched case-insensitively in each resource's
        ``title`` and in the file name of its ``url``.
    api_base
        Root of the API v1 (a local server in tests).
    local_name
        See :attr:`CatalogueSource.local_name`.
    session
        Optional :class:`requests.Session`.

    Returns
    -------
    CatalogueEntry
        Among matching resources with an http(s) URL, the one with the latest
        ``last_modified`` (``created_at`` when absent; ties broken by URL).

    Raises
    ------
    DownloadError
        Catalogue unreachable (offline), dataset unknown (404), HTTP error,
        an answer that is not JSON or has no ``resources`` list, or no
        matching resource (the message lists the titles found).
    """
    http = session or requests.Session()
    body = _get_dataset(dataset, api_base, http)
    regex = re.compile(pattern, re.IGNORECASE)
    candidates: list[tuple[datetime, str, dict[str, Any]]] = []
    titles: list[str] = []
    for resource in body["resources"]:
        if not isinstance(resource, dict):
            continue
        url, title = resource.get("url"), str(resource.get("title") or "")
        titles.append(title)
        if not isinstance(url, str) or urlparse(url).scheme not in ("http", "https"):
            continue
        if regex.search(title) or regex.search(_basename(url)):
            published = _date(resource.get("last_modified")) or _date(resource.get("created_at"))
            candidates.append((published or datetime.min.replace(tzinfo=UTC), url, resource))
    if not candidates:
        listed = ", ".join(f"« {t} »" for t in titles[:20]) or "aucune"
        raise DownloadError(
            f"Aucune ressource du jeu de données « {dataset} » ne correspond au motif « {pattern} » "
            f"(ressources : {listed})", f"{api_base.rstrip('/')}/datasets/{dataset}/")
    published, url, resource = max(candidates, key=lambda c: (c[0], c[1]))
    undated = published == datetime.min.replace(tzinfo=UTC)
    if undated and "{stamp}" in local_name:
        # The file's name carries its date, from which the extraction is dated: without one, the download's
        # own time became an extraction « of today » that took the place of the current one (a review).
        raise SourceUnavailableError(
            f"La ressource « {resource.get('title') or _basename(url)} » du jeu de données « {dataset} » n'a pas de "
            "date de publication lisible (« last_modified », « created_at ») : son extraction ne peut pas être "
            "datée, elle n'est pas téléchargée", f"{api_base.rstrip('/')}/datasets/{dataset}/")
    when = None if undated else published
    stamp = when.strftime("%Y%m%d%H%M") if when is not None else "inconnu"  # a name carrying its own date
    filename = _basename(local_name.format(stamp=stamp, name=_basename(url)))
    return CatalogueEntry(url=url, filename=filename, published=when, checksum=_checksum(resource.get("checksum")),
                          title=str(resource.get("title") or ""), resource_id=resource.get("id"))


def download_latest(
    source: CatalogueSource,
    dest_dir: Path,
    *,
    api_base: str = DATAGOUV_API,
    session: requests.Session | None = None,
) -> CatalogueDownload:
    """Resolve ``source`` in the catalogue and download its current file into ``dest_dir``.

    A complete local copy whose checksum matches the catalogue's (or, when
    the catalogue gives none, any complete copy of the same name: the name
    carries the publication date) is reused; a ``.part`` left by an
    interrupted run is resumed.

    Raises
    ------
    DownloadError
        See :func:`resolve_latest` and :func:`pipeline.sources.download.download`.
    """
    http = session or requests.Session()
    entry = resolve_latest(source.dataset, source.pattern, api_base=api_base, local_name=source.local_name,
                           session=http)
    dest = Path(dest_dir) / entry.filename
    reusable = dest.is_file() and (
        entry.checksum is None or file_digest(dest, entry.checksum.algorithm) == entry.checksum.value)
    if not reusable:
        download(entry.url, dest, session=http, checksum=entry.checksum)
    return CatalogueDownload(entry, LocalFile(dest, entry.url, sha256_of(dest)))
