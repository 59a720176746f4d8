"""Which output folder a system error met while writing is reported under (:mod:`pipeline.render.swap`)."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipeline.render import swap


@pytest.fixture()
def folders(tmp_path: Path) -> tuple[list[Path], tuple[Path, Path]]:
    news = [tmp_path / "data" / ".tables.new", tmp_path / "maps" / ".cartes.new"]
    for new in news:
        new.mkdir(parents=True)
    return news, (tmp_path / "data" / "tables", tmp_path / "maps" / "cartes")


def only_full(full: Path) -> Callable[[os.PathLike[str] | str], object]:
    """``os.statvfs`` of a machine where only the file system of ``full`` has no free block."""
    real = os.statvfs

    def statvfs(path: os.PathLike[str] | str) -> object:
        if Path(path) == full:
            return SimpleNamespace(f_bavail=0, f_frsize=4096)
        return real(path)
    return statvfs


def test_a_full_disk_without_a_file_name_names_the_folder_on_that_disk(
    folders: tuple[list[Path], tuple[Path, Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The maps folder on a full disk, the tables on another: the message names the maps folder."""
    news, finals = folders
    monkeypatch.setattr(os, "statvfs", only_full(news[1]))
    cause = swap._system_cause(OSError(errno.ENOSPC, "No space left on device"), news, finals)
    assert cause is not None and (cause.errno, cause.filename) == (errno.ENOSPC, str(finals[1]))


def test_a_file_name_is_given_under_its_final_folder(folders: tuple[list[Path], tuple[Path, Path]]) -> None:
    news, finals = folders
    cause = swap._system_cause(OSError(errno.EACCES, "Permission denied", str(news[1] / "carte.html")),
                               news, finals)
    assert cause is not None and cause.filename == str(finals[1] / "carte.html")


def test_an_opaque_library_error_on_a_full_disk_names_that_disk_s_folder(
    folders: tuple[list[Path], tuple[Path, Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """GDAL's « Failed to commit transaction » says nothing of its cause."""
    news, finals = folders
    monkeypatch.setattr(os, "statvfs", only_full(news[1]))
    cause = swap._system_cause(RuntimeError("Failed to commit transaction"), news, finals)
    assert cause is not None and (cause.errno, cause.filename) == (errno.ENOSPC, str(finals[1]))
