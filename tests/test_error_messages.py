"""Where an error names its file: after the message, or in the header of a list of problems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.errors import DataError, collect, french_json_error


def test_a_list_of_problems_names_its_file_in_its_header_each_item_its_line() -> None:
    """A review read « - ligne 7 : … (fichier x.csv, ligne 6) »: the file and the first line after the last item."""
    with pytest.raises(DataError) as info:
        collect(["ligne 6 : 5 champs au lieu de 4", "ligne 7 : 5 champs au lieu de 4"], "Lignes mal formées :",
                "x.csv")
    assert str(info.value) == ("Lignes mal formées (fichier x.csv) :\n  - ligne 6 : 5 champs au lieu de 4\n"
                               "  - ligne 7 : 5 champs au lieu de 4")
    # The line of the first problem is not said again in the header: each item has its own.
    listed = DataError("Liste de CPTS invalide :\n  - ligne 3 : statut\n  - ligne 5 : date", "l.csv", 3)
    assert str(listed) == "Liste de CPTS invalide (fichier l.csv) :\n  - ligne 3 : statut\n  - ligne 5 : date"


def test_a_line_break_in_a_quoted_cell_is_no_list() -> None:
    """A header cell typed with Alt+Enter (« Commune\\nliste ») put the file in the middle of the quote (a review)."""
    error = DataError("Colonne de codes absente (colonnes lues : Commune\nliste, x)", "t.csv", 1)
    assert str(error) == "Colonne de codes absente (colonnes lues : Commune\nliste, x) (fichier t.csv, ligne 1)"
    assert str(DataError("Une erreur", "t.csv", 2)) == "Une erreur (fichier t.csv, ligne 2)"
    assert str(DataError("Une erreur")) == "Une erreur"


def test_a_line_break_in_the_header_of_a_list_keeps_the_file_at_its_end() -> None:
    """A second review: an unknown profession typed « plom⏎bier », quoted in the header of the members' errors,
    sent the file to the last item again."""
    error = DataError("Fichier des adhérents invalide (professions inconnues : « plom\nbier ») :\n  - ligne 3 : a\n"
                      "  - ligne 5 : b", "a.csv", 3)
    assert str(error) == ("Fichier des adhérents invalide (professions inconnues : « plom\nbier ») (fichier a.csv) :\n"
                          "  - ligne 3 : a\n  - ligne 5 : b")


@pytest.mark.parametrize(("text", "expected"), [
    ("garbage{", "valeur attendue (le fichier n'est pas du JSON, ou une valeur manque) (colonne 1)"),
    ('{"type" "FeatureCollection"}', "« : » attendu après un nom de propriété (colonne 9)"),
    ("{type: 1}", "nom de propriété entre guillemets droits attendu (colonne 2)"),
    ('{"features": [1 2]}', "« , » attendue entre deux éléments (colonne 17)"),
    ('{"nom": "Digne', "texte entre guillemets non refermé (colonne 9)"),
    ('{"a": 1} {"b": 2}', "contenu en trop après la fin du JSON (colonne 10)"),
])
def test_a_json_syntax_error_is_said_in_french_with_its_column(text: str, expected: str) -> None:
    """A review read « GeoJSON illisible : Expecting value », Python's own words, in a French message."""
    with pytest.raises(json.JSONDecodeError) as info:
        json.loads(text)
    assert french_json_error(info.value) == expected


def test_an_unreadable_geojson_perimeter_is_refused_in_french(tmp_path: Path) -> None:
    from pipeline.sources.cpts_listing.perimeters import read_perimeter_geojson

    path = tmp_path / "perimetre.geojson"
    path.write_text('{"type": "FeatureCollection",\n "features": [garbage{]}\n', encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_perimeter_geojson(path)
    assert str(info.value) == ("GeoJSON illisible : valeur attendue (le fichier n'est pas du JSON, ou une valeur "
                               f"manque) (colonne 15) (fichier {path}, ligne 2)")
