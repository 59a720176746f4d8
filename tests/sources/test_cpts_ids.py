"""CPTS identifiers as ARS spreadsheets write them: « 1, 2, 3 » in each listing, or one id on two names."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.analysis.coverage.claims import claims_per_unit
from pipeline.sources.cpts_listing import read_listing
from pipeline.store import schema
from pipeline.store.queries import listings
from tests.sources.test_cpts_listing import _mapping, _units


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
