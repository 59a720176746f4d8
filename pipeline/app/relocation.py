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
from datetime import date
from pathlib import Path

import duckdb

from pipeline.app.steps import SCOPE_SETTING, Scope, Step, StepResult
from pipeline.errors import DataError
from pipeline.sources import annuaire, finess
from pipeline.sources.download import sha256_of
from pipeline.store import load
from pipeline.store.queries import provenance

#: The option giving each source's file again, for the message of a file that moved or changed.
OPTIONS = {annuaire.SOURCE_NAME: "--registre", finess.SOURCE_NAME: "--finess"}
NAMES = {annuaire.SOURCE_NAME: "Annuaire Santé", finess.SOURCE_NAME: "FINESS"}


def _placement_key(source: str, vintage: str) -> str:
    return f"placement:{source}:{vintage}"


def _savoir_faire_key(vintage: str, beside: bool = False) -> str:
    return f"savoir_faire{'_a_cote' if beside else ''}:{vintage}"


def _scope_text(scope: Scope) -> str:
    return ",".join(sorted(scope.departements or ()))


def _scope_of(text: str) -> Scope:
    return Scope(frozenset(text.split(",")) if text else None)


def record_placement(con: duckdb.DuckDBPyConnection, source: str, vintage: str, scope: Scope,
                     savoir_faire: Path | None = None, beside: Path | None = None) -> None:
    """Record the départements an extraction was just placed on, and the savoir-faire files read with it: the one
    given (``--savoir-faire``), else the one beside it (part of its checksum)."""
    load.set_setting(con, _placement_key(source, vintage), _scope_text(scope))
    if source == annuaire.SOURCE_NAME:
        load.set_setting(con, _savoir_faire_key(vintage), str(savoir_faire) if savoir_faire is not None else "")
        load.set_setting(con, _savoir_faire_key(vintage, beside=True), str(beside) if beside is not None else "")


def _recorded_path(con: duckdb.DuckDBPyConnection, key: str) -> Path | None:
    value = provenance.setting(con, key)
    return Path(value) if value else None


def _readings(con: duckdb.DuckDBPyConnection, source: str, vintage: str, path: Path,
              recorded: bool) -> list[tuple[Path | None, Path | None]]:
    """How the extraction may have been read: (savoir-faire given, savoir-faire beside it). Recorded since
    placements are; for a database loaded before, without a savoir-faire file or with the one beside it now."""
    if source != annuaire.SOURCE_NAME:
        return [(None, None)]
    if recorded:
        return [(_recorded_path(con, _savoir_faire_key(vintage)),
                 _recorded_path(con, _savoir_faire_key(vintage, beside=True)))]
    return [(None, None), (None, annuaire.savoir_faire_beside(path))]


def _digest(source: str, path: Path, given: Path | None, beside: Path | None) -> str | None:
    """The checksum the load recorded, from the files as they are now (None when one is missing)."""
    files = [path, *(f for f in (given or beside,) if f is not None)]
    if not all(f.is_file() for f in files):
        return None
    return annuaire.extraction_digest(path, given or beside) if source == annuaire.SOURCE_NAME else sha256_of(path)


def relocation_step(reload: Callable[[str, Path, Path | None, str], Step], online: bool) -> Step:
    """The step placing loaded real extractions on the départements of this load (see the module docstring).

    ``reload(source, path, savoir_faire, origin)`` is the step loading a local file of ``source`` again
    (:func:`pipeline.app.registries.registry_step` or ``finess_step``). ``online``: this run downloads the
    extractions again (no mirror), which places those loaded from a URL.
    """

    def step(con: duckdb.DuckDBPyConnection, mirror: Path | None, force: bool, scope: Scope) -> StepResult:
        start = time.perf_counter()
        rows, details, stale = 0, [], []
        previous = provenance.setting(con, SCOPE_SETTING)
        for source in (annuaire.SOURCE_NAME, finess.SOURCE_NAME):
            for vintage, origin, stored in provenance.real_files(con, source):
                recorded = provenance.setting(con, _placement_key(source, vintage))
                if recorded is None and previous is None:
                    continue
                placed = _scope_of(recorded if recorded is not None else previous or "")
                if placed.departements == scope.departements:
                    continue
                what = f"{NAMES[source]} du {_day(vintage)}"
                if origin.startswith(("http://", "https://")):
                    if not online:
                        stale.append(f"{what} (téléchargé) : make data sans miroir le télécharge à nouveau")
                    continue
                path = Path(origin)
                readings = _readings(con, source, vintage, path, recorded is not None)
                if recorded is None:  # a database loaded before placements were recorded: recorded from now on
                    record_placement(con, source, vintage, placed, *readings[0])
                found = next(((given, beside, digest) for given, beside in readings
                              if (digest := _digest(source, path, given, beside)) is not None
                              and stored in (placed.tag(digest), scope.tag(digest))), None)
                if found is not None and scope.tag(found[2]) == stored:
                    record_placement(con, source, vintage, scope, found[0], found[1])  # given again on this run
                    continue
                if found is None:
                    given = readings[0][0]
                    option = f"{OPTIONS[source]} CHEMIN" + (
                        " --savoir-faire CHEMIN" if given is not None else
                        " (et --savoir-faire CHEMIN si elle a été chargée avec)" if recorded is None
                        and source == annuaire.SOURCE_NAME else "")
                    files = " et ".join(str(f) for f in (path, given or readings[0][1]) if f is not None)
                    stale.append(f"{what} ({files} absent ou modifié depuis) : python -m pipeline data {option}")
                    continue
                try:
                    result = reload(source, path, found[0], origin)(con, mirror, True, scope)
                except DataError as exc:  # read again, it is refused: said, and the load goes on
                    stale.append(f"{what} : relu, refusé ({exc})")
                    continue
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
    try:
        return f"{date.fromisoformat(vintage):%d/%m/%Y}"
    except ValueError:
        return vintage
