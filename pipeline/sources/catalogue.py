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
whose title or file name matches a pattern, in a format the loaders read
(:mod:`pipeline.sources.catalogue_resources`), and returns the latest one (by
its ``last_modified`` date) as a :class:`CatalogueEntry`: URL, local file
name, publication date and the checksum the catalogue gives (data.gouv.fr
computes a sha1 of uploaded files). :func:`download_latest` then fetches it
with the shared downloader (streaming, resumption, checksum), passing to an
older resource when a zip does not hold the file its loader opens; the sha256
of the local file is what the ``sources`` table records.

Every failure is a :class:`~pipeline.errors.SourceUnavailableError` (exit code
1): a catalogue without the dataset or the file, or answering nonsense, is the
publisher's side, not the user's input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import requests

from pipeline.errors import SourceUnavailableError
from pipeline.sources.catalogue_api import get_dataset
from pipeline.sources.catalogue_resources import announced_checksum, resource_format, zip_problem
from pipeline.sources.download import Checksum, LocalFile, download, file_digest, sha256_of

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
        date ``AAAAMMJJhhmm``, ``{name}`` by the URL's file name and ``{ext}``
        by ``.zip`` for a zip, else ``.txt``. The Annuaire Santé loader reads
        the extraction date from the ``PS_LibreAcces_Personne_activite_<AAAAMMJJhhmm>.txt``
        naming.
    shown
        The file as the publisher names it, for messages (never the pattern:
        a regular expression means nothing to the user).
    member
        In a zip, the start of the name of the member the loader opens.
    single_member
        Whether the loader also opens a zip's only member, whatever its name.
    """

    name: str
    dataset: str
    pattern: str
    local_name: str = "{name}"
    shown: str = ""
    member: str = ""
    single_member: bool = False


ANNUAIRE_DATASET = (
    "annuaire-sante-extractions-des-donnees-en-libre-acces-des-professionnels-intervenant-dans-le-systeme-de-sante-rpps"
)
# The members are the loaders' prefixes (pipeline.sources.annuaire.layout.ACTIVITE_PREFIX, SAVOIR_FAIRE_PREFIX;
# pipeline.sources.finess.stage.STOCK_PREFIX), written here so that resolving a URL does not import the loaders.
ANNUAIRE_ACTIVITE = CatalogueSource(
    "Annuaire Santé (personnes et activités)", ANNUAIRE_DATASET,
    r"ps[-_]?libre[-_]?acces[-_]personne[-_]activite", "PS_LibreAcces_Personne_activite_{stamp}{ext}",
    "ps-libreacces-personne-activite.txt", "PS_LibreAcces_Personne_activite")
ANNUAIRE_SAVOIR_FAIRE = CatalogueSource(
    "Annuaire Santé (savoir-faire)", ANNUAIRE_DATASET,
    r"ps[-_]?libre[-_]?acces[-_]savoir[-_]?faire", "PS_LibreAcces_SavoirFaire_{stamp}{ext}",
    "ps-libreacces-savoirfaire.txt", "PS_LibreAcces_SavoirFaire")
FINESS_DATASET = "finess-extraction-du-fichier-des-etablissements"
FINESS_ETABLISSEMENTS = CatalogueSource(
    "FINESS (établissements géolocalisés)", FINESS_DATASET, r"etalab[-_]cs1100507[-_]stock[-_]\d{8}[-_]\d{4}",
    shown="etalab-cs1100507-stock-AAAAMMJJ-hhmm.csv", member="etalab-cs1100507", single_member=True)


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
        The catalogue's checksum of the file, or None when it gives none, or
        one that cannot be verified (then said in ``notes``).
    title
        The resource's title.
    resource_id
        Its id in the catalogue, if given.
    notes
        French notes for ``make data``'s output: a checksum not verified
        (:func:`pipeline.sources.catalogue_resources.announced_checksum`), a
        newer resource set aside and why.
    """

    url: str
    filename: str
    published: datetime | None
    checksum: Checksum | None
    title: str
    resource_id: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CatalogueDownload:
    """A resolved catalogue entry and its local copy (``local.sha256`` to record)."""

    entry: CatalogueEntry
    local: LocalFile
    #: Fetched in this run (False: a complete copy already in ``data/raw/`` was reused).
    downloaded: bool = True


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _basename(url: str) -> str:
    """The URL's file name, reduced to safe characters (never a path)."""
    name = unquote(urlparse(url).path.rstrip("/").rsplit("/", 1)[-1])
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).lstrip(".")
    return name or "fichier"


