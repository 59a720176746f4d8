"""Territory specifications: each kind and each error (French messages)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from pipeline.errors import TerritoryError
from pipeline.geography import slugify
from pipeline.store.territory import resolve_territory
from tests.app import profile_raw as raw

pytestmark = [pytest.mark.national, pytest.mark.xdist_group("national")]


@pytest.fixture()
def db(national_db: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The national database (examples across France)."""
    return national_db


def test_communes_with_old_and_arrondissement_codes(db: duckdb.DuckDBPyConnection) -> None:
    t = resolve_territory(db, "communes:04070,04001,01340,13201")
    units = t.units.set_index("unit_code")
    assert list(units.index) == ["04070", "04001", "01015", "13201"]
    # 01340 Saint-Bois is a commune déléguée of Arboys en Bugey (01015).
    assert any("01340" in n and "01015" in n for n in t.notes)
    # The arrondissement stays the unit, with its own population, and carries its commune.
    assert units.at["13201", "commune_code"] == "13055"
    assert t.population == 17_979 + int(units.at["04001", "population"]) + int(units.at["01015", "population"]) + 37_599


def test_commune_name_and_leading_zero(db: duckdb.DuckDBPyConnection) -> None:
    t = resolve_territory(db, "communes:Digne-les-Bains;4001")
    assert list(t.units["unit_code"]) == ["04070", "04001"]
    assert any("zéro initial" in n for n in t.notes)


@pytest.mark.parametrize("name", ["L'Escale", "L’Escale", "Lʼescale", "l escale"])
def test_commune_names_with_any_apostrophe(db: duckdb.DuckDBPyConnection, name: str) -> None:
    """A word processor writes « L’Escale » (U+2019): the same commune as « L'Escale » (04079, COG)."""
    assert resolve_territory(db, f"communes:{name}").unit_codes == ["04079"]


def test_unknown_codes_are_all_listed_with_suggestions(db: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, "communes:99999,04070,Digne,00000")
    message = str(info.value)
    assert "code INSEE inconnu : 99999" in message
    assert "code INSEE inconnu : 00000" in message
    assert "Digne-les-Bains (04070)" in message  # closest known name for a name


@pytest.mark.parametrize(("spec", "label"), [
    ("communes:75118,75119,75120,75117",
     "Paris 18e Arrondissement, Paris 19e Arrondissement et 2 autres arrondissements"),
    ("communes:04070,04001,04004,04019", "Digne-les-Bains, Aiglun et 2 autres communes"),
    ("communes:04070,04001,75118,04004", "Digne-les-Bains, Aiglun et 2 autres unités"),
])
def test_label_of_a_list_names_what_it_leaves_unnamed(db: duckdb.DuckDBPyConnection, spec: str, label: str) -> None:
    # A review: four Paris arrondissements were « … et 2 autres communes » on the Trame and every printed page.
    assert resolve_territory(db, spec).label == label


def test_epci(db: duckdb.DuckDBPyConnection) -> None:
    t = resolve_territory(db, "epci:200067106")
    assert t.label == "CA du Pays Basque"
    assert len(t.units) == 158


def test_an_epci_name_borne_by_two_is_a_homonym_on_a_national_load_too(db: duckdb.DuckDBPyConnection) -> None:
    """A re-check: « CC des Deux Vallées », the INSEE's label of an EPCI of the Oise and of one of the Essonne (the
    COG names the latter « CC des 2 Vallées »), was the Oise's alone on a national load, both on a load of some
    départements. Known answers: the INSEE labels file and the COG's members."""
    zones = raw.epcis_labelled("Communauté de communes des Deux Vallées")
    assert len(zones) == 2
    for typed in ("CC des Deux Vallées", "Communauté de communes des Deux Vallées"):
        with pytest.raises(TerritoryError) as info:
            resolve_territory(db, f"epci:{typed}")
        assert info.value.message == (f"2 EPCI s'appellent « {typed} » : " + ", ".join(
            f"epci:{code} ({', '.join(where)})" for code, where in sorted(zones.items())) + " ; donnez son code")
    # The COG's own name of one of them names it alone.
    (essonne,) = (code for code, where in zones.items() if where == ["91"])
    assert (resolve_territory(db, "epci:CC des 2 Vallées").unit_codes
            == resolve_territory(db, f"epci:{essonne}").unit_codes)


