"""Territory inputs a user really gives: a city with its arrondissements, rows without a code, a dissolved
perimeter that kept a commune's code, a path starting with ``~`` (fixture database: 04, 13, 33, 75, 976)."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from pipeline.errors import TerritoryError
from pipeline.geography import normalise_name
from pipeline.store.territory import resolve_territory
from pipeline.store.territory.file_names import name_column
from tests.app import profile_raw as raw
from tests.conftest import FIXTURE_DEPARTEMENTS

CONTOURS_04 = "contours-communes-2018/communes-04-alpes-de-haute-provence.geojson"


@pytest.mark.parametrize(("spec", "city", "inside"), [
    ("communes:13055,13201,13202", "13055", ["13201", "13202"]),
    ("communes:75101,75056", "75056", ["75101"]),  # the arrondissement first: the city still covers it
])
def test_city_given_with_its_arrondissements_counts_them_once(db: duckdb.DuckDBPyConnection, spec: str,
                                                              city: str, inside: list[str]) -> None:
    t = resolve_territory(db, spec)
    # The arrondissements are part of the city: its legal population alone (package 6.0.0), not added twice.
    assert list(t.units["unit_code"]) == [city]
    assert t.population == raw.populations("6.0.0")[city]
    assert any(f"commune {city}" in n and ", ".join(inside) in n for n in t.notes)


def test_city_and_arrondissement_in_a_file(db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    csv = tmp_path / "t.csv"
    csv.write_text("code_insee;nom\n13055;Marseille\n13201;Marseille 1er\n04070;Digne\n", encoding="utf-8")
    t = resolve_territory(db, f"fichier:{csv}")
    assert list(t.units["unit_code"]) == ["13055", "04070"]
    assert t.population == raw.populations("6.0.0")["13055"] + raw.populations("6.0.0")["04070"]


def test_csv_row_without_code_is_refused_with_its_line(db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    csv = tmp_path / "t.csv"
    # Line 3 is blank (skipped), line 4 only has separators (skipped), line 5 names a commune without its code.
    csv.write_text("code_insee;nom\n04070;Digne\n\n;\n;Gréoux-les-Bains\n04001;Aiglun\n", encoding="utf-8")
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, f"fichier:{csv}")
    assert (info.value.message, info.value.line) == (
        "Code INSEE vide dans la colonne « code_insee » : la ligne serait ignorée et sa commune absente du "
        "territoire", 5)
    csv.write_text("code_insee;nom\n04070;Digne\n\n;\n04001;Aiglun\n", encoding="utf-8")
    assert list(resolve_territory(db, f"fichier:{csv}").units["unit_code"]) == ["04070", "04001"]


def _contours(mirror: Path, codes: list[str]) -> gpd.GeoDataFrame:
    frame = gpd.read_file(mirror / CONTOURS_04)
    return frame[frame["code"].isin(codes)]


def test_dissolved_perimeter_that_kept_a_code_is_refused(db: duckdb.DuckDBPyConnection, mirror: Path,
                                                          tmp_path: Path) -> None:
    codes = ["04004", "04081", "04094", "04124"]
    dissolved = shapely.union_all(_contours(mirror, codes).geometry.values)
    path = tmp_path / "perimetre.geojson"

    def write(properties: dict[str, object]) -> None:
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": properties, "geometry": shapely.geometry.mapping(dissolved)}]}))

    write({"code": "04004", "nom": "Regroupement"})  # what QGIS « Regrouper » leaves on Etalab contours
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, f"fichier:{path}")
    # Each named with the feature whose contour holds it (a review had to guess which feature was wrong).
    assert "ne décrivent pas les contours du fichier, qui couvrent aussi 3 autres communes : 04081 (entité n° 1, " \
           "de code « 04004 »), 04094 (entité n° 1, de code « 04004 »), 04124 (entité n° 1, de code « 04004 »)." \
           in info.value.message
    write({"nom": "Regroupement"})  # the same contours without the code: the four communes
    assert sorted(resolve_territory(db, f"fichier:{path}").units["unit_code"]) == codes
    write({"code": None})
    with pytest.raises(TerritoryError, match=r"Code vide dans la propriété « code » \(entité n° 1\)"):
        resolve_territory(db, f"fichier:{path}")


def test_codes_whose_contours_hold_none_of_them_are_refused(db: duckdb.DuckDBPyConnection, mirror: Path,
                                                            tmp_path: Path) -> None:
    """Contours in degrees under a « crs » of metres (Web Mercator) fall in the Gulf of Guinea: their codes were
    read without a word (a review), where the same contours without codes are refused as outside France."""
    codes = ["04004", "04081", "04094", "04124"]
    features = json.loads(_contours(mirror, codes).to_json())["features"]
    path = tmp_path / "mauvais-crs.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features,
                                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}}))
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, f"fichier:{path}")
    assert info.value.message == (
        "Les contours du fichier ne contiennent le point représentatif d'aucune des unités de sa propriété « code » "
        "(4 unités) : ils sont hors de France (métropole et DROM) : vérifiez leur système de coordonnées (membre "
        "« crs » du GeoJSON, fichier .prj du Shapefile), ou donnez le territoire par ses seuls codes (un fichier CSV "
        "de codes)")
    # Contours of other communes under the codes: refused too (they hold none of them), naming the communes they
    # hold instead, not the CRS (a re-check). One code whose contour misses its point among others that agree is
    # only noted.
    held = ["04001", "04006", "04007", "04008"]
    others = json.loads(_contours(mirror, held).to_json())["features"]
    for feature, code in zip(others, codes, strict=True):
        feature["properties"]["code"] = code
    path.write_text(json.dumps({"type": "FeatureCollection", "features": others}))
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, f"fichier:{path}")
    names = raw.names("6.0.0")
    assert info.value.message == (
        "Les contours du fichier ne contiennent le point représentatif d'aucune des unités de sa propriété « code » (4 "
        "unités) ; ils contiennent celui de " + ", ".join(f"{names[c]} ({c})" for c in held) + " : corrigez les "
        "codes, ou retirez la propriété « code » pour lire le territoire d'après ses contours")
    # A code of a département not loaded on a loaded commune's contour: refused for its département, and the
    # commune the contour holds named (a re-check was only told to load the Hautes-Alpes).
    wrong = json.loads(_contours(mirror, ["04209"]).to_json())["features"]
    wrong[0]["properties"] = {"code": "05061"}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": wrong}))
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, f"fichier:{path}")
    assert "05061 : hors des départements chargés" in info.value.message
    assert info.value.message.endswith(f" ; ses contours contiennent le point représentatif de {names['04209']} "
                                       "(04209)")
    mixed = json.loads(_contours(mirror, codes).to_json())["features"]
    mixed[0]["properties"]["code"] = "04001"  # 04004's contour under Aiglun's code, Aiglun's contour not in the file
    mixed.append(json.loads(_contours(mirror, ["04004"]).to_json())["features"][0])
    path.write_text(json.dumps({"type": "FeatureCollection", "features": mixed}))
    # Its name is then no longer confirmed by the contours: « Allemagne-en-Provence » under 04001 refuses the file.
    with pytest.raises(TerritoryError, match="04001 est Aiglun, or « Allemagne-en-Provence » est Allemagne-en-"):
        resolve_territory(db, f"fichier:{path}")
    for feature in mixed:
        feature["properties"].pop("nom")
    path.write_text(json.dumps({"type": "FeatureCollection", "features": mixed}))
    t = resolve_territory(db, f"fichier:{path}")
    assert sorted(t.units["unit_code"]) == ["04001", *codes]
    assert ("1 unité de la propriété « code » dont le point représentatif n'est dans aucun contour du fichier : 04001 "
            "; lues d'après leur code, vérifiez le tracé") in t.notes


def test_commune_contours_with_their_codes_are_read_by_code(db: duckdb.DuckDBPyConnection, mirror: Path,
                                                            tmp_path: Path) -> None:
    # Real contours (IGN 2018) of four communes with their codes: the contours agree, no false alarm.
    path = tmp_path / "communes.geojson"
    _contours(mirror, ["04004", "04081", "04094", "04124"]).to_file(path, driver="GeoJSON")
    t = resolve_territory(db, f"fichier:{path}")
    assert sorted(t.units["unit_code"]) == ["04004", "04081", "04094", "04124"]
    assert t.population == sum(raw.populations("6.0.0")[c] for c in ["04004", "04081", "04094", "04124"])


def test_a_multipolygon_of_communes_is_their_union(db: duckdb.DuckDBPyConnection, mirror: Path,
                                                   tmp_path: Path) -> None:
    """One MultiPolygon whose parts are communes (QGIS « Collecter les géométries », PostGIS ``ST_Collect``) is
    invalid where the parts share borders; its repair lost Aiglun, surrounded by its six neighbours (a review:
    a CPTS of 44 communes read as 29)."""
    frame = _contours(mirror, ["04001"])
    ring = gpd.read_file(mirror / CONTOURS_04)
    ring = ring[ring.geometry.intersects(frame.geometry.iloc[0])]  # Aiglun and every commune touching it
    parts = [part for geometry in ring.geometry for part in shapely.get_parts(geometry)]
    collected = shapely.MultiPolygon(parts)
    assert not collected.is_valid and "04001" in set(ring["code"]) and len(ring) == 7
    path = tmp_path / "collecte.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"nom": "CPTS"}, "geometry": shapely.geometry.mapping(collected)}]}))
    t = resolve_territory(db, f"fichier:{path}")
    assert sorted(t.units["unit_code"]) == sorted(ring["code"])
    assert t.population == sum(raw.populations("6.0.0")[c] for c in ring["code"])


def test_territory_file_under_the_home_folder(db: duckdb.DuckDBPyConnection, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "t.csv").write_text("code_insee\n04070\n", encoding="utf-8")
    assert list(resolve_territory(db, "fichier:~/t.csv").units["unit_code"]) == ["04070"]


@pytest.mark.parametrize("pasted", ['"{}"', "'{}'", "« {} »", "file://{}"])
def test_a_path_pasted_with_its_quotes_is_the_file(db: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                   pasted: str) -> None:
    """A review: « fichier:"/…/mon périmètre.csv" », as « Copier en tant que chemin d'accès » gives it, was
    « Fichier de territoire introuvable »; the same file also names the same folder of outputs."""
    path = tmp_path / "mon périmètre.csv"
    path.write_text("code_insee\n04070\n04001\n", encoding="utf-8")
    typed = pasted.format(str(path).replace(" ", "%20") if pasted.startswith("file") else path)
    territory = resolve_territory(db, f"fichier:{typed}")
    assert list(territory.units["unit_code"]) == ["04070", "04001"]
    assert territory.slug == resolve_territory(db, f"fichier:{path}").slug


def test_a_title_line_of_a_spreadsheet_export_is_read_as_a_title(db: duckdb.DuckDBPyConnection,
                                                                   tmp_path: Path) -> None:
    """A review: « Liste des communes de la CPTS du Verdon;; » above the header was refused with « Valeur dans
    une colonne sans nom d'en-tête (colonne n° 2) … ligne 2 », which sent the user to the wrong line."""
    path = tmp_path / "verdon.csv"
    path.write_text("Liste des communes de la CPTS du Verdon;;\ncode_insee;nom;population\n04070;Digne;17979\n"
                    "04001;Aiglun;1399\n", encoding="utf-8")
    territory = resolve_territory(db, f"fichier:{path}")
    assert list(territory.units["unit_code"]) == ["04070", "04001"]
    assert territory.notes[0] == ("en-tête lu ligne 2, la ligne au-dessus (« Liste des communes de la CPTS du "
                                  "Verdon ») lue comme un titre")
    path.write_text("Liste des communes;;\ncode_insee;nom;population\n04070;Digne;17979\n99999;X;1\n",
                    encoding="utf-8")
    with pytest.raises(TerritoryError, match=r"code INSEE inconnu : 99999 \(ligne 4\)"):
        resolve_territory(db, f"fichier:{path}")


