"""``python -m pipeline sources``: origins and checksums printed whole, so that they can be copied.

Wrapped to the terminal's width, a path was cut at its hyphens (« …/rev-readme- » / « data/raw/… »).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.app.robust_support import Workspace, cli


def test_origins_and_checksums_are_printed_whole(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "sources")
    assert (code, err) == (0, "")
    con = duckdb.connect(str(ws.db), read_only=True)
    try:
        checksums_stored = {str(sha) for (sha,) in con.execute("SELECT sha256 FROM sources").fetchall() if sha}
    finally:
        con.close()
    lines = out.splitlines()
    origins = [line.removeprefix("  origine : ") for line in lines if line.startswith("  origine : ")]
    assert origins and any("-" in origin and len(origin) > 60 for origin in origins)  # long hyphenated paths
    for origin in origins:  # a path cut by the wrapping would name no file
        path = Path(origin.removeprefix("miroir:"))
        assert path.exists() or origin.startswith("http"), origin
    # Called the load's fingerprint: a scoped load's is the sha256 of the file and the départements (a review).
    label = "  empreinte du chargement (sha256) : "
    checksums = {line.removeprefix(label) for line in lines if line.startswith(label)}
    assert checksums and checksums <= checksums_stored
    assert not any(line.startswith("  sha256 :") for line in lines)
