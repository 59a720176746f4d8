"""Listings as spreadsheets and GIS tools write them: Excel's « sep=; » line, capitalised GeoJSON properties."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import DataError
from pipeline.sources.cpts_listing import resolve_listing
from pipeline.sources.cpts_listing.parse import parse_listing_csv, parse_listing_geojson
from tests.sources.test_cpts_listing import _cog_from_mirror


@pytest.mark.parametrize("first", ["sep=;", "\ufeffsep=;", "SEP=;"])
def test_excel_separator_line_is_honoured_and_skipped(first: str) -> None:
    frame = parse_listing_csv(f"{first}\ncpts;code_insee;statut\nCPTS A;05061;ACI signé\nCPTS B;05013;\n", "l.csv")
    assert frame[["cpts", "code_insee"]].values.tolist() == [["CPTS A", "05061"], ["CPTS B", "05013"]]
    assert frame["statut"].iloc[0] == "ACI signé" and frame["statut"].isna().iloc[1]
    assert frame["line"].tolist() == [3, 4]  # physical lines: the « sep= » line is line 1


def test_excel_separator_line_keeps_line_numbers_in_errors() -> None:
    with pytest.raises(DataError) as info:
        parse_listing_csv("sep=,\ncpts,code_insee\nCPTS A,\n", "l.csv")
    assert info.value.line == 3 and "ligne 3 : code INSEE (« code_insee ») vide" in info.value.message


def test_geojson_property_names_are_read_like_csv_headers(tmp_path: Path) -> None:
    square = [[[6.20, 44.07], [6.26, 44.07], [6.26, 44.11], [6.20, 44.11], [6.20, 44.07]]]
    path = tmp_path / "qgis.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"CPTS": "CPTS Digne", "Statut": "projet", "CPTS_ID": "7"},
         "geometry": {"type": "Polygon", "coordinates": square}}]}), encoding="utf-8")
    frame, _ = parse_listing_geojson(path)
    assert frame[["cpts", "statut", "cpts_id"]].values.tolist() == [["CPTS Digne", "projet", "7"]]


@pytest.mark.parametrize(("statut", "date"), [("Statut CPTS", "Date signature ACI"),
                                              ("Statut de la CPTS", "Date de signature de l'ACI"),
                                              ("État d'avancement", "Date")])
def test_status_and_date_headers_as_arses_write_them_are_read_and_checked(statut: str, date: str) -> None:
    """A review's « Statut CPTS » and « Date signature ACI » were dropped without a word: every CPTS « non
    renseigné » where the overlaps are settled by status and date; nonsense under them loaded without an error."""
    frame = parse_listing_csv(f"CPTS;CODGEO;{statut};{date}\nCPTS A;05061;ACI signé;10/06/2022\n", "l.csv")
    assert frame[["statut", "date"]].values.tolist() == [["ACI signé", "2022-06-10"]]
    assert frame.attrs["colonnes_non_lues"] == ([], 1)
    with pytest.raises(DataError) as info:
        parse_listing_csv(f"CPTS;CODGEO;{statut};{date}\nCPTS A;05061;n'importe quoi;32/13/2021\n", "l.csv")
    assert "ligne 2 : statut « n'importe quoi » inconnu" in info.value.message
    assert "ligne 2 : date « 32/13/2021 » invalide" in info.value.message


def test_the_cpts_s_date_is_told_from_another_date_and_the_columns_not_read_are_said() -> None:
    """A review: « Date signature ACI » beside « Date de création » was read as neither."""
    frame = parse_listing_csv("cpts;code_insee;Date de création;Date de signature;Référent\nCPTS A;05061;2020-01-01;"
                              "2021-01-01;Mme X\n", "l.csv")
    assert frame["date"].tolist() == ["2021-01-01"]
    assert frame.attrs["colonnes_non_lues"] == (["Date de création", "Référent"], 1)
    units, mapping = _cog_from_mirror()
    result = resolve_listing(frame, mapping, units, "l")
    said = result.issues[result.issues["kind"] == "colonnes_non_lues"]
    assert said[["line", "detail_fr"]].values.tolist() == [[1, (
        "hors du format (cpts, code_insee, cpts_id, statut, date, commune) : « Date de création », « Référent »")]]


def test_a_commune_name_that_is_not_its_codes_is_a_listing_anomaly() -> None:
    """« 33500;Les Billaux »: 33500 is Samonac's INSEE code and Les Billaux's postal code (a review: Samonac
    counted covered and Les Billaux a white zone, without a word). Names from the mirror's COG (6.0.0)."""
    units, mapping = _cog_from_mirror()
    names = dict(zip(units["code"], units["nom"], strict=True))
    # The database's passage table also maps each current commune to itself (``actuelle``).
    current = units[units["type"] == "commune-actuelle"]
    mapping = pd.concat([mapping, current.assign(current_code=current["code"], kind="actuelle")[mapping.columns]])
    assert (names["33500"], names["33052"]) == ("Samonac", "Les Billaux")
    text = ("Nom de la CPTS;Code INSEE;Libellé commune\n"
            "CPTS du Libournais;33243;Libourne\n"
            "CPTS du Libournais;33500 ;Les Billaux\n"
            "CPTS du Libournais;33290;MONTAGNE\n"   # the name in capitals: the same commune
            "CPTS du Libournais;33371;Saint-Antoine\n")  # a commune déléguée's name with its code: agrees
    result = resolve_listing(parse_listing_csv(text, "l.csv"), mapping, units, "l")
    wrong = result.issues[result.issues["kind"] == "nom_commune_different"]
    assert wrong[["cpts", "code", "line", "detail_fr"]].values.tolist() == [[
        "CPTS du Libournais", "33500", 3, "le code 33500 est Samonac, pas « Les Billaux », qui est Les Billaux "
        "(33052) : code postal au lieu du code INSEE ?"]]
    assert "33500" in set(result.members["unit_code"])  # a content defect: the code is still read, and said