@pytest.mark.parametrize("content", ["04070\n04001\n\n13201\n", "4070\r\n4001\r\n13201\r\n",
                                     "\ufeff1.3201E+04\n04070\n04001\n"])
def test_a_list_of_codes_without_a_header_line_is_read_whole(db: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                           content: str) -> None:
    """A review: a file of codes one per line, without a header, was refused, its first code taken for a column
    name (« Colonne de codes absente … (colonnes lues : 04070) »)."""
    path = tmp_path / "codes.txt"
    path.write_text(content, encoding="utf-8")
    territory = resolve_territory(db, f"fichier:{path}")
    assert sorted(territory.units["unit_code"]) == ["04001", "04070", "13201"]
    assert territory.population == sum(raw.populations("6.0.0")[c] for c in ("04001", "04070", "13201"))
    assert "fichier sans en-tête : chaque ligne lue comme un code commune" in territory.notes
    # The first line is a line like the others: an unknown code there is named at line 1.
    path.write_text("99999\n04070\n", encoding="utf-8")
    with pytest.raises(TerritoryError, match=r"code INSEE inconnu : 99999 \(ligne 1\)"):
        resolve_territory(db, f"fichier:{path}")
    # One word on line 1 that is no code is still a header, and its column still unknown.
    path.write_text("Liste\n04070\n", encoding="utf-8")
    with pytest.raises(TerritoryError, match="Colonne de codes absente") as info:
        resolve_territory(db, f"fichier:{path}")
    assert "pas un en-tête" not in info.value.message
    # Two columns without a header: refused, and said to be data (a review got only « colonnes lues : 13001, … »).
    path.write_text("13001;Marseille 1er\n13002;Marseille 2e\n", encoding="utf-8")
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, f"fichier:{path}")
    assert info.value.message.endswith("(colonnes lues : 13001, Marseille 1er) ; la première ligne est une ligne de "
                                       "données, pas un en-tête : ajoutez au-dessus une ligne d'en-tête nommant la "
                                       "colonne des codes (« code_insee »)")


@pytest.mark.parametrize("spec", ["communes:04081,04003", "communes:04081,04081"])
def test_a_commune_given_twice_is_counted_once_and_said_so(db: duckdb.DuckDBPyConnection, spec: str) -> None:
    """A review: 04081 with its former code 04003 (Albiosc, merged into it) was said « codes en double ignorés :
    04081 », a code the user gave once."""
    territory = resolve_territory(db, spec)
    assert list(territory.units["unit_code"]) == ["04081"]
    assert territory.population == raw.populations("6.0.0")["04081"]
    assert ("communes données plusieurs fois (même code, ou ancien code d'une commune déjà donnée), comptées une "
            "fois : 04081") in territory.notes


def test_a_long_file_of_the_same_commune_is_one_unit_said_once(db: duckdb.DuckDBPyConnection,
                                                                 tmp_path: Path) -> None:
    """A review: a file repeating one row 1.5 million times held 13 GB and ran for over ten minutes (a frame and
    a pandas lookup per row). Each distinct row is now judged once; the note on repeated codes is said once."""
    path = tmp_path / "repetee.csv"
    path.write_text("code_insee,nom\n" + "04070,Digne-les-Bains\n" * 20_000 + "04001,Aiglun\n", encoding="utf-8")
    territory = resolve_territory(db, f"fichier:{path}")
    assert list(territory.units["unit_code"]) == ["04070", "04001"]
    assert territory.population == raw.populations("6.0.0")["04070"] + raw.populations("6.0.0")["04001"]
    twice = [note for note in territory.notes if note.startswith("communes données plusieurs fois")]
    assert twice == ["communes données plusieurs fois (même code, ou ancien code d'une commune déjà donnée), "
                     "comptées une fois : 04070"]


def test_a_file_of_many_unknown_codes_shows_the_first_fifty_errors_and_counts_the_others(
        db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """04800 to 04919 are no commune of the Alpes-de-Haute-Provence (the COG's codes stop at 04245): 120 errors,
    one per line; the message shows 50 and counts 70 (a file of a million unknown codes printed them all)."""
    assert not any(code.startswith(("048", "049")) for code in raw.populations("6.0.0"))
    path = tmp_path / "inconnus.csv"
    path.write_text("code_insee\n" + "".join(f"04{n}\n" for n in range(800, 920)), encoding="utf-8")
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, f"fichier:{path}")
    lines = str(info.value).split("\n  - ")[1:]
    assert len(lines) == 51
    # 04800 is a postal code (of Gréoux-les-Bains…): said (its communes, test_cpts_code_hint.py); 04849 is none.
    assert lines[0].startswith("code INSEE inconnu : 04800 (ligne 2) ; 04800 est le code postal de ")
    assert lines[49] == "code INSEE inconnu : 04849 (ligne 51)"
    assert lines[50].startswith("… et 70 autres erreurs")


def test_a_paris_postal_code_is_named_as_such(db: duckdb.DuckDBPyConnection) -> None:
    """A review: « code INSEE inconnu : 75001 » did not say that 75001 is Paris 1er's postal code (INSEE 75101),
    the commonest slip of a Paris list; 75116, Paris 16e's second postal code, is also its INSEE code."""
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, "communes:75001,75020,75116")
    message = str(info.value.message)
    # Both readings, as on a national load, though the Seine communes they were before 1968 are in the 94 and the 92,
    # not loaded here (a review read « code INSEE inconnu » and the postal reading alone).
    assert ("- 75001 : code postal de Paris 1er Arrondissement (code INSEE 75101), et ancien code, avant 1968, d'une "
            "commune de la Seine, aujourd'hui 94002 (département 94, non chargé) ; indiquez le code INSEE voulu\n"
            ) in message
    assert message.endswith("- 75020 : code postal de Paris 20e Arrondissement (code INSEE 75120), et ancien code, "
                            "avant 1968, d'une commune de la Seine, aujourd'hui 92020 (département 92, non chargé) ; "
                            "indiquez le code INSEE voulu")
    assert "75116 " not in message and "75116)" in message  # named in the spec only, no error of its own
    # The raw package 6.0.0 lists 75001 among Alfortville's (94002) « anciensCodes » and 75020 among Châtillon's
    # (92020): codes of a loaded département whose commune is in another, never « sans commune actuelle ».
    rows = db.execute("SELECT code, current_code FROM cog_mapping_hors_chargement WHERE code IN ('75001', '75020') "
                      "ORDER BY code").fetchall()
    assert rows == [("75001", "94002"), ("75020", "92020")]


