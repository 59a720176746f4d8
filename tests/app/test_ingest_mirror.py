"""Ingestion of the real mirror: totals, known populations, mapping, residue."""

from __future__ import annotations

import duckdb
import pytest

from pipeline import config

pytestmark = [pytest.mark.national, pytest.mark.xdist_group("national")]


@pytest.fixture()
def db(national_db: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The national database: these figures are France's."""
    return national_db


def test_2026_totals_match_the_published_figures(db: duckdb.DuckDBPyConnection) -> None:
    # SOURCES.md: "2026: 34,969 current communes, 68.95 M inhabitants".
    n, population = db.execute(
        "SELECT count(*), sum(population) FROM communes WHERE vintage = 2026 AND type = 'commune-actuelle'"
    ).fetchone()
    assert n == 34_969
    assert population == 68_952_941


def test_every_vintage_of_the_mirror_is_loaded(db: duckdb.DuckDBPyConnection) -> None:
    vintages = [r[0] for r in db.execute("SELECT DISTINCT vintage FROM communes ORDER BY 1").fetchall()]
    assert vintages == [2019, 2021, 2022, 2023, 2024, 2025, 2026]


@pytest.mark.parametrize(
    ("code", "vintage", "population"),
    [
        ("04070", 2026, 17_979),  # Digne-les-Bains
        ("05001", 2019, 302),  # Abriès-Ristolas
        ("13201", 2026, 37_599),  # Marseille 1er arrondissement
    ],
)
def test_known_populations(db: duckdb.DuckDBPyConnection, code: str, vintage: int, population: int) -> None:
    row = db.execute("SELECT population FROM communes WHERE code = ? AND vintage = ?", [code, vintage]).fetchone()
    assert row is not None and row[0] == population


def test_merged_commune_population_on_current_geography(db: duckdb.DuckDBPyConnection) -> None:
    # Pays-de-Montbenoît (25390) absorbed 25303, 25347, 25398, 25620 after 2021.
    # 2019 populations: 222 + 797 + 395 (Montbenoît) + 104 + 304 = 1 822;
    # 2021: 226 + 823 + 399 + 115 + 336 = 1 899; 2026 (one commune): 1 923.
    rows = dict(
        db.execute("SELECT vintage, population FROM population_current_geo WHERE code = '25390'").fetchall()
    )
    assert rows[2019] == 1_822
    assert rows[2021] == 1_899
    assert rows[2026] == 1_923
    mapped = {
        r[0]: r[1]
        for r in db.execute(
            "SELECT code, current_code FROM cog_mapping WHERE code IN ('25303','25347','25398','25620')"
        ).fetchall()
    }
    assert mapped == dict.fromkeys(["25303", "25347", "25398", "25620"], "25390")


def test_population_on_current_geography_sums_to_national_totals(db: duckdb.DuckDBPyConnection) -> None:
    per_vintage = dict(db.execute("SELECT vintage, sum(population) FROM population_current_geo GROUP BY 1").fetchall())
    published = dict(
        db.execute(
            "SELECT vintage, sum(population) FROM communes WHERE type = 'commune-actuelle' GROUP BY 1"
        ).fetchall()
    )
    assert per_vintage == published


def test_mapping_targets_are_current_communes(db: duckdb.DuckDBPyConnection) -> None:
    bad = db.execute(
        """SELECT count(*) FROM cog_mapping m
           WHERE m.current_code IS NOT NULL AND m.current_code NOT IN
             (SELECT code FROM communes WHERE vintage = 2026 AND type = 'commune-actuelle')"""
    ).fetchone()[0]
    assert bad == 0
    assert db.execute("SELECT current_code FROM cog_mapping WHERE code = '13201'").fetchone()[0] == "13055"
    assert db.execute("SELECT current_code FROM cog_mapping WHERE code = '01340'").fetchone()[0] == "01015"
    # A commune re-created by a split is current again and maps to itself.
    assert db.execute("SELECT current_code FROM cog_mapping WHERE code = '14666'").fetchone()[0] == "14666"


RECREATED = ["14666", "15031", "15035", "15047", "15171", "85165", "85212"]


def test_polygon_residue_is_listed_by_code(db: duckdb.DuckDBPyConnection) -> None:
    residue = db.execute("SELECT code, kind FROM polygon_residue").df()
    without = residue[residue["kind"] == "commune-sans-polygone"]["code"]
    metro_drom = db.execute(
        "SELECT code FROM communes WHERE vintage = 2026 AND type = 'commune-actuelle' AND zone IN ('metro','drom')"
    ).df()["code"]
    # Every metropolitan and DROM commune has a polygon except the seven re-created by a split.
    assert sorted(set(without) & set(metro_drom)) == RECREATED
    have = set(db.execute("SELECT code FROM commune_polygons").df()["code"])
    assert set(metro_drom) - have == set(RECREATED)
    # 94 communes of the collectivités d'outre-mer are outside the polygons' coverage.
    com = db.execute(
        "SELECT count(*) FROM communes WHERE vintage = 2026 AND type = 'commune-actuelle' AND zone = 'com'"
    ).fetchone()[0]
    assert len(without) == len(RECREATED) + com == 101


def test_merged_polygon_is_the_union_of_its_parts(db: duckdb.DuckDBPyConnection) -> None:
    row = db.execute("SELECT source_codes FROM commune_polygons WHERE code = '25390'").fetchone()
    assert row[0] == "25303,25347,25390,25398,25620"


def test_sources_table_records_every_source(db: duckdb.DuckDBPyConnection) -> None:
    sources = set(db.execute("SELECT source FROM sources").df()["source"])
    assert {"decoupage-administratif", "contours-communes", "insee-appartenance", "drees-apl",
            "ars-paca-zonage-qpv"} <= sources
    sha = db.execute("SELECT sha256 FROM sources WHERE source = 'drees-apl'").fetchone()[0]
    assert len(sha) == 64


def test_apl_both_sheets(db: duckdb.DuckDBPyConnection) -> None:
    counts = dict(db.execute("SELECT annee, count(*) FROM apl GROUP BY 1").fetchall())
    assert counts == {2022: 34_964, 2023: 34_954}  # SOURCES.md
    apl = db.execute("SELECT apl FROM apl WHERE code = '01001' AND annee = 2023").fetchone()[0]
    assert apl == pytest.approx(1.942)


def test_qpv_zoning(db: duckdb.DuckDBPyConnection) -> None:
    n_qpv, n_communes = db.execute("SELECT count(DISTINCT qpv_id), count(DISTINCT commune) FROM qpv_zonage").fetchone()
    assert (n_qpv, n_communes) == (135, 53)  # SOURCES.md: 135 QPV in 53 communes


def test_second_run_reuses_what_is_loaded(fixture_data_dir, mirror, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from pipeline.app import data
    from pipeline.model import DataOptions
    from tests.conftest import FIXTURE_DEPARTEMENTS

    copy = tmp_path / "data"
    shutil.copytree(fixture_data_dir, copy)
    monkeypatch.setenv("CPTS_DATA_DIR", str(copy))
    report = data.run(DataOptions(mirror=mirror, departements=FIXTURE_DEPARTEMENTS))
    assert {s.status for s in report.steps[: len(data.BASE_STEPS)]} == {"inchangé"}
    assert report.rebuilt is None
    assert config.db_path() == copy / "processed" / "cpts.duckdb"


def test_each_recreated_commune_names_the_polygon_that_holds_it(db: duckdb.DuckDBPyConnection) -> None:
    """A review: Troarn (14712) showed 16,62 km², the area of its 2018 polygon, Saline's, which also holds
    Sannerville (14666), re-created in 2020. The polygon holding each re-created commune is its chef-lieu in the
    first COG package after the contours' (0.7.0, COG 2019), read here from the raw package."""
    import json
    import tarfile

    from tests.conftest import mirror_path

    package = mirror_path() / "decoupage-administratif" / "etalab-decoupage-administratif-0.7.0.tgz"
    with tarfile.open(package) as tar:
        member = tar.extractfile("package/data/communes.json")
        assert member is not None
        chef_lieu = {c["code"]: c["chefLieu"] for c in json.load(member)
                     if c["code"] in RECREATED and c["type"] in ("commune-deleguee", "commune-associee")}
    assert chef_lieu == {"14666": "14712", "15031": "15141", "15035": "15141", "15047": "15141",
                         "15171": "15141", "85165": "85084", "85212": "85084"}
    stored = dict(db.execute("SELECT code, polygone FROM polygon_residue WHERE polygone IS NOT NULL").fetchall())
    assert stored == chef_lieu


def test_a_polygon_holding_a_recreated_commune_counts_only_with_it(national_db: duckdb.DuckDBPyConnection) -> None:
    """Its area is the territory's only when the territory holds all of its communes: the geodesic area of the
    raw 2018 polygon 14712 (Saline) for {14666, 14712}; unknown for Troarn alone or Sannerville alone."""
    import geopandas as gpd

    from pipeline.app.sections.population import own_areas
    from pipeline.store.queries import geography
    from tests.conftest import mirror_path
    from tests.geodesic import geodesic_areas_km2

    raw = gpd.read_file(mirror_path() / "contours-communes-2018" / "communes-14-calvados.geojson").to_crs(4326)
    saline = raw[raw["code"] == "14712"]
    assert saline["nom"].tolist() == ["Saline"]
    expected = sum(geodesic_areas_km2(saline.geometry))
    for codes, land in ((["14666", "14712"], expected), (["14712"], None), (["14666"], None)):
        polygons = geography.unit_polygons_for(national_db, codes)
        kept, area, notes = own_areas(national_db, codes, polygons)
        if land is None:
            assert area != area, codes  # NaN: non disponible
        else:
            assert area == pytest.approx(land, rel=1e-5)
        assert kept.loc[kept["code"] == "14712", "area_km2"].isna().all()  # never Troarn's own
        assert len(notes) == 1 and "Sannerville (14666)" in notes[0] and "16,62 km²" in notes[0], notes
        assert "contours 2018" in notes[0]  # the year of the contours loaded (the mirror's folder), not written in
