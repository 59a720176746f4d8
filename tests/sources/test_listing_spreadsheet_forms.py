"""Listings as spreadsheets and GIS tools write them: Excel's « sep=; » line, capitalised GeoJSON properties."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.errors import DataError
from pipeline.sources.cpts_listing.parse import parse_listing_csv, parse_listing_geojson


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