def test_departement_and_region(db: duckdb.DuckDBPyConnection) -> None:
    dep = resolve_territory(db, "departement:04")
    assert (len(dep.units), dep.population) == (198, 168_054)
    reg = resolve_territory(db, "region:93")
    assert (len(reg.units), reg.population) == (946, 5_218_960)
    assert (reg.label, reg.notes) == ("Provence-Alpes-Côte d'Azur", [])  # held whole: no « départements chargés »


def test_several_departements_together(db: duckdb.DuckDBPyConnection) -> None:
    """A review: « departement:2A,2B » (Corsica) was « Département inconnu : 2A,2B ». 04 has 198 communes, 13 has
    119 units (Marseille's 16 arrondissements in place of the city); a zone typed twice counts once."""
    both = resolve_territory(db, "departement:04,13")
    assert len(both.units) == 198 + 119
    assert both.label == "Alpes-de-Haute-Provence et Bouches-du-Rhône"
    assert sorted(both.units["unit_code"]) == sorted(resolve_territory(db, "departement:13;4;04").units["unit_code"])
    with pytest.raises(TerritoryError, match="Département inconnu : XX"):
        resolve_territory(db, "departement:04,XX")


@pytest.mark.parametrize(("typed", "same_as"), [
    ("communes:04070 04001", "communes:04070,04001"),  # a column copied from a spreadsheet
    ("communes:04070  04001;04019", "communes:04070,04001,04019"),
    ("epci:200 067 106", "epci:200067106"),  # a SIREN as printed
    ("epci:200.067.106", "epci:200067106"),
    ("region:PACA", "region:93"), ("region:Paca", "region:93"), ("region:idf", "region:11"),
    ("region:NAQ", "region:75"),
])
def test_forms_copied_from_documents_are_read(db: duckdb.DuckDBPyConnection, typed: str, same_as: str) -> None:
    """A review: « epci:200 067 106 » was « EPCI inconnu », « region:PACA » « Région inconnue » without a suggestion,
    and « communes:04070 04001 » one unknown name."""
    assert resolve_territory(db, typed).units["unit_code"].tolist() == \
        resolve_territory(db, same_as).units["unit_code"].tolist()


def test_a_commune_name_keeps_its_spaces(db: duckdb.DuckDBPyConnection) -> None:
    assert resolve_territory(db, "communes:Digne les Bains").units["unit_code"].tolist() == ["04070"]


def test_bassin_de_vie(db: duckdb.DuckDBPyConnection) -> None:
    t = resolve_territory(db, "bv:04070")
    assert "Digne-les-Bains" in t.label
    assert "04070" in set(t.units["unit_code"])
    expected = db.execute("SELECT count(*) FROM appartenance WHERE bv2022 = '04070'").fetchone()[0]
    assert len(t.units) == expected


def test_csv_and_geojson_files(db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    csv = tmp_path / "t.csv"
    csv.write_text("code_insee;nom\n04070;Digne\n04001;Aiglun\n", encoding="utf-8")
    assert list(resolve_territory(db, f"fichier:{csv}").units["unit_code"]) == ["04070", "04001"]
    geo = tmp_path / "t.geojson"
    # A small square around Digne-les-Bains' town centre.
    ring = [[6.20, 44.07], [6.26, 44.07], [6.26, 44.11], [6.20, 44.11], [6.20, 44.07]]
    geo.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}]}))
    t = resolve_territory(db, f"fichier:{geo}")
    assert "04070" in set(t.units["unit_code"])


