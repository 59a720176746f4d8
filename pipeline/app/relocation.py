"""Real extractions loaded by an earlier ``make data`` placed again when the loaded départements change.

An Annuaire Santé or FINESS extraction is placed on the communes of the
départements loaded when it is read: its rows of other départements are kept
« hors des départements chargés », without a commune. A later
``make data DEPARTEMENTS=…`` adding a département left them so (a review: the
Ain, added after its registry, read « l'extraction ne couvre pas le
territoire » and its hospital « hors du territoire »). Each extraction records
the départements it was placed on (and the savoir-faire file read with it);
when they are not the load's, the files a user gave are read again from where
they were loaded, when still there and unchanged. Otherwise every ``make
data`` says which file to give again (a re-check: said once, then forgotten;
and an extraction read with ``--savoir-faire`` was called « modifié »).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from pipeline.app.steps import SCOPE_SETTING, Scope, Step, StepResult
from pipeline.sources import annuaire, finess
from pipeline.sources.download import sha256_of
from pipeline.store import load
from pipeline.store.queries import provenance

#: The option giving each source's file again, for the message of a file that moved or changed.
OPTIONS = {annuaire.SOURCE_NAME: "--registre", finess.SOURCE_NAME: "--finess"}
NAMES = {annuaire.SOURCE_NAME: "Annuaire Santé", finess.SOURCE_NAME: "FINESS"}


def _placement_key(source: str, vintage: str) -> str:
    return f"placement:{source}:{vintage}"


def _savoir_faire_key(vintage: str) -> str:
    return f"savoir_faire:{vintage}"


def _scope_text(scope: Scope) -> str:
    return ",".join(sorted(scope.departements or ()))


def _scope_of(text: str) -> Scope:
    return Scope(frozenset(text.split(",")) if text else None)


def record_placement(con: duckdb.DuckDBPyConnection, source: str, vintage: str, scope: Scope,
                     savoir_faire: Path | None = None) -> None:
    """Record the départements an extraction was just placed on, and the savoir-faire file read with it."""
    load.set_setting(con, _placement_key(source, vintage), _scope_text(scope))
    if source == annuaire.SOURCE_NAME:
        load.set_setting(con, _savoir_faire_key(vintage), str(savoir_faire) if savoir_faire is not None else "")


def _placed_on(con: duckdb.DuckDBPyConnection, source: str, vintage: str) -> Scope | None:
    """The départements an extraction was placed on: recorded, else (a database loaded before they were) those
    of the previous load; None for a new database."""
    recorded = provenance.setting(con, _placement_key(source, vintage))
    if recorded is not None:
        return _scope_of(recorded)
    previous = provenance.setting(con, SCOPE_SETTING)
    return None if previous is None else _scope_of(previous)


def relocation_step(reload: Callable[[str, Path, Path | None, str], Step], online: bool) -> Step:
    """The step placing loaded real extractions on the départements of this load (see the module docstring).

    ``reload(source, path, savoir_faire, origin)`` is the step loading a local file of ``source`` again
    (:func:`pipeline.app.registries.registry_step` or ``finess_step``). ``online``: this run downloads the
    extractions again (no mirror), which places those loaded from a URL.
    """

    def step(con: duckdb.DuckDBPyConnection, mirror: Path | None, force: bool, scope: Scope) -> StepResult:
        start = time.perf_counter()
        rows, details, stale = 0, [], []
        for source in (annuaire.SOURCE_NAME, finess.SOURCE_NAME):
            for vintage, origin, stored in provenance.real_files(con, source):
                placed = _placed_on(con, source, vintage)
                if placed is None or placed.departements == scope.departements:
                    continue
                what = f"{NAMES[source]} du {_day(vintage)}"
                if origin.startswith(("http://", "https://")):
                    if not online:
                        stale.append(f"{what} (téléchargé) : make data sans miroir le télécharge à nouveau")
                    continue
                path = Path(origin)
                recorded = provenance.setting(con, _savoir_faire_key(vintage)) if source == annuaire.SOURCE_NAME \
                    else None
                savoir_faire = Path(recorded) if recorded else None
                readable = path.is_file() and (savoir_faire is None or savoir_faire.is_file())
                digest = ((annuaire.extraction_digest(path, savoir_faire) if source == annuaire.SOURCE_NAME
                           else sha256_of(path)) if readable else None)
                if digest is not None and scope.tag(digest) == stored:
                    record_placement(con, source, vintage, scope, savoir_faire)  # given again on this run
                    continue
                if digest is None or placed.tag(digest) != stored:
                    given = f"{OPTIONS[source]} CHEMIN" + (" --savoir-faire CHEMIN" if savoir_faire else "")
                    stale.append(f"{what} ({origin}{' et ' + str(savoir_faire) if savoir_faire else ''} absent ou "
                                 f"modifié depuis) : python -m pipeline data {given}")
                    continue
                result = reload(source, path, savoir_faire, origin)(con, mirror, True, scope)
                rows += result.rows
                details.append(f"{what} replacé sur les départements chargés ({result.rows} lignes)")
        warning = None
        if stale:
            warning = ("extractions placées sur les départements d'un chargement précédent (leurs lignes des "
                       "départements ajoutés depuis restent hors des départements chargés, celles des départements "
                       "retirés sans effet sur les diagnostics) ; donnez-les à nouveau : " + " ; ".join(stale))
        status = "chargé" if details else ("impossible" if stale else "inchangé")
        return StepResult("Extractions déjà chargées", status, rows, time.perf_counter() - start, details, warning)

    return step


def _day(vintage: str) -> str:
    """« 15/01/2022 » for an extraction's ISO date."""
    year, month, day = vintage.split("-") if vintage.count("-") == 2 else ("", "", "")
    return f"{day}/{month}/{year}" if year else vintage