def test_marseille_postal_codes_read_as_other_communes_are_pointed_out(db: duckdb.DuckDBPyConnection) -> None:
    """13001 to 13016 are Marseille's postal codes and the INSEE codes of Aix-en-Provence, Allauch, Alleins…: a
    list made mostly of them is read as those communes (the codes are valid), with a note; a list of the
    département where they are a few among many says nothing."""
    names = raw.names("6.0.0")
    territory = resolve_territory(db, "communes:13001,13002,13003")
    assert territory.population == sum(raw.populations("6.0.0")[c] for c in ("13001", "13002", "13003"))
    assert (f"13001 ({names['13001']}), 13002 ({names['13002']}), 13003 ({names['13003']}) lus comme codes INSEE de "
            "ces communes ; si ce sont des codes postaux de Marseille, les codes INSEE de ses arrondissements sont "
            "13201 à 13216") in territory.notes
    assert not any("codes postaux" in n for n in resolve_territory(db, "communes:13001,13002,04070,04001,04081").notes)


def test_codes_a_file_names_with_their_own_communes_are_no_postal_codes(db: duckdb.DuckDBPyConnection,
                                                                         tmp_path: Path) -> None:
    """A review: the editor's export « 13001,Aix-en-Provence / 13005,Aubagne », read back, got the note on
    Marseille's postal codes, which its names rule out; without names, or with a name of its own code only for
    one of them, the note stays for the others."""
    names = raw.names("6.0.0")
    named = tmp_path / "export.csv"
    named.write_text(f"code_insee,nom\n13001,{names['13001']}\n13005,{names['13005']}\n", encoding="utf-8")
    assert not any("codes postaux" in n for n in resolve_territory(db, f"fichier:{named}").notes)
    bare = tmp_path / "codes.csv"
    bare.write_text("code_insee\n13001\n13005\n", encoding="utf-8")
    assert any("si ce sont des codes postaux de Marseille" in n for n in resolve_territory(db, f"fichier:{bare}").notes)
    half = tmp_path / "half.csv"
    half.write_text(f"code_insee,nom\n13001,{names['13001']}\n13005,\n13006,\n", encoding="utf-8")
    note = next(n for n in resolve_territory(db, f"fichier:{half}").notes if "codes postaux" in n)
    assert note.startswith(f"13005 ({names['13005']}), 13006 ({names['13006']}) lus comme codes INSEE")


@pytest.mark.parametrize("spec", ["departement:Alpes-de-Haute-Provence", "departement:alpes de haute provence",
                                  "departement:04"])
def test_departement_by_its_name(db: duckdb.DuckDBPyConnection, spec: str) -> None:
    # The suggestion for an unknown département prints « Alpes-de-Haute-Provence (04) »: that name is accepted.
    t = resolve_territory(db, spec)
    assert (t.label, len(t.units)) == ("Alpes-de-Haute-Provence", len(raw.departement_codes("6.0.0", "04")))


def test_a_former_commune_by_its_name_is_its_current_commune_or_ambiguous(db: duckdb.DuckDBPyConnection) -> None:
    """A review: « Albiosc » (commune associée, as its code 04003 resolves) was « ni un code INSEE ni un nom de
    commune connu », and « Larche » read as the Corrèze's commune without a word of the 04's commune déléguée. The
    COG 2026 (raw file): Albiosc 04003 is associée to 04081; Salignac is a commune of the 04 (04200) and a commune
    déléguée of the Gironde (33495, in 33018)."""
    communes = {(c["code"], c["type"]): c for c in raw.package("6.0.0", "communes")}
    albiosc = communes[("04003", "commune-associee")]
    current = communes[(albiosc["chefLieu"], "commune-actuelle")]
    territory = resolve_territory(db, "communes:Albiosc")
    assert territory.units["unit_code"].tolist() == [albiosc["chefLieu"]]
    assert f"« Albiosc » lu comme 04003 (Albiosc, commune associée) rattaché à la commune actuelle " \
           f"{albiosc['chefLieu']} ({current['nom']})" in territory.notes
    salignac = communes[("33495", "commune-deleguee")]
    current_of_salignac = communes[(salignac["chefLieu"], "commune-actuelle")]["nom"]
    assert salignac["nom"] == communes[("04200", "commune-actuelle")]["nom"] == "Salignac"
    with pytest.raises(TerritoryError) as caught:
        resolve_territory(db, "communes:Salignac")
    assert (f"« Salignac » est ambigu : Salignac (04200, dép. 04), Salignac (33495, commune déléguée de "
            f"{current_of_salignac}, {salignac['chefLieu']}) ; donnez le code INSEE") in caught.value.message
    assert resolve_territory(db, "communes:04200").units["unit_code"].tolist() == ["04200"]
    # A name borne outside the load too is ambiguous on any load, as on a load of all France (a review:
    # « Sainte-Colombe » read as the Gironde's on this load, its twelve homonyms unsaid).
    colombes = sorted(c["code"] for c in communes.values() if c["nom"] == "Sainte-Colombe"
                      and c["type"] == "commune-actuelle")
    loaded = [code for code in colombes if code[:2] in FIXTURE_DEPARTEMENTS]
    assert loaded == ["33390"] and len(colombes) > 10
    with pytest.raises(TerritoryError) as caught:
        resolve_territory(db, "communes:Sainte-Colombe")
    message = caught.value.message
    assert ("« Sainte-Colombe » est ambigu : Sainte-Colombe (33390, dép. 33) ; hors des départements chargés : "
            in message)
    assert all(f"Sainte-Colombe ({code}, dép. {code[:2]})" in message for code in colombes)


def test_a_commune_deleguee_keeping_its_commune_nouvelle_s_code_is_found_by_name(db: duckdb.DuckDBPyConnection,
                                                                                 tmp_path: Path) -> None:
    """A review: Meyronnes, commune déléguée keeping Val d'Oronaye's code (04120 in the COG 2026, raw file), was
    unknown by name, and a file naming the communes déléguées by their pre-merger names refused as postal codes."""
    communes = raw.package("6.0.0", "communes")
    chef_lieu = [c for c in communes if c["type"] == "commune-deleguee" and c["code"] == c["chefLieu"]
                 and c["departement"] in ("04", "33")]
    current = {c["code"]: c["nom"] for c in communes if c["type"] == "commune-actuelle"}
    meyronnes = next(c for c in chef_lieu if c["nom"] == "Meyronnes")
    territory = resolve_territory(db, "communes:Meyronnes")
    assert territory.units["unit_code"].tolist() == [meyronnes["chefLieu"]]
    assert (f"« Meyronnes » lu comme 04120 (Meyronnes, commune déléguée) rattaché à la commune actuelle 04120 "
            f"({current['04120']})") in territory.notes
    named = [c for c in chef_lieu if c["nom"] != current[c["code"]]][:5]
    assert len(named) == 5
    path = tmp_path / "deleguees.csv"
    path.write_text("CODGEO;LIBGEO\n" + "".join(f"{c['code']};{c['nom']}\n" for c in named), encoding="utf-8")
    assert resolve_territory(db, f"fichier:{path}").units["unit_code"].tolist() == [c["code"] for c in named]


def test_a_commune_of_a_departement_not_loaded_is_named_as_such(db: duckdb.DuckDBPyConnection) -> None:
    """A review: on a load of some départements, « Lyon » was « ni un code INSEE ni un nom de commune connu ;
    vouliez-vous dire : Moulon … ». The COG 2026 (raw file): Lyon is 69123; Saint-Denis names four communes."""
    communes = raw.package("6.0.0", "communes")
    lyon = next(c["code"] for c in communes if c["type"] == "commune-actuelle" and c["nom"] == "Lyon")
    with pytest.raises(TerritoryError) as caught:
        resolve_territory(db, "communes:Lyon")
    assert f"« Lyon » : Lyon ({lyon}, dép. 69) : hors des départements chargés (base limitée à 04, 13, 33, 75, " \
           "976 ; ajoutez-le avec « make data DEPARTEMENTS=04,13,33,69,75,976 »" in caught.value.message
    saints = sorted((c["code"], c["departement"]) for c in communes
                    if c["type"] == "commune-actuelle" and c["nom"] == "Saint-Denis")
    with pytest.raises(TerritoryError) as caught:
        resolve_territory(db, "communes:Saint-Denis")
    listed = ", ".join(f"Saint-Denis ({code}, dép. {dep})" for code, dep in saints)
    assert (f"« Saint-Denis » : {len(saints)} communes de ce nom, hors des départements chargés (base limitée à 04, "
            f"13, 33, 75, 976) : {listed} ; chargez le département de celle voulue") in caught.value.message