def test_geojson_territory_in_lambert93_or_with_swapped_coordinates(db: duckdb.DuckDBPyConnection,
                                                                     tmp_path: Path) -> None:
    from pyproj import Transformer

    to_l93 = Transformer.from_crs(4326, 2154, always_xy=True)
    ring = [[6.20, 44.07], [6.26, 44.07], [6.26, 44.11], [6.20, 44.11], [6.20, 44.07]]
    qgis = tmp_path / "qgis.geojson"  # a QGIS export of a Lambert 93 layer: metres, no « crs » member
    qgis.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [
            [list(to_l93.transform(x, y)) for x, y in ring]]}}]}))
    t = resolve_territory(db, f"fichier:{qgis}")
    assert "04070" in set(t.units["unit_code"])
    assert any("lues en Lambert 93 (EPSG:2154)" in note for note in t.notes)
    swapped = tmp_path / "inverse.geojson"
    swapped.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [
            [[y, x] for x, y in ring]]}}]}))
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, f"fichier:{swapped}")
    # The file in the list's header: after its last item it read as that item's (a review).
    assert str(info.value) == ("Périmètre mal placé (coordonnées attendues en longitude/latitude WGS84 ou avec un "
                               f"CRS déclaré) (fichier {swapped}) :\n  - entité n° 1 : longitude et latitude inversées")


def test_fifo_territory_file_is_named_not_read(db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "territoire.csv"
    os.mkfifo(fifo)
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, f"fichier:{fifo}")
    assert info.value.message == ("C'est un tube nommé (FIFO), pas un fichier ordinaire : il n'est pas lu (sa lecture "
                                  "pourrait bloquer)")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("04070", "attendu TYPE:VALEUR"),
        ("canton:0401", "Type de territoire inconnu"),
        ("communes:", "Territoire vide"),
        ("epci:123456789", "EPCI inconnu"),
        ("bv:99999", "Bassin de vie 2022 inconnu"),
        ("departement:99", "Département inconnu"),
        # A review: « Département inconnu : 20 » sent the user looking for a typo.
        ("departement:20", re.escape("Département 20 : ce code n'existe plus, la Corse est divisée depuis 1976 en "
                                     "Corse-du-Sud (2A) et Haute-Corse (2B) ; la région Corse a le code 94")),
        ("region:99", "Région inconnu"),
        ("fichier:/nonexistent/t.csv", "introuvable"),
        # A review: the former code of Saint-Rambert-l'Île-Barbe, merged into Lyon in 1963 and now in its 9e
        # arrondissement, was read as the whole of Lyon (519 127 inhabitants, taille 4).
        ("communes:69381,69232", re.escape("69232 (Saint-Rambert-l'Île-Barbe, ancien code) est aujourd'hui une partie "
                                           "de Lyon, modélisée par arrondissement : donnez le code de l'arrondissement "
                                           "où elle se trouve (69381 à 69389)")),
        # A second review: by its name, it made a territory of all Lyon.
        ("communes:Saint-Rambert-l'Île-Barbe",
         re.escape("« Saint-Rambert-l'Île-Barbe » (69232, ancienne commune) est aujourd'hui une partie de Lyon, "
                   "modélisée par arrondissement")),
        # A name of a commune and of a commune déléguée elsewhere: Larche (19107) and Larche (04100, in 04120).
        ("communes:Larche", re.escape("« Larche » est ambigu : Larche (19107, dép. 19), Larche (04100, commune "
                                      "déléguée de Val d'Oronaye, 04120) ; donnez le code INSEE")),
        # A review: Paris's postal codes are also the codes the Seine communes had before 1968: a list of Paris
        # typed with them was read as twenty suburbs (75001 Alfortville … 75020 Châtillon, 941 660 inhabitants).
        ("communes:75001,75101", re.escape("75001 : code postal de Paris 1er Arrondissement (code INSEE 75101), et "
                                           "ancien code, avant 1968, d'une commune de la Seine : Alfortville, "
                                           "aujourd'hui 94002 ; indiquez le code INSEE voulu")),
    ],
)
def test_errors(db: duckdb.DuckDBPyConnection, spec: str, message: str) -> None:
    with pytest.raises(TerritoryError, match=message):
        resolve_territory(db, spec)



