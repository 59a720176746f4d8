"""Where a diagnostic's outputs go, and writing them atomically (tables, map, report together).

Everything is first written into temporary folders next to the final ones,
then swapped in: a failure half-way leaves the previous outputs as they were,
and a folder that cannot be written is reported in French before anything
changes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipeline import config
from pipeline.errors import PipelineError, french_os_error
from pipeline.model.diagnostic import Diagnostic


def diagnostic_dir(slug: str) -> Path:
    return config.processed_dir() / "diagnostics" / slug


def map_dir(slug: str) -> Path:
    return config.maps_dir() / slug


def _check_writable(folder: Path) -> None:
    """Fail in French, before anything is written, when ``folder`` cannot receive outputs.

    ``folder`` may not exist yet: its nearest existing ancestor must then be a
    writable directory (it will be created). A path component that is a file,
    or a directory without write and search permission (``os.access``, which
    also reports read-only file systems), is an error.
    """
    probe = folder
    while not probe.exists() and not probe.is_symlink() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise PipelineError(
            "Dossier de sortie impossible à créer : ce chemin est un fichier, pas un dossier "
            f"(attendu un dossier pour {folder})",
            probe,
        )
    if not os.access(probe, os.W_OK | os.X_OK):
        raise PipelineError(
            "Dossier de sortie non accessible en écriture (droits ou système de fichiers en lecture seule) : "
            "les sorties précédentes sont conservées",
            probe,
        )


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@contextmanager
def atomic_dirs(*finals: Path) -> Iterator[list[Path]]:
    """Yield temporary folders that replace ``finals`` together, only if the block succeeds.

    Each swap renames the final folder aside and moves its new version in; if
    any move fails, the folders already swapped are put back, so the outputs
    of one run (tables and maps) never mix with those of another. File-system
    errors become French :class:`PipelineError` naming the folder.
    """
    for final in finals:
        _check_writable(final.parent)
    tmps: list[Path] = []
    try:
        for final in finals:
            final.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
            # mkdtemp creates the folder 0700; outputs are meant to be shared like any other folder.
            tmp.chmod(0o777 & ~_umask())
            tmps.append(tmp)
    except OSError as exc:
        for tmp in tmps:
            shutil.rmtree(tmp, ignore_errors=True)
        raise PipelineError(
            f"Impossible de créer le dossier de sortie ({french_os_error(exc)})", finals[len(tmps)].parent
        ) from exc
    try:
        yield tmps
    except BaseException:
        for tmp in tmps:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    swapped: list[tuple[Path, Path]] = []
    current = finals[0]
    try:
        for final, tmp in zip(finals, tmps, strict=True):
            current = final
            old = final.with_name(f".{final.name}.old")
            if old.exists():
                shutil.rmtree(old)
            if final.exists():
                final.rename(old)
            swapped.append((final, old))
            tmp.rename(final)
    except OSError as exc:
        for final, old in reversed(swapped):
            if old.exists():
                if final.exists():
                    shutil.rmtree(final, ignore_errors=True)
                old.rename(final)
        for tmp in tmps:
            shutil.rmtree(tmp, ignore_errors=True)
        raise PipelineError(
            f"Impossible de remplacer le dossier de sortie ({french_os_error(exc)}) : les sorties précédentes "
            "sont conservées",
            current,
        ) from exc
    for _, old in swapped:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def atomic_dir(final: Path) -> Iterator[Path]:
    """Yield a temporary folder that replaces ``final`` only if the block succeeds."""
    with atomic_dirs(final) as (tmp,):
        yield tmp


def check_writable_roots() -> None:
    """Fail in French, before computing, when the output folders cannot be created."""
    _check_writable(config.processed_dir() / "diagnostics")
    _check_writable(config.maps_dir())


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
    from pipeline.render import diagnostic_report, figures, maps, tables, trame
    from pipeline.render.pdf import print_pdf

    slug = d.territory.slug
    tables_final, maps_final = diagnostic_dir(slug), map_dir(slug)
    _check_writable(tables_final.parent)
    _check_writable(maps_final.parent)
    with atomic_dirs(tables_final, maps_final) as (tables_tmp, maps_tmp):
        specs = tables.write_tables(d, tables_tmp)
        lines = tables.flow_lines(d)
        maps.save_map(diagnostic_report.territory_map(d, lines), maps_tmp / diagnostic_report.MAP_FILE)
        if lines is not None:
            maps.save_map(diagnostic_report.flows_map(d, lines), maps_tmp / diagnostic_report.FLOWS_FILE)
        printed = figures.diagnostic_figures(d, lines)
        for figure in printed.values():
            (maps_tmp / figure.filename).write_bytes(figure.png)
        report = maps_tmp / diagnostic_report.REPORT_FILE
        diagnostic_report.write(d, report, printed, has_flows_map=lines is not None)
        trame.write_trame(d, maps_tmp / trame.DOCX_FILE, printed, specs)
        if pdf:
            print_pdf(report, maps_tmp / "rapport.pdf")
    return OutputPaths(tables_final, maps_final / diagnostic_report.MAP_FILE,
                       maps_final / diagnostic_report.REPORT_FILE, maps_final / trame.DOCX_FILE,
                       maps_final / "rapport.pdf" if pdf else None,
                       maps_final / diagnostic_report.FLOWS_FILE if lines is not None else None)
