"""Where a diagnostic's outputs go, and writing them together (tables, map, report).

The folder mechanics — temporary folders, the per-territory lock, the swap
that an interruption undoes, stale folders — are in :mod:`pipeline.render.swap`.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from pipeline import collector, config
from pipeline.model.diagnostic import Diagnostic
from pipeline.render.background import Background, Standby
from pipeline.render.file_names import DOCX_FILE, FLOWS_FILE, MAP_FILE, PDF_FILE, REPORT_FILE
from pipeline.render.swap import atomic_dir, atomic_dirs, check_writable, recover

__all__ = ["OutputPaths", "RenderJob", "atomic_dir", "atomic_dirs", "check_writable_roots", "diagnostic_dir",
           "load_writers", "map_dir", "render_into", "standby_writer", "write_all"]


def diagnostic_dir(slug: str) -> Path:
    return config.processed_dir() / "diagnostics" / slug


def map_dir(slug: str) -> Path:
    return config.maps_dir() / slug


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


def load_writers() -> None:
    """Import the writers of :func:`write_all` (matplotlib, folium, python-docx, openpyxl, Chromium's driver).

    Imported on first use, so that a command failing on its input fails at once and a diagnostic's
    computation does not carry them (they would raise its peak memory): a diagnostic imports them in the
    child of :func:`standby_writer`. Then frozen with the other imports
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


@dataclass(frozen=True)
class RenderJob:
    """What :func:`render_into` needs: the diagnostic, the temporary folders of its tables and maps, ``pdf``."""

    diagnostic: Diagnostic
    tables: Path
    maps: Path
    pdf: bool = False


def render_into(job: RenderJob) -> bool:
    """Write every output of a diagnostic into the temporary folders of ``job``; True when it has a flow map.

    Imports the writers first (:func:`load_writers`): in a diagnostic this runs in a
    :class:`~pipeline.render.background.Standby` child started before the computation
    (:func:`standby_writer`), which has imported them meanwhile.
    """
    load_writers()
    from pipeline.render import diagnostic_report, figures, maps, report, tables, trame
    from pipeline.render.pdf import print_pdf

    d, tables_tmp, maps_tmp = job.diagnostic, job.tables, job.maps
    lines = tables.flow_lines(d)
    # The printed figures are drawn by a forked child meanwhile (render.background), while this process
    # writes the tables and the interactive maps and builds the report's sections and charts.
    with Background(lambda: figures.diagnostic_figures(d, lines)) as drawing:
        specs = tables.write_tables(d, tables_tmp)
        maps.save_map(diagnostic_report.territory_map(d, lines), maps_tmp / MAP_FILE)
        if lines is not None:
            maps.save_map(diagnostic_report.flows_map(d, lines), maps_tmp / FLOWS_FILE)
        context = diagnostic_report.context(d, has_flows_map=lines is not None)
        printed = drawing.result()
    for figure in printed.values():
        (maps_tmp / figure.filename).write_bytes(figure.png)
    # The Word Trame is written by another child while this process writes the report; both are in
    # the folder before it is swapped in (result() waits, and writes it here if the child could not).
    with Background(lambda: trame.write_trame(d, maps_tmp / DOCX_FILE, printed, specs)) as docx:
        report_path = report.write_report(diagnostic_report.with_figures(context, printed),
                                          maps_tmp / REPORT_FILE)
        docx.result()
    if job.pdf:
        print_pdf(report_path, maps_tmp / PDF_FILE)
    return lines is not None


def standby_writer() -> contextlib.AbstractContextManager[Standby[RenderJob, bool] | None]:
    """A child that imports the writers now and runs :func:`render_into` when the diagnostic is computed.

    Started by a diagnostic before its computation, so that the writers' imports (most of a second) are
    done on the other core meanwhile, and kept out of the computing process's memory. Only in a
    ``python -m pipeline`` command (:func:`pipeline.collector.in_short_run`): a program importing the
    package (a notebook, the tests) imports the writers once for all its diagnostics, and a child forked
    from its larger memory cost more CPU than it saved (two test files of in-process diagnostics: 8 % more
    CPU). There the context gives None, and :func:`write_all` writes in the process.
    """
    if not collector.in_short_run():
        return contextlib.nullcontext(None)
    return Standby(load_writers, render_into)


def write_all(d: Diagnostic, pdf: bool = False, writer: Standby[RenderJob, bool] | None = None) -> OutputPaths:
    """Write every output of ``d``, swapped in together.

    Tables (CSV, ``diagnostic.xlsx``, GeoPackage, ``summary.json``) go to the
    diagnostic's data folder; the interactive maps (``carte.html``,
    ``flux.html``), the printed figures (PNG), the report (``rapport.html``),
    the Word Trame (``rapport.docx``) and, when ``pdf`` is true, the printed
    report (``rapport.pdf``, headless Chromium) to its maps folder. They are
    written into temporary folders (by ``writer`` when given, see
    :func:`standby_writer`; else here), which this process then swaps in.

    Raises
    ------
    PipelineError
        A folder or file cannot be written; the previous outputs are kept.
    BrowserMissingError, PrintError
        ``pdf`` was asked and Chromium is missing or fails (exit code 1);
        the previous outputs are kept.
    """
    slug = d.territory.slug
    tables_final, maps_final = diagnostic_dir(slug), map_dir(slug)
    check_writable(tables_final.parent)
    check_writable(maps_final.parent)
    with atomic_dirs(tables_final, maps_final) as (tables_tmp, maps_tmp):
        job = RenderJob(d, tables_tmp, maps_tmp, pdf)
        has_flows_map = writer.run(job) if writer is not None else render_into(job)
    return OutputPaths(tables_final, maps_final / MAP_FILE, maps_final / REPORT_FILE, maps_final / DOCX_FILE,
                       maps_final / PDF_FILE if pdf else None, maps_final / FLOWS_FILE if has_flows_map else None)
