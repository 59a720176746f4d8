"""Real extractions loaded by an earlier ``make data`` placed again when the loaded départements change.

An Annuaire Santé or FINESS extraction is placed on the communes of the
départements loaded when it is read: its rows of other départements are kept
« hors des départements chargés », without a commune. A later
``make data DEPARTEMENTS=…`` adding a département left them so (a review: the
Ain, added after its registry, read « l'extraction ne couvre pas le
territoire » and its hospital « hors du territoire »). The files a user gave
are read again from where they were loaded, when they are still there and
unchanged; otherwise the step says which file to give again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from pipeline.app.steps import SCOPE_SETTING, Scope, Step, StepResult
from pipeline.sources import annuaire, finess
from pipeline.sources.download import sha256_of
from pipeline.store.queries import provenance

#: The option giving each source's file again, for the message of a file that moved or changed.
OPTIONS = {annuaire.SOURCE_NAME: "--registre", finess.SOURCE_NAME: "--finess"}
NAMES = {annuaire.SOURCE_NAME: "Annuaire Santé", finess.SOURCE_NAME: "FINESS"}


def previous_scope(con: duckdb.DuckDBPyConnection) -> Scope | None:
    """The départements of the previous load (None for a new database: nothing was placed yet)."""
    stored = provenance.setting(con, SCOPE_SETTING)
    if stored is None:
        return None
    return Scope(frozenset(stored.split(",")) if stored else None)


def relocation_step(reload: Callable[[str, Path, str], Step], online: bool) -> Step:
    """The step placing loaded real extractions on the départements of this load (see the module docstring).

    ``reload(source, path, origin)`` is the step loading a local file of ``source`` again
    (:func:`pipeline.app.registries.registry_step` or ``finess_step``). ``online``: this run downloads the
    extractions again (no mirror), which places those loaded from a URL.
    """

    def step(con: duckdb.DuckDBPyConnection, mirror: Path | None, force: bool, scope: Scope) -> StepResult:
        start = time.perf_counter()
        before = previous_scope(con)
        if before is None or before.departements == scope.departements:
            return StepResult("Extractions déjà chargées", "inchangé", 0, time.perf_counter() - start)
        rows, details, stale = 0, [], []
        for source in (annuaire.SOURCE_NAME, finess.SOURCE_NAME):
            for vintage, origin, stored in provenance.real_files(con, source):
                what = f"{NAMES[source]} du {_day(vintage)}"
                if origin.startswith(("http://", "https://")):
                    if not online:
                        stale.append(f"{what} (téléchargé) : make data sans miroir le télécharge à nouveau")
                    continue
                path = Path(origin)
                digest = (annuaire.extraction_digest(path) if source == annuaire.SOURCE_NAME else sha256_of(path)
                          ) if path.is_file() else None
                if digest is not None and scope.tag(digest) == stored:
                    continue  # given on this run, already placed on these départements
                if digest is None or before.tag(digest) != stored:
                    stale.append(f"{what} ({origin} absent ou modifié depuis) : python -m pipeline data "
                                 f"{OPTIONS[source]} CHEMIN")
                    continue
                result = reload(source, path, origin)(con, mirror, True, scope)
                rows += result.rows
                details.append(f"{what} replacé sur les départements chargés ({result.rows} lignes)")
        warning = None
        if stale:
            warning = ("extractions placées sur les départements du chargement précédent, leurs lignes des "
                       "départements ajoutés restent hors des départements chargés ; donnez-les à nouveau : "
                       + " ; ".join(stale))
        status = "chargé" if details else ("impossible" if stale else "inchangé")
        return StepResult("Extractions déjà chargées", status, rows, time.perf_counter() - start, details, warning)

    return step


def _day(vintage: str) -> str:
    """« 15/01/2022 » for an extraction's ISO date."""
    year, month, day = vintage.split("-") if vintage.count("-") == 2 else ("", "", "")
    return f"{day}/{month}/{year}" if year else vintage