def test_arrondissement_by_its_name(db: duckdb.DuckDBPyConnection) -> None:
    t = resolve_territory(db, "communes:Marseille 1er Arrondissement,paris 18e arrondissement,Marseille")
    # Marseille is the whole city: the 1er arrondissement inside it is counted once (with a note).
    assert list(t.units["unit_code"]) == ["75118", "13055"]
    assert "« Marseille 1er Arrondissement » lu comme l'arrondissement 13201" in t.notes
    assert "« Marseille » lu comme la commune 13055" in t.notes
    assert t.population == raw.populations("6.0.0")["75118"] + raw.populations("6.0.0")["13055"]


def test_zone_crossing_the_loaded_departements_says_how_much_is_outside(db: duckdb.DuckDBPyConnection) -> None:
    # Barjols's bassin de vie (83012): 10 communes in the INSEE table, one of them (Quinson) in the 04.
    listed = [code for code, row in raw.appartenance().items() if row["BV2022"] == "83012"]
    inside = [code for code in listed if code.startswith("04")]
    assert (len(listed), inside) == (10, ["04158"])
    barjols = resolve_territory(db, "bv:83012")
    assert list(barjols.units["unit_code"]) == inside
    assert barjols.notes == ["9 unités de ce bassin de vie sur 10 hors des départements chargés : le territoire ne "
                             "contient que la partie chargée, et ses chiffres ne portent que sur elle"]
    # Durance-Luberon-Verdon Agglomération: 25 members in the 2026 package, Vinon-sur-Verdon (83) among them.
    members = next(e["membres"] for e in raw.package("6.0.0", "epci") if e["code"] == "200034700")
    outside = [m["code"] for m in members if not m["code"].startswith("04")]
    assert (len(members), outside) == (25, ["83150"])
    dlva = resolve_territory(db, "epci:200034700")
    assert len(dlva.units) == 24 and dlva.notes == [
        "1 unité de cet EPCI sur 25 hors des départements chargés : le territoire ne contient que la partie "
        "chargée, et ses chiffres ne portent que sur elle"]
    # A zone whose units are all loaded gets no note.
    assert resolve_territory(db, "bv:04070").notes == []


@pytest.mark.parametrize(("spec", "message"), [
    ("departement:84", "Département 84"),
    ("communes:84003,04070", "Territoire non résolu (communes:84003,04070) :\n  - code INSEE 84003"),
    ("region:84", None),
])
def test_places_outside_the_loaded_departements_are_said_so(db: duckdb.DuckDBPyConnection, spec: str,
                                                             message: str | None) -> None:
    """The fixture database holds 04, 13, 33, 75 and 976: Vaucluse (84) exists but is not loaded."""
    loaded = "04, 13, 33, 75, 976"
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, spec)
    if message is None:  # Auvergne-Rhône-Alpes: none of its départements is loaded; the command adds all twelve
        assert info.value.message == (
            f"Région Auvergne-Rhône-Alpes (84) : aucun de ses départements n'est chargé (base limitée à {loaded} ; "
            "ajoutez-les avec « make data DEPARTEMENTS=01,03,04,07,13,15,26,33,38,42,43,63,69,73,74,75,976 », ou "
            "chargez toute la France avec « make data FRANCE=1 »)")
    else:
        assert info.value.message == (f"{message} : hors des départements chargés (base limitée à {loaded} ; "
                                      "ajoutez-le avec « make data DEPARTEMENTS=04,13,33,75,84,976 », ou chargez "
                                      "toute la France avec « make data FRANCE=1 »)")


@pytest.mark.parametrize(("spec", "said"), [
    ("region:Grand Est", "Région Grand Est (44) : aucun de ses départements n'est chargé (base limitée à 04, 13, 33, "
                         "75, 976 ; ajoutez-les avec « make data DEPARTEMENTS=04,08,10,13,33,51,52,54,55,57,67,68,75,"
                         "88,976 »"),
    ("region:grand-est", "Région Grand Est (44) : aucun"),
    ("departement:Bas-Rhin", "Département 67 : hors des départements chargés"),
    ("departement:Côtes-d'Armor", "Département 22 : hors des départements chargés"),
    ("region:Grand Truc", "Région inconnue : Grand Truc"),
])
def test_zones_named_outside_the_loaded_departements_are_said_so(db: duckdb.DuckDBPyConnection, spec: str,
                                                                 said: str) -> None:
    """A review: « region:Grand Est » on a database without it was « Région inconnue », as a typo would be;
    typed by its name, a zone of France outside the load is said to be so, as its code is."""
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, spec)
    assert info.value.message.startswith(said)


@pytest.mark.parametrize("form", ["gpkg-lambert93", "shapefile-without-prj", "zipped-shapefile-without-prj",
                                  "gpkg-two-layers", "gpkg-points-first", "gpkg-wgs84",
                                  "wgs84-shapefile-without-prj", "gpkg-empty-layer-first"])
def test_geopackage_and_shapefile_perimeters(db: duckdb.DuckDBPyConnection, mirror: Path, tmp_path: Path,
                                             form: str) -> None:
    """A QGIS export: the dissolved perimeter of four communes (IGN 2018 contours) in Lambert 93, as a
    GeoPackage, a Shapefile whose .prj was lost (Lambert 93 is assumed, with a note), a zipped Shapefile,
    or a GeoPackage whose first layer is the perimeter (the diagnostic's own territoire.gpkg); the same in
    WGS 84, as a GeoPackage and as a Shapefile whose .prj was lost (WGS 84 assumed, with a note); a GeoPackage
    whose first layer of polygons is empty (a review: « aucune entité », the perimeter's layer unread)."""
    codes = ["04004", "04081", "04094", "04124"]
    contours = _contours(mirror, codes)
    perimeter = gpd.GeoDataFrame({"nom": ["Regroupement"]}, geometry=[shapely.union_all(contours.geometry.values)],
                                 crs=contours.crs).to_crs(4326 if "wgs84" in form else 2154)
    if form.startswith("gpkg"):
        path = tmp_path / "perimetre.gpkg"
        if form == "gpkg-points-first":  # the CPTS's sites saved first (a review: « géométrie de type Point »)
            sites = gpd.GeoDataFrame({"nom": ["Maison de santé"]}, geometry=[perimeter.geometry.iloc[0].centroid],
                                     crs=perimeter.crs)
            sites.to_file(path, layer="sites", driver="GPKG")
        if form == "gpkg-empty-layer-first":  # a layer of polygons without a feature (a template left in the file)
            pyogrio.write_dataframe(perimeter.iloc[:0], path, layer="modele", driver="GPKG", geometry_type="Polygon")
        perimeter.to_file(path, layer="perimetre", driver="GPKG")
        if form == "gpkg-two-layers":
            contours.to_file(path, layer="communes", driver="GPKG")
    else:
        perimeter.to_file(tmp_path / "perimetre.shp")
        (tmp_path / "perimetre.prj").unlink()
        path = tmp_path / "perimetre.shp"
        if form.startswith("zipped"):
            path = tmp_path / "perimetre.zip"
            with zipfile.ZipFile(path, "w") as archive:
                for suffix in ("shp", "shx", "dbf"):
                    archive.write(tmp_path / f"perimetre.{suffix}", f"perimetre.{suffix}")
    t = resolve_territory(db, f"fichier:{path}")
    assert sorted(t.units["unit_code"]) == codes
    lambert = form.endswith("shapefile-without-prj") and "wgs84" not in form
    assert any("lues en Lambert 93" in note for note in t.notes) == lambert
    # Degrees in a Shapefile without .prj: lon/lat WGS 84 is a guess, said as such (a GeoPackage declares its CRS).
    assert ("fichier sans système de coordonnées déclaré (pas de .prj) : coordonnées en degrés lues comme longitude "
            "et latitude WGS 84" in t.notes) == (form == "wgs84-shapefile-without-prj")
    if form == "gpkg-two-layers":
        assert "couche « perimetre » lue (le fichier en a 2 : perimetre, communes)" in t.notes
    if form == "gpkg-points-first":
        assert "couche « perimetre » lue (la première de polygones) (le fichier en a 2 : sites, perimetre)" in t.notes
    if form == "gpkg-empty-layer-first":
        assert ("couche « perimetre » lue (la première qui a des entités ; sans entité : modele) (le fichier en a 2 : "
                "modele, perimetre)") in t.notes


