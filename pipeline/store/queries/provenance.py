"""Questions about what is loaded: the ``sources`` provenance table."""

from __future__ import annotations

import duckdb
import pandas as pd


def sources(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per loaded file (the combined COG row excluded): ``source, vintage, origin, sha256, row_count,
    loaded_at, notes, demo, date_deduite`` (``date_deduite``: an extraction dated by its file's modification time,
    its header and name giving no date)."""
    return con.execute(
        "SELECT source, vintage, origin, sha256, row_count, loaded_at, notes, demo, "
        "(source = 'annuaire-sante' AND EXISTS (SELECT 1 FROM ps_anomalies a WHERE a.type = 'date_extraction_deduite' "
        "  AND CAST(a.extraction AS VARCHAR) = s.vintage)) "
        "OR (source = 'finess' AND EXISTS (SELECT 1 FROM finess_anomalies a WHERE a.type = 'date_extraction_deduite' "
        "  AND CAST(a.extraction AS VARCHAR) = s.vintage)) AS date_deduite "
        "FROM sources s WHERE vintage NOT LIKE '%,%' ORDER BY source, vintage"
    ).df()


def demo_sources(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Sources loaded from generated demonstration data (``demo`` flag)."""
    return [str(r[0]) for r in con.execute("SELECT DISTINCT source FROM sources WHERE demo ORDER BY 1").fetchall()]


def loaded_files(con: duckdb.DuckDBPyConnection, source: str) -> list[tuple[str, str, str, bool]]:
    """(vintage, sha256, loader_version, demo) of the files of ``source``."""
    return [(str(r[0]), str(r[1] or ""), str(r[2]), bool(r[3])) for r in con.execute(
        "SELECT vintage, sha256, loader_version, demo FROM sources WHERE source = ? ORDER BY vintage", [source]
    ).fetchall()]


def contours_year(con: duckdb.DuckDBPyConnection) -> str | None:
    """The year of the loaded commune contours (« 2018 » from the mirror, Etalab's year online), or None."""
    years = [vintage for vintage, *_ in loaded_files(con, "contours-communes")]
    return years[-1] if years else None


def source_sha(con: duckdb.DuckDBPyConnection, source: str, combined: bool = False) -> str | None:
    """Checksum of a loaded source (the combined row of a multi-vintage source when ``combined``)."""
    condition = "vintage LIKE '%,%'" if combined else "vintage NOT LIKE '%,%'"
    rows = con.execute(f"SELECT sha256 FROM sources WHERE source = ? AND {condition} ORDER BY vintage DESC",
                       [source]).fetchall()
    return str(rows[0][0]) if rows and rows[0][0] is not None else None


def real_loaded(con: duckdb.DuckDBPyConnection, source: str) -> bool:
    """Whether a real (not demonstration) file of ``source`` is loaded."""
    return bool(con.execute("SELECT count(*) FROM sources WHERE source = ? AND NOT demo", [source]).fetchall()[0][0])


def setting(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    """A setting of this database (``schema_info``), or None."""
    rows = con.execute("SELECT value FROM schema_info WHERE key = ?", [key]).fetchall()
    return str(rows[0][0]) if rows else None


#: ``schema_info`` key: why the supply of this database is demonstration data (empty when it is not), written
#: by ``make data`` when a download failed.
DEMO_REASON_SETTING = "demo_raison"


def demo_reason(con: duckdb.DuckDBPyConnection) -> str | None:
    """Why this database's supply is demonstration data, when a download failed (else None)."""
    return setting(con, DEMO_REASON_SETTING) or None


def loaded_departements(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Départements the database was restricted to (``data --departements``; setting ``departements`` written
    by :mod:`pipeline.app.data`), empty when it holds all of France."""
    value = setting(con, "departements")
    return [code for code in (value or "").split(",") if code.strip()]


def real_files(con: duckdb.DuckDBPyConnection, source: str) -> list[tuple[str, str, str]]:
    """(vintage, origin, sha256) of the real (not demonstration) files of ``source``, oldest first."""
    return [(str(r[0]), str(r[1]), str(r[2] or "")) for r in con.execute(
        "SELECT vintage, origin, sha256 FROM sources WHERE source = ? AND NOT demo AND vintage NOT LIKE '%,%' "
        "ORDER BY vintage", [source]).fetchall()]
