"""Marseille's and Lyon's postal codes given beside the city's arrondissements: INSEE codes of other communes,
read as such, and said (a review: « 69001 » in a Lyon CPTS counted Affoux, 40 km away, silently; one such code
among arrondissements escaped the note, which wanted most codes to be postal ones).

Known answers from the mirror's COG package: 13001 is Aix-en-Provence, and Marseille 1er's postal code (13201).
"""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import duckdb
import pytest

from pipeline.errors import TerritoryError
from pipeline.store.territory import resolve_territory
from tests.render.documents_runs import database_with_listing

pytestmark = [pytest.mark.mirror]

NOTE = ("13001 (Aix-en-Provence) lu comme code INSEE de cette commune ; si c'est un code postal de Marseille, les "
        "codes INSEE de ses arrondissements sont 13201 à 13216")


def test_the_cog_reads_13001_both_ways(mirror: Path) -> None:
    package = mirror / "decoupage-administratif" / "etalab-decoupage-administratif-6.0.0.tgz"
    with tarfile.open(package) as tar:
        communes = json.load(tar.extractfile("package/data/communes.json"))  # type: ignore[arg-type]
    assert [c["nom"] for c in communes if c["code"] == "13001" and c["type"] == "commune-actuelle"] == [
        "Aix-en-Provence"]
    assert [c["code"] for c in communes if "13001" in c.get("codesPostaux", [])
            and c["type"] == "arrondissement-municipal"] == ["13201"]


def test_one_postal_code_beside_the_city_s_arrondissements_is_said(db: duckdb.DuckDBPyConnection) -> None:
    territory = resolve_territory(db, "communes:13001,13202,13203")
    assert list(territory.units["unit_code"]) == ["13001", "13202", "13203"]  # read as the INSEE code it is
    assert NOTE in territory.notes
    # Aix-en-Provence alone, or beside communes of its own: no note (13001 is its INSEE code).
    assert not any("code postal" in note for note in resolve_territory(db, "communes:13001").notes)
    assert not any("code postal" in note for note in resolve_territory(db, "communes:13001,13002").notes)


def test_a_commune_typed_by_its_name_is_never_taken_for_a_postal_code(db: duckdb.DuckDBPyConnection) -> None:
    """A review: « Marseille 1er Arrondissement, Allauch » got « 13002 (Allauch) lu comme code INSEE… » though no
    code was typed. 13002 is Allauch's INSEE code and Marseille 2e's postal code (the mirror's COG)."""
    named = resolve_territory(db, "communes:Marseille 1er Arrondissement,Allauch")
    assert list(named.units["unit_code"]) == ["13201", "13002"]
    assert not any("code postal" in note for note in named.notes)
    # The same commune typed by its code beside the arrondissement is still said.
    typed = resolve_territory(db, "communes:13201,13002")
    assert any(note.startswith("13002 (Allauch) lu comme code INSEE de cette commune") for note in typed.notes)


def test_a_listing_s_postal_code_in_a_cpts_of_the_city_is_an_anomaly(fixture_data_dir: Path, tmp_path: Path) -> None:
    listing = tmp_path / "presquile.csv"
    listing.write_text("cpts,code_insee\nCPTS Vieux-Port,13001\nCPTS Vieux-Port,13202\nCPTS Aix,13001\n",
                       encoding="utf-8")
    data = database_with_listing(fixture_data_dir, tmp_path, listing)
    con = duckdb.connect(str(data / "processed" / "cpts.duckdb"), read_only=True)
    try:
        rows = con.execute("SELECT kind, cpts, code, line, detail_fr FROM cpts_anomalies WHERE listing = 'presquile' "
                           "AND kind = 'code_postal_probable'").fetchall()
    finally:
        con.close()
    # « CPTS Aix » holds no unit of Marseille: its 13001 is Aix-en-Provence, no anomaly.
    assert rows == [("code_postal_probable", "CPTS Vieux-Port", "13001", 2,
                     "code 13001 lu comme le code INSEE d'Aix-en-Provence, hors de Marseille ; dans une CPTS de "
                     "Marseille, c'est peut-être le code postal de Marseille 1er (code INSEE 13201)")]


def test_an_arrondissement_or_lyon_s_metropole_typed_as_a_zone_is_pointed_to_the_zone_meant(
        db: duckdb.DuckDBPyConnection) -> None:
    """A review typed « bv:69381 » and « departement:69M » and read « inconnu » alone."""
    assert resolve_territory(db, "bv:13055").label.startswith("Bassin de vie de Marseille (BV2022 13055)")
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, "bv:13201")
    assert str(info.value).endswith("un arrondissement est dans le bassin de vie de sa commune : bv:13055")
    for typed in ("69M", "69d"):
        with pytest.raises(TerritoryError) as info:
            resolve_territory(db, f"departement:{typed}")
        assert str(info.value).endswith("la Métropole de Lyon (69M) et le Rhône (69D) sont le département 69 du "
                                        "COG : departement:69, ou epci:200046977 pour la Métropole")


def test_a_perimeter_drawn_over_marseille_and_aix_is_no_postal_code(db: duckdb.DuckDBPyConnection, mirror: Path,
                                                                    tmp_path: Path) -> None:
    """The communes of a drawn perimeter come from its geometry: none was typed, and none can be a postal code
    (a review got the note reading back the territoire.gpkg of the Bouches-du-Rhône). The codes typed still get it.
    The perimeter: the mirror's 2018 contours of Aix-en-Provence (13001) and Marseille (13055), as one polygon."""
    import geopandas as gpd

    contours = gpd.read_file(mirror / "contours-communes-2018" / "communes-13-bouches-du-rhone.geojson")
    drawn_over = contours[contours["code"].isin(["13001", "13055"])]
    assert len(drawn_over) == 2
    path = tmp_path / "dessin.geojson"
    gpd.GeoDataFrame({"nom": ["CPTS"]}, geometry=[drawn_over.union_all()], crs=4326).to_file(path, driver="GeoJSON")
    drawn = resolve_territory(db, f"fichier:{path}")
    assert {"13001", "13201"} <= set(drawn.units["unit_code"])
    assert not any("code postal" in note for note in drawn.notes)
    assert NOTE in resolve_territory(db, "communes:13001,13201").notes