def test_unreadable_or_unusable_vector_files_are_named(db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    damaged = tmp_path / "abime.gpkg"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    table = tmp_path / "table.gpkg"  # a layer without geometry
    pyogrio.write_dataframe(pd.DataFrame({"code": ["04070"]}), table, layer="liste")
    no_shapefile = tmp_path / "liste.zip"
    with zipfile.ZipFile(no_shapefile, "w") as archive:
        archive.writestr("t.csv", "code_insee\n04070\n")
    expected = {
        damaged: "Fichier géographique illisible : un GeoPackage ou un Shapefile est attendu (ou exportez le "
                 "périmètre en GeoJSON)",
        table: "La couche « liste » du fichier n'a pas de géométrie : un périmètre (polygones) est attendu",
        no_shapefile: "L'archive zip ne contient aucun Shapefile (.shp) : un périmètre en Shapefile zippé, "
                      "GeoPackage ou GeoJSON est attendu",
    }
    for path, message in expected.items():
        with pytest.raises(TerritoryError) as info:
            resolve_territory(db, f"fichier:{path}")
        assert (info.value.message, info.value.path) == (message, str(path))


def test_zipped_folder_of_a_shapefile(db: duckdb.DuckDBPyConnection, mirror: Path, tmp_path: Path) -> None:
    """Zipping a folder puts the Shapefile one level down: read all the same."""
    codes = ["04004", "04081", "04094", "04124"]
    _contours(mirror, codes).to_file(tmp_path / "communes.shp")
    path = tmp_path / "dossier.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for suffix in ("shp", "shx", "dbf", "prj"):
            archive.write(tmp_path / f"communes.{suffix}", f"perimetre/communes.{suffix}")
    assert sorted(resolve_territory(db, f"fichier:{path}").units["unit_code"]) == codes


def test_a_shapefile_missing_its_parts_names_them(db: duckdb.DuckDBPyConnection, mirror: Path,
                                                  tmp_path: Path) -> None:
    """A review: a ``.shp`` copied or zipped without its ``.shx`` was « Fichier géographique illisible »; without
    its ``.dbf`` it is read by its outlines, and said so (its codes and names are in the ``.dbf``)."""
    codes = ["04004", "04081"]
    _contours(mirror, codes).to_file(tmp_path / "communes.shp")
    (tmp_path / "communes.shx").rename(tmp_path / "ailleurs.shx")
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, f"fichier:{tmp_path / 'communes.shp'}")
    assert info.value.message.startswith("Shapefile incomplet : communes.shx absent à côté de lui")
    path = tmp_path / "sans-dbf.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(tmp_path / "communes.shp", "p/communes.shp")
        archive.write(tmp_path / "ailleurs.shx", "p/communes.shx")
        archive.write(tmp_path / "communes.prj", "p/communes.prj")
    territory = resolve_territory(db, f"fichier:{path}")
    assert sorted(territory.units["unit_code"]) == codes
    assert territory.notes[0] == ("communes.dbf absent dans l'archive : les attributs du Shapefile (codes, noms) ne "
                                  "sont pas lus, seulement ses contours")


def test_a_zip_of_several_shapefiles_is_refused(db: duckdb.DuckDBPyConnection, mirror: Path,
                                                tmp_path: Path) -> None:
    """Reading one of them would silently leave the others' perimeters out."""
    _contours(mirror, ["04004"]).to_file(tmp_path / "a.shp")
    _contours(mirror, ["04081"]).to_file(tmp_path / "b.shp")
    path = tmp_path / "deux.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name in ("a", "b"):
            for suffix in ("shp", "shx", "dbf", "prj"):
                archive.write(tmp_path / f"{name}.{suffix}", f"{name}.{suffix}")
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, f"fichier:{path}")
    assert info.value.message == ("L'archive zip contient 2 Shapefile (a.shp, b.shp) : zippez-les séparément, ou "
                                  "réunissez les périmètres dans un seul fichier")


def test_a_perimeter_outside_the_loaded_departements_says_so(db: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                             mirror: Path) -> None:
    """A box in the Var (83, not loaded): not a coordinate problem, a load problem, and the communes it holds named.
    Expected: the Var's communes whose representative point (of the mirror's contours) lies in the box, with their
    names in the 2026 COG package."""
    path = tmp_path / "var.geojson"
    box = [[6.0, 43.35], [6.15, 43.35], [6.15, 43.45], [6.0, 43.45], [6.0, 43.35]]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [box]}}]}))
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, f"fichier:{path}")
    var = gpd.read_file(next((mirror / "contours-communes-2018").glob("communes-83-*.geojson")))
    inside = sorted(var.loc[var.geometry.representative_point().within(shapely.box(6.0, 43.35, 6.15, 43.45)), "code"])
    names = raw.names("6.0.0")
    assert 2 <= len(inside) <= 10
    assert info.value.message == (
        "Territoire vide : le périmètre du fichier ne contient le point représentatif d'aucune commune chargée (base "
        f"limitée aux départements 04, 13, 33, 75, 976) ; il contient celui de {len(inside)} communes de départements "
        "non chargés, " + ", ".join(f"{names[c]} ({c}, département 83)" for c in inside) + " : ajoutez leurs "
        "départements (make data DEPARTEMENTS=…) ou chargez toute la France (make data FRANCE=1)")


def test_a_perimeter_holding_no_commune_s_point_names_the_communes_it_covers(db: duckdb.DuckDBPyConnection,
                                                                           tmp_path: Path, mirror: Path) -> None:
    """A small box inside a loaded commune holds no representative point: not a load problem (a review was told to
    add its départements). Expected: the communes of the mirror's contours under the box."""
    west, south, east, north = 6.001, 43.801, 6.002, 43.802
    path = tmp_path / "petit.geojson"
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}]}))
    contours = gpd.read_file(mirror / CONTOURS_04)
    under = contours[contours.geometry.intersects(shapely.box(west, south, east, north))].sort_values("code")
    assert len(under) == 2  # on the border of Allemagne-en-Provence and Saint-Martin-de-Brômes
    assert not under.geometry.representative_point().within(shapely.box(west, south, east, north)).any()
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, f"fichier:{path}")
    names = raw.names("6.0.0")
    assert info.value.message == (
        "Territoire vide : le périmètre du fichier ne contient le point représentatif d'aucune commune (une commune "
        "compte quand son point représentatif est dans le périmètre) ; il recouvre en partie "
        + ", ".join(f"{names[c]} ({c})" for c in under["code"]) + " : agrandissez le tracé, ou donnez le territoire "
        f"par ses codes (communes:{','.join(under['code'])})")


def test_an_epci_outside_the_loaded_departements_says_so(db: duckdb.DuckDBPyConnection) -> None:
    """CA du Grand Avignon (248400251): communes in the Gard and the Vaucluse (COG 2026), neither loaded."""
    members = next(e["membres"] for e in raw.package("6.0.0", "epci") if e["code"] == "248400251")
    departements = sorted({m["code"][:2] for m in members})
    assert departements == ["30", "84"]
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, "epci:248400251")
    assert info.value.message == (
        "EPCI 248400251 hors des départements chargés (ses communes sont dans 30, 84 ; base limitée à 04, 13, 33, "
        "75, 976) : ajoutez-les avec « make data DEPARTEMENTS=04,13,30,33,75,84,976 »")


@pytest.mark.parametrize("typed", ["CA du Pays Basque", "Communauté d'agglomération du Pays Basque",
                                   "ca du pays basque"])
def test_an_epci_named_outside_the_loaded_departements_says_so(db: duckdb.DuckDBPyConnection, typed: str) -> None:
    """A review: « epci:CA du Pays Basque », the README's example, was « EPCI inconnu » with a suggestion of the
    Pays Foyen on a load without the Pyrénées-Atlantiques. Its name and SIREN: the 2026 package's epci.json."""
    found = [e for e in raw.package("6.0.0", "epci") if e["nom"] == "CA du Pays Basque"]
    assert len(found) == 1 and {m["code"][:2] for m in found[0]["membres"]} == {"64"}
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, f"epci:{typed}")
    assert info.value.message == (
        f"EPCI {found[0]['code']} hors des départements chargés (ses communes sont dans 64 ; base limitée à 04, 13, "
        "33, 75, 976) : ajoutez-les avec « make data DEPARTEMENTS=04,13,33,64,75,976 »")


@pytest.mark.parametrize(("typed", "code", "name"), [("64102", "64102", "Bayonne"), ("Bayonne", "64102", "Bayonne"),
                                                     ("Seyssel", "74269", "Seyssel")])
def test_a_bassin_de_vie_outside_the_loaded_departements_says_so(db: duckdb.DuckDBPyConnection, typed: str, code: str,
                                                                 name: str) -> None:
    """A review: « bv:64102 » (Bayonne, 25 communes in the INSEE labels file) was « Territoire vide »; a re-check:
    Seyssel's, whose communes are in the Ain, the Savoie and the Haute-Savoie, named the 74 only. Its départements:
    the INSEE appartenance table."""
    assert raw.zone_labels()[("BV2022", code)]["LIBGEO"] == name
    where = sorted({c[:2] for c, r in raw.appartenance().items() if r["BV2022"] == code})
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, f"bv:{typed}")
    assert info.value.message == (
        f"Bassin de vie de {name} (BV2022 {code}) hors des départements chargés (ses communes sont dans "
        f"{', '.join(where)} ; base limitée à 04, 13, 33, 75, 976) : ajoutez-les avec « make data DEPARTEMENTS="
        f"{','.join(sorted({'04', '13', '33', '75', '976', *where}))} »")


@pytest.mark.parametrize(("spec", "level", "label"), [("epci:CC des Deux Vallées", "EPCI", "CC des Deux Vallées"),
                                                      ("bv:Bellegarde", "BV2022", "Bellegarde")])