def test_a_code_a_spreadsheet_wrote_as_a_decimal_is_said_so_not_a_lost_zero() -> None:
    """A review: « 13103.0 » was reported « zéro initial perdu », when no zero was lost."""
    units, mapping = _cog_from_mirror()
    frame = parse_listing_csv("cpts;code_insee\nCPTS A;13103.0\nCPTS A;4070\n", "l.csv")
    result = resolve_listing(frame, mapping, units, "l")
    said = result.issues[result.issues["kind"] == "code_zero_restaure"]
    assert said["detail_fr"].tolist() == ["code 13103.0 lu comme 13103 (code écrit comme un nombre décimal par un "
                                          "tableur)", "code 4070 lu comme 04070 (zéro initial rétabli)"]
    assert sorted(result.members["unit_code"]) == ["04070", "13103"]


@pytest.mark.parametrize("header", ["Statut juridique", "Date de mise à jour", "Etat", "Stade"])
def test_other_columns_with_such_words_are_not_read_as_the_cpts_s(header: str) -> None:
    """A review: « Statut juridique » (« Association loi 1901 ») and « Date de mise à jour » (« mars 2023 »), read as
    the status and date, refused listings that loaded before."""
    frame = parse_listing_csv(f"cpts;code_insee;{header}\nCPTS A;04070;Association loi 1901, mars 2023\n", "l.csv")
    assert frame["statut"].isna().all() and frame["date"].isna().all()
    assert frame.attrs["colonnes_non_lues"] == ([header], 1)


def test_an_arrondissement_named_as_another_is_an_anomaly() -> None:
    """A review: « 13202;Marseille 1er » and « 13055;Marseille 2e » passed, « Marseille » being in every name;
    « Marseille 07 » and « MARSEILLE VII » on 13207 are its own name (COG 6.0.0: 13207 is Marseille 7e)."""
    units, mapping = _cog_from_mirror()
    current = units[units["type"] == "commune-actuelle"]
    mapping = pd.concat([mapping, current.assign(current_code=current["code"], kind="actuelle")[mapping.columns]])
    arrondissements = units[units["type"] == "arrondissement-municipal"]
    mapping = pd.concat([mapping, arrondissements.assign(current_code=arrondissements["parent"],
                                                         kind="arrondissement")[mapping.columns]])
    text = ("cpts;code_insee;commune\nCPTS M;13202;Marseille 1er\nCPTS M;13207;Marseille 07\n"
            "CPTS M;13207;MARSEILLE VII\nCPTS N;13055;Marseille 2e\nCPTS N;13055;Marseille\n")
    result = resolve_listing(parse_listing_csv(text, "l.csv"), mapping, units, "l")
    wrong = result.issues[result.issues["kind"] == "nom_commune_different"]
    assert wrong[["code", "line", "detail_fr"]].values.tolist() == [
        ["13202", 2, "le code 13202 est Marseille 2e Arrondissement, pas « Marseille 1er », qui est Marseille 1er "
                     "Arrondissement (13201) : code postal au lieu du code INSEE ?"],
        ["13055", 5, "le code 13055 est Marseille, pas « Marseille 2e », qui est Marseille 2e Arrondissement "
                     "(13202) : code postal au lieu du code INSEE ?"]]


def test_missing_columns_of_a_workbook_name_no_separator(tmp_path: Path) -> None:
    """A review: a workbook lacking the « cpts » column was said to be read with « séparateur « ; » »; a sheet has
    cells. A CSV file's message keeps its separator (the usual cause of one column read)."""
    import openpyxl

    from pipeline.sources.files import read_text_checked

    book = openpyxl.Workbook()
    book.active.append(["nom", "commune"])
    book.active.append(["CPTS A", "04070"])
    book.save(tmp_path / "liste.xlsx")
    with pytest.raises(DataError) as info:  # as the listing reader reads a workbook: its sheet as text
        parse_listing_csv(read_text_checked(tmp_path / "liste.xlsx", workbook=True).text, tmp_path / "liste.xlsx")
    assert info.value.message == ("Colonnes obligatoires absentes : « cpts », « code_insee » (colonnes lues : nom, "
                                  "commune)")
    with pytest.raises(DataError) as info:
        parse_listing_csv("nom;commune\nCPTS A;04070\n", tmp_path / "liste.csv")
    assert info.value.message.endswith("(colonnes lues : nom, commune ; séparateur « ; »)")
