"""The French walkthrough notebook runs from top to bottom (so it cannot rot)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.xdist_group("national")
def test_walkthrough_notebook_executes(loaded_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPTS_DATA_DIR", str(loaded_data_dir))
    notebook = nbformat.read(ROOT / "notebooks" / "diagnostic_cpts.ipynb", as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = "".join(
        str(out.get("text", "")) + str(out.get("data", {}).get("text/plain", ""))
        for cell in notebook.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
    )
    assert "CPTS du Verdon — 15 unités (communes ou arrondissements), 12932 habitants" in outputs
    assert "Taille ACI : 1" in outputs
    assert "Données de démonstration : True" in outputs


def test_notebook_matches_its_generator() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_notebook", ROOT / "scripts" / "make_notebook.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    on_disk = nbformat.read(ROOT / "notebooks" / "diagnostic_cpts.ipynb", as_version=4)
    sources = [cell.source for cell in on_disk.cells]
    assert sources == [cell.source for cell in module.build().cells]
