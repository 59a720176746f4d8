"""Real supply by default when online: the current Annuaire Santé and FINESS extractions, from data.gouv.fr.

Without a mirror and without ``--registre``/``--finess``, ``make data``
resolves the current files through the publisher's catalogue
(:func:`pipeline.sources.catalogue.download_latest`: data.gouv.fr API, checksum
of the catalogue, resumption of an interrupted transfer) into
``data/raw/annuaire/`` and ``data/raw/finess/``, and loads them. When a
download is impossible (offline, server error, truncated transfer), the step
says why in French and the run goes on: demonstration data is then loaded in
its place (unless ``--sans-demo``), the reason is recorded in the database
(setting ``demo_raison``) so that every diagnostic repeats it, and ``make
data`` ends with a warning. A real extraction loaded by an earlier run is kept.

``CPTS_CATALOGUE_API`` points the catalogue at another server (tests, a local copy).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipeline import config
from pipeline.app.steps import Scope, Step, StepResult
from pipeline.errors import DataError, DownloadError
from pipeline.sources import annuaire, finess
from pipeline.sources.catalogue import (
    ANNUAIRE_ACTIVITE,
    ANNUAIRE_SAVOIR_FAIRE,
    DATAGOUV_API,
    FINESS_ETABLISSEMENTS,
    CatalogueDownload,
    CatalogueSource,
    download_latest,
)
from pipeline.store import load
from pipeline.store.queries import provenance

LABELS = {annuaire.SOURCE_NAME: "Annuaire Santé", finess.SOURCE_NAME: "FINESS"}


@dataclass
class OnlineSupply:
    """What the catalogue downloads of this run gave: the French reason of each failure, by source."""

    failures: dict[str, str] = field(default_factory=dict)
    #: Whether demonstration data stands in for a failed download (False with ``--sans-demo``).
    demo_follows: bool = True


def _fetch(source: CatalogueSource, folder: str) -> CatalogueDownload:
    return download_latest(source, config.raw_dir() / folder, api_base=config.catalogue_api() or DATAGOUV_API)


def _published(download: CatalogueDownload) -> str:
    when = download.entry.published
    return f"{download.entry.url}" + (f", publié le {when:%d/%m/%Y}" if when is not None else "")


def online_registry_step(state: OnlineSupply, load_file: Callable[[Path, Path | None, str], Step]) -> Step:
    """Download the current Annuaire Santé extraction (activities, then savoir-faire) and load it.

    ``load_file(path, savoir_faire, origin)`` is the step loading a local
    extraction (:func:`pipeline.app.registries.registry_step`).
    """

    def step(con: duckdb.DuckDBPyConnection, mirror: Path | None, force: bool, scope: Scope) -> StepResult:
        start = time.perf_counter()
        try:
            activite = _fetch(ANNUAIRE_ACTIVITE, "annuaire")
        except DownloadError as exc:
            return _impossible(con, state, annuaire.SOURCE_NAME, exc, start)
        details: list[str] = []
        savoir_faire: Path | None = None
        try:
            savoir_faire_download = _fetch(ANNUAIRE_SAVOIR_FAIRE, "annuaire")
            savoir_faire = savoir_faire_download.local.path
            if savoir_faire_download.downloaded and not activite.downloaded:  # said of the activities only (a review)
                details.append(f"savoir-faire téléchargé : {_published(savoir_faire_download)}")
            details.extend(f"savoir-faire : {note}" for note in savoir_faire_download.entry.notes)
        except DownloadError as exc:  # the activities alone still give the supply (without specialities)
            details.append(f"savoir-faire non téléchargé ({exc.message}) : spécialités absentes")
        try:
            result = load_file(activite.local.path, savoir_faire, activite.entry.url)(con, mirror, force, scope)
        except DataError as exc:
            return _unreadable(con, state, annuaire.SOURCE_NAME, exc, [activite.local.path, savoir_faire], start)
        result.details[:0] = [_fetched(activite, result), *details]
        return result

    return step


def online_finess_step(state: OnlineSupply, load_file: Callable[[Path, str], Step]) -> Step:
    """Download the current FINESS extraction and load it (``load_file(path, origin)``)."""

    def step(con: duckdb.DuckDBPyConnection, mirror: Path | None, force: bool, scope: Scope) -> StepResult:
        start = time.perf_counter()
        try:
            extraction = _fetch(FINESS_ETABLISSEMENTS, "finess")
        except DownloadError as exc:
            return _impossible(con, state, finess.SOURCE_NAME, exc, start)
        try:
            result = load_file(extraction.local.path, extraction.entry.url)(con, mirror, force, scope)
        except DataError as exc:
            return _unreadable(con, state, finess.SOURCE_NAME, exc, [extraction.local.path], start)
        result.details.insert(0, _fetched(extraction, result))
        return result

    return step


def _fetched(download: CatalogueDownload, result: StepResult) -> str:
    """« extraction courante téléchargée : … », or « déjà chargée » when nothing new was loaded (a review: the
    download was announced at every run), or « rechargée » from the copy already downloaded (a review: « make data
    --force » said « téléchargée » of files it had not fetched)."""
    done = "déjà chargée" if result.status != "chargé" else "téléchargée" if download.downloaded else \
        "rechargée depuis le fichier déjà téléchargé (même somme de contrôle)"
    # A checksum not verified, or a newer resource set aside, is said at every run (a review: both were silent).
    return f"extraction courante {done} : {_published(download)}" + "".join(f" ; {n}" for n in download.entry.notes)


def _unreadable(con: duckdb.DuckDBPyConnection, state: OnlineSupply, source: str, exc: DataError,
                files: list[Path | None], start: float) -> StepResult:
    """A downloaded extraction the loader refuses: deleted (the next run fetches it again), and the run goes on as
    after a failed download, with the earlier extraction or the demonstration (a review: ``make data`` stopped)."""
    for path in files:
        if path is not None:
            path.unlink(missing_ok=True)
    return _impossible(con, state, source, DownloadError(f"fichier téléchargé illisible, supprimé ({exc})"), start)


def _impossible(con: duckdb.DuckDBPyConnection, state: OnlineSupply, source: str, exc: DownloadError,
                start: float) -> StepResult:
    reason = f"téléchargement de l'extraction {LABELS[source]} impossible : {exc.message}"
    state.failures[source] = reason
    warning = None
    if not state.demo_follows and not provenance.real_loaded(con, source):
        warning = f"aucune offre {LABELS[source]} chargée, car {reason}"
    return StepResult(f"{LABELS[source]} (téléchargement)", "impossible", 0, time.perf_counter() - start, [reason],
                      warning)


def record_demo_reason(con: duckdb.DuckDBPyConnection, state: OnlineSupply | None, demo_for: list[str]) -> str | None:
    """Record why supply is demonstration data (``demo_for``: the sources it stands for); return it."""
    reasons = [state.failures[s] for s in demo_for if state is not None and s in state.failures]
    reason = " ; ".join(reasons) or None
    load.set_setting(con, provenance.DEMO_REASON_SETTING, reason or "")
    return reason


def kept_after_failure(con: duckdb.DuckDBPyConnection, state: OnlineSupply | None) -> list[str]:
    """French notes for the sources whose download failed but whose earlier real extraction stays."""
    if state is None:
        return []
    return [f"{state.failures[s]} ; l'extraction réelle chargée précédemment est conservée"
            for s in state.failures if provenance.real_loaded(con, s)]
