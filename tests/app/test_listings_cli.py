"""Issue 11, item 5: CPTS listings as ARS write them, loaded through ``python -m pipeline data --cpts``.

On a copy of the fixture database (``make data`` done, the mirror's PACA
listing loaded as « paca »):

* the README's own CSV example, read from README.md (``statut``, ``date``);
* GeoJSON listings drawn as polygons: in WGS84 without ``crs``, with a declared
  CRS (Lambert 93, Web Mercator), and as QGIS exports them (Lambert 93
  metres, no ``crs``). The expected members are computed independently from
  the mirror's polygons: the units whose representative point lies inside the
  drawn square (arrondissements in Marseille);
* features outside France or with swapped coordinates: anomalies, left out;
* a user listing named like the default one: refused, nothing changed.

On a database of départements 04, 05, 26 and 84 (built by ``data
--departements``): the PACA listing's probable homonyms (Venterol 04234,
Rochebrune 05121 in « CPTS Drôme Provençale - Enclave des Papes ») in the
listing's anomalies, and in that CPTS's diagnostic (report and
``summary.json`` ``anomalies_liste``).
"""

from __future__ import annotations

import html
import io
import json
import re
import tarfile
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest
from pyproj import Geod, Transformer
from shapely.geometry import box, shape

from pipeline import config
from tests.app.robust_support import ROOT, Workspace, cli, error_line, run_module, snapshot
from tests.french_spacing import as_typed

DIGNE_SQUARE = (6.20, 44.05, 6.30, 44.13)  # west, south, east, north
MARSEILLE_SQUARE = (5.37, 43.29, 5.39, 43.32)
HOMONYM_CPTS = "CPTS Drôme Provençale - Enclave des Papes"




