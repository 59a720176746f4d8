"""Generate ``docs/schema.md`` from the declared schema: ``python -m pipeline.store.schema_doc``."""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.store import schema

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "schema.md"

HEADER = """# DuckDB schema (data/processed/cpts.duckdb)

Generated from `pipeline/store/schema.sql` by `python -m pipeline.store.schema_doc`
(a test checks that this page is current). Every table is created from that
file: declared types, a primary key on each table's grain, NOT NULL where a
value is always known, CHECK constraints on closed vocabularies. Codes are
VARCHAR (INSEE codes keep leading zeros and Corsican letters: `2A004`).
Schema version: {version} (stored in `schema_info`; an older database is
rebuilt by `make data`; a newer one, written by a later version of the tool, is
refused and never rebuilt).
"""


def render() -> str:
    """The Markdown page describing every declared table."""
    parts = [HEADER.format(version=schema.SCHEMA_VERSION)]
    for table in schema.tables().values():
        key = ", ".join(table.primary_key) or "—"
        parts.append(f"\n## `{table.name}`\n\n{table.doc}\n\nOne row per: {key}.\n\n"
                     "| column | type | null | description |\n|---|---|---|---|")
        for column in table.columns:
            null = "" if column.nullable else "NOT NULL"
            parts.append(f"| `{column.name}` | {column.type} | {null} | {column.doc} |")
    return "\n".join(parts) + "\n"


def main() -> int:
    DOC_PATH.write_text(render(), encoding="utf-8")
    print(f"écrit : {DOC_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
