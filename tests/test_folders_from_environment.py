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


def test_relative_folder_variables_are_made_absolute(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A review: ``CPTS_MAPS_DIR=relmaps`` printed « rapport : relmaps/… » where the README promises absolute
    paths."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CPTS_DATA_DIR", "donnees")
    monkeypatch.setenv("CPTS_MAPS_DIR", "./cartes/../relmaps")
    assert config.data_dir() == tmp_path / "donnees"
    assert config.maps_dir().is_absolute() and config.maps_dir().resolve() == tmp_path / "relmaps"


def test_a_folder_variable_naming_a_file_is_named_in_the_message(monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    from pipeline.errors import PipelineError
    from pipeline.render.swap import check_writable

    blocker = tmp_path / "afile"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("CPTS_DATA_DIR", str(blocker))
    with pytest.raises(PipelineError) as info:
        check_writable(config.processed_dir() / "diagnostics")
    assert info.value.message == ("Dossier de sortie impossible à créer : ce chemin est un fichier, pas un dossier "
                                  f"(attendu un dossier pour {blocker}/processed/diagnostics) ; c'est le dossier que "
                                  "désigne la variable CPTS_DATA_DIR")


@pytest.mark.parametrize("value", ["abc", "nan", "-5", "inf"])
def test_an_invalid_outputs_wait_is_refused_by_name(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    """A review: « abc » waited the default 600 s, « nan » and « -5 » not at all, without a word."""
    from pipeline.errors import PipelineError
    from pipeline.render import swap

    monkeypatch.setenv("CPTS_OUTPUTS_WAIT", value)
    with pytest.raises(PipelineError) as info:
        swap._wait_seconds()
    assert info.value.message == (f"Variable CPTS_OUTPUTS_WAIT invalide « {value} » : un nombre de secondes positif "
                                  "ou nul est attendu (par défaut 600)")
    assert info.value.exit_code == 2
    for good, seconds in (("2", 2.0), ("1,5", 1.5), ("0", 0.0), (" ", 600.0)):
        monkeypatch.setenv("CPTS_OUTPUTS_WAIT", good)
        assert swap._wait_seconds() == seconds