def query(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


# --------------------------------------------------------------------------- how many CPTS a listing names


def test_the_load_says_how_many_cpts_the_listing_names_and_how_many_have_a_loaded_commune(
        ws: Workspace, mirror: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A review read « 4 CPTS » for a listing naming 6: « CPTS Fantôme » (13999, no such commune) and « CPTS
    Niçoise » (06088, a département the fixture database does not hold) have no loaded commune."""
    path = tmp_path / "six.csv"
    path.write_text("cpts,code_insee\nCPTS du Plateau,13206\nCPTS Aubagne Bis,13005\nCPTS Aubagne Bis,13013\n"
                    "CPTS Fantôme,13999\nCPTS Double Marseille,13201\nCPTS Lettres,04070\nCPTS Niçoise,06088\n",
                    encoding="utf-8")
    code, out, err = cli(capsys, "data", "--cpts", str(path))
    assert (code, err) == (0, "")
    # Units: 13206, 13005, 13013, 13201, 04070.
    assert "— 6 CPTS dans la liste, dont 4 avec au moins une commune chargée, 5 unités; 2 anomalies : " in out
    # Each anomaly of the file on its own line, with its line; the commune outside the load (06088) is counted only.
    assert "      ligne 5, « CPTS Fantôme » — code inconnu : code 13999 absent du code officiel géographique\n" in out
    assert "06088 hors des départements chargés" not in out
    # Every listing of the database is named at the end, with its CPTS: the mirror's, loaded before, too.
    paca = len({row.split(",")[1] for row in (mirror / "cpts" / "paca-cpts-communes.csv").read_text(
        encoding="utf-8").splitlines()[1:] if row})
    assert f"\nListes de CPTS dans la base : « paca » ({paca} CPTS), « six » (6 CPTS)\n" in out


def test_a_listing_none_of_whose_codes_names_a_commune_is_refused_and_changes_nothing(
        ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A review loaded 99999, 69999 and 00000 with exit 0. 69999 is no commune of the Rhône, which the fixture
    database does not hold: unknown, as the COG of the départements not loaded tells, not « hors des départements
    chargés »."""
    path = tmp_path / "inconnus.csv"
    path.write_text("cpts,code_insee\nCPTS Fantôme,99999\nCPTS Fantôme,69999\nCPTS Autre,00000\n", encoding="utf-8")
    before = snapshot(ws)
    code, out, err = cli(capsys, "data", "--cpts", str(path))
    assert code == 2
    assert err == error_line(
        "Aucun code de la liste ne désigne une commune : liste non chargée, la base est inchangée ("
        "ligne 2, « CPTS Fantôme » — code inconnu : code 99999 absent du code officiel géographique ; "
        "ligne 3, « CPTS Fantôme » — code inconnu : code 69999 absent du code officiel géographique ; "
        "ligne 4, « CPTS Autre » — code inconnu : code 00000 absent du code officiel géographique)", path)
    assert snapshot(ws) == before
    # With a commune of a département not loaded, the listing is loaded: its CPTS is named, partial.
    path.write_text("cpts,code_insee\nCPTS Lyonnaise,69381\nCPTS Lyonnaise,69999\n", encoding="utf-8")
    code, out, err = cli(capsys, "data", "--cpts", str(path))
    assert (code, err) == (0, "")
    assert "— 1 CPTS dans la liste, dont 0 avec au moins une commune chargée, 0 unités; 2 anomalies" in out
    assert query(ws.db, "SELECT code, kind FROM cpts_anomalies WHERE listing = 'inconnus' ORDER BY code") == [
        ("69381", "hors_departements_charges"), ("69999", "code_inconnu")]


# --------------------------------------------------------------------------- the README's example


def readme_example() -> str:
    """The CSV block of the README's « CPTS listing format » section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### CPTS listing format"):]
    return re.search(r"```csv\n(.*?)```", section, re.DOTALL).group(1)  # type: ignore[union-attr]


def test_readme_example_listing_loads(ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    example = readme_example()
    assert example.startswith("cpts,code_insee,cpts_id,statut,date\n")
    path = tmp_path / "exemple.csv"
    path.write_text(example, encoding="utf-8")
    code, out, err = cli(capsys, "data", "--cpts", str(path))
    assert (code, err) == (0, "")
    assert re.search(r"liste de CPTS « exemple » +chargé +2 lignes .* — 1 CPTS, 2 unités\n", out)
    rows = [line.split(",") for line in example.strip().splitlines()[1:]]
    stored = query(ws.db, "SELECT cpts, unit_code, cpts_id, statut, CAST(date AS VARCHAR) FROM cpts_membres "
                          "WHERE listing = 'exemple' ORDER BY unit_code")
    assert stored == [(r[0], r[1], r[2], r[3], r[4]) for r in sorted(rows, key=lambda r: r[1])]
    code, out, err = cli(capsys, "territoire", "cpts:exemple:CPTS Exemple des Trois Vallées")
    assert (code, err) == (0, "")
    assert out.startswith("CPTS Exemple des Trois Vallées : 2 unités, ")
    # The README's main command still names one CPTS once its listing example is loaded (its CPTS used to be
    # called « CPTS du Verdon » too, and the main command then stopped on an ambiguous name).
    code, out, err = cli(capsys, "territoire", "cpts:CPTS du Verdon")
    assert (code, err) == (0, "") and out.startswith("CPTS du Verdon : 15 unités, ")


def test_codes_of_no_departement_are_unknown_and_the_spans_count_the_communes_outside_the_load(
        ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The fixture database holds 04, 13, 33, 75 and 976. Digne-les-Bains (04070) is loaded; Avignon (84007,
    # PACA, listed twice), Ajaccio (« 2a004 », Corse) and Nice (« 6088 », its zero lost by a spreadsheet, PACA)
    # are communes of other départements; 99999 and 00123 are communes of none (an independent review found
    # 99999 « hors des départements chargés », then « 6088 » placed in the Oise (60) and « 2a004 » unknown).
    path = tmp_path / "hors.csv"
    path.write_text("cpts,code_insee\n" + "".join(
        f"CPTS Trois Rives,{c}\n" for c in ("04070", "84007", "84007", "2a004", "6088", "99999", "00123",
                                            # Romette, commune associée of Gap (COG 2023, chefLieu 05061): one
                                            # commune, one unit (a review counted it as two).
                                            "05125", "05061")),
        encoding="utf-8")
    code, _out, err = cli(capsys, "data", "--cpts", str(path))
    assert (code, err) == (0, "")
    kinds = query(ws.db, "SELECT code, kind FROM cpts_anomalies WHERE listing = 'hors' "
                         "AND kind IN ('hors_departements_charges', 'code_inconnu') ORDER BY code, kind")
    assert sorted(set(kinds)) == [("00123", "code_inconnu"), ("05061", "hors_departements_charges"),
                                  ("05125", "hors_departements_charges"), ("06088", "hors_departements_charges"),
                                  ("2A004", "hors_departements_charges"), ("84007", "hors_departements_charges"),
                                  ("99999", "code_inconnu")]
    spans = dict(query(ws.db, "SELECT kind, detail_fr FROM cpts_anomalies WHERE listing = 'hors' "
                              "AND kind IN ('multi_departements', 'multi_regions')"))
    assert spans == {
        "multi_departements": "« CPTS Trois Rives » s'étend sur 5 départements (département 04 : 1 unité, "
                              "département 05 : 1 unité, département 06 : 1 unité, département 2A : 1 unité, "
                              "département 84 : 1 unité)",
        # Named as régions: « 84 » alone read as the Vaucluse of the line before (a review).
        "multi_regions": "« CPTS Trois Rives » s'étend sur 2 régions (région 93 : 4 unités, région 94 : 1 unité)"}


def test_communes_outside_the_load_of_two_cpts_of_one_name_go_to_the_right_one(
        ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Two « CPTS Centre » (A1 in 04, B2 in 13 and 84): B2's Avignon was counted in A1's span. One name on two
    # ids is two CPTS, named with their id: Avignon (outside the load) is B2's, A1 spans the 04 alone.
    path = tmp_path / "homonymes.csv"
    path.write_text("cpts,code_insee,cpts_id\nCPTS Centre,04001,A1\nCPTS Centre,13001,B2\n"
                    "CPTS Centre,84007,B2\n", encoding="utf-8")
    code, _out, err = cli(capsys, "data", "--cpts", str(path))
    assert (code, err) == (0, "")
    spans = dict(query(ws.db, "SELECT cpts, detail_fr FROM cpts_anomalies WHERE listing = 'homonymes' "
                              "AND kind = 'multi_departements'"))
    assert spans == {"CPTS Centre (B2)": "« CPTS Centre (B2) » s'étend sur 2 départements (département 13 : 1 "
                                         "unité, département 84 : 1 unité)"}


# --------------------------------------------------------------------------- GeoJSON listings


def square(bounds: tuple[float, float, float, float]) -> list[list[float]]:
    west, south, east, north = bounds
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


def inside_from_mirror(mirror: Path, bounds: tuple[float, float, float, float]) -> list[str]:
    """Units of the mirror's polygons (2018 communes, 2023 arrondissements) whose representative point is inside."""
    area = box(*bounds)
    files = [*(mirror / config.CONTOURS_MIRROR_DIR).glob("communes-04-*.geojson"),
             mirror / "contours-arrondissements-2023" / "georef-france-commune-arrondissement-municipal-2023.geojson"]
    codes = []
    for path in files:
        for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
            code = feature["properties"].get("code") or feature["properties"]["com_arm_code"][0]
            if shape(feature["geometry"]).representative_point().within(area):
                codes.append(str(code))
    return sorted(codes)


def point_rule_rows_from_mirror(mirror: Path, coordinates: list[list[float]], epsg: int,
                                counted: list[str]) -> list[tuple[bool, float, str, str]]:
    """The units where the representative-point rule and the covered area disagree, computed from the mirror's
    2018 contours of the 04 (areas in EPSG:3035, the perimeter as written in ``epsg``): (counted, covered share,
    name, code), those left out first, then by decreasing share."""
    import geopandas as gpd
    from shapely.geometry import Polygon

    drawn = gpd.GeoSeries([Polygon(coordinates)], crs=epsg).to_crs(3035).iloc[0]
    rows = []
    for path in (mirror / config.CONTOURS_MIRROR_DIR).glob("communes-04-*.geojson"):
        contours = gpd.read_file(path).to_crs(3035)
        for code, name, geometry in zip(contours["code"], contours["nom"], contours.geometry, strict=True):
            part = geometry.intersection(drawn).area / geometry.area
            if (code in counted) != (part >= 0.5):
                rows.append((code in counted, part, str(name), str(code)))
    return sorted(rows, key=lambda r: (r[0], -r[1]))


def point_rule_note_from_mirror(mirror: Path, coordinates: list[list[float]], epsg: int, counted: list[str]) -> str:
    """The ``fichier:`` note on :func:`point_rule_rows_from_mirror`."""
    rows = point_rule_rows_from_mirror(mirror, coordinates, epsg, counted)
    left = [f"{name} ({code}, {round(part * 100)} %)" for taken, part, name, code in rows if not taken]
    taken = [f"{name} ({code}, {round(part * 100)} %)" for was, part, name, code in rows if was]
    parts = ([f"non comptées bien que couvertes à moitié ou plus : {', '.join(left)}"] if left else []) + \
            ([f"comptées bien que couvertes à moins de moitié : {', '.join(taken)}"] if taken else [])
    return ("unités dont le point représentatif décide autrement que la surface couverte par le périmètre ("
            + " ; ".join(parts) + ") : vérifiez le tracé de la limite ou donnez le territoire par ses codes")


def point_rule_anomalies_from_mirror(mirror: Path, coordinates: list[list[float]], epsg: int, counted: list[str],
                                     cpts: str = "CPTS du Test", feature: int = 0) -> list[str]:
    """The listing's ``regle_du_point`` anomalies on :func:`point_rule_rows_from_mirror`."""
    return [f"entité n° {feature + 1} (« {cpts} ») : " + (
        f"{name} ({code}) comptée avec {round(part * 100)} % de sa surface dans le périmètre" if taken else
        f"{name} ({code}) non comptée bien que {round(part * 100)} % de sa surface soit dans le périmètre")
        + " (une commune est membre quand son point représentatif est dans le périmètre) : vérifiez le tracé de "
        "la limite" for taken, part, name, code in point_rule_rows_from_mirror(mirror, coordinates, epsg, counted)]


def listing(coordinates: list[list[float]], crs: str | None = None, extra: tuple[dict[str, Any], ...] = ()) -> str:
    feature = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [coordinates]},
               "properties": {"cpts": "CPTS du Test", "cpts_id": "test", "statut": "projet", "date": "2025-01-15"}}
    body: dict[str, Any] = {"type": "FeatureCollection", "features": [feature, *extra]}
    if crs is not None:
        body["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(body)


def projected(bounds: tuple[float, float, float, float], epsg: int) -> list[list[float]]:
    to = Transformer.from_crs(4326, epsg, always_xy=True)
    return [list(to.transform(x, y)) for x, y in square(bounds)]


# Digne's Lambert 93 metres read as Web Mercator fall at 8.6° E 49.4° N, inside the box of metropolitan France:
# both readings are plausible places. The square is no union of communes (it covers less than half of each commune
# it meets, so all its area is off their borders), and its Web Mercator reading lies over no loaded commune (the
# fixture database): neither follows the borders, and the usual reading stays, with the doubt said.
LAMBERT_NOTE = ("coordonnées en mètres sans CRS déclaré, plausibles en Lambert 93 comme en Web Mercator : lues en "
                "Lambert 93 (EPSG:2154), la lecture habituelle, aucune des deux ne suivant nettement les limites des "
                "communes chargées (part du tracé qui ne suit pas les limites communales : 100 % de sa surface, contre "
                "100 % en Web Mercator) ; déclarez le CRS ou exportez en WGS84 pour lever le doute")


@pytest.mark.parametrize(("name", "bounds", "epsg", "declared", "notes"), [
    ("wgs84", DIGNE_SQUARE, 4326, None, []),
    ("lambert93_declare", DIGNE_SQUARE, 2154, "urn:ogc:def:crs:EPSG::2154", []),
    ("mercator_declare", DIGNE_SQUARE, 3857, "EPSG:3857", []),
    ("export_qgis", DIGNE_SQUARE, 2154, None, [LAMBERT_NOTE]),
    ("marseille", MARSEILLE_SQUARE, 4326, None, []),
])
def test_geojson_listing_claims_the_units_inside_its_perimeters(
    ws: Workspace, mirror: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
    bounds: tuple[float, float, float, float], epsg: int, declared: str | None, notes: list[str]
) -> None:
    expected = inside_from_mirror(mirror, bounds)
    assert len(expected) >= 2  # Digne-les-Bains and Marcoux; Marseille 1er and 3e
    path = tmp_path / f"{name}.geojson"
    coordinates = square(bounds) if epsg == 4326 else projected(bounds, epsg)
    path.write_text(listing(coordinates, declared), encoding="utf-8")
    code, out, err = cli(capsys, "data", "--cpts", str(path))
    assert (code, err) == (0, "")
    assert f"— 1 CPTS, {len(expected)} unités" in out
    members = query(ws.db, "SELECT unit_code, statut, CAST(date AS VARCHAR) FROM cpts_membres WHERE listing = ? "
                           "ORDER BY unit_code", [name])
    assert members == [(c, "projet", "2025-01-15") for c in expected]
    # A border the point rule reads otherwise than the area is said too, as for a drawn ``fichier:``.
    drawn = point_rule_anomalies_from_mirror(mirror, coordinates, epsg, expected)
    assert [r[0] for r in query(ws.db, "SELECT detail_fr FROM cpts_anomalies WHERE listing = ?", [name])] == \
        notes + drawn
    code, out, err = cli(capsys, "territoire", f"cpts:{name}:CPTS du Test")
    assert (code, err) == (0, "")
    assert [line.split()[0] for line in out.splitlines()[1:] if not line.startswith("  note")] == expected


def test_a_listing_drawn_on_a_web_map_without_its_crs_claims_the_communes_it_follows(
    ws: Workspace, mirror: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Paris's 18e, 19e and 20e from the mirror's 2023 polygons, saved in Web Mercator metres without a CRS: read
    as Lambert 93 (the usual guess), they fell by the Gironde coast."""
    import geopandas as gpd
    import shapely

    frame = gpd.read_file(mirror / "contours-arrondissements-2023" /
                          "georef-france-commune-arrondissement-municipal-2023.geojson")
    codes = frame["com_arm_code"].astype(str).str.extract(r"(751\d\d)")[0]
    drawn = gpd.GeoSeries([shapely.union_all(frame[codes.isin(["75118", "75119", "75120"])].geometry.to_numpy())],
                          crs=4326).to_crs(3857).iloc[0]
    feature = json.loads(listing([]))
    feature["features"][0]["geometry"] = shapely.geometry.mapping(drawn)
    path = tmp_path / "carte-web.geojson"
    path.write_text(json.dumps(feature), encoding="utf-8")
    code, _, err = cli(capsys, "data", "--cpts", str(path))
    assert (code, err) == (0, "")
    assert query(ws.db, "SELECT unit_code FROM cpts_membres WHERE listing = 'carte-web' ORDER BY 1") == [
        ("75118",), ("75119",), ("75120",)]
    notes = query(ws.db, "SELECT detail_fr FROM cpts_anomalies WHERE listing = 'carte-web' AND kind = 'note_crs'")
    assert len(notes) == 1 and notes[0][0].startswith(
        "coordonnées en mètres sans CRS déclaré, plausibles en Lambert 93 comme en Web Mercator : lues en Web "
        "Mercator (EPSG:3857), où le tracé suit les limites des communes")


def test_features_outside_france_or_swapped_are_anomalies(
    ws: Workspace, mirror: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spain = {"type": "Feature", "properties": {"cpts": "CPTS Espagne"},
             "geometry": {"type": "Polygon", "coordinates": [square((-3.8, 40.3, -3.6, 40.5))]}}
    swapped = {"type": "Feature", "properties": {"cpts": "CPTS Inversée"},
               "geometry": {"type": "Polygon", "coordinates": [[[y, x] for x, y in square(DIGNE_SQUARE)]]}}
    path = tmp_path / "defauts.geojson"
    path.write_text(listing(square(DIGNE_SQUARE), None, (spain, swapped)), encoding="utf-8")
    code, out, err = cli(capsys, "data", "--cpts", str(path))
    assert (code, err) == (0, "")
    drawn = point_rule_anomalies_from_mirror(mirror, square(DIGNE_SQUARE), 4326, inside_from_mirror(mirror,
                                                                                                   DIGNE_SQUARE))
    assert drawn  # the square counts Digne-les-Bains with less than half of its area
    # Three CPTS named, two of them drawn out of France: one with loaded communes.
    counts = re.search(r"— 3 CPTS dans la liste, dont 1 avec au moins une commune chargée, 2 unités; "
                       rf"{len(drawn) + 2} anomalies : (.*)", out)
    assert counts is not None and set(counts.group(1).split(", ")) == {
        "hors de France 1", "coordonnées inversées 1", f"limite à vérifier {len(drawn)}"}
    assert query(ws.db, "SELECT kind, cpts, detail_fr FROM cpts_anomalies WHERE listing = 'defauts' ORDER BY rang") == [
        ("hors_france", "CPTS Espagne",
         "entité n° 2 (« CPTS Espagne ») : hors de France (métropole et DROM) ; périmètre écarté"),
        ("coordonnees_inversees", "CPTS Inversée",
         "entité n° 3 (« CPTS Inversée ») : longitude et latitude inversées ; périmètre écarté"),
        *[("regle_du_point", "CPTS du Test", detail) for detail in drawn],
    ]
    assert query(ws.db, "SELECT DISTINCT cpts FROM cpts_membres WHERE listing = 'defauts'") == [("CPTS du Test",)]


# --------------------------------------------------------------------------- a name already taken


def test_user_listing_named_like_the_default_one_is_refused(
    ws: Workspace, mirror: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "paca.csv"
    path.write_text("cpts,code_insee\nCPTS Intruse,04070\n", encoding="utf-8")
    before = snapshot(ws)
    code, _, err = cli(capsys, "data", "--cpts", str(path))
    assert (code, err) == (2, error_line(
        "Une liste de CPTS nommée « paca » est déjà chargée depuis un autre fichier "
        f"(miroir:{mirror / config.PACA_CPTS.mirror_path}) : renommez votre fichier pour charger les deux listes, "
        "ou supprimez la base pour remplacer l'ancienne", path))
    assert snapshot(ws) == before


@pytest.mark.parametrize("name", ["PACA.csv", "Paca!.csv", "pâca.csv"])
def test_user_listing_named_like_another_but_for_case_or_accents_is_refused(
    ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """A review: « Hostile2 » loaded beside « hostile2 »; both wrote comparaison-hostile2/, the second batch replaced
    the first's comparison, and ``cpts:hostile2:…`` resolved in the other listing."""
    path = tmp_path / name
    path.write_text("cpts,code_insee\nCPTS Intruse,04070\n", encoding="utf-8")
    before = snapshot(ws)
    code, _, err = cli(capsys, "data", "--cpts", str(path))
    assert (code, err) == (2, error_line(
        f"Une liste de CPTS nommée « paca » est déjà chargée, et « {path.stem} » ne s'en distingue que par la casse, "
        "les accents, la ponctuation ou au-delà de 60 caractères : les deux auraient le même dossier de comparaison "
        "(comparaison-paca) ; renommez votre fichier", path))
    assert snapshot(ws) == before


@pytest.mark.parametrize("name", ["region-75.csv", "Région 93.csv"])
def test_user_listing_named_like_a_region_comparison_is_refused(
    ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """A re-check: a listing « region-75 » shared its comparison folder with ``diagnostics --region 75``: each batch
    replaced the other's comparison and removed its CPTS's outputs."""
    path = tmp_path / name
    path.write_text("cpts,code_insee\nCPTS Intruse,04070\n", encoding="utf-8")
    before = snapshot(ws)
    code, _, err = cli(capsys, "data", "--cpts", str(path))
    region = name.removesuffix(".csv")[-2:]
    assert (code, err) == (2, error_line(
        f"Une liste de CPTS ne peut pas s'appeler « {path.stem} » : c'est le nom de la comparaison de la région "
        f"{region} (make diagnostics REGION=…) ; renommez votre fichier", path))
    assert snapshot(ws) == before


# --------------------------------------------------------------------------- probable homonyms


@pytest.fixture(scope="module")
def drome_provencale(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A database of 04, 05, 26 and 84 (the CPTS's members and the communes meant), and that CPTS's diagnostic."""
    ws = Workspace(tmp_path_factory.mktemp("homonymes"))
    code, out, err = run_module(ws, mirror, "data", "--departements", "04,05,26,84", timeout=900)
    assert (code, err) == (0, "")
    assert re.search(r"liste de CPTS « paca » .*anomalies : .*homonyme probable 2", out)
    code, out, err = run_module(ws, mirror, "diagnostic", f"cpts:{HOMONYM_CPTS}")
    assert (code, err) == (0, ""), out
    return ws


def listing_line(mirror: Path, code: str) -> int:
    """Line of ``code`` in the mirror's PACA listing (the header is line 1)."""
    lines = (mirror / config.PACA_CPTS.mirror_path).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if line.startswith(f"{code},"))


def commune_of(mirror: Path, name: str, departement: str) -> str:
    """INSEE code of the current commune ``name`` of ``departement``, from the 2026 COG package."""
    tarball = mirror / config.decoupage_file(config.CURRENT_VINTAGE).mirror_path
    with tarfile.open(tarball) as archive:
        handle = archive.extractfile("package/data/communes.json")
        assert handle is not None
        communes = json.load(io.TextIOWrapper(handle, encoding="utf-8"))
    return next(c["code"] for c in communes
                if c["nom"] == name and c["departement"] == departement and c["type"] == "commune-actuelle")


def test_probable_homonyms_are_listing_anomalies(drome_provencale: Workspace, mirror: Path) -> None:
    rows = query(drome_provencale.db, "SELECT cpts, code, line, detail_fr FROM cpts_anomalies "
                                      "WHERE listing = 'paca' AND kind = 'homonyme_probable' ORDER BY code")
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (HOMONYM_CPTS, "04234", listing_line(mirror, "04234")), (HOMONYM_CPTS, "05121", listing_line(mirror, "05121"))]
    venterol, rochebrune = commune_of(mirror, "Venterol", "26"), commune_of(mirror, "Rochebrune", "26")
    assert rows[0][3].startswith("« Venterol » (04234, département 04) est à ")
    assert f" ; commune probablement visée : Venterol ({venterol}, département 26), à " in rows[0][3]
    assert rows[1][3].startswith("« Rochebrune » (05121, département 05) est à ")
    assert f" ; commune probablement visée : Rochebrune ({rochebrune}, département 26), à " in rows[1][3]


def test_a_load_of_some_departements_judges_homonyms_with_the_communes_beyond_it(ws: Workspace, mirror: Path) -> None:
    """The fixture database holds the 04 but neither the Drôme nor the Vaucluse, where the rest of « CPTS Drôme
    Provençale - Enclave des Papes » lies: Venterol (04234) had no loaded neighbour to be far from, and a load of
    the 04 said nothing (a review). Rochebrune (05121) is beyond the load: not judged. Known answer: the distance
    from Venterol to the nearest commune the raw listing gives that CPTS in the Drôme or the Vaucluse, between
    representative points of the mirror's contours (geodesic)."""
    rows = query(ws.db, "SELECT cpts, code, line, detail_fr FROM cpts_anomalies "
                        "WHERE listing = 'paca' AND kind = 'homonyme_probable'")
    assert [r[:3] for r in rows] == [(HOMONYM_CPTS, "04234", listing_line(mirror, "04234"))]
    lines = (mirror / config.PACA_CPTS.mirror_path).read_text(encoding="utf-8").splitlines()[1:]
    codes = [line.split(",", 1)[0] for line in lines if line.split(",", 1)[1] == HOMONYM_CPTS]
    points = {}
    for path in (mirror / config.CONTOURS_MIRROR_DIR).glob("communes-*.geojson"):
        if path.name.split("-")[1] in {"04", "26", "84"}:
            for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
                if feature["properties"]["code"] in codes:
                    points[feature["properties"]["code"]] = shape(feature["geometry"]).representative_point()
    geod = Geod(ellps="WGS84")
    venterol = points.pop("04234")
    nearest = min(geod.inv(venterol.x, venterol.y, p.x, p.y)[2] for p in points.values()) / 1000
    assert nearest > 40  # beyond the detachment threshold (MAX_KM): far from every other member
    found = re.search(r"est à (\d+) km du groupe principal", rows[0][3])
    assert found is not None and abs(int(found.group(1)) - nearest) <= 1.5
    assert rows[0][3].endswith("aucune commune de ce nom plus proche dans les départements chargés (les autres ne "
                               "sont pas cherchées) : vérifier le code")


def test_probable_homonyms_are_in_the_cpts_diagnostic(drome_provencale: Workspace, mirror: Path) -> None:
    slug = "cpts-cpts-drome-provencale-enclave-des-papes"
    summary = json.loads((drome_provencale.diagnostics / slug / "summary.json").read_text(encoding="utf-8"))
    details = dict(query(drome_provencale.db, "SELECT code, detail_fr FROM cpts_anomalies WHERE listing = 'paca' "
                                              "AND kind = 'homonyme_probable'"))
    homonyms = [a for a in summary["anomalies_liste"] if a["type"] == "homonyme_probable"]
    assert homonyms == [
        {"type": "homonyme_probable", "code": code, "ligne": listing_line(mirror, code), "detail": details[code]}
        for code in ("04234", "05121")]
    assert summary["anomalies_liste"][:2] == homonyms  # what changes the perimeter comes first
    report = as_typed(html.unescape((drome_provencale.maps / slug / "rapport.html").read_text(encoding="utf-8")))
    voisins = report[report.index("Chevauchements et voisins"):]
    assert (f"La liste « paca » signale {len(summary['anomalies_liste'])} anomalies pour cette CPTS, à vérifier "
            "avant d'arrêter le périmètre :") in voisins
    for code in ("04234", "05121"):
        assert f"Ligne {listing_line(mirror, code)} — homonyme probable : {details[code]}" in voisins


def test_other_territories_have_no_listing_anomalies(ws: Workspace) -> None:
    summary = json.loads((ws.diagnostics / "communes-04070" / "summary.json").read_text(encoding="utf-8"))
    assert summary["anomalies_liste"] == []


@pytest.mark.parametrize(("epsg", "declared", "note"), [
    (4326, None, None),
    (2154, "urn:ogc:def:crs:EPSG::2154", None),
    (3857, "EPSG:3857", None),
    (2154, None, LAMBERT_NOTE),
], ids=["wgs84", "lambert93-declare", "mercator-declare", "export-qgis"])
def test_fichier_perimeter_in_any_crs(ws: Workspace, mirror: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str], epsg: int, declared: str | None,
                                      note: str | None) -> None:
    """``fichier:`` perimeters are read like listings: same reprojection, same rule for the units inside."""
    expected = inside_from_mirror(mirror, DIGNE_SQUARE)
    path = tmp_path / "perimetre.geojson"
    coordinates = square(DIGNE_SQUARE) if epsg == 4326 else projected(DIGNE_SQUARE, epsg)
    path.write_text(listing(coordinates, declared), encoding="utf-8")
    code, out, err = cli(capsys, "territoire", f"fichier:{path}")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert [line.split()[0] for line in lines[1:] if not line.startswith("  note")] == expected
    notes = [line.removeprefix("  note : ") for line in lines if line.startswith("  note")]
    # The square takes Digne-les-Bains and Marcoux by their points with less than half of their area each: said.
    assert notes == ([note] if note else []) + [
        f"{len(expected)} unités (communes ; arrondissements à Paris, Lyon et Marseille) dont le point représentatif "
        "est dans le périmètre du fichier", point_rule_note_from_mirror(mirror, coordinates, epsg, expected)]
    assert "comptées bien que couvertes à moins de moitié : Digne-les-Bains (04070, " in notes[-1]


def test_fichier_perimeter_with_codes_keeps_the_notes_of_its_file(
        ws: Workspace, mirror: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A review: with a ``code`` property the file's own notes were dropped, the Lambert 93 assumed for metres
    without a CRS among them (said for the same file without codes)."""
    import shapely

    wanted = {"04070", "04001"}
    to_lambert = Transformer.from_crs(4326, 2154, always_xy=True).transform
    features = []
    for path in (mirror / config.CONTOURS_MIRROR_DIR).glob("communes-04-*.geojson"):
        for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
            if feature["properties"]["code"] in wanted:
                features.append({"type": "Feature", "properties": {"code": feature["properties"]["code"]},
                                 "geometry": shapely.transform(shape(feature["geometry"]), lambda xy: np.column_stack(
                                     to_lambert(xy[:, 0], xy[:, 1]))).__geo_interface__})
    assert len(features) == 2
    path = tmp_path / "perimetre.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    code, out, err = cli(capsys, "territoire", f"fichier:{path}")
    assert (code, err) == (0, "")
    assert sorted(line.split()[0] for line in out.splitlines()[1:] if not line.startswith("  note")) == sorted(wanted)
    # The communes' own polygons (those the database holds), one feature each: under Lambert 93 they follow the
    # borders exactly.
    assert ("  note : coordonnées en mètres sans CRS déclaré, plausibles en Lambert 93 comme en Web Mercator : lues en "
            "Lambert 93 (EPSG:2154), où le tracé suit les limites des communes (entité qui suit le mieux les limites "
            "communales : 0 % de sa surface ne les suit pas, contre 100 % en Web Mercator) ; déclarez le CRS ou "
            "exportez en WGS84 pour lever le doute") in out.splitlines()


@pytest.mark.parametrize("arrondissements", [range(13201, 13213), range(13213, 13217)], ids=["centre", "nord"])
def test_fichier_perimeter_over_marseille_is_its_arrondissements(
        ws: Workspace, mirror: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        arrondissements: range) -> None:
    """A review: a perimeter drawn over Marseille's centre (QGIS, no code property) was the whole city, 886 040
    inhabitants, and one over its north « Territoire vide »; a listing's drawn perimeters already counted the
    arrondissements. The rule of the README: the units whose representative point is inside, arrondissements
    instead of their city. Known answer from the mirror's polygons, not the database."""
    from shapely.ops import unary_union

    wanted = {str(code) for code in arrondissements}
    features = json.loads((mirror / "contours-arrondissements-2023"
                           / "georef-france-commune-arrondissement-municipal-2023.geojson").read_text("utf-8"))
    drawn = unary_union([shape(f["geometry"]) for f in features["features"]
                         if f["properties"]["com_arm_code"][0] in wanted])
    expected = sorted(
        str(f["properties"]["com_arm_code"][0]) for f in features["features"]
        if shape(f["geometry"]).representative_point().within(drawn))
    communes = json.loads((mirror / config.CONTOURS_MIRROR_DIR / "communes-13-bouches-du-rhone.geojson")
                          .read_text("utf-8"))
    expected += sorted(str(f["properties"]["code"]) for f in communes["features"]
                       if f["properties"]["code"] != "13055"
                       and shape(f["geometry"]).representative_point().within(drawn))
    assert sorted(expected) == sorted(wanted)  # the drawing is exactly those arrondissements
    path = tmp_path / "marseille.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"nom": "x"}, "geometry": drawn.__geo_interface__}]}), encoding="utf-8")
    code, out, err = cli(capsys, "territoire", f"fichier:{path}")
    assert (code, err) == (0, "")
    listed = [line.split()[0] for line in out.splitlines()[1:] if not line.startswith("  note")]
    assert listed == sorted(wanted)
