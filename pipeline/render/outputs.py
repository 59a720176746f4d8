"""Where a diagnostic's outputs go, and writing them together (tables, map, report).

The folder mechanics — temporary folders, the per-territory lock, the swap
that an interruption undoes, stale folders — are in :mod:`pipeline.render.swap`.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from pipeline import collector, config
from pipeline.errors import PipelineError
from pipeline.model.diagnostic import Diagnostic
from pipeline.render.background import Background
from pipeline.render.swap import (
    atomic_dir,
    atomic_dirs,
    check_writable,
    clean_stale,
    folders_locked,
    recover,
    remove_folders,
)

__all__ = ["OutputPaths", "atomic_dir", "atomic_dirs", "check_writable_roots", "diagnostic_dir", "folder_identity",
           "load_writers", "map_dir", "remove_comparison_leftovers", "stop_writers", "write_all"]


def diagnostic_dir(slug: str) -> Path:
    return config.processed_dir() / "diagnostics" / slug


def map_dir(slug: str) -> Path:
    return config.maps_dir() / slug


def folder_identity(slug: str) -> tuple[int, int] | None:
    """Device and inode of a diagnostic's tables folder, None when there is none: a swap gives it new ones."""
    try:
        info = diagnostic_dir(slug).stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino


def remove_comparison_leftovers(name: str, written: set[str]) -> tuple[list[str], list[str]]:
    """Remove the diagnostics the comparison ``name`` wrote (their ``summary.json`` key ``comparaison``) in folders
    other than ``written``: (slugs removed, slugs that stay: a file that cannot be removed, or a run writing them).

    A folder's ``summary.json`` goes last, so that a removal stopped half-way is found and finished by the next
    batch (a re-check: the report was kept while the summary was gone, never retried).
    """
    removed: list[str] = []
    kept: list[str] = []
    root = config.processed_dir() / "diagnostics"
    try:
        folders = sorted(entry.name for entry in os.scandir(root) if entry.is_dir(follow_symlinks=False)
                         and not entry.name.startswith("."))
    except OSError:
        return removed, kept
    for slug in folders:
        tables, maps = diagnostic_dir(slug), map_dir(slug)
        if slug in written or _written_by(tables) != name:
            continue
        try:
            with folders_locked(tables, maps):  # write_all's lock, in its order
                if _written_by(tables) != name:  # rewritten by another run meanwhile: its own now
                    continue
                gone = remove_folders(tables, maps, last="summary.json")
        except PipelineError:  # its folders are being written by another run
            gone = False
        (removed if gone else kept).append(slug)
    return removed, kept


def _written_by(folder: Path) -> str | None:
    """The comparison that wrote the diagnostic in ``folder`` (None: a diagnostic of its own, or unreadable)."""
    summary = folder / "summary.json"
    if summary.is_symlink() or not summary.is_file():  # a FIFO would block the read for ever (a re-check)
        return None
    try:
        found = json.loads(summary.read_text(encoding="utf-8")).get("comparaison")
    except (OSError, ValueError, AttributeError):
        return None
    return found if isinstance(found, str) else None


def check_writable_roots() -> None:
    """Fail in French, before computing, when the output folders cannot be created.

    Also puts back the previous outputs of a run killed during its swap
    (:func:`pipeline.render.swap.recover`), so that they are whole again as
    soon as a later diagnostic starts.
    """
    check_writable(config.processed_dir() / "diagnostics")
    check_writable(config.maps_dir())
    if config.processed_dir().is_dir():
        recover()


def stop_writers(writers: list[Background[OutputPaths]]) -> None:
    """Stop forked writers of :func:`write_all` (``make diagnostics`` interrupted) and tidy after them at once.

    A writer killed during its swap left its CPTS's tables and maps from two different runs, and its temporary
    folders, until the next run: the swaps are undone and the folders removed here, so that « les sorties
    précédentes sont inchangées » is already true when the batch says it.
    """
    for writer in writers:
        writer.cancel()
    if writers:
        # Best effort, in the batch's ``finally``: an error here must not hide the interruption; the next run
        # recovers what is left, as it always did.
        with contextlib.suppress(OSError):
            recover()
            clean_stale({config.processed_dir() / "diagnostics", config.maps_dir()})


