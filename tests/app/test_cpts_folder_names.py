"""CPTS of one listing whose names slugify alike get distinct output folders.

A review: « CPTS Sud-Luberon », « CPTS Sud Luberon » and « CPTS sud luberon! » of one listing were each written
to ``cpts-ars2-cpts-sud-luberon``, the last run replacing the others' report without a word (the batch refused
two of them). A fingerprint of the exact name is added where two folders would clash; other CPTS keep their
folder name.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline.store.territory import resolve_territory
from tests.render.documents_runs import database_with_listing

NAMES = ("CPTS Sud-Luberon", "CPTS Sud Luberon", "CPTS sud luberon!")


@pytest.mark.mirror
def test_names_that_slugify_alike_get_their_own_folders(fixture_data_dir: Path, tmp_path: Path) -> None:
    listing = tmp_path / "ars2.csv"
    listing.write_text("code_insee,cpts\n" + "".join(f"{code},{name}\n" for code, name in zip(
        ("04070", "04001", "04006"), NAMES, strict=True)), encoding="utf-8")
    data = database_with_listing(fixture_data_dir, tmp_path, listing)
    con = duckdb.connect(str(data / "processed" / "cpts.duckdb"), read_only=True)
    try:
        slugs = [resolve_territory(con, f"cpts:ars2:{name}").slug for name in NAMES]
        verdon = resolve_territory(con, "cpts:CPTS du Verdon").slug
    finally:
        con.close()
    assert len(set(slugs)) == 3
    assert all(slug.startswith("cpts-ars2-cpts-sud-luberon-") for slug in slugs)
    assert verdon == "cpts-cpts-du-verdon"  # no clash: the folder of earlier runs