def test_a_name_borne_by_several_zones_names_each(db: duckdb.DuckDBPyConnection, spec: str, level: str,
                                                  label: str) -> None:
    """A re-check: two EPCI « CC des Deux Vallées » (Oise, Essonne) were « EPCI inconnu » with a suggestion of
    another, two bassins de vie « Bellegarde » (Gard, Loiret) offered one. Known answers: the INSEE files."""
    if level == "EPCI":  # the INSEE's label writes « CC » in full; the COG's members give the départements
        zones = raw.epcis_labelled("Communauté de communes des Deux Vallées")
    else:
        zones = {code: sorted({c[:2] for c, r in raw.appartenance().items() if r["BV2022"] == code})
                 for (niveau, code), r in raw.zone_labels().items() if niveau == "BV2022" and r["LIBGEO"] == label}
    assert len(zones) == 2
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, spec)
    prefix = spec.split(":")[0]
    kind = "EPCI" if level == "EPCI" else "bassins de vie"
    assert info.value.message == (f"2 {kind} s'appellent « {label} » : " + ", ".join(
        f"{prefix}:{code} ({', '.join(where)})" for code, where in sorted(zones.items())) + " ; donnez son code")


def test_a_cog_name_of_an_epci_outside_the_load_says_how_to_name_it(db: duckdb.DuckDBPyConnection) -> None:
    """« CC des 2 Vallées » is the COG's name of an EPCI of the Essonne (the 2026 package's epci.json), whose INSEE
    label is « Communauté de communes des Deux Vallées », as another's of the Oise: a load without the 91 keeps the
    COG's names of its own EPCI only. Still unknown, it says how an EPCI outside the load is named."""
    found = [e for e in raw.package("6.0.0", "epci") if e["nom"] == "CC des 2 Vallées"]
    assert len(found) == 1 and {m["code"][:2] for m in found[0]["membres"]} == {"91"}
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, "epci:CC des 2 Vallées")
    assert info.value.message.startswith("EPCI inconnu : CC des 2 Vallées")
    assert info.value.message.endswith(
        " ; hors des départements chargés (04, 13, 33, 75, 976), un EPCI se nomme par son libellé INSEE "
        "(« Communauté de communes … ») ou par son code SIREN")
    with pytest.raises(TerritoryError) as info:  # a code: known nowhere, nothing to add
        resolve_territory(db, "epci:123456789")
    assert info.value.message == "EPCI inconnu : 123456789"


def test_the_insee_long_name_of_a_loaded_epci_is_that_epci(db: duckdb.DuckDBPyConnection) -> None:
    """A re-check: « Communauté d'agglomération Provence-Alpes-Agglomération » (the INSEE's label of an EPCI of the
    04) was said to lie outside the loaded départements."""
    long = resolve_territory(db, "epci:Communauté d'agglomération Provence-Alpes-Agglomération")
    assert long.unit_codes == resolve_territory(db, "epci:200067437").unit_codes


def test_a_shapefile_in_an_unknown_projection_without_prj_asks_for_its_prj(db: duckdb.DuckDBPyConnection,
                                                                           mirror: Path, tmp_path: Path) -> None:
    """Web Mercator metres without a .prj are not Lambert 93: the Shapefile's own fix is its .prj file."""
    _contours(mirror, ["04004"]).to_crs(3857).to_file(tmp_path / "web.shp")
    (tmp_path / "web.prj").unlink()
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, f"fichier:{tmp_path / 'web.shp'}")
    assert info.value.message.endswith("mais d'autres projections les placent ailleurs : déclarez le CRS (joignez "
                                       "le fichier .prj du Shapefile) ou exportez en WGS84")
    # The Web Mercator reading is named with where it would put the file: within the commune's own WGS84 box.
    found = re.search(r"elles seraient en France vers (\d+,\d+)° E, (\d+,\d+)° N", info.value.message)
    assert found is not None
    west, south, east, north = _contours(mirror, ["04004"]).total_bounds
    assert west < float(found[1].replace(",", ".")) < east and south < float(found[2].replace(",", ".")) < north


@pytest.mark.parametrize("header", ["Code INSEE", "CODGEO", "code-commune", "Code_Insee "])
def test_a_territory_file_header_as_a_spreadsheet_user_writes_it(db: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                                 header: str) -> None:
    path = tmp_path / "territoire.csv"
    path.write_text(f"{header};Nom\n04070;Digne-les-Bains\n04001;Aiglun\n", encoding="utf-8")
    assert list(resolve_territory(db, f"fichier:{path}").units["unit_code"]) == ["04070", "04001"]


@pytest.mark.parametrize("blank", ["", "   ", "\t"])
def test_a_blank_name_is_no_name(db: duckdb.DuckDBPyConnection, blank: str) -> None:
    """A review: ``--nom "   "`` titled the report « Diagnostic territorial – » and summary.json's label was empty.
    Blank, the name is not given: the territory keeps its own label (Digne-les-Bains, 04070)."""
    territory = resolve_territory(db, "communes:04070", blank)
    assert (territory.label, territory.name) == ("Digne-les-Bains", None)
    named = resolve_territory(db, "communes:04070", "  CPTS du Pays dignois ")
    assert (named.label, named.name) == ("CPTS du Pays dignois", "CPTS du Pays dignois")


@pytest.mark.parametrize(("name", "label"), [("verdon.kml", "KML"), ("verdon.TAB", "MapInfo TAB"),
                                             ("verdon.gml", "GML")])
def test_other_map_formats_are_named_not_read_as_csv(db: duckdb.DuckDBPyConnection, tmp_path: Path, name: str,
                                                     label: str) -> None:
    """A review: a Google My Maps KML was read as a CSV (« Lignes mal formées … 476 champs au lieu de 1 »), a MapInfo
    table and a GML likewise (« colonnes lues : <?xml … »)."""
    path = tmp_path / name
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<kml><Document><Placemark><Polygon><outerBoundaryIs>'
                    "<LinearRing><coordinates>6.2,44.07 6.26,44.07 6.26,44.11 6.2,44.07</coordinates>"
                    "</LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>\n", encoding="utf-8")
    with pytest.raises(TerritoryError) as caught:
        resolve_territory(db, f"fichier:{path}")
    assert caught.value.message.startswith(f"Format de carte non pris en charge ({label}) : enregistrez le "
                                           "périmètre en GeoJSON, GeoPackage ou Shapefile")