def test_csv_without_code_column(db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    csv = tmp_path / "t.csv"
    csv.write_text("nom\nDigne\n", encoding="utf-8")
    with pytest.raises(TerritoryError, match="Colonne de codes absente"):
        resolve_territory(db, f"fichier:{csv}")


def test_empty_csv_territory(db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    csv = tmp_path / "t.csv"
    csv.write_text("code_insee\n", encoding="utf-8")
    with pytest.raises(TerritoryError, match="Territoire vide"):
        resolve_territory(db, f"fichier:{csv}")


def test_slug_is_readable_ascii() -> None:
    assert slugify("cpts:CPTS du Verdon", max_length=80) == "cpts-cpts-du-verdon"
    assert slugify("communes:04070,04001") == "communes-04070-04001"
    assert slugify("cpts:CPTS Hauts Pays du Verdon & Monts d'Azur") == "cpts-cpts-hauts-pays-du-verdon-monts-d-azur"


def test_cpts_of_the_paca_listing(db: duckdb.DuckDBPyConnection) -> None:
    t = resolve_territory(db, "cpts:CPTS du Verdon")
    assert t.label == "CPTS du Verdon"  # the listing is named only when two listings share the name
    expected = db.execute(
        "SELECT count(DISTINCT unit_code) FROM cpts_membres WHERE cpts = 'CPTS du Verdon' AND listing = 'paca'"
    ).fetchone()[0]
    assert len(t.units) == expected == 15
    # Case and accents do not matter.
    assert len(resolve_territory(db, "cpts:cpts du verdon").units) == 15


def test_a_listed_cpts_given_another_name_gets_its_own_folder(db: duckdb.DuckDBPyConnection) -> None:
    """A review: « cpts:CPTS du Verdon » with NOM="Autre nom" was titled « Autre nom » and written into
    cpts-cpts-du-verdon/, over the CPTS's own report."""
    own = resolve_territory(db, "cpts:CPTS du Verdon")
    renamed = resolve_territory(db, "cpts:CPTS du Verdon", name="Autre nom")
    assert own.slug == "cpts-cpts-du-verdon"
    assert renamed.label == "Autre nom" and renamed.slug == f"autre-nom-{renamed.fingerprint('Autre nom')}"


def test_unknown_cpts_suggests_close_names(db: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, "cpts:CPTS du Verdun")
    assert "CPTS inconnue : « CPTS du Verdun »" in str(info.value)
    # Suggested as the territory to type back (a review typed « CPTS du Verdon (paca) », the old suggestion).
    assert "vouliez-vous dire : « cpts:CPTS du Verdon »" in str(info.value)


def test_a_cpts_name_alike_only_by_its_word_cpts_is_not_suggested(db: duckdb.DuckDBPyConnection) -> None:
    """A review: « CPTS Inconnue » got « vouliez-vous dire : « cpts:CPTS Guil Durance » ? », close by « CPTS »."""
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, "cpts:CPTS Inconnue")
    assert str(info.value.message) == "CPTS inconnue : « CPTS Inconnue »"
    for typed in ("cpts", "CPTS"):  # every CPTS name starts so: none is suggested
        with pytest.raises(TerritoryError) as info:
            resolve_territory(db, f"cpts:{typed}")
        assert info.value.message == f"CPTS inconnue : « {typed} »"
    # The long form is read as « CPTS ».
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, "cpts:Communauté professionnelle territoriale de santé du Verdun")
    assert "vouliez-vous dire : « cpts:CPTS du Verdon »" in info.value.message