def _shown(resource: dict[str, Any], url: Any) -> str:
    """How a resource is named to the user: its title, else its file name, else its id."""
    title = str(resource.get("title") or "").strip()
    if title:
        return title
    return _basename(url) if isinstance(url, str) and url else str(resource.get("id") or "sans titre")


#: The publication date of a resource that gives none (sorted last).
_UNDATED = datetime.min.replace(tzinfo=UTC)


def resolve_candidates(
    dataset: str,
    pattern: str,
    *,
    api_base: str = DATAGOUV_API,
    local_name: str = "{name}",
    shown: str = "",
    session: requests.Session | None = None,
) -> list[CatalogueEntry]:
    """The resources of ``dataset`` matching ``pattern`` that can be downloaded and read, latest first.

    A matching resource without a download address, or in a format the loaders do not read (a spreadsheet), is
    set aside: it no longer hides an older usable one (a review fell back to demonstration data). The latest
    entry's notes name the newer resources set aside.

    Raises
    ------
    SourceUnavailableError
        Catalogue unreachable, dataset unknown, an answer that is not JSON, no
        matching resource (the titles found are listed), none usable (each
        is named with why), or the latest one undated.
    """
    http = session or requests.Session()
    body = get_dataset(dataset, api_base, http)
    regex = re.compile(pattern, re.IGNORECASE)
    what = f"le fichier « {shown} »" if shown else "le fichier recherché"
    where = f"{api_base.rstrip('/')}/datasets/{dataset}/"
    usable: list[tuple[datetime, str, dict[str, Any], str]] = []
    set_aside: list[tuple[datetime, str]] = []
    titles: list[str] = []
    for resource in body["resources"]:
        if not isinstance(resource, dict):
            continue
        url = resource.get("url")
        titles.append(_shown(resource, url))
        named = isinstance(url, str) and bool(regex.search(_basename(url)))
        if not (regex.search(str(resource.get("title") or "")) or named):
            continue
        published = _date(resource.get("last_modified")) or _date(resource.get("created_at")) or _UNDATED
        kind, refused = resource_format(resource, url) if isinstance(url, str) else (None, None)
        if not isinstance(url, str) or not url.strip():
            set_aside.append((published, f"« {_shown(resource, url)} » n'a pas d'adresse de téléchargement"))
        elif urlparse(url).scheme not in ("http", "https"):
            set_aside.append((published, f"« {_shown(resource, url)} » a une adresse qui n'est pas une adresse "
                                         f"web ({url[:80]})"))
        elif refused is not None:
            set_aside.append((published, f"« {_shown(resource, url)} » est au format {refused}, que l'outil ne "
                                         "lit pas"))
        else:
            usable.append((published, url, resource, kind or "text"))
    if not usable and not set_aside:
        listed = ", ".join(f"« {t} »" for t in titles[:20]) or "aucune"
        raise SourceUnavailableError(f"Aucune ressource du jeu de données « {dataset} » n'est {what} (ressources "
                                     f"publiées : {listed})", where)
    if not usable:
        raise SourceUnavailableError(f"Aucune ressource utilisable pour {what} dans le jeu de données « {dataset} » "
                                     f": {' ; '.join(reason for _, reason in set_aside)}", where)
    usable.sort(key=lambda c: (c[0], c[1]), reverse=True)
    if usable[0][0] == _UNDATED and "{stamp}" in local_name:
        # The file's name carries its date, from which the extraction is dated: without one, the download's
        # own time became an extraction « of today » that took the place of the current one (a review).
        raise SourceUnavailableError(
            f"La ressource « {_shown(usable[0][2], usable[0][1])} » du jeu de données « {dataset} » n'a pas de "
            "date de publication lisible (« last_modified », « created_at ») : son extraction ne peut pas être "
            "datée, elle n'est pas téléchargée", where)
    entries = []
    for published, url, resource, kind in usable:
        when = None if published == _UNDATED else published
        stamp = when.strftime("%Y%m%d%H%M") if when is not None else "inconnu"  # a name carrying its own date
        filename = _basename(local_name.format(stamp=stamp, name=_basename(url),
                                               ext=".zip" if kind == "zip" else ".txt"))
        checksum, unverified = announced_checksum(resource.get("checksum"))
        newer = [f"ressource plus récente écartée : {reason}" for date, reason in set_aside if date > published]
        entries.append(CatalogueEntry(url=url, filename=filename, published=when, checksum=checksum,
                                      title=str(resource.get("title") or ""), resource_id=resource.get("id"),
                                      notes=tuple(newer + ([unverified] if unverified else []))))
    return entries