def test_names_that_are_not_their_codes_refuse_the_file(db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """A review: « 13001;Marseille 1er » rows (postal codes) were read as the INSEE codes of Aix-en-Provence,
    Allauch and Alleins and diagnosed without a word. Names of the COG 2026 (raw file): 13001 Aix-en-Provence,
    13002 Allauch, 13003 Alleins."""
    path = tmp_path / "marseille.csv"
    path.write_text("code;commune\n13001;Marseille 1er\n13002;Marseille 2e\n13003;Marseille 3e\n", encoding="utf-8")
    people = {c["code"]: c["nom"] for c in raw.package("6.0.0", "communes") if c["type"] == "commune-actuelle"}
    with pytest.raises(TerritoryError) as caught:
        resolve_territory(db, f"fichier:{path}")
    assert caught.value.line == 2
    assert caught.value.message.startswith(
        "Les noms de la colonne « commune » ne sont pas ceux des codes (3 lignes sur 3) : ligne 2 : 13001 est "
        f"{people['13001']}, pas « Marseille 1er » ; ligne 3 : 13002 est {people['13002']}, pas « Marseille 2e » ;")
    # One wrong row of one: « 1 ligne sur 1 », as the editor says it (a review: « 1 lignes sur 1 »).
    path.write_text("code;commune\n13001;Marseille 1er\n", encoding="utf-8")
    with pytest.raises(TerritoryError) as caught:
        resolve_territory(db, f"fichier:{path}")
    assert caught.value.message.startswith("Les noms de la colonne « commune » ne sont pas ceux des codes (1 ligne sur "
                                           "1) : ligne 2 : 13001 est ")


@pytest.mark.parametrize("header", ["CODGEO;LIBGEO", "INSEE_COM;NOM_COM", "code_commune;ville", "code;Libellé commune"])
def test_names_under_the_publishers_headers_are_compared_with_their_codes(db: duckdb.DuckDBPyConnection,
                                                                         tmp_path: Path, header: str) -> None:
    """A review: postal codes under INSEE's « CODGEO;LIBGEO », IGN's « INSEE_COM;NOM_COM » or « code_commune;ville »
    were read as Naujac-sur-Mer, Fontet and Saint-Ferme (COG 2026: 33300, 33170, 33400) and diagnosed, the names
    (Bordeaux, Gradignan, Talence: those postal codes' towns) never compared."""
    path = tmp_path / "bordeaux.csv"
    path.write_text(f"{header}\n33300;Bordeaux\n33170;Gradignan\n33400;Talence\n", encoding="utf-8")
    people = {c["code"]: c["nom"] for c in raw.package("6.0.0", "communes") if c["type"] == "commune-actuelle"}
    with pytest.raises(TerritoryError) as caught:
        resolve_territory(db, f"fichier:{path}")
    assert caught.value.line == 2
    assert caught.value.message.startswith(
        f"Les noms de la colonne « {header.split(';')[1]} » ne sont pas ceux des codes (3 lignes sur 3) : ligne 2 : "
        f"33300 est {people['33300']}, pas « Bordeaux » ;")
    # A column naming the rows' CPTS, EPCI, a person or a seat is no commune's name: the codes are read (a second
    # review: « Nom du médecin », « Ville du siège » refused valid files).
    path.write_text("CODGEO;nom_cpts;Libellé EPCI;Nom du médecin;Ville du siège\n"
                    "33063;CPTS Bordeaux;Bordeaux Métropole;Dr Martin;Mérignac\n", encoding="utf-8")
    assert resolve_territory(db, f"fichier:{path}").units["unit_code"].tolist() == ["33063"]


@pytest.mark.parametrize("header", [
    "CODGEO;LIBGEO", "INSEE_COM;NOM_COM", "code_commune;ville", "nom;prenom;code_insee;ville",
    "Nom du médecin;COMMUNE;code",
])
def test_the_names_column_is_the_one_of_the_communes(header: str) -> None:
    """The column compared with the codes, in Python and in the editor's import (same rule): beside a first name,
    « nom » is a person's (a third review: « nom;prenom;code_insee;ville » refused on « Dupont »)."""
    columns = header.split(";")
    code = next(c for c in columns if c.lower().startswith(("cod", "insee")))
    expected = {"CODGEO;LIBGEO": "LIBGEO", "INSEE_COM;NOM_COM": "NOM_COM", "code_commune;ville": "ville",
                "nom;prenom;code_insee;ville": "ville", "Nom du médecin;COMMUNE;code": "COMMUNE"}[header]
    assert name_column(columns, code) == expected


def test_a_geojson_s_names_are_compared_with_its_codes(db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """A review: features without geometry, « code » 33300 and « nom » Bordeaux, were read as Naujac-sur-Mer."""
    path = tmp_path / "codes.geojson"
    features = [{"type": "Feature", "geometry": None, "properties": {"code": code, "nom": name}}
                for code, name in (("33300", "Bordeaux"), ("33170", "Gradignan"))]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    people = {c["code"]: c["nom"] for c in raw.package("6.0.0", "communes") if c["type"] == "commune-actuelle"}
    with pytest.raises(TerritoryError) as caught:
        resolve_territory(db, f"fichier:{path}")
    assert caught.value.message.startswith(
        "Les noms de la colonne « nom » ne sont pas ceux des codes (2 entités sur 2) : entité n° 1 : 33300 est "
        f"{people['33300']}, pas « Bordeaux » ; entité n° 2 : 33170 est {people['33170']}, pas « Gradignan »")
    features[0]["properties"] = {"code": "33063", "nom": "Bordeaux"}
    features[1]["properties"] = {"code": "33192", "nom": "Gradignan"}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    assert sorted(resolve_territory(db, f"fichier:{path}").units["unit_code"]) == ["33063", "33192"]


def test_contours_that_agree_with_their_codes_are_read_whatever_their_names(db: duckdb.DuckDBPyConnection,
                                                                            mirror: Path, tmp_path: Path) -> None:
    """A second review: the real contours of 04070, 04001 and 04112 with « nom » the CPTS's were refused as names
    not those of their codes; the contours confirm the codes."""
    contours = _contours(mirror, ["04070", "04001", "04112"])[["code", "geometry"]].assign(nom="CPTS du Pays Dignois")
    path = tmp_path / "cpts.geojson"
    contours.to_file(path, driver="GeoJSON")
    assert sorted(resolve_territory(db, f"fichier:{path}").units["unit_code"]) == ["04001", "04070", "04112"]


def test_names_written_otherwise_agree_and_a_stray_one_is_noted(db: duckdb.DuckDBPyConnection,
                                                                 tmp_path: Path) -> None:
    """Names as files write them (« Marseille 1 », « Mées (Les) », « St Julien d'Asse », « DIGNE ») agree with their
    codes; one wrong name among five, the name of no commune (a typo), is noted, not refused (the codes are
    read); one that is another commune's by itself refuses the file: that commune may be the one meant (a
    review: « 13001;Marseille 1er » among 04 communes counted Aix-en-Provence's 149 695 inhabitants)."""
    path = tmp_path / "noms.csv"
    rows = "code_insee,nom\n13201,Marseille 1\n04116,Mées (Les)\n04182,St Julien d'Asse\n04070,DIGNE\n"
    path.write_text(rows + "04019,Barcelonete la Vieille\n", encoding="utf-8")
    territory = resolve_territory(db, f"fichier:{path}")
    assert sorted(territory.units["unit_code"]) == ["04019", "04070", "04116", "04182", "13201"]
    assert [n for n in territory.notes if "colonne « nom »" in n] == [
        "1 nom de la colonne « nom » ne correspond pas à son code (les codes sont lus) : ligne 6 : 04019 est "
        "Barcelonnette, pas « Barcelonete la Vieille »"]
    people = {c["code"]: c["nom"] for c in raw.package("6.0.0", "communes") if c["type"] == "commune-actuelle"}
    path.write_text(rows + "04019,Aiglun\n13001,Marseille 2e\n", encoding="utf-8")
    with pytest.raises(TerritoryError) as caught:
        resolve_territory(db, f"fichier:{path}")
    assert (caught.value.message, caught.value.line) == (
        "Des noms de la colonne « nom » sont ceux d'autres communes que leurs codes : ligne 6 : 04019 est "
        f"{people['04019']}, or « Aiglun » est Aiglun (04001) ; ligne 7 : 13001 est {people['13001']}, or « Marseille "
        "2e » est Marseille 2e Arrondissement (13202). Corrigez les codes (codes postaux au lieu des codes INSEE ?)",
        6)


@pytest.mark.parametrize(("spec", "same_as"), [
    ("epci:ca provence alpes agglomeration", "epci:200067437"),  # the name the suggestion printed, typed back
    ("bv:Digne-les-Bains", "bv:04070"),
    ("region:Sud", "region:93"), ("region:Région Sud", "region:93"),  # the name PACA goes by in its documents
    ("departement:013", "departement:13"), ("departement:004", "departement:04"),  # as some INSEE files write them
])
def test_zones_typed_as_a_review_typed_them(db: duckdb.DuckDBPyConnection, spec: str, same_as: str) -> None:
    """A review: « epci:CA du Pays Basque » was refused with « vouliez-vous dire : CA du Pays Basque (200067106) »,
    the name typed; « region:Sud » and « departement:013 » were refused. Names of the EPCI and of the bassin de vie
    from the raw files: epci.json of the COG 2026 (200067437), the BV2022 of Digne-les-Bains is 04070."""
    named = {e["code"]: e["nom"] for e in raw.package("6.0.0", "epci")}
    assert normalise_name(named["200067437"]) == normalise_name("ca provence alpes agglomeration")
    typed, coded = resolve_territory(db, spec), resolve_territory(db, same_as)
    assert sorted(typed.units["unit_code"]) == sorted(coded.units["unit_code"]) and len(coded.units) > 0
    assert typed.label == coded.label


def test_a_border_where_the_point_rule_and_the_area_disagree_is_said(db: duckdb.DuckDBPyConnection, mirror: Path,
                                                                     tmp_path: Path) -> None:
    """A review: a perimeter covering 97 % of Digne-les-Bains but not its representative point left the town out
    without a word. Here Aiglun (04001) whole and Digne (04070) but for a small disc around its point: Digne is
    not counted (the rule), and the note gives its covered share, measured here in EPSG:3035 from the raw
    contours."""
    contours = _contours(mirror, ["04001", "04070"]).set_index("code").to_crs(4326)
    lon, lat = db.execute("SELECT lon, lat FROM commune_polygons WHERE code = '04070'").fetchone()
    digne = contours.geometry["04070"].difference(shapely.Point(lon, lat).buffer(0.003))
    drawn = gpd.GeoDataFrame(geometry=[shapely.union_all([contours.geometry["04001"], digne])], crs=4326)
    path = tmp_path / "trou.geojson"
    drawn.to_file(path, driver="GeoJSON")
    share = (gpd.GeoSeries([digne], crs=4326).to_crs(3035).area.iloc[0]
             / gpd.GeoSeries([contours.geometry["04070"]], crs=4326).to_crs(3035).area.iloc[0])
    territory = resolve_territory(db, f"fichier:{path}")
    assert "04070" not in set(territory.units["unit_code"]) and "04001" in set(territory.units["unit_code"])
    note = next(n for n in territory.notes if "point représentatif décide autrement" in n)
    assert f"non comptées bien que couvertes à moitié ou plus : Digne-les-Bains (04070, {round(share * 100)} %)" \
        in note and share > 0.95
    # The whole contours of both: the rule and the area agree, nothing said.
    whole = tmp_path / "entier.geojson"
    gpd.GeoDataFrame(geometry=[shapely.union_all(contours.geometry.values)], crs=4326).to_file(whole,
                                                                                             driver="GeoJSON")
    assert not any("décide autrement" in n for n in resolve_territory(db, f"fichier:{whole}").notes)


@pytest.mark.parametrize("header", ["INSEE_COM;NOM", "Code_commune_INSEE;Nom_de_la_commune"])
def test_code_headers_of_ign_and_la_poste_files(db: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                header: str) -> None:
    """A review: a CSV cut from IGN Admin Express (« INSEE_COM ») or from La Poste's base of postal codes
    (« Code_commune_INSEE ») was refused (« Colonne de codes absente »)."""
    path = tmp_path / "communes.csv"
    path.write_text(f"{header}\n04070;DIGNE-LES-BAINS\n04001;AIGLUN\n", encoding="utf-8")
    territory = resolve_territory(db, f"fichier:{path}")
    assert sorted(territory.units["unit_code"]) == ["04001", "04070"]
    assert not any("ne correspond" in n for n in territory.notes)  # the names column is read and agrees


def test_a_code_property_that_is_an_identifier_names_itself_and_the_way_out(db: duckdb.DuckDBPyConnection,
                                                                          mirror: Path, tmp_path: Path) -> None:
    """A review: a perimeter whose ``code`` property is its own identifier (« CPTS01 ») was refused without naming
    the property read, nor saying that without it the file is read by its contours (which give Digne-les-Bains
    and Aiglun here, from the mirror's 2018 polygons)."""
    contours = _contours(mirror, ["04070", "04001"])
    perimeter = gpd.GeoDataFrame({"code": ["CPTS01"]}, geometry=[shapely.union_all(contours.geometry.values)],
                                 crs=contours.crs)
    path = tmp_path / "perimetre.geojson"
    perimeter.to_file(path, driver="GeoJSON")
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, f"fichier:{path}")
    assert info.value.message == (
        "Territoire non résolu (propriété « code » du fichier) :\n  - « CPTS01 » n'est ni un code INSEE ni un nom de "
        "commune connu\n  Si la propriété « code » n'est pas un code INSEE, retirez-la (ou renommez-la) pour lire le "
        "territoire d'après ses contours ; ses contours contiennent le point représentatif de Aiglun (04001), "
        "Digne-les-Bains (04070)")  # what the contours give instead (a re-check)
    perimeter.rename(columns={"code": "identifiant"}).to_file(path, driver="GeoJSON")
    assert sorted(resolve_territory(db, f"fichier:{path}").units["unit_code"]) == ["04001", "04070"]


def test_codes_a_spreadsheet_rewrote_are_said_together(db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """A review: a layer of 44 communes with an integer code column gave 44 notes « 4001 lu comme 04001 ». Up to
    three are said one by one; more, in one note."""
    path = tmp_path / "t.csv"
    path.write_text("code_insee\n4001\n4004\n4005\n4006\n4007\n", encoding="utf-8")
    notes = resolve_territory(db, f"fichier:{path}").notes
    said = [n for n in notes if "lu comme" in n]
    assert said == ["5 codes réécrits par un tableur, lus comme codes INSEE : 4001 lu comme 04001 "
                    "(zéro initial rétabli) ; 4004 lu comme 04004 (zéro initial rétabli) ; 4005 lu comme 04005 "
                    "(zéro initial rétabli) … et 2 autres"]
    path.write_text("code_insee\n4001\n4004.0\n04005\n", encoding="utf-8")
    assert [n for n in resolve_territory(db, f"fichier:{path}").notes if "lu comme" in n] == [
        "4001 lu comme 04001 (zéro initial rétabli)",
        "4004.0 lu comme 04004 (code écrit comme un nombre décimal par un tableur)"]


@pytest.mark.parametrize(("rows", "said"), [
    ("13202;Marseille 1er\n13203;Marseille 2e\n", "ligne 2 : 13202 est Marseille 2e Arrondissement, pas « Marseille "
                                                  "1er »"),
    ("13055;Marseille 1er\n13055;Marseille 2e\n", "ligne 2 : 13055 est Marseille, pas « Marseille 1er »"),
])
def test_arrondissements_named_as_others_refuse_the_file(db: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                          rows: str, said: str) -> None:
    """A review: the 2e and 3e were diagnosed for a file naming the 1er and the 2e, and all of Marseille (886 040
    inhabitants) for two arrondissements named beside the city's code, without a word."""
    path = tmp_path / "t.csv"
    path.write_text("code_insee;nom\n" + rows, encoding="utf-8")
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, f"fichier:{path}")
    assert said in info.value.message
    path.write_text("code_insee;nom\n13201;Marseille 1er\n13207;MARSEILLE VII\n13208;Marseille 08\n", encoding="utf-8")
    assert sorted(resolve_territory(db, f"fichier:{path}").units["unit_code"]) == ["13201", "13207", "13208"]


def _union_from_mirror(mirror: Path, relative: str, codes: set[str]) -> gpd.GeoSeries:
    """The union of the mirror's raw polygons of ``codes`` (IGN 2018 communes or 2023 arrondissements), EPSG:4326."""
    frame = gpd.read_file(mirror / relative)
    column = "code" if "code" in frame.columns else "com_arm_code"
    # The arrondissements' file holds each code in a list (« ['75118'] »).
    chosen = frame[frame[column].astype(str).str.extract(r"(\d[\dAB]\d{3})")[0].isin(codes)]
    assert len(chosen) == len(codes)
    return gpd.GeoSeries([shapely.union_all(chosen.geometry.to_numpy())], crs=4326)


@pytest.mark.parametrize(("relative", "codes", "epsg", "kept"), [
    # Paris's north-east from a web map: its Web Mercator metres also read as Lambert 93, near the Gironde coast
    # (a review's Aisne perimeter became two communes there).
    ("contours-arrondissements-2023/georef-france-commune-arrondissement-municipal-2023.geojson",
     {"75118", "75119", "75120"}, 3857, "Web Mercator (EPSG:3857)"),
    # Bordeaux and two neighbours from QGIS: their Lambert 93 metres also read as Web Mercator, in the Aisne.
    ("contours-communes-2018/communes-33-gironde.geojson", {"33063", "33069", "33119"}, 2154,
     "Lambert 93 (EPSG:2154)"),
])
def test_metres_without_a_crs_are_read_as_the_projection_whose_border_follows_the_communes(
    db: duckdb.DuckDBPyConnection, mirror: Path, tmp_path: Path, relative: str, codes: set[str], epsg: int,
    kept: str
) -> None:
    drawn = _union_from_mirror(mirror, relative, codes).to_crs(epsg)
    path = tmp_path / "perimetre.geojson"  # saved without its CRS: metres and nothing to say which
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(drawn.iloc[0])}]}))
    t = resolve_territory(db, f"fichier:{path}")
    assert sorted(t.units["unit_code"]) == sorted(codes)
    assert any(note.startswith("coordonnées en mètres sans CRS déclaré, plausibles en Lambert 93 comme en Web "
                               f"Mercator : lues en {kept}, où le tracé suit les limites des communes")
               for note in t.notes)


