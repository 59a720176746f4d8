"""A CPTS of a listing none of whose codes is recognised stays in the coverage of its zone: its anomalies, the
count of unknown codes and a note naming it (a review: « CPTS Vide,04999 » was in no output of the coverage of
the Alpes-de-Haute-Provence, which said « 0 code inconnu »).

On a copy of the fixture database, a listing « vide » with two CPTS: « CPTS Pleine » (Digne-les-Bains, 04070)
and « CPTS Vide », whose only code, 04999, is in no COG (checked on the mirror's 2026 communes); and a listing
« seule » holding only memberless CPTS: « CPTS Seule » (04998) and a « CPTS Pleine » of its own (04997), refused
as a whole (none of its codes names a commune).
"""

from __future__ import annotations

import json
import shutil
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline.app.coverage import compute
from pipeline.app.registries import listing_step
from pipeline.app.steps import Scope
from pipeline.errors import DataError
from pipeline.model import CoverageOptions
from pipeline.render.coverage import summary as coverage_summary
from tests.conftest import FIXTURE_DEPARTEMENTS

pytestmark = [pytest.mark.mirror]


def coverages_after_loading(listing: Path, departements: tuple[str, ...], mirror: Path, fixture_data_dir: Path,
                            tmp_path: Path, then: Callable[[duckdb.DuckDBPyConnection], None] | None = None
                            ) -> dict[str, Any]:
    """The coverage of each of ``departements`` on a copy of the fixture database with ``listing`` loaded (and
    ``then`` run on it after the load)."""
    db = tmp_path / "cpts.duckdb"
    shutil.copy(fixture_data_dir / "processed" / "cpts.duckdb", db)
    con = duckdb.connect(str(db))
    try:
        listing_step(listing)(con, mirror, True, Scope(frozenset(FIXTURE_DEPARTEMENTS)))
        if then is not None:
            then(con)
        return {code: compute(con, CoverageOptions("departement", code)) for code in departements}
    finally:
        con.close()


def test_a_cpts_of_unknown_codes_stays_in_its_zone(mirror: Path, fixture_data_dir: Path, tmp_path: Path) -> None:
    package = mirror / "decoupage-administratif" / "etalab-decoupage-administratif-6.0.0.tgz"
    with tarfile.open(package) as tar:
        member = tar.extractfile("package/data/communes.json")
        assert member is not None
        codes = {c["code"] for c in json.load(member)}
    assert "04070" in codes and not {"04999", "04998", "04997"} & codes
    listing = tmp_path / "vide.csv"
    listing.write_text("cpts,code_insee\nCPTS Pleine,04070\nCPTS Vide,04999\n", encoding="utf-8")
    alone = tmp_path / "seule.csv"
    alone.write_text("cpts,code_insee\nCPTS Seule,04998\nCPTS Pleine,04997\n", encoding="utf-8")

    def refused(con: duckdb.DuckDBPyConnection) -> None:
        # A listing none of whose codes names a commune is refused, not loaded as CPTS of no commune (a review of
        # the coverage: loaded with exit 0, it was only a note of later runs).
        with pytest.raises(DataError, match=r"^Aucun code de la liste ne désigne une commune"):
            listing_step(alone)(con, mirror, True, Scope(frozenset(FIXTURE_DEPARTEMENTS)))

    zones = coverages_after_loading(listing, ("04", "13"), mirror, fixture_data_dir, tmp_path, refused)
    here = zones["04"].quality
    empty = here[here["cpts"] == "CPTS Vide"]
    assert empty[["kind", "code"]].values.tolist() == [["code_inconnu", "04999"]]
    note = ("1 CPTS dont aucune commune n'est reconnue dans la base (absente des chiffres de la couverture ; voir "
            "les anomalies des listes) : CPTS Vide (liste vide)")
    assert note in zones["04"].notes, zones["04"].notes
    assert coverage_summary(zones["04"])["unresolved_codes"] == 1
    assert here[here["listing"] == "seule"].empty
    # 04999 is of the 04: not in the coverage of the Bouches-du-Rhône.
    assert not {"CPTS Vide", "CPTS Seule"} & set(zones["13"].quality["cpts"])
    assert not any("dont aucune commune n'est reconnue" in n for n in zones["13"].notes)


def test_a_cpts_of_malformed_codes_is_in_the_zone_of_its_listing_not_of_its_first_digits(
        mirror: Path, fixture_data_dir: Path, tmp_path: Path) -> None:
    # A SIREN typed as the CPTS's only code (13 for its first digits) and a département number for a code
    # (« CPTS Courte;33 », as a totals row « Total;33 » read, which is now refused as such) name no commune, so no
    # département: a review found them in the coverage of the Bouches-du-Rhône and the Gironde, and absent from the
    # coverage of the listing's own zone (04 here).
    listing = tmp_path / "siren.csv"
    listing.write_text("cpts;code_insee\nCPTS Pleine;04070\nCPTS Siren;130001234\nCPTS Courte;33\n", encoding="utf-8")
    zones = coverages_after_loading(listing, ("04", "13", "33"), mirror, fixture_data_dir, tmp_path)
    shown = zones["04"].quality
    assert {"CPTS Siren", "CPTS Courte"} <= set(shown["cpts"]), shown[["cpts", "kind", "code"]]
    assert sorted(shown.loc[shown["cpts"].isin(["CPTS Siren", "CPTS Courte"]), "code"]) == ["130001234", "33"]
    assert any("CPTS Siren (liste siren)" in n and "CPTS Courte (liste siren)" in n for n in zones["04"].notes)
    for elsewhere in ("13", "33"):
        assert not {"CPTS Siren", "CPTS Courte"} & set(zones[elsewhere].quality["cpts"]), elsewhere
