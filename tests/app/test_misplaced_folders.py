"""A file, or a symbolic link to a place that no longer exists, where the pipeline expects a folder.

A data folder moved to a disk that is not mounted leaves ``data/raw`` as a dangling link; a stray file can take
the name of a folder. ``mkdir`` then fails with EEXIST (ENOTDIR for a path through a file): the machine's layout,
so a French line naming the path and exit 1, as for a full disk, never « Erreur inattendue » and a traceback.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest

from pipeline.errors import misplaced_folder
from tests.app.robust_support import Workspace, cli, snapshot

KEPT = ("La base est celle du dernier chargement achevé (make data écrit dans une copie, qui ne la remplace qu'à la "
        "fin) et les sorties précédentes sont intactes.")


def test_what_stands_in_place_of_a_folder(tmp_path: Path) -> None:
    file, link, folder = tmp_path / "fichier", tmp_path / "lien", tmp_path / "dossier"
    file.write_text("x", encoding="utf-8")
    link.symlink_to(tmp_path / "disque-absent")
    folder.mkdir()
    with pytest.raises(FileExistsError) as on_link:
        (link / "demo").mkdir(parents=True, exist_ok=True)
    assert misplaced_folder(on_link.value) == (
        f"lien symbolique vers un emplacement absent ({tmp_path / 'disque-absent'}) à la place d'un dossier")
    with pytest.raises(FileExistsError) as on_file:
        file.mkdir(exist_ok=True)
    assert misplaced_folder(on_file.value) == "un fichier occupe la place d'un dossier"
    with pytest.raises(NotADirectoryError) as through_file:
        (file / "demo.txt").write_text("x", encoding="utf-8")
    assert misplaced_folder(through_file.value) == "un élément du chemin n'est pas un dossier"
    # A folder that exists is not misplaced (EEXIST from an exclusive creation is another matter).
    assert misplaced_folder(FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(folder))) is None
    assert misplaced_folder(PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(file))) is None


def test_data_load_with_raw_folder_on_a_missing_disk(ws: Workspace, mirror: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(ws)
    raw = ws.data / "raw"
    shutil.rmtree(raw)  # its files are links to the fixture's: the links go, not the files
    raw.symlink_to(ws.root / "disque-demonte" / "raw")
    code, _, err = cli(capsys, "data", "--miroir", str(mirror), "--force")
    assert (code, err) == (1, f"Erreur système : lien symbolique vers un emplacement absent "
                              f"({ws.root / 'disque-demonte' / 'raw'}) à la place d'un dossier (fichier {raw}). "
                              f"{KEPT}\n")
    after = snapshot(ws)
    assert (after["counts"], after["files"]) == (before["counts"], before["files"])


@pytest.mark.parametrize("command", [["data", "--sans-demo"], ["diagnostic", "communes:04070"]])
def test_data_folder_variable_naming_a_file_is_the_same_bad_input_for_every_command(
        tmp_path: Path, mirror: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        command: list[str]) -> None:
    """CPTS_DATA_DIR set to a file: « data » exited 1 (« Erreur système ») where « diagnostic » exited 2; both now
    name the folder to fix, exit 2, and leave the file as it was."""
    blocker = tmp_path / "donnees.txt"
    blocker.write_text("pas un dossier\n", encoding="utf-8")
    monkeypatch.setenv("CPTS_DATA_DIR", str(blocker))
    monkeypatch.setenv("CPTS_MAPS_DIR", str(tmp_path / "cartes"))
    args = [*command, "--miroir", str(mirror)] if command[0] == "data" else command
    code, _, err = cli(capsys, *args)
    # « data » names the variable in its label; the diagnostic says the file is the folder it names (a review).
    folder, expected, named = (("Dossier de données (CPTS_DATA_DIR)", blocker, "") if command[0] == "data"
                               else ("Dossier de sortie", blocker / "processed" / "diagnostics",
                                     " ; c'est le dossier que désigne la variable CPTS_DATA_DIR"))
    assert (code, err.splitlines()[-1]) == (2, f"Erreur : {folder} impossible à créer : ce chemin est un fichier, pas "
                                               f"un dossier (attendu un dossier pour {expected}){named} (fichier "
                                               f"{blocker})")
    assert blocker.read_text(encoding="utf-8") == "pas un dossier\n"
