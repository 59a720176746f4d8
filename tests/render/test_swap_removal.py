"""Removing a batch's stale outputs: under the writers' lock, the folder holding ``summary.json`` last."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.render import swap


def _outputs(root: Path) -> tuple[Path, Path]:
    tables, maps = root / "data" / "cpts-x", root / "maps" / "cpts-x"
    for folder, names in ((tables, ("communes.csv", "summary.json")), (maps, ("rapport.html", "carte.html"))):
        folder.mkdir(parents=True)
        for name in names:
            (folder / name).write_text(name, encoding="utf-8")
    return tables, maps


def test_a_file_that_stays_in_the_maps_folder_keeps_the_tables_folder_whole(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A re-check: the report could not be removed, the tables folder (its summary.json) was, and no later batch
    could find the report again."""
    tables, maps = _outputs(tmp_path)
    real = swap.remove_tree

    def stubborn(path: Path) -> bool:
        return False if path.name == "rapport.html" else real(path)

    monkeypatch.setattr(swap, "remove_tree", stubborn)
    assert swap.remove_folders(tables, maps, last="summary.json") is False
    assert sorted(p.name for p in tables.iterdir()) == ["communes.csv", "summary.json"]  # untouched
    assert sorted(p.name for p in maps.iterdir()) == ["rapport.html"]
    monkeypatch.setattr(swap, "remove_tree", real)
    assert swap.remove_folders(tables, maps, last="summary.json") is True
    assert not tables.exists() and not maps.exists()


def test_a_stubborn_file_of_the_tables_folder_keeps_its_summary(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    tables, maps = _outputs(tmp_path)
    real = swap.remove_tree
    monkeypatch.setattr(swap, "remove_tree", lambda path: False if path.name == "communes.csv" else real(path))
    assert swap.remove_folders(tables, maps, last="summary.json") is False
    assert not maps.exists()  # the folder without summary.json goes first
    assert sorted(p.name for p in tables.iterdir()) == ["communes.csv", "summary.json"]


def test_the_removal_waits_for_the_writers_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A re-check: the removal took a lock of its own (the folders in another order), never the writers'."""
    monkeypatch.setenv("CPTS_DATA_DIR", str(tmp_path / "data-root"))
    monkeypatch.setenv("CPTS_OUTPUTS_WAIT", "0")
    tables, maps = _outputs(tmp_path)
    # A writer holds the lock of (tables, maps) meanwhile.
    with swap.atomic_dirs(tables, maps), pytest.raises(swap.OutputsBusyError), swap.folders_locked(tables, maps):
        pass
    with swap.folders_locked(tables, maps):  # free once the writer is done
        pass


def test_a_summary_that_is_no_regular_file_is_nobody_s(tmp_path: Path) -> None:
    """A re-check: a FIFO named summary.json hung the batch's scan for ever (its read waits for a writer)."""
    import os

    from pipeline.render.outputs import _written_by

    folder = tmp_path / "cpts-x"
    folder.mkdir()
    os.mkfifo(folder / "summary.json")
    assert _written_by(folder) is None
