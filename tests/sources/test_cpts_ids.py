"""CPTS identifiers as ARS spreadsheets write them: « 1, 2, 3 » in each listing, or one id on two names."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline.analysis.coverage.claims import claims_per_unit
from pipeline.sources.cpts_listing import read_listing
from pipeline.store import schema
from pipeline.store.queries import listings
from tests.sources.test_cpts_listing import _mapping, _units


def _loaded(tmp_path: Path, text: str) -> tuple[dict[str, list[str]], pd.DataFrame]:
    """The units of each CPTS of a listing written from ``text``, and its issues."""
    path = tmp_path / "liste.csv"
    path.write_text(text, encoding="utf-8")
    result = read_listing(path, _mapping(), _units(), name="essai")
    return result.members.groupby("cpts")["unit_code"].apply(sorted).to_dict(), result.issues


def test_one_id_on_two_names_keeps_two_cpts(tmp_path: Path) -> None:
    path = tmp_path / "liste.csv"
    path.write_text("cpts,code_insee,cpts_id\nCPTS Alpha,05061,same\nCPTS Beta,05061,same\nCPTS Beta,05013,same\n",
                    encoding="utf-8")
    result = read_listing(path, _mapping(), _units(), name="essai")
    units = result.members.groupby("cpts")["unit_code"].apply(sorted).to_dict()
    # Merged under « same », Beta lost Gap (05061) as a « doublon » of Alpha's claim.
    assert units == {"CPTS Alpha": ["05061"], "CPTS Beta": ["05013", "05061"]}
    assert result.members.groupby("cpts")["cpts_id"].nunique().to_dict() == {"CPTS Alpha": 1, "CPTS Beta": 1}
    assert result.members["cpts_id"].nunique() == 2
    kinds = result.issues["kind"].tolist()
    assert kinds.count("identifiant_incoherent") == 1 and "doublon" not in kinds
    message = result.issues.loc[result.issues["kind"] == "identifiant_incoherent", "detail_fr"].iloc[0]
    assert message == ("l'identifiant « same » porte plusieurs noms : « CPTS Alpha », « CPTS Beta » ; ces CPTS "
                       "restent distinctes")


def test_one_name_with_two_ids_is_two_cpts(tmp_path: Path) -> None:
    """A CPTS is one id of its listing (README): two « CPTS Alpha », ids alpha-1 (Gap) and alpha-2 (Aubessagne), were
    merged into one CPTS, its population and taille those of both (a review). Kept apart, named with their id."""
    path = tmp_path / "liste.csv"
    path.write_text("cpts,code_insee,cpts_id\nCPTS Alpha,05061,alpha-1\nCPTS Alpha,05039,alpha-2\n"
                    "CPTS Beta,05013,beta\n", encoding="utf-8")
    result = read_listing(path, _mapping(), _units(), name="essai")
    units = result.members.groupby("cpts")["unit_code"].apply(sorted).to_dict()
    assert units == {"CPTS Alpha (alpha-1)": ["05061"], "CPTS Alpha (alpha-2)": ["05039"], "CPTS Beta": ["05013"]}
    said = result.issues[result.issues["kind"] == "identifiant_incoherent"]
    assert said["cpts"].tolist() == ["CPTS Alpha (alpha-1)", "CPTS Alpha (alpha-2)"]
    assert set(said["detail_fr"]) == {"la CPTS « CPTS Alpha » a plusieurs identifiants : alpha-1, alpha-2 ; ces CPTS "
                                      "restent distinctes : « CPTS Alpha (alpha-1) », « CPTS Alpha (alpha-2) »"}


def test_an_id_on_the_first_row_only_is_the_cpts_id(tmp_path: Path) -> None:
    # The id written once, on the CPTS's first row: one CPTS, not « CPTS Alpha (12) » and « CPTS Alpha
    # (cpts-alpha) » (a review); and no « nom proche » between the names split by their ids.
    path = tmp_path / "liste.csv"
    path.write_text("cpts,code_insee,cpts_id\nCPTS Alpha,05061,12\nCPTS Alpha,05039,\nCPTS Beta,05013,\n",
                    encoding="utf-8")
    result = read_listing(path, _mapping(), _units(), name="essai")
    assert result.members.groupby("cpts")["cpts_id"].unique().map(list).to_dict() == {
        "CPTS Alpha": ["12"], "CPTS Beta": ["cpts-beta"]}
    assert result.issues[result.issues["kind"] == "identifiant_incoherent"].empty
    split = tmp_path / "deux.csv"
    split.write_text("cpts,code_insee,cpts_id\nCPTS Alpha,05061,a1\nCPTS Alpha,05039,a2\n", encoding="utf-8")
    assert "nom_proche" not in set(read_listing(split, _mapping(), _units(), name="deux").issues["kind"])


def test_a_name_split_by_its_ids_takes_no_name_already_in_the_listing(tmp_path: Path) -> None:
    # « CPTS Choc » with ids k and j, beside a CPTS really named « CPTS Choc (k) »: they were merged (a review).
    units, _ = _loaded(tmp_path, "cpts,code_insee,cpts_id\nCPTS Choc,05061,k\nCPTS Choc,05013,j\n"
                                 "CPTS Choc (k),05039,z\n")
    assert units == {
        "CPTS Choc (identifiant k)": ["05061"], "CPTS Choc (j)": ["05013"], "CPTS Choc (k)": ["05039"]}


def test_a_column_numbering_the_rows_is_not_read_as_ids(tmp_path: Path) -> None:
    # « 1, 2, 3 » down the rows: an id per line. Read as ids, every CPTS of several communes would be split.
    units, issues = _loaded(tmp_path, "cpts,code_insee,cpts_id\nCPTS Alpha,05061,1\nCPTS Alpha,05039,2\n"
                                      "CPTS Beta,05013,3\n")
    assert units == {"CPTS Alpha": ["05039", "05061"], "CPTS Beta": ["05013"]}
    said = issues[issues["kind"] == "identifiant_incoherent"]
    assert said["detail_fr"].tolist() == [
        "la colonne d'identifiants numérote les lignes (un identifiant différent à chaque ligne) plutôt que les "
        "CPTS : elle n'est pas lue, chaque CPTS est identifiée par son nom"]


@pytest.mark.parametrize("ids", [
    ("1", "2", "3", "5", "6"),  # a row deleted after numbering
    ("3", "1", "2", "5", "4"),  # rows sorted after numbering
    ("1.0", "2.0", "3.0", "4.0", "5.0"),  # a spreadsheet's numbers
    ("1", "2", "", "4", "5"),  # a cell left empty
])
def test_row_numbers_with_gaps_or_sorted_are_not_ids(tmp_path: Path, ids: tuple[str, ...]) -> None:
    # A review: such numberings split each CPTS into one CPTS per row.
    codes = ("05061", "05013", "05039", "84003", "84004")
    names = ("CPTS Alpha", "CPTS Alpha", "CPTS Alpha", "CPTS Beta", "CPTS Beta")
    units, _ = _loaded(tmp_path, "cpts,code_insee,cpts_id\n" + "".join(
        f"{n},{c},{i}\n" for n, c, i in zip(names, codes, ids, strict=True)))
    assert units == {
        "CPTS Alpha": ["05013", "05039", "05061"], "CPTS Beta": ["84003", "84004"]}


def test_ids_a_person_reads_alike_are_one_id_and_a_partial_column_does_not_fail(tmp_path: Path) -> None:
    # « 01 » and « 1 » (a review split them into two CPTS); a name with two ids and rows without id (it failed
    # with a TypeError): the rows without id are kept apart, as their CPTS cannot be told.
    units, _ = _loaded(tmp_path, "cpts,code_insee,cpts_id\nCPTS Un,05061,01\nCPTS Un,05013,1\nCPTS Deux,05039,m1\n"
                                 "CPTS Deux,84003,\nCPTS Deux,84004,m2\n")
    assert units == {
        "CPTS Un": ["05013", "05061"], "CPTS Deux (cpts-deux)": ["84003"], "CPTS Deux (m1)": ["05039"],
        "CPTS Deux (m2)": ["84004"]}


def _member(listing: str, cpts: str, cpts_id: str, unit: str) -> tuple[object, ...]:
    return (listing, cpts, cpts_id, None, None, unit, unit, unit, "commune-actuelle", None, 2)


def test_numbered_ids_of_two_listings_are_two_cpts() -> None:
    con = duckdb.connect()
    schema.create_schema(con)
    rows = [
        _member("nord", "CPTS Nord Un", "1", "05061"), _member("nord", "CPTS Nord Un", "1", "05013"),
        _member("sud", "CPTS Sud Un", "1", "05039"), _member("sud", "CPTS Sud Un", "1", "84003"),
        # The same CPTS in both listings (its name's case aside): counted once.
        _member("nord", "CPTS du Gapençais", "gap", "05061"), _member("sud", "CPTS DU GAPENCAIS", "gap", "05061"),
    ]
    con.executemany("INSERT INTO cpts_membres VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    members = listings.members(con)
    ids = members.drop_duplicates(["listing", "cpts"]).set_index(["listing", "cpts"])["cpts_id"].to_dict()
    assert ids == {("nord", "CPTS Nord Un"): "1 · CPTS Nord Un", ("sud", "CPTS Sud Un"): "1 · CPTS Sud Un",
                   ("nord", "CPTS du Gapençais"): "gap", ("sud", "CPTS DU GAPENCAIS"): "gap"}
    claims = claims_per_unit(members, _units()).set_index("unit_code")["n_cpts"]
    # Gap: « Nord Un » and the Gapençais once; Apt: « Sud Un » alone (merged, it went to « Nord Un »).
    assert (claims["05061"], claims["05039"], claims["84003"]) == (2, 1, 1)
