"""A CPTS drawn as a polygon (GeoJSON listing) over the border of a database loaded for some départements.

Its members are the loaded units inside it: without a word, a perimeter over Sisteron (04) and Val
Buëch-Méouge (05, not loaded in the fixture) looked like a whole CPTS of one commune. The listing now reports
the uncovered part of the perimeter (``hors_departements_charges``), and the diagnostic says its figures may be
partial. Known answers: geodesic areas of the raw contours of the mirror (pyproj), not the pipeline's projection.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from pipeline import cli
from pipeline.app.diagnostic import compute
from pipeline.app.registries import listing_step
from pipeline.app.steps import Scope
from pipeline.errors import TerritoryError
from pipeline.model import DiagnosticOptions
from pipeline.sources.cpts_listing.perimeter_members import uncovered_parts
from pipeline.store.territory import resolve_territory
from tests.app import profile_raw as raw
from tests.app.unit_polygons import members_and_polygons
from tests.conftest import FIXTURE_DEPARTEMENTS, cli_environment
from tests.geodesic import geodesic_area_km2

pytestmark = [pytest.mark.mirror]

CONTOURS = "contours-communes-2018/communes-{}.geojson"


def test_uncovered_part_of_two_squares_is_the_second_one() -> None:
    west, east = box(5.9, 44.1, 6.0, 44.3), box(6.0, 44.1, 6.1, 44.3)
    perimeter = gpd.GeoDataFrame({"cpts": ["A"], "cpts_id": ["a"], "feature": [0]},
                                 geometry=[shapely.union(west, east)], crs=4326)
    polygons = gpd.GeoDataFrame({"departement": ["04"]}, geometry=[west], crs=4326)
    gaps = uncovered_parts(perimeter, polygons)
    assert gaps["area_km2"].iloc[0] == pytest.approx(geodesic_area_km2(east), rel=1e-4)
    whole = geodesic_area_km2(box(5.9, 44.1, 6.1, 44.3))
    assert gaps["share"].iloc[0] == pytest.approx(geodesic_area_km2(east) / whole, rel=1e-4)
    # A perimeter meeting no unit is uncovered whole.
    far = perimeter.assign(geometry=[box(7.0, 45.0, 7.1, 45.1)])
    gaps = uncovered_parts(far, polygons)
    assert gaps["share"].iloc[0] == 1.0
    assert gaps["area_km2"].iloc[0] == pytest.approx(geodesic_area_km2(box(7.0, 45.0, 7.1, 45.1)), rel=1e-4)


@pytest.fixture(scope="module")
def drawn(mirror: Path, fixture_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A data folder whose database also holds a GeoJSON listing « dessin » of four drawn CPTS."""
    c04 = gpd.read_file(mirror / CONTOURS.format("04-alpes-de-haute-provence"))
    c05 = gpd.read_file(mirror / CONTOURS.format("05-hautes-alpes"))
    c83 = gpd.read_file(mirror / CONTOURS.format("83-var"))
    c976 = gpd.read_file(mirror / CONTOURS.format("976-mayotte"))
    shape = {code: geometry for frame in (c04, c05, c83, c976)
             for code, geometry in zip(frame["code"], frame.geometry, strict=True)}
    vinon = shape["83150"]
    # Communes of the 04 around Vinon-sur-Verdon (83): a large perimeter of which Vinon is less than 2 %.
    around = [g for g in c04.geometry if g.distance(vinon) < 0.4]
    large = shapely.union_all([*around, vinon])
    drawn = {"CPTS Sisteron Buëch": shapely.union(shape["04209"], shape["05118"]), "CPTS Digne": shape["04070"],
             "CPTS Gap": shape["05061"], "CPTS Verdon Vinon": large,
             # An overseas CPTS in the same listing as mainland ones (its own projection).
             "CPTS Mamoudzou": shape["97611"]}
    features = [{"type": "Feature", "properties": {"cpts": name}, "geometry": shapely.geometry.mapping(geometry)}
                for name, geometry in drawn.items()]
    folder = tmp_path_factory.mktemp("dessin")
    path = folder / "dessin.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    data = folder / "donnees"
    (data / "processed").mkdir(parents=True)
    shutil.copy(fixture_data_dir / "processed" / "cpts.duckdb", data / "processed" / "cpts.duckdb")
    (data / "raw").symlink_to(fixture_data_dir / "raw", target_is_directory=True)
    con = duckdb.connect(str(data / "processed" / "cpts.duckdb"))
    try:
        listing_step(path)(con, mirror, True, Scope(frozenset(FIXTURE_DEPARTEMENTS)))
    finally:
        con.close()
    loaded = c04.geometry.union_all()
    return {"data": data, "maps": folder / "cartes",
            # The parts that no commune of the 04 covers (the contours are generalised).
            "outside": {"CPTS Sisteron Buëch": geodesic_area_km2(shapely.difference(shape["05118"], loaded)),
                        "CPTS Verdon Vinon": geodesic_area_km2(shapely.difference(vinon, loaded))},
            "share_vinon": geodesic_area_km2(vinon) / geodesic_area_km2(large)}


