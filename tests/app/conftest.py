"""Workspaces of the robustness tests (see :mod:`tests.app.robust_support`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cli import main
from tests.app.robust_support import PREVIOUS, SLUG, Workspace, copy_workspace


@pytest.fixture(scope="session")
def previous_run(fixture_data_dir: Path, mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The fixture database plus the outputs of one previous diagnostic (``communes:04070``), built once."""
    ws = Workspace(tmp_path_factory.mktemp("precedent"))
    copy_workspace(fixture_data_dir, None, ws)
    with pytest.MonkeyPatch.context() as mp:
        for key, value in ws.env(mirror).items():
            mp.setenv(key, value)
        assert main(["diagnostic", PREVIOUS]) == 0
    assert (ws.maps / SLUG / "rapport.html").exists() and (ws.diagnostics / SLUG / "summary.json").exists()
    return ws


@pytest.fixture()
def ws(previous_run: Workspace, mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A private copy of :func:`previous_run`, the environment pointing at it (mirror set)."""
    private = Workspace(tmp_path / "ws")
    copy_workspace(previous_run.data, previous_run.maps, private)
    for key, value in private.env(mirror).items():
        monkeypatch.setenv(key, value)
    return private
