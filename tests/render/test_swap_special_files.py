"""A special file where a diagnostic's previous outputs were (:mod:`pipeline.render.swap`).

A review put a FIFO at a CPTS's output folder: ``shutil.rmtree`` opened it to remove it and waited for ever for a
writer, and the whole ``make diagnostics`` batch hung. The timeouts make a regression fail instead of hanging.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.render import swap
from pipeline.render.swap_recovery import remove_tree


@pytest.mark.timeout(30)
def test_a_fifo_where_the_previous_outputs_were_is_replaced(tmp_path: Path) -> None:
    final = tmp_path / "diagnostics" / "cpts-cpts-bordeaux"
    final.parent.mkdir()
    os.mkfifo(final)
    with swap.atomic_dir(final) as new:
        (new / "summary.json").write_text("{}", encoding="utf-8")
    assert final.is_dir() and (final / "summary.json").read_text(encoding="utf-8") == "{}"
    assert sorted(p.name for p in final.parent.iterdir()) == ["cpts-cpts-bordeaux"]  # nothing left aside


@pytest.mark.timeout(30)
@pytest.mark.parametrize("kind", ["fifo", "file", "link"])
def test_remove_tree_unlinks_what_is_not_a_folder(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "ancien"
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "a.txt").write_text("a", encoding="utf-8")
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "file":
        target.write_text("x", encoding="utf-8")
    else:
        target.symlink_to(kept)  # a link to a folder: the link goes, never what it points to
    assert remove_tree(target)
    assert not target.exists() and not target.is_symlink()
    assert (kept / "a.txt").read_text(encoding="utf-8") == "a"
