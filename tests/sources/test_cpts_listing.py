"""Tests of the CPTS listing format (pipeline.sources.cpts_listing)."""

from __future__ import annotations

import functools
import json
import os
import tarfile
from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import DataError
from pipeline.geography import slugify
from pipeline.sources.cpts_listing import (
    ListingResult,
    combine,
    name_key,
    near_duplicate_names,
    parse_listing_csv,
    read_listing,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cpts"
ROOT = Path(__file__).resolve().parents[2]


def _units() -> pd.DataFrame:
    """Made-up miniature COG: codes are real, populations are invented for the test."""
    rows = [
        ("05061", "Gap", "commune-actuelle", None, "05", "93", 40000),
        ("05013", "Le Bersac", "commune-actuelle", None, "05", "93", 1000),
        ("05039", "Aubessagne", "commune-actuelle", None, "05", "93", 800),
        ("13055", "Marseille", "commune-actuelle", None, "13", "93", 115000),
        ("13201", "Marseille 1er", "arrondissement-municipal", "13055", "13", "93", 40000),
        ("13202", "Marseille 2e", "arrondissement-municipal", "13055", "13", "93", 25000),
        ("13203", "Marseille 3e", "arrondissement-municipal", "13055", "13", "93", 50000),
        ("84003", "Apt", "commune-actuelle", None, "84", "93", 12000),
        ("84004", "Aubignan", "commune-actuelle", None, "84", "93", 5000),
        ("26001", "Solaure en Diois", "commune-actuelle", None, "26", "84", 300),
        ("04001", "Aiglun", "commune-actuelle", None, "04", "93", 1300),
    ]
    return pd.DataFrame(rows, columns=["code", "nom", "type", "parent", "departement", "region", "population"])


def _mapping() -> pd.DataFrame:
    rows = [
        ("05061", "05061", "actuelle", "Gap"),
        ("05043", "05039", "ancien", "Les Costes"),
        ("13201", "13055", "arrondissement", "Marseille 1er"),
    ]
    return pd.DataFrame(rows, columns=["code", "current_code", "kind", "nom"])


@pytest.fixture(scope="module")
def defauts() -> ListingResult:
    return read_listing(FIXTURES / "listing_defauts.csv", _mapping(), _units())


def _issues(result: ListingResult, kind: str) -> pd.DataFrame:
    return result.issues[result.issues["kind"] == kind]


# --------------------------------------------------------------------------- synthetic listing


def test_members_resolved_with_listing_name_from_stem(defauts: ListingResult) -> None:
    m = defauts.members
    # 15 data lines - 1 unknown code - 2 duplicated claims (one through an old code)
    assert len(m) == 12
    assert set(m["listing"]) == {"listing_defauts"}
    assert m["line"].tolist() == [2, 3, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15]
    assert list(m.columns[:10]) == [
        "listing",
        "cpts",
        "cpts_id",
        "statut",
        "date",
        "code_source",
        "unit_code",
        "commune_code",
        "unit_type",
        "note",
    ]


def test_arrondissements_stay_the_unit(defauts: ListingResult) -> None:
    m = defauts.members.set_index("line")
    assert m.loc[9, "unit_code"] == "13202"
    assert m.loc[9, "commune_code"] == "13055"
    assert m.loc[9, "unit_type"] == "arrondissement-municipal"
    # two CPTS share 13202, and nobody claims the commune 13055 itself
    assert sorted(defauts.members.loc[defauts.members["unit_code"] == "13202", "cpts"]) == [
        "CPTS Marseille Centre",
        "CPTS Marseille Nord",
    ]
    assert "13055" not in set(defauts.members["unit_code"])


def test_old_code_maps_with_note_and_duplicate_claims_reported(defauts: ListingResult) -> None:
    old = _issues(defauts, "code_ancien")
    assert old[["code", "line"]].values.tolist() == [["05043", 6]]
    assert "05039" in old["detail_fr"].iloc[0]
    dup = _issues(defauts, "doublon").sort_values("line")
    assert dup[["cpts", "code", "line"]].values.tolist() == [
        ["CPTS Champsaur", "05043", 6],
        ["CPTS Drôme Provençale", "26001", 16],
    ]
    assert "ligne 5" in dup["detail_fr"].iloc[0]
    assert "ligne 14" in dup["detail_fr"].iloc[1]


def test_unknown_and_zero_padded_codes(defauts: ListingResult) -> None:
    assert _issues(defauts, "code_inconnu")[["code", "line"]].values.tolist() == [["99999", 7]]
    zero = _issues(defauts, "code_zero_restaure")
    assert zero[["code", "line"]].values.tolist() == [["4001", 15]]
    assert zero["detail_fr"].tolist() == ["code 4001 lu comme 04001 (zéro initial rétabli)"]
    row = defauts.members.set_index("line").loc[15]
    assert (row["code_source"], row["unit_code"]) == ("4001", "04001")


def test_near_duplicate_and_suspect_names(defauts: ListingResult) -> None:
    pairs = _issues(defauts, "nom_proche")
    # One issue per CPTS of each pair, so that the diagnostic of either one shows it.
    assert sorted(pairs["cpts"]) == ["CPTS Gapencais", "CPTS du Gapençais", "CPTS du Pays d'Apt", "CPTS su Pays d'Apt"]
    details = dict(zip(pairs["cpts"], pairs["detail_fr"], strict=True))
    assert details["CPTS Gapencais"].startswith("« CPTS Gapencais » (1 ligne) et « CPTS du Gapençais » (2 lignes)")
    assert details["CPTS du Gapençais"].startswith("« CPTS du Gapençais » (2 lignes) et « CPTS Gapencais » (1 ")
    assert details["CPTS su Pays d'Apt"].startswith("« CPTS su Pays d'Apt » (1 ligne) et « CPTS du Pays d'Apt »")
    assert _issues(defauts, "nom_suspect")["cpts"].tolist() == ["CPTS su Pays d'Apt"]


def test_span_over_departements_and_regions(defauts: ListingResult) -> None:
    assert _issues(defauts, "multi_departements")["cpts"].tolist() == ["CPTS Drôme Provençale"]
    regions = _issues(defauts, "multi_regions")
    assert regions["cpts"].tolist() == ["CPTS Drôme Provençale"]
    assert "(région 84 : 1 unité, région 93 : 1 unité)" in regions["detail_fr"].iloc[0]


def test_ids_status_and_dates(defauts: ListingResult) -> None:
    m = defauts.members.set_index("line")
    assert m.loc[2, "cpts_id"] == "cpts-du-gapencais"
    assert m.loc[4, "cpts_id"] == "cpts-gapencais"  # near-duplicates are reported, not merged
    assert m.loc[10, "cpts_id"] == "mrs-nord"
    assert m.loc[5, "statut"] == "lettre d'intention validée"
    assert m.loc[2, "date"] == "2024-01-15"
    assert pd.isna(m.loc[12, "date"]) and pd.isna(m.loc[14, "statut"])


def test_city_with_arrondissements_claimed_whole_is_expanded(tmp_path: Path) -> None:
    path = tmp_path / "ville.csv"
    path.write_text("cpts,code_insee\nCPTS Marseille,13055\n", encoding="utf-8")
    result = read_listing(path, _mapping(), _units(), name="essai")
    assert result.members["unit_code"].tolist() == ["13201", "13202", "13203"]
    assert set(result.members["commune_code"]) == {"13055"}
    assert _issues(result, "commune_a_arrondissements")["line"].tolist() == [2]


def test_former_commune_of_a_city_with_arrondissements_is_not_the_whole_city(tmp_path: Path) -> None:
    """A review: Saint-Rambert-l'Île-Barbe (69232, merged into Lyon in 1963, now in its 9e arrondissement) was
    read as the whole of Lyon; here a made-up former code of Marseille: none of its arrondissements is claimed."""
    path = tmp_path / "ancien.csv"
    path.write_text("cpts,code_insee\nCPTS A,13999\nCPTS A,05061\n", encoding="utf-8")
    mapping = pd.concat([_mapping(), pd.DataFrame([("13999", "13055", "ancien", "Saint-Ailleurs")],
                                                  columns=["code", "current_code", "kind", "nom"])])
    result = read_listing(path, mapping, _units(), name="essai")
    assert result.members["unit_code"].tolist() == ["05061"]
    missing = _issues(result, "code_sans_correspondance")
    assert missing["line"].tolist() == [2]
    assert missing["detail_fr"].tolist() == [
        "code ancien 13999 (Saint-Ailleurs, ancienne commune) : aujourd'hui une partie de Marseille (13055), "
        "modélisée par arrondissement ; préciser l'arrondissement (13201 à 13203)"]


def test_a_paris_postal_code_is_neither_paris_nor_the_seine_commune_it_was_before_1968(tmp_path: Path) -> None:
    """A review: 75001 (Paris 1er's postal code; Alfortville's code before 1968, now 94002) was read as
    Alfortville. Neither is read; both are said."""
    path = tmp_path / "paris.csv"
    path.write_text("cpts,code_insee\nCPTS A,75001\nCPTS A,05061\nCPTS A,75002\n", encoding="utf-8")
    mapping = pd.concat([_mapping(), pd.DataFrame([("75001", "94002", "ancien", "Alfortville")],
                                                  columns=["code", "current_code", "kind", "nom"])])
    units = pd.concat([_units(), pd.DataFrame([("94002", "Alfortville", "commune-actuelle", None, "94", "11", 1)],
                                              columns=_units().columns)])
    result = read_listing(path, mapping, units, name="essai")
    assert result.members["unit_code"].tolist() == ["05061"]
    assert _issues(result, "code_sans_correspondance")["detail_fr"].tolist() == [
        "code 75001 : code postal de Paris (code INSEE 75101), et ancien code, avant 1968, d'une commune de la "
        "Seine : Alfortville, aujourd'hui 94002 ; préciser le code INSEE",
        "code 75002 : code postal de Paris (code INSEE 75102), préciser le code INSEE"]


def test_semicolon_separator_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffcpts;code_insee;statut\nCPTS A;05061;aci signe\n".encode())
    result = read_listing(path, _mapping(), _units())
    assert result.members[["unit_code", "statut"]].values.tolist() == [["05061", "ACI signé"]]


def test_title_lines_above_the_header_are_skipped_and_lines_keep_their_numbers() -> None:
    # An ARS spreadsheet's export: a title, a blank line, then the header (line 3); a row error names its line.
    frame = parse_listing_csv("Liste des CPTS de la région;;\n;;\ncpts;code_insee;statut\nCPTS A;05061;\n"
                              "CPTS B;05062;aci signe\n", "titre.csv")
    assert frame[["cpts", "code_insee", "line"]].values.tolist() == [["CPTS A", "05061", 4], ["CPTS B", "05062", 5]]
    with pytest.raises(DataError) as info:
        parse_listing_csv("Liste des CPTS\ncpts,code_insee\nCPTS A,\n", "titre.csv")
    assert info.value.line == 3 and "ligne 3 : code INSEE (« code_insee ») vide" in str(info.value)
    # A title holding commas, in a comma-separated listing: no INSEE code in it, so a title (a review refused it).
    frame = parse_listing_csv("Liste des CPTS, région PACA, décembre 2026\ncpts,code_insee\nCPTS A,05061\n", "t.csv")
    assert frame[["cpts", "code_insee", "line"]].values.tolist() == [["CPTS A", "05061", 3]]
    # A line above holding a commune code is data, not a title: the file is refused as before.
    with pytest.raises(DataError) as info:
        parse_listing_csv("CPTS Z;05013\ncpts;code_insee\nCPTS A;05061\n", "x.csv")
    assert info.value.line == 1 and "Colonnes obligatoires absentes" in str(info.value)


def test_headers_an_export_writes_for_the_name_and_the_code_are_read() -> None:
    """A review's ARS export (« Nom de la CPTS;Code INSEE;… » under a title line) was refused, the title reported
    as the columns read. Other headers are read only where the documented one is absent."""
    frame = parse_listing_csv("Liste des CPTS - ARS ARA - export du 01/12/2026;;\nNom de la CPTS;Code INSEE;Commune\n"
                              "CPTS Val;69381;Lyon 1er\n", "export.csv")
    assert frame[["cpts", "code_insee", "line"]].values.tolist() == [["CPTS Val", "69381", 3]]
    # « CODGEO » rather than a bare « code » of something else; « CPTS » rather than « Nom CPTS ».
    frame = parse_listing_csv("code,Nom CPTS,CODGEO,CPTS\nX1,Ancien nom,04070,CPTS Nouvelle\n", "codes.csv")
    assert frame[["cpts", "code_insee"]].values.tolist() == [["CPTS Nouvelle", "04070"]]
    with pytest.raises(DataError, match=r"Colonnes obligatoires absentes : « cpts »"):
        parse_listing_csv("nom,code_insee\nCPTS Val,69381\n", "nom.csv")  # « nom » alone may be the commune's
    # A bare « code » may be the CPTS's own (« C01 »): the missing column is named, not its ids read as communes.
    with pytest.raises(DataError, match=r"Colonnes obligatoires absentes : « code_insee »"):
        parse_listing_csv("code,Nom CPTS,commune\nC01,CPTS Val,Lyon\n", "ids.csv")
    # The editor's export (README, « Exporter »): the redrawn CPTS on each row, « nom » being the commune's.
    frame = parse_listing_csv("\ufeffcode_insee,nom,cpts_redessinee,liste\r\n2B033,Bastia,CPTS Grand Bastia,corse\r\n",
                              "export.csv")
    assert frame[["cpts", "code_insee", "line"]].values.tolist() == [["CPTS Grand Bastia", "2B033", 2]]


# --------------------------------------------------------------------------- structural errors


def test_all_row_errors_collected_with_lines() -> None:
    with pytest.raises(DataError) as info:
        read_listing(FIXTURES / "listing_mauvais.csv", _mapping(), _units())
    err = info.value
    assert err.line == 3
    assert err.path is not None and err.path.endswith("listing_mauvais.csv")
    text = str(err)
    assert "ligne 3 : statut « validé » inconnu" in text
    assert "ligne 4 : nom de CPTS (« cpts ») vide" in text
    assert "ligne 4 : date « 2024-13-01 » invalide" in text
    assert "ligne 5 : date" not in text  # 15/01/2024, day first as a French spreadsheet writes it: read
    assert "ligne 5 : code INSEE (« code_insee ») vide" in text
    assert "ligne 6 : 3 champs au lieu de 4" in text


def test_missing_columns() -> None:
    with pytest.raises(DataError) as info:
        read_listing(FIXTURES / "listing_sans_code.csv", _mapping(), _units())
    assert info.value.line == 1
    assert "« cpts », « code_insee »" in str(info.value)


def test_bad_encoding_names_every_line() -> None:
    with pytest.raises(DataError) as info:
        read_listing(FIXTURES / "listing_cp1252.csv", _mapping(), _units())
    assert info.value.line == 3
    assert "ligne 3 : octet 0xe9" in str(info.value)
    assert "ligne 4 : octet 0xe9" in str(info.value)


def test_empty_file() -> None:
    with pytest.raises(DataError, match="vide"):
        parse_listing_csv("", "x.csv")


def test_header_without_rows_is_refused() -> None:
    # A review: « chargé 0 lignes — 0 CPTS », exit 0, as if the listing were right.
    with pytest.raises(DataError) as info:
        parse_listing_csv("cpts,code_insee\n\n", "vide.csv")
    assert info.value.line == 2 and "aucune ligne après l'en-tête" in info.value.message


def test_a_column_given_twice_is_refused_not_guessed() -> None:
    # A review: « cpts » and « CPTS » both read as the CPTS column; the second was ignored without a word.
    with pytest.raises(DataError) as info:
        parse_listing_csv("cpts,code_insee,CPTS\nA,04070,B\n", "doublon.csv")
    assert info.value.line == 1
    assert info.value.message == "Colonnes présentes plusieurs fois, laquelle lire ? « cpts » : « cpts », « CPTS »"


# --------------------------------------------------------------------------- GeoJSON perimeters


def test_geojson_perimeters() -> None:
    result = read_listing(FIXTURES / "perimetres.geojson", _mapping(), _units())
    p = result.perimeters
    assert p is not None and len(result.members) == 0
    assert p.crs.to_epsg() == 4326
    assert p[["listing", "cpts", "cpts_id", "statut", "feature"]].values.tolist() == [
        ["perimetres", "CPTS Ouest", "cpts-ouest", "projet", 0],
        ["perimetres", "CPTS Est", "est-01", "ACI signé", 1],
    ]
    assert [round(g.area, 6) for g in p.geometry] == [0.02, 0.02]


def test_geojson_errors_name_feature_index() -> None:
    with pytest.raises(DataError) as info:
        read_listing(FIXTURES / "perimetres_mauvais.geojson", _mapping(), _units())
    text = str(info.value)
    assert "entité n° 1 " not in text  # the file's first feature is valid; users count features from one
    assert "entité n° 2 : géométrie invalide (le contour se recoupe près de (" in text
    assert "entité n° 3 : géométrie vide" in text
    assert "entité n° 4 : statut « en cours » inconnu" in text
    assert "entité n° 4 : géométrie de type Point" in text
    assert "entité n° 5 : nom de CPTS (« cpts ») vide" in text
    assert "entité n° 5 : géométrie absente" in text


def test_combine_keeps_listings_apart(defauts: ListingResult) -> None:
    other = read_listing(FIXTURES / "perimetres.geojson", _mapping(), _units(), name="ars")
    both = combine({"a": defauts, "b": other})
    assert len(both.members) == 12
    assert both.perimeters is not None and set(both.perimeters["listing"]) == {"ars"}
    assert set(both.issues["listing"]) == {"listing_defauts"}


# --------------------------------------------------------------------------- name helpers


def test_name_helpers() -> None:
    assert slugify("CPTS Hauts Pays du Verdon & Monts d'Azur") == "cpts-hauts-pays-du-verdon-monts-d-azur"
    assert name_key("CPTS de la Vallée de l'Ubaye") == name_key("cpts VALLEE UBAYE")
    assert name_key("CPTS Cœur du Var") == "coeur var"
    pairs = near_duplicate_names(
        ["CPTS Nice Nord et ses Colines", "CPTS Nice Nord et ses Collines", "CPTS Var Est", "CPTS Var Ouest"]
    )
    assert [(a, b) for a, b, _ in pairs] == [("CPTS Nice Nord et ses Colines", "CPTS Nice Nord et ses Collines")]


# --------------------------------------------------------------------------- real PACA listing


def _mirror() -> Path:
    value = os.environ.get("CPTS_DATA_MIRROR", "").strip()
    return Path(value) if value else ROOT.parent / "shared" / "data"


def _cog_from_mirror() -> tuple[pd.DataFrame, pd.DataFrame]:
    """units and cog_mapping from the 2026 decoupage-administratif package of the mirror (copies: each test may
    change its own)."""
    units, mapping = _cog_read_once()
    return units.copy(), mapping.copy()


@functools.lru_cache(maxsize=1)
def _cog_read_once() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The package read once per test process: its 35 000 communes took five seconds per test."""
    path = _mirror() / "decoupage-administratif" / "etalab-decoupage-administratif-6.0.0.tgz"
    with tarfile.open(path) as tar:
        member = tar.extractfile("package/data/communes.json")
        assert member is not None
        records = json.load(member)
    units, mapping = [], []
    for rec in records:
        if rec["type"] in ("commune-actuelle", "arrondissement-municipal"):
            units.append(
                {
                    "code": rec["code"],
                    "nom": rec["nom"],
                    "type": rec["type"],
                    "parent": rec.get("commune"),
                    "departement": rec["departement"],
                    "region": rec["region"],
                    "population": rec.get("population"),
                }
            )
        else:
            kind = "deleguee" if rec["type"] == "commune-deleguee" else "associee"
            mapping.append({"code": rec["code"], "current_code": rec["chefLieu"], "kind": kind, "nom": rec["nom"]})
    for rec in records:
        for old in rec.get("anciensCodes") or []:
            mapping.append({"code": old, "current_code": rec["code"], "kind": "ancien", "nom": None})
    return pd.DataFrame(units), pd.DataFrame(mapping)


@pytest.mark.mirror
def test_real_paca_listing_known_defects() -> None:
    path = _mirror() / "cpts" / "paca-cpts-communes.csv"
    raw = parse_listing_csv(path.read_text(encoding="utf-8"), path)
    assert len(raw) == 921
    assert raw["cpts"].nunique() == 71
    units, mapping = _cog_from_mirror()
    result = read_listing(path, mapping, units)
    m, issues = result.members, result.issues
    assert set(m["listing"]) == {"paca-cpts-communes"}
    # 6 rows use a pre-merger code next to the code of the commune nouvelle
    assert len(m) == 915
    assert len(_issues(result, "code_ancien")) == 6
    assert sorted(_issues(result, "doublon")["code"]) == [
        "05043",
        "05088",
        "05120",
        "05141",
        "05150",
        "05175",
    ]
    assert _issues(result, "code_inconnu").empty
    # Marseille at arrondissement level
    arr = m[m["unit_type"] == "arrondissement-municipal"]
    assert sorted(arr["unit_code"]) == [f"132{i:02d}" for i in range(1, 17)]
    assert set(arr["commune_code"]) == {"13055"} and "13055" not in set(m["unit_code"])
    # names
    counts = m.groupby("cpts").size()
    assert (counts["CPTS Gapençais"], counts["CPTS du Gapençais"]) == (1, 31)
    pairs = _issues(result, "nom_proche")
    # The real 31-commune CPTS is warned as well as the one-commune typo (a review saw the warning on the typo only).
    assert sorted(pairs["cpts"]) == ["CPTS Gapençais", "CPTS du Gapençais"]
    assert all("« CPTS du Gapençais »" in d and "« CPTS Gapençais »" in d for d in pairs["detail_fr"])
    assert "CPTS du Pays d'Apt" not in set(raw["cpts"])
    assert sorted(_issues(result, "nom_suspect")["cpts"]) == ["CPTS di Littoral 06", "CPTS su Pays d'Apt"]
    # CPTS across départements (all units are in PACA: no région crossing is visible)
    assert sorted(_issues(result, "multi_departements")["cpts"]) == [
        "CPTS Buëch Dévoluy",
        "CPTS Drôme Provençale - Enclave des Papes",
        "CPTS Durance Haut Var",
        "CPTS Guil Durance",
        "CPTS Hauts Pays du Verdon & Monts d'Azur",
        "CPTS Pays d'Aubagne et de l'Etoile",
        "CPTS Val Durance",
        "CPTS de la Haute Vallée de Var de la Vaïre et de l'Esteron",
        "CPTS du Gapençais",
    ]
    assert _issues(result, "multi_regions").empty
    assert set(issues["kind"]) == {
        "nom_proche",
        "nom_suspect",
        "code_ancien",
        "doublon",
        "multi_departements",
    }


def test_three_names_alike_make_one_issue_per_cpts() -> None:
    """A review: three names that all match each other gave six « nom_proche » rows for three CPTS (one per pair
    and name), and the coverage's count of listing issues counted rows."""
    from pipeline.sources.cpts_listing.names import name_issues

    frame = pd.DataFrame({"cpts": ["CPTS du Gapençais", "CPTS Gapençais", "CPTS Gapencais", "CPTS Autre"]})
    issues = [i for i in name_issues(frame, "l") if i["kind"] == "nom_proche"]
    assert sorted(i["cpts"] for i in issues) == ["CPTS Gapencais", "CPTS Gapençais", "CPTS du Gapençais"]
    detail = next(i["detail_fr"] for i in issues if i["cpts"] == "CPTS du Gapençais")
    assert detail.startswith("« CPTS du Gapençais » (1 ligne) et « CPTS Gapencais » (1 ligne) : ")
    assert "« CPTS Gapençais » (1 ligne)" in detail and detail.endswith("s'agit-il de la même CPTS ?")


def test_a_line_break_typed_in_a_name_cell_becomes_one_space() -> None:
    # Alt+Entrée in a spreadsheet cell, exported in a quoted CSV field: the name split the progress lines of
    # « make diagnostics » in two (a review). Quotes and « ; » inside the name stay as typed.
    text = 'cpts;code_insee\n"CPTS ""Nord""; Rennes \r\n  Est\t(35)";35238\n"CPTS  Sud";35047\n'
    frame = parse_listing_csv(text, "sauts.csv")
    # Two spaces are one too: « CPTS  Sud » beside « CPTS Sud » made a second CPTS (below).
    assert frame["cpts"].tolist() == ['CPTS "Nord"; Rennes Est (35)', "CPTS Sud"]
    assert frame["line"].tolist() == [2, 4]


def test_names_differing_by_their_spaces_are_one_cpts_and_a_pipe_separates(tmp_path: Path) -> None:
    """A review: « CPTS  Trail » (two spaces) and « CPTS\u00a0Nbsp » (a no-break space) each made a second CPTS
    beside the one written with one space, its units missing from the first; « cpts|code_insee » was refused as
    « colonnes obligatoires absentes »; « ACI signé » on one row and « projet » on the next loaded without a word."""
    path = tmp_path / "tubes.csv"
    path.write_text("cpts|code_insee|statut|date\nCPTS Gap|05061|ACI signé|2023-01-01\n"
                    "CPTS  Gap|05013|projet|2025-01-01\nCPTS\u00a0Gap \u202f|05039||2023-01-01\n", encoding="utf-8")
    result = read_listing(path, _mapping(), _units())
    assert result.members[["cpts", "unit_code", "line"]].values.tolist() == [
        ["CPTS Gap", "05061", 2], ["CPTS Gap", "05013", 3], ["CPTS Gap", "05039", 4]]
    assert result.members["cpts_id"].nunique() == 1
    status = _issues(result, "statut_incoherent")
    assert status[["cpts", "line", "detail_fr"]].values.tolist() == [[
        "CPTS Gap", 2, "statut « ACI signé » (ligne 2), retenu, mais aussi « projet » (ligne 3) ; date « 2023-01-01 » "
        "(lignes 2, 4), retenue, mais aussi « 2025-01-01 » (ligne 3) : corrigez la liste pour qu'une seule valeur "
        "reste"]]
    # One statut and one date on every row (or none on some): nothing to say.
    path.write_text("cpts;code_insee;statut;date\nCPTS Gap;05061;ACI signé;2023-01-01\nCPTS Gap;05013;;\n",
                    encoding="utf-8")
    assert _issues(read_listing(path, _mapping(), _units()), "statut_incoherent").empty


@pytest.mark.parametrize("total", ["TOTAL", "Total :", "Sous-total", "Total général", "TOTAUX"])
def test_a_total_row_is_no_cpts(total: str) -> None:
    """A review: « TOTAL;2 » under the rows became a CPTS « TOTAL » counted in the listing, while a total row with
    an empty code was refused."""
    with pytest.raises(DataError) as info:
        parse_listing_csv(f"cpts;code_insee\nCPTS A;05061\nCPTS A;05013\n{total};2\n", "totaux.csv")
    assert info.value.line == 4
    assert f"ligne 4 : ligne de total (« {total} ») à la place d'une CPTS : supprimez-la" in str(info.value)
    # A CPTS whose name holds the word is one, even first when its code is a commune's (« 4070 » too, which the
    # listing reads as 04070).
    frame = parse_listing_csv("cpts;code_insee\nCPTS Total Santé;05061\nTotal Santé Gap;05013\nTotal Santé;4070\n",
                              "noms.csv")
    assert frame["cpts"].tolist() == ["CPTS Total Santé", "Total Santé Gap", "Total Santé"]


@pytest.mark.parametrize("total", ["Grand total;4", "Total CPTS Alpha;2", "Sous-total (2 communes);", "TOTAUX CPTS;"])
def test_a_subtotal_row_without_a_commune_code_is_no_cpts(total: str) -> None:
    """A re-check: « Grand total;4 » and « Total CPTS Alpha;2 » (a spreadsheet's subtotal) were loaded as CPTS."""
    with pytest.raises(DataError) as info:
        parse_listing_csv(f"cpts;code_insee\nCPTS A;05061\n{total}\n", "sous-totaux.csv")
    name = total.split(";")[0]
    assert f"ligne 3 : ligne de total (« {name} ») à la place d'une CPTS : supprimez-la" in str(info.value)


@pytest.mark.parametrize(("written", "read"), [
    ("2023-06-01", "2023-06-01"), ("01/06/2023", "2023-06-01"), ("1/6/2023", "2023-06-01"),
    ("2023-06-01 00:00:00", "2023-06-01"), ("2023-06-01T00:00", "2023-06-01"),
    ("01/06/2023 00:00", "2023-06-01"), ("01/06/2023 00:00:00", "2023-06-01"), ("01/06/2023 14:30", None),
    ("31/02/2023", None), ("06/31/2023", None), ("1 sept. 2020", None), ("2023-06-01 14:30:00", None),
])
def test_a_status_date_is_read_as_a_french_spreadsheet_writes_it(written: str, read: str | None) -> None:
    # A review's ARS export wrote « 01/03/2022 » and was refused; day first, as the French locale writes it. A day
    # that does not exist, a month first, a date in words or with a time of day stay refused.
    text = f"cpts;code_insee;statut;date\nCPTS A;04070;ACI signé;{written}\n"
    if read is None:
        with pytest.raises(DataError, match=r"formats attendus AAAA-MM-JJ ou JJ/MM/AAAA"):
            parse_listing_csv(text, "dates.csv")
    else:
        assert parse_listing_csv(text, "dates.csv")["date"].tolist() == [read]
