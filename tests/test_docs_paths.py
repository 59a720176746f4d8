"""The files the README and the method notes name exist (a review followed ``docs/methods_flows_access.md`` to
``pipeline/data/flows_params.toml`` and five other paths that had moved since)."""

from __future__ import annotations

import glob
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: A path of the repository as prose names it: ``pipeline/…``, ``tests/…``, a glob such as ``nomenclature_*.csv``.
_PATH = re.compile(r"(?<![\w/.])((?:pipeline|tests|scripts|docs|notebooks)/[\w./*-]*\w)")


def named_paths(text: str) -> list[str]:
    return [m.group(1) for m in _PATH.finditer(text)]


def test_the_pattern_finds_the_paths_prose_names() -> None:
    assert named_paths("Modules: `pipeline/analysis/flows.py`, see tests/conftest.py and "
                       "`pipeline/data/nomenclature_*.csv`; not https://x.org/pipeline/a.py") == [
        "pipeline/analysis/flows.py", "tests/conftest.py", "pipeline/data/nomenclature_*.csv"]


def test_every_path_the_documentation_names_exists() -> None:
    # docs/benchmarks.md is a dated log: its runs name the files of their day.
    documents = [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").glob("*.md") if p.name != "benchmarks.md")]
    missing = [f"{document.name}: {path}" for document in documents
               for path in named_paths(document.read_text(encoding="utf-8"))
               if not glob.glob(str(ROOT / path))]
    assert missing == []