def load_writers() -> None:
    """Import the writers of :func:`write_all` (matplotlib, folium, python-docx, openpyxl, Chromium's driver).

    Imported on first use, so that a command failing on its input fails at once and a diagnostic's
    computation does not carry them (they would raise its peak memory); then frozen with the other imports
    (:func:`pipeline.collector.imports_done`), with the report template compiled. ``make diagnostics`` calls it
    before its loop, so that its forked writers inherit them.
    """
    from pipeline.render import diagnostic_report, figures, maps, pdf, report, tables, trame  # noqa: F401

    report.report_template()  # compiled once, before the batch forks its writers
    collector.imports_done()


@dataclass(frozen=True)
class OutputPaths:
    """Final paths of a diagnostic's outputs (``pdf`` is None unless the report was printed)."""

    tables: Path
    map: Path
    report: Path
    docx: Path | None = None
    pdf: Path | None = None
    flows_map: Path | None = None


def write_all(d: Diagnostic, pdf: bool = False) -> OutputPaths:
    """Write every output of ``d``, swapped in together.

    Tables (CSV, ``diagnostic.xlsx``, GeoPackage, ``summary.json``) go to the
    diagnostic's data folder; the interactive maps (``carte.html``,
    ``flux.html``), the printed figures (PNG), the report (``rapport.html``),
    the Word Trame (``rapport.docx``) and, when ``pdf`` is true, the printed
    report (``rapport.pdf``, headless Chromium) to its maps folder.

    Raises
    ------
    PipelineError
        A folder or file cannot be written; the previous outputs are kept.
    BrowserMissingError, PrintError
        ``pdf`` was asked and Chromium is missing or fails (exit code 1);
        the previous outputs are kept.
    """
    load_writers()
    from pipeline.render import diagnostic_report, figures, maps, report, tables, trame
    from pipeline.render.pdf import print_pdf

    slug = d.territory.slug
    tables_final, maps_final = diagnostic_dir(slug), map_dir(slug)
    check_writable(tables_final.parent)
    check_writable(maps_final.parent)
    with atomic_dirs(tables_final, maps_final) as (tables_tmp, maps_tmp):
        lines = tables.flow_lines(d)
        # The printed figures are drawn by a forked child meanwhile (render.background), while this process
        # writes the tables and the interactive maps and builds the report's sections and charts.
        with Background(lambda: figures.diagnostic_figures(d, lines)) as drawing:
            specs = tables.write_tables(d, tables_tmp)
            maps.save_map(diagnostic_report.territory_map(d, lines), maps_tmp / diagnostic_report.MAP_FILE)
            if lines is not None:
                maps.save_map(diagnostic_report.flows_map(d, lines), maps_tmp / diagnostic_report.FLOWS_FILE)
            context = diagnostic_report.context(d, has_flows_map=lines is not None)
            printed = drawing.result()
        for figure in printed.values():
            (maps_tmp / figure.filename).write_bytes(figure.png)
        # The Word Trame is written by another child while this process writes the report; both are in
        # the folder before it is swapped in (result() waits, and writes it here if the child could not).
        with Background(lambda: trame.write_trame(d, maps_tmp / trame.DOCX_FILE, printed, specs)) as docx:
            report_path = report.write_report(diagnostic_report.with_figures(context, printed),
                                              maps_tmp / diagnostic_report.REPORT_FILE)
            docx.result()
        if pdf:
            print_pdf(report_path, maps_tmp / "rapport.pdf")
    return OutputPaths(tables_final, maps_final / diagnostic_report.MAP_FILE,
                       maps_final / diagnostic_report.REPORT_FILE, maps_final / trame.DOCX_FILE,
                       maps_final / "rapport.pdf" if pdf else None,
                       maps_final / diagnostic_report.FLOWS_FILE if lines is not None else None)