def test_perimeter_crossing_the_loaded_departements_is_reported(drawn: dict[str, object]) -> None:
    con = duckdb.connect(str(Path(str(drawn["data"])) / "processed" / "cpts.duckdb"), read_only=True)
    try:
        rows = con.execute("SELECT cpts, code, detail_fr FROM cpts_anomalies "
                           "WHERE listing = 'dessin' AND kind = 'hors_departements_charges' ORDER BY cpts").fetchall()
        outside: dict[str, float] = drawn["outside"]  # type: ignore[assignment]
        # Digne's commune contour is all loaded; Gap's is all outside; Vinon is under 2 % of its perimeter.
        assert [r[0] for r in rows] == ["CPTS Gap", "CPTS Sisteron Buëch", "CPTS Verdon Vinon"]
        assert all(r[1] is None for r in rows)
        assert "(100 %)" in rows[0][2]
        # Gap has no loaded member: not « diagnosed without » its communes, and not « no commune has its point
        # here » either (a review: both were said, and the second denies Gap's communes).
        assert rows[0][2].endswith("la CPTS n'a aucun membre dans la base, ses communes sont dans des départements "
                                   "non chargés (chargez-les pour la diagnostiquer)")
        assert all(r[2].endswith("(chiffres peut-être partiels)") for r in rows[1:])
        assert con.execute("SELECT count(*) FROM cpts_anomalies WHERE listing = 'dessin' AND cpts = 'CPTS Gap' "
                           "AND kind = 'perimetre_sans_unite'").fetchall()[0] == (0,)
        assert float(drawn["share_vinon"]) < 0.02  # type: ignore[arg-type]
        for name, detail in ((r[0], r[2]) for r in rows[1:]):
            assert f"{outside[name]:.0f} km² de son périmètre" in detail and outside[name] > 5
            assert "hors des départements chargés (départements 04, 13, 33, 75, 976)" in detail
        # The unloaded communes whose point each perimeter holds are named, not « ou en mer » (a review).
        names = raw.names("6.0.0")
        for (name, _, detail), code in zip(rows, ("05061", "05118", "83150"), strict=True):
            assert (f"chargés (départements 04, 13, 33, 75, 976) ; il contient le point représentatif de 1 commune de "
                    f"départements non chargés, {names[code]} ({code}, département {code[:2]}) : ") in detail, name
        # Gap, drawn wholly beyond the load, is no « CPTS inconnue »: its anomaly says what it holds (a review).
        with pytest.raises(TerritoryError) as info:
            resolve_territory(con, "cpts:CPTS Gap")
        assert info.value.message == ("CPTS « CPTS Gap » (liste dessin) : aucune de ses communes n'est dans la base ; "
                                      + rows[0][2])
        territory = resolve_territory(con, "cpts:CPTS Sisteron Buëch")
        assert list(territory.units["unit_code"]) == ["04209"]
        d = compute(con, territory, DiagnosticOptions(territory="cpts:CPTS Sisteron Buëch"))
    finally:
        con.close()
    assert any(n.startswith("une partie du périmètre dessiné de la CPTS ne recouvre aucune commune chargée")
               for n in d.notes)
    # The commune of the 05 it holds is named, as in its listing's anomaly (a review: « ou mer »).
    assert any(n.startswith("une partie du périmètre dessiné de la CPTS ne recouvre aucune commune chargée dans la "
                            "base ; il contient le point représentatif de 1 commune de départements non chargés, "
                            f"{raw.names('6.0.0')['05118']} (05118, département 05) (make data") for n in d.notes)
    assert not any("de la CPTS dans sa liste" in n and "hors des départements chargés" in n for n in d.notes)


