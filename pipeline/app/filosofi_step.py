"""``make data`` step for INSEE Filosofi 2019 (income per commune and per EPCI).

The commune file uses the geography of about 2021: each row is attached to a
current unit with the COG history (``cog_mapping``); Paris, Lyon and Marseille
are kept both by arrondissement and as whole cities (``niveau``), never to be
added together. Rows that reach no current commune are stored in
``filosofi_non_rattaches`` and listed by ``make data``. Secret cells stay NULL
(« non diffusé »), never 0.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pipeline import config
from pipeline.app.sections.income_reasons import OUTSIDE_FIELD
from pipeline.app.steps import Scope, StepResult, combined_sha
from pipeline.config import SourceFile
from pipeline.errors import DataError, DownloadError, InvalidAddressError
from pipeline.render.report import format_number
from pipeline.sources import staged_cache
from pipeline.sources.download import LocalFile, obtain, refused_download
from pipeline.sources.filosofi import (
    FILOSOFI_COMMUNES,
    FILOSOFI_EPCI,
    filosofi_cities,
    map_filosofi_communes,
    stage_filosofi,
)
from pipeline.store import load, schema
from pipeline.store.connection import transaction
from pipeline.store.load import Provenance
from pipeline.store.queries import characteristics as characteristics_queries
from pipeline.store.queries import geography, provenance

STEP_NAME = "revenus Filosofi INSEE"
#: Unmapped codes printed by ``make data`` (the table holds them all).
SHOWN_UNMAPPED = 20


def filosofi_tables(
    communes: pd.DataFrame, epci: pd.DataFrame, mapping: pd.DataFrame, known_epci: set[str] | None
) -> dict[str, pd.DataFrame]:
    """The three declared tables from the staged commune and EPCI files.

    Parameters
    ----------
    communes, epci
        :func:`pipeline.sources.filosofi.stage_filosofi` of the commune and EPCI files.
    mapping
        ``cog_mapping`` rows (``code``, ``current_code``).
    known_epci
        EPCI codes to keep (those of a scoped database), or None for all.
    """
    mapped, unmapped = map_filosofi_communes(communes, mapping)
    mapped = mapped.assign(niveau=np.where(mapped["unite"] != mapped["commune"], "arrondissement", "commune"))
    cities = filosofi_cities(communes).rename(columns={"code": "code_source"})
    cities = cities.assign(unite=cities["commune"], niveau="ville", fusion=False)
    columns = schema.column_names("filosofi_communes")
    rows = pd.concat([mapped[columns], cities[columns]], ignore_index=True)
    epci_rows = epci if known_epci is None else epci[epci["code"].isin(known_epci)]
    return {
        "filosofi_communes": rows.sort_values("code_source").reset_index(drop=True),
        "filosofi_epci": epci_rows[schema.column_names("filosofi_epci")].reset_index(drop=True),
        "filosofi_non_rattaches": unmapped[schema.column_names("filosofi_non_rattaches")],
    }


def _staged(file: LocalFile, level: str) -> pd.DataFrame:
    """:func:`pipeline.sources.filosofi.stage_filosofi`, through the staged cache."""
    frames = staged_cache.staged(f"filosofi-{level}", file.sha256,
                                 lambda: {"filosofi": stage_filosofi(file.path, level)})
    return frames["filosofi"]


def sources() -> tuple[SourceFile, SourceFile]:
    """The commune and EPCI files, from INSEE or from ``CPTS_FILOSOFI_URL`` when it names another server."""
    base = config.filosofi_base_url()
    if not base:
        return FILOSOFI_COMMUNES, FILOSOFI_EPCI
    return (replace(FILOSOFI_COMMUNES, url=f"{base}/{FILOSOFI_COMMUNES.extra['archive']}"),
            replace(FILOSOFI_EPCI, url=f"{base}/{FILOSOFI_EPCI.extra['archive']}"))


def load_filosofi(con: duckdb.DuckDBPyConnection, mirror: Path | None, force: bool, scope: Scope) -> StepResult:
    """Load Filosofi 2019 (mirror ``filosofi/``, or INSEE's zips when there is no mirror).

    Income is one figure among many: when the files cannot be obtained (offline,
    an older mirror without ``filosofi/``), the step says why in French and
    ``make data`` goes on; the tables keep what an earlier load put there, and
    diagnostics without them give income « non disponible ».
    """
    start = time.perf_counter()
    commune_source, epci_source = sources()
    try:
        com_file, epci_file = obtain(commune_source, mirror), obtain(epci_source, mirror)
    except InvalidAddressError:
        raise  # the user's setting: make data stops (exit 2), as for the other sources
    except DownloadError as exc:
        return StepResult(STEP_NAME, "impossible", 0, time.perf_counter() - start,
                          [f"Filosofi 2019 non chargé : {exc} ; {_what_follows(con, scope)} (relancez « make data » "
                           "une fois le fichier accessible)"])
    # The attachment to current units depends on the COG history: a new COG reloads the file.
    cog_sha = provenance.source_sha(con, "decoupage-administratif", combined=True) or ""
    sha = scope.tag(combined_sha([com_file.sha256, epci_file.sha256, cog_sha]))
    if not force and load.source_loaded(con, FILOSOFI_COMMUNES.name, FILOSOFI_COMMUNES.vintage, sha):
        return StepResult(STEP_NAME, "inchangé", 0, time.perf_counter() - start)
    try:
        communes = scope.keep(_staged(com_file, "COM"), "code")
        epci = _staged(epci_file, "EPCI")
    except DataError as exc:
        # A publisher's zip without the expected file: deleted, so that the next run fetches it again, and the load
        # goes on without income, as when the file cannot be had (a review: kept, it stopped every run, exit 2).
        bad = next((f for f in (com_file, epci_file) if str(f.path) == exc.path and f.origin.startswith("http")),
                   None)
        if bad is None:
            raise
        return StepResult(STEP_NAME, "impossible", 0, time.perf_counter() - start, [
            f"Filosofi 2019 non chargé : {refused_download(bad.path, bad.origin, 'Fichier', exc)} ; "
            f"{_what_follows(con, scope)}"])
    known_epci = None if scope.departements is None else set(geography.epcis(con)["code"].astype(str))
    tables = filosofi_tables(communes, epci, geography.cog_mapping(con), known_epci)
    with transaction(con):
        for name, frame in tables.items():
            load.replace_table(con, name, frame, com_file.origin)
        load.record_source(con, Provenance(
            FILOSOFI_COMMUNES.name, FILOSOFI_COMMUNES.vintage, com_file.origin, sha,
            len(tables["filosofi_communes"]),
            "INSEE, Filosofi 2019, revenus disponibles par unité de consommation, base communale (géographie "
            "d'environ 2021 rattachée aux communes actuelles)" + scope.label))
        load.record_source(con, Provenance(
            FILOSOFI_EPCI.name, FILOSOFI_EPCI.vintage, epci_file.origin, scope.tag(epci_file.sha256),
            len(tables["filosofi_epci"]), "INSEE, Filosofi 2019, EPCI de 2021" + scope.label))
    unmapped = tables["filosofi_non_rattaches"]
    rows = tables["filosofi_communes"]
    details = [f"{format_number(int((rows['niveau'] != 'ville').sum()))} lignes communales rattachées, "
               f"{format_number(len(tables['filosofi_epci']))} EPCI{scope.label}"]
    if len(unmapped):
        shown = ", ".join(f"{r.code} {r.libelle or ''} (ligne {r.ligne})".strip()
                          for r in unmapped.head(SHOWN_UNMAPPED).itertuples())
        more = f" … et {format_number(len(unmapped) - SHOWN_UNMAPPED)} autres" if len(unmapped) > SHOWN_UNMAPPED else ""
        details.append(f"{format_number(len(unmapped))} lignes sans commune actuelle (table filosofi_non_rattaches) : "
                       f"{shown}{more}")
    total = len(rows) + len(tables["filosofi_epci"])
    return StepResult(STEP_NAME, "chargé", total, time.perf_counter() - start, details)


def _what_follows(con: duckdb.DuckDBPyConnection, scope: Scope) -> str:
    """What a failed Filosofi load leaves: the income of an earlier load, kept, or none (a review read « seront
    « non disponibles » » while the earlier load was kept and diagnostics gave the median), and the départements of
    this load the earlier one did not hold (a re-check: loading the 05 beside the 04)."""
    if provenance.source_sha(con, FILOSOFI_COMMUNES.name) is None:
        return "les revenus des diagnostics seront « non disponibles »"
    held = characteristics_queries.filosofi_departements(con)
    # Guadeloupe, Guyane and Mayotte have no row in the INSEE's file: not missing from the earlier load.
    missing = sorted(set(scope.departements or ()) - held - OUTSIDE_FIELD)
    if missing:
        return (f"le chargement précédent de Filosofi est conservé, sans les départements {', '.join(missing)} : "
                "leurs revenus seront « non disponibles »")
    return "le chargement précédent de Filosofi est conservé, et les revenus des diagnostics en viennent"