def resolve_latest(
    dataset: str,
    pattern: str,
    *,
    api_base: str = DATAGOUV_API,
    local_name: str = "{name}",
    shown: str = "",
    session: requests.Session | None = None,
) -> CatalogueEntry:
    """The latest usable resource of ``dataset`` whose title or file name matches ``pattern``.

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
    shown
        See :attr:`CatalogueSource.shown`.
    session
        Optional :class:`requests.Session`.

    Returns
    -------
    CatalogueEntry
        Among matching resources with an http(s) URL and a format the loaders
        read, the one with the latest ``last_modified`` (``created_at`` when
        absent; ties broken by URL).

    Raises
    ------
    SourceUnavailableError
        See :func:`resolve_candidates`.
    """
    return resolve_candidates(dataset, pattern, api_base=api_base, local_name=local_name, shown=shown,
                              session=session)[0]


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
    interrupted run is resumed. A zip that does not hold the file its loader
    opens is deleted and the next older usable resource is taken, said in
    the entry's notes.

    Raises
    ------
    SourceUnavailableError
        See :func:`resolve_candidates` and :func:`pipeline.sources.download.download`.
    """
    http = session or requests.Session()
    entries = resolve_candidates(source.dataset, source.pattern, api_base=api_base, local_name=source.local_name,
                                 shown=source.shown, session=http)
    set_aside: list[str] = []
    for entry in entries:
        dest = Path(dest_dir) / entry.filename
        reusable = dest.is_file() and (
            entry.checksum is None or file_digest(dest, entry.checksum.algorithm) == entry.checksum.value)
        if not reusable:
            download(entry.url, dest, session=http, checksum=entry.checksum)
        problem = zip_problem(dest, source.member, source.single_member) if source.member else None
        if problem is None:
            notes = entry.notes + tuple(f"ressource plus récente écartée : {reason}" for reason in set_aside)
            return CatalogueDownload(replace(entry, notes=notes), LocalFile(dest, entry.url, sha256_of(dest)),
                                     downloaded=not reusable)
        # Deleted, as every refused download: it is fetched again (and set aside again) while it stays the latest.
        dest.unlink(missing_ok=True)
        set_aside.append(f"« {entry.title or _basename(entry.url)} » : {problem}")
    raise SourceUnavailableError(
        f"Aucune ressource utilisable pour le fichier « {source.shown or source.name} » dans le jeu de données "
        f"« {source.dataset} » : {' ; '.join(set_aside)}", f"{api_base.rstrip('/')}/datasets/{source.dataset}/")