def test_comparison_does_not_rank_a_drawn_cpts_partly_outside(drawn: dict[str, object],
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    with cli_environment(Path(str(drawn["data"])), Path(str(drawn["maps"]))):
        code = cli.main(["diagnostics", "--liste", "dessin"])
    out = capsys.readouterr().out
    assert code == 0
    # Gap's perimeter covers no loaded commune: named, never silently left out.
    assert "1 CPTS de la liste sans commune chargée dans la base, non diagnostiquées : CPTS Gap" in out
    folder = Path(str(drawn["data"])) / "processed" / "comparaison-dessin"
    table = pd.read_csv(folder / "comparaison.csv", dtype={"cpts": str}).set_index("cpts")
    assert set(table.index) == {"CPTS Digne", "CPTS Sisteron Buëch", "CPTS Verdon Vinon", "CPTS Mamoudzou"}
    assert table.loc["CPTS Digne", "communes_hors_base"] == 0
    for partial in ("CPTS Sisteron Buëch", "CPTS Verdon Vinon"):
        assert pd.isna(table.loc[partial, "communes_hors_base"])  # unknown: a drawn part outside the load
        assert pd.isna(table.loc[partial, "rang_population"])
    page = (Path(str(drawn["maps"])) / "comparaison-dessin" / "index.html").read_text(encoding="utf-8")
    assert "1 CPTS de la liste n'a aucune commune chargée dans la base" in page.replace("\\u0027", "'")
    assert "CPTS Gap" in page
    # The listing's only CPTS of Mayotte claims Mamoudzou alone, under half of the département's inhabitants: no
    # listing speaks for Mayotte, so whether its neighbours are covered is unknown (« non disponible », not 0).
    con = duckdb.connect(str(Path(str(drawn["data"])) / "processed" / "cpts.duckdb"), read_only=True)
    members, mayotte = members_and_polygons(con, ("976",), 32738)
    own = set(members.loc[members["cpts"] == "CPTS Mamoudzou", "unit_code"])
    assert own == {"97611"}
    share = mayotte.loc[mayotte["code"].isin(own), "population"].sum() / mayotte["population"].sum()
    assert 0 < share < 0.5
    assert pd.isna(table.loc["CPTS Mamoudzou", "population_non_couverte_proche"])
    # Gap's line names its département, known from the points of the communes under its drawn perimeter (a review
    # found it empty), with the command that loads it.
    left_out = pd.read_csv(folder / "non_diagnostiquees.csv", dtype=str).set_index("cpts")
    assert left_out.loc["CPTS Gap", "departements"] == "05"
    wanted = ",".join(sorted({*FIXTURE_DEPARTEMENTS, "05"}))
    assert f"make data DEPARTEMENTS={wanted} les ajoute" in left_out.loc["CPTS Gap", "raison"]


def test_a_region_batch_names_a_cpts_drawn_in_its_unloaded_departements(drawn: dict[str, object]) -> None:
    """A review: ``diagnostics --region`` left out, without a word, a perimeter drawn in the région's départements
    not loaded (it looked for the listed codes only). Gap (05) is PACA's (93), not Auvergne-Rhône-Alpes's (84)."""
    from pipeline.app.batch_unloaded import coded_out_of_scope, outside_in_region

    con = duckdb.connect(str(Path(str(drawn["data"])) / "processed" / "cpts.duckdb"), read_only=True)
    try:
        coded = coded_out_of_scope(con)
        assert ("CPTS Gap", "dessin") in outside_in_region(con, "93", coded)
        assert ("CPTS Gap", "dessin") not in outside_in_region(con, "84", coded)
    finally:
        con.close()
