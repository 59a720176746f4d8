"""Where a diagnostic's outputs go, and writing them together (tables, map, report).

The folder mechanics — temporary folders, the per-territory lock, the swap
that an interruption undoes, stale folders — are in :mod:`pipeline.render.swap`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline import config
from pipeline.model.diagnostic import Diagnostic
from pipeline.render.swap import atomic_dir, atomic_dirs, check_writable, recover

__all__ = ["OutputPaths", "atomic_dir", "atomic_dirs", "check_writable_roots", "diagnostic_dir", "map_dir",
           "write_all"]


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


@dataclass(frozen=True)
class OutputPaths:
    """Final paths of a diagnostic's outputs."""

    tables: Path
    map: Path
    report: Path


def write_all(d: Diagnostic) -> OutputPaths:
    """Write every output of ``d`` (tables, map, flow map, report), swapped in together."""
    from pipeline.render import diagnostic_report, maps, tables

    slug = d.territory.slug
    tables_final, maps_final = diagnostic_dir(slug), map_dir(slug)
    check_writable(tables_final.parent)
    check_writable(maps_final.parent)
    with atomic_dirs(tables_final, maps_final) as (tables_tmp, maps_tmp):
        tables.write_tables(d, tables_tmp)
        lines = tables.flow_lines(d)
        maps.save_map(diagnostic_report.territory_map(d, lines), maps_tmp / "carte.html")
        if lines is not None:
            maps.save_map(diagnostic_report.flows_map(d, lines), maps_tmp / "flux.html")
        diagnostic_report.write(d, maps_tmp / "rapport.html")
    return OutputPaths(tables_final, maps_final / "carte.html", maps_final / "rapport.html")