def test_marseille_cpts_keeps_arrondissements_as_units(db: duckdb.DuckDBPyConnection) -> None:
    name = db.execute(
        "SELECT cpts FROM cpts_membres WHERE unit_code = '13201' AND listing = 'paca'"
    ).fetchone()[0]
    t = resolve_territory(db, f"cpts:{name}")
    arrondissements = t.units[t.units["type"] == "arrondissement-municipal"]
    assert "13201" in set(arrondissements["unit_code"])
    assert set(arrondissements["commune_code"]) == {"13055"}
    # « CPTS Coordination Santé Marseille 1-2-3 » covers the 1st to 3rd arrondissements only: its
    # population is theirs (37 599 + … = 120 006 in 2026), not Marseille's 886 040.
    assert name == "CPTS Coordination Santé Marseille 1-2-3"
    assert sorted(t.units["unit_code"]) == ["13201", "13202", "13203"]
    expected = db.execute(
        "SELECT sum(population) FROM communes WHERE vintage = 2026 AND code IN ('13201', '13202', '13203')"
    ).fetchone()[0]
    assert t.population == expected == 120_006


def test_a_drawn_territory_names_the_communes_no_contour_can_place(db: duckdb.DuckDBPyConnection,
                                                                   tmp_path: Path) -> None:
    """A review drew the Cantal whole (its 2018 contours dissolved): 246 units and 143 465 inhabitants against
    250 and 144 196 for ``departement:15``, without a word. The communes re-created after the 2018 contours have no
    polygon of their own and cannot be placed by a drawn perimeter: they are named, with their population. Known
    answer from the raw files: the Cantal's current communes (COG 2026) absent from its 2018 contours."""
    import geopandas as gpd

    from tests.app.profile_raw import departement_codes, populations
    from tests.conftest import mirror_path

    contours = gpd.read_file(mirror_path() / "contours-communes-2018" / "communes-15-cantal.geojson")
    drawn = tmp_path / "cantal.geojson"
    gpd.GeoDataFrame(geometry=[contours.union_all()], crs=4326).to_file(drawn, driver="GeoJSON")
    territory = resolve_territory(db, f"fichier:{drawn}")
    polygonless = sorted(set(departement_codes("6.0.0", "15")) - set(contours["code"]))
    assert len(polygonless) == 4 and not set(polygonless) & set(territory.units["unit_code"])
    note = next(n for n in territory.notes if n.startswith("communes sans polygone propre"))
    people = populations("6.0.0")
    for code in polygonless:
        assert f"({code}, " + f"{people[code]:,} habitants)".replace(",", "\u202f") in note, note
    assert "elles ne sont pas comptées" in note
    # Given by its codes, the département has them all: no such note.
    assert not any("sans polygone propre" in n for n in resolve_territory(db, "departement:15").notes)


def test_a_listing_named_in_another_case_or_not_loaded(db: duckdb.DuckDBPyConnection) -> None:
    """A review: « cpts:PACA:CPTS du Verdon » was « CPTS inconnue », and a listing not loaded was not named."""
    assert list(resolve_territory(db, "cpts:PACA:CPTS du Verdon").units["unit_code"]) == \
        list(resolve_territory(db, "cpts:paca:CPTS du Verdon").units["unit_code"])
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, "cpts:inconnue:CPTS du Verdon")
    assert info.value.message == ("Liste de CPTS « inconnue » non chargée (listes chargées : paca) : « CPTS du "
                                  "Verdon » est dans « cpts:paca:CPTS du Verdon »")


def test_a_corsican_code_missing_its_zeros_gets_the_code_meant(db: duckdb.DuckDBPyConnection) -> None:
    """« 2A17 », « 2b33 »: a review got « n'est ni un code INSEE ni un nom de commune connu » alone (Appietto 2A017
    and Bastia 2B033 in the COG); a code naming no commune gets no guess."""
    for typed, meant in (("2A17", "2A017 (Appietto)"), ("2b33", "2B033 (Bastia)")):
        with pytest.raises(TerritoryError) as info:
            resolve_territory(db, f"communes:{typed}")
        assert f"« {typed} » n'est ni un code INSEE ni un nom de commune connu ; vouliez-vous dire {meant} ?" in str(
            info.value)
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, "communes:2C17")
    assert "vouliez-vous dire 2C" not in str(info.value)