@pytest.mark.parametrize(("spellings", "slug"), [
    (["departement:04", "departement:4", "departement:Alpes-de-Haute-Provence", "departement:alpes de haute provence"],
     "departement-04"),
    (["departement:13", "departement:013"], "departement-13"),
    (["departement:04,13", "departement:13,04", "departement:13;Alpes-de-Haute-Provence"], "departement-04-13"),
    (["region:93", "region:Provence-Alpes-Côte d'Azur"], "region-93"),
    (["bv:04070", "bv:4070"], "bv-04070"),
    (["epci:200067437", "epci:200 067 437", "epci:200.067.437"], "epci-200067437"),
])
def test_one_zone_however_typed_has_one_output_folder(db: duckdb.DuckDBPyConnection, spellings: list[str],
                                                      slug: str) -> None:
    """A review: « epci:200 067 106 » wrote beside « epci:200067106 », and two runs of one zone could mix."""
    assert [resolve_territory(db, spec).slug for spec in spellings] == [slug] * len(spellings)


def test_an_empty_drawing_names_the_communes_its_web_mercator_reading_holds(db: duckdb.DuckDBPyConnection,
                                                                             mirror: Path, tmp_path: Path) -> None:
    """A review drew Paris as a rectangle on a web map, saved without its CRS: neither reading follows the
    communes' borders, the usual one (Lambert 93) falls by the Basque coast, and the message never named the Web
    Mercator reading. It names the units that reading holds (their points inside, from the mirror's polygons)."""
    from shapely.geometry import box

    drawn = box(2.36, 48.86, 2.41, 48.90)
    frame = gpd.read_file(mirror / "contours-arrondissements-2023" /
                          "georef-france-commune-arrondissement-municipal-2023.geojson")
    codes = frame["com_arm_code"].astype(str).str.extract(r"(751\d\d)")[0]
    expected = sorted(c for c, g in zip(codes, frame.geometry, strict=True) if g.representative_point().within(drawn))
    assert len(expected) >= 2
    path = tmp_path / "carte-web.geojson"
    metres = gpd.GeoSeries([drawn], crs=4326).to_crs(3857).iloc[0]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(metres)}]}))
    with pytest.raises(TerritoryError) as info:
        resolve_territory(db, f"fichier:{path}")
    message = info.value.message
    assert message.startswith("Territoire vide : le périmètre du fichier ne contient le point représentatif")
    said = message.split(". Lues en Web Mercator (EPSG:3857, la projection des cartes web), ses coordonnées "
                         f"contiendraient {len(expected)} unités : ")[1]
    assert re.findall(r"\((751\d\d)\)", said) == expected
    assert said.endswith(" ; si le fichier vient d'une carte web, déclarez ce CRS (membre « crs » : EPSG:3857)")
