"""``CPTS_DATA_DIR`` and ``CPTS_MAPS_DIR`` as users set them: empty means unset, ``~`` is the home folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import config


@pytest.mark.parametrize("value", ["", "  "])
def test_empty_folder_variables_mean_the_defaults(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    # `CPTS_MAPS_DIR= make diagnostic` wrote the maps into the current folder (Path("") is ".").
    monkeypatch.setenv("CPTS_DATA_DIR", value)
    monkeypatch.setenv("CPTS_MAPS_DIR", value)
    assert config.data_dir() == config.ROOT / "data"
    assert config.maps_dir() == config.ROOT / "maps"
    assert config.db_path() == config.ROOT / "data" / "processed" / "cpts.duckdb"


def test_folder_variables_expand_the_home_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("CPTS_DATA_DIR", "~/cpts/data")
    monkeypatch.setenv("CPTS_MAPS_DIR", "~/cpts/cartes")
    assert config.data_dir() == tmp_path / "cpts" / "data"
    assert config.maps_dir() == tmp_path / "cpts" / "cartes"
