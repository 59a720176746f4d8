"""A drawn territory file's properties read as a CSV's columns are (a review): a ``cpts`` property naming two CPTS
is a listing, refused as the CSV form of the same content is; a ``nom`` property that is not its ``code``'s
commune is noted, the contours agreeing with the codes deciding. Known answers: the mirror's 2018 contours and
the legal populations of the raw package (6.0.0)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import geopandas as gpd
import pytest

from pipeline.errors import TerritoryError
from pipeline.store.territory import resolve_territory
from tests.app import profile_raw as raw

pytestmark = [pytest.mark.mirror]

CONTOURS_04 = "contours-communes-2018/communes-04-alpes-de-haute-provence.geojson"


def _communes(mirror: Path, codes: list[str], **properties: list[str]) -> gpd.GeoDataFrame:
    contours = gpd.read_file(mirror / CONTOURS_04).set_index("code")
    return gpd.GeoDataFrame(properties, geometry=[contours.geometry[c] for c in codes], crs=4326)


@pytest.mark.parametrize("name", ["CPTS", "nom_cpts", "Nom de la CPTS", "Libellé de la CPTS"])
def test_a_drawn_file_of_two_cpts_is_refused_as_a_listing(db: duckdb.DuckDBPyConnection, mirror: Path,
                                                          tmp_path: Path, name: str) -> None:
    path = tmp_path / "deux.geojson"
    # Two features in Lambert 93, as QGIS exports a layer of CPTS, their names under any header a listing reads.
    _communes(mirror, ["04070", "04112"], **{name: ["CPTS Digne", "CPTS Manosque"]}).to_crs(2154).to_file(path)
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, f"fichier:{path}")
    assert info.value.message.startswith(f"Fichier de 2 CPTS (propriété « {name} » : « CPTS Digne », « CPTS "
                                         "Manosque ») (entité n° 2) : c'est une liste de CPTS, pas un territoire ; "
                                         "chargez-la")
    # The same CSV was already refused: one rule for both forms.
    csv = tmp_path / "deux.csv"
    csv.write_text(f"code_insee,{name}\n04070,CPTS Digne\n04112,CPTS Manosque\n", encoding="utf-8")
    with pytest.raises(TerritoryError, match=rf"^Fichier de 2 CPTS \(colonne « {name} »"):
        resolve_territory(db, f"fichier:{csv}")
    # One CPTS drawn in two features is one territory: both communes, their legal populations added.
    _communes(mirror, ["04070", "04112"], **{name: ["CPTS Durance", "CPTS Durance"]}).to_crs(2154).to_file(path)
    territory = resolve_territory(db, f"fichier:{path}")
    assert sorted(territory.units["unit_code"]) == ["04070", "04112"]
    assert territory.population == raw.populations("6.0.0")["04070"] + raw.populations("6.0.0")["04112"]


def test_names_that_are_not_their_codes_are_noted_beside_agreeing_contours(db: duckdb.DuckDBPyConnection,
                                                                          mirror: Path, tmp_path: Path) -> None:
    path = tmp_path / "noms.geojson"
    _communes(mirror, ["04070", "04112", "04001"], code=["04070", "04112", "04001"],
              nom=["Manosque", "Digne-les-Bains", "Aiglun"]).to_file(path)
    territory = resolve_territory(db, f"fichier:{path}")
    assert sorted(territory.units["unit_code"]) == ["04001", "04070", "04112"]
    assert ("2 noms de la propriété « nom » ne correspondent pas à leur code ; les contours du fichier confirment "
            "les codes, qui sont lus : entité n° 1 : 04070 est Digne-les-Bains, pas « Manosque » ; entité n° 2 : "
            "04112 est Manosque, pas « Digne-les-Bains »") in territory.notes
    # One value on every feature (the CPTS's name) names no commune: no note.
    _communes(mirror, ["04070", "04112", "04001"], code=["04070", "04112", "04001"],
              nom=["CPTS X"] * 3).to_file(path)
    assert not any("propriété « nom »" in n for n in resolve_territory(db, f"fichier:{path}").notes)
