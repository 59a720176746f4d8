"""Territories made of arrondissements of Paris and Marseille get their own figures (issue 11, item 1).

Diagnostics computed once for the module on the fixture database (départements
04, 13, 33, 75, 976; the PACA listing; three years of demonstration
registries). Known answers come from the raw files: the demonstration
Annuaire Santé extraction read with pandas (a Marseille practitioner is
written with the city code 13055 and the postal code of the arrondissement,
as real files write it), the Etalab 2026 populations, the arrondissement
polygons of the mirror measured here in Lambert 93 with geopandas, and the
DREES APL workbook.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd
import pytest
import shapely

from pipeline.app.diagnostic import compute
from pipeline.app.sections.flows import domain_points
from pipeline.model import DiagnosticOptions
from pipeline.model.diagnostic import Diagnostic
from pipeline.params import default_params
from pipeline.store.territory import resolve_territory
from tests.app.test_diagnostic_e2e import drees_apl, listing_codes, raw_json
from tests.conftest import mirror_path
from tests.geodesic import geodesic_area_km2, geodesic_areas_km2

pytestmark = pytest.mark.mirror

MARSEILLE_11_13 = "cpts:CPTS Itinéraire Santé"  # Marseille 11e, 12e, 13e in the PACA listing
MARSEILLE = [str(13201 + i) for i in range(16)]
PARIS_18_20 = ["75118", "75119", "75120"]
SPECS = {
    "itineraire": MARSEILLE_11_13,
    "ville": "communes:13055",
    "arrondissements": "communes:" + ",".join(MARSEILLE),
    "paris": "communes:" + ",".join(PARIS_18_20),
}
GP = "Médecins généralistes"
GP_SPECIALTIES = {"SM26", "SM53", "SM54"}  # TRE_R38 codes of general practice
MARSEILLE_CPTS = {
    "CPTS Coordination Santé Marseille 1-2-3": ["13201", "13202", "13203"],
    "CPTS Activ'Santé": ["13204", "13205"],
    "CPTS du Plateau": ["13206"],
    "CPTS Marseille 7e": ["13207"],
    "CPTS Littoral Sud": ["13208", "13209"],
    "CPTS Vitale Santé 10": ["13210"],
    "CPTS Itinéraire Santé": ["13211", "13212", "13213"],
    "CPTS Actes Santé": ["13214", "13215", "13216"],
}


# --------------------------------------------------------------------------- independent known answers


@cache
def mirror_arrondissements() -> gpd.GeoDataFrame:
    """The 45 arrondissement polygons of the mirror, with their geodesic area (km²)."""
    path = (mirror_path() / "contours-arrondissements-2023"
            / "georef-france-commune-arrondissement-municipal-2023.geojson")
    frame = gpd.read_file(path)
    frame["code"] = frame["com_arm_code"].map(lambda v: str(v[0]))
    frame["area_km2"] = geodesic_areas_km2(frame.to_crs(4326).geometry)
    return frame[["code", "area_km2", "geometry"]].set_index("code")


def populations(codes: list[str]) -> int:
    """Etalab 2026 population of arrondissements (raw package)."""
    units = {c["code"]: int(c.get("population") or 0) for c in raw_json("6.0.0", "communes")
             if c["type"] == "arrondissement-municipal"}
    return sum(units[c] for c in codes)


def raw_activities(data_dir: Path) -> pd.DataFrame:
    """The latest demonstration Annuaire Santé extraction, with the arrondissement each row names."""
    path = sorted((data_dir / "raw" / "demo").glob("PS_LibreAcces_Personne_activite_*.txt"))[-1]
    columns = ["Identification nationale PP", "Code profession", "Code savoir-faire",
               "Code commune (coord. structure)", "Code postal (coord. structure)"]
    frame = pd.read_csv(path, sep="|", usecols=columns, dtype=str, quoting=csv.QUOTE_NONE).fillna("")
    commune = frame["Code commune (coord. structure)"]
    postal = frame["Code postal (coord. structure)"]
    # Marseille's postal codes 13001…13016 name arrondissements 13201…13216; Paris 75001…75020, 75116.
    arrondissement = pd.Series("", index=frame.index)
    for city, first_postal, first_code, count in (("13055", 13001, 13201, 16), ("75056", 75001, 75101, 20)):
        for rank in range(count):
            in_it = (commune.isin([city, ""])) & (postal == str(first_postal + rank))
            arrondissement[in_it | (commune == str(first_code + rank))] = str(first_code + rank)
    arrondissement[(commune.isin(["75056", ""])) & (postal == "75116")] = "75116"
    return frame.assign(arrondissement=arrondissement)


# --------------------------------------------------------------------------- diagnostics, once


@pytest.fixture(scope="module")
def con(fixture_data_dir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(fixture_data_dir / "processed" / "cpts.duckdb"), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def diagnostics(con: duckdb.DuckDBPyConnection) -> dict[str, Diagnostic]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CPTS_QUIET", "1")
        return {key: compute(con, resolve_territory(con, spec), DiagnosticOptions(territory=spec))
                for key, spec in SPECS.items()}


def supply_row(d: Diagnostic, groupe: str) -> pd.Series:
    assert d.supply is not None
    return d.supply.table.set_index("groupe").loc[groupe]


# --------------------------------------------------------------------------- supply


def test_marseille_cpts_counts_the_practitioners_of_its_arrondissements(
    diagnostics: dict[str, Diagnostic], fixture_data_dir: Path
) -> None:
    d = diagnostics["itineraire"]
    units = listing_codes("CPTS Itinéraire Santé")
    assert units == ["13211", "13212", "13213"] and d.territory.unit_codes == units
    raw = raw_activities(fixture_data_dir)
    inside = raw[raw["arrondissement"].isin(units)]
    gps = inside[(inside["Code profession"] == "10") & inside["Code savoir-faire"].isin(GP_SPECIALTIES)]
    head_count = gps["Identification nationale PP"].nunique()
    assert head_count > 0
    assert supply_row(d, GP)["praticiens"] == head_count
    # Every practitioner has one profession, hence one Trame row: the rows add up to the distinct identifiers.
    assert d.supply is not None
    people = d.supply.table[d.supply.table["unite"] == "professionnels"]["praticiens"].sum()
    assert people == inside["Identification nationale PP"].nunique()
    # The density divides the arrondissements' practitioners by the arrondissements' population.
    population = populations(units)
    assert d.population.total == population
    assert supply_row(d, GP)["densite_10000"] == pytest.approx(head_count / population * 10_000)
    # Far below the whole city's GPs over three arrondissements' population (the bug: 67 per 10 000).
    city_gps = supply_row(diagnostics["ville"], GP)["praticiens"]
    assert supply_row(d, GP)["densite_10000"] < city_gps / population * 10_000 / 2
    # References are those of the département, région and France, as for the city.
    for column in ("densite_departement", "densite_region", "densite_france"):
        assert supply_row(d, GP)[column] == supply_row(diagnostics["ville"], GP)[column]


def test_the_whole_city_and_the_sum_of_its_arrondissements_give_the_same_totals(
    diagnostics: dict[str, Diagnostic], con: duckdb.DuckDBPyConnection
) -> None:
    city, parts = diagnostics["ville"], diagnostics["arrondissements"]
    assert city.supply is not None and parts.supply is not None
    # Every practitioner of the demonstration data is placed in an arrondissement (postal code).
    assert con.execute("SELECT count(*) FROM ps_activites_courantes WHERE commune = '13055' "
                       "AND unite = '13055'").fetchone() == (0,)
    whole = city.supply.table.set_index("groupe")
    summed = parts.supply.table.set_index("groupe")
    assert whole["praticiens"].tolist() == summed["praticiens"].tolist()  # MSP and centres de santé included
    assert whole["dont_liberaux"].tolist() == summed["dont_liberaux"].tolist()
    assert whole["praticiens_etp"].fillna(-1).tolist() == pytest.approx(summed["praticiens_etp"].fillna(-1).tolist())
    assert city.supply.by_mode.equals(parts.supply.by_mode)
    assert city.supply.by_recours.equals(parts.supply.by_recours)
    assert city.taille.professionals == parts.taille.professionals
    # The city held whole is one unit: its practitioners per unit are the territory's head counts.
    whole_per_unit = city.supply.per_unit.set_index("groupe")
    assert set(whole_per_unit["code"]) == {"13055"}
    assert whole_per_unit["effectif"].to_dict() == {
        g: n for g, n in whole["praticiens"].items() if g in whole_per_unit.index}


def test_the_map_counts_each_unit_s_distinct_practitioners_as_the_tables_do(
    diagnostics: dict[str, Diagnostic], fixture_data_dir: Path
) -> None:
    """A review: the map's popup showed Arles's site shares rounded (« 84 » GPs where the tables count 86 distinct
    practitioners) and its GP density divided those shares by the population."""
    d = diagnostics["itineraire"]
    assert d.supply is not None
    raw = raw_activities(fixture_data_dir)
    gps = raw[(raw["Code profession"] == "10") & raw["Code savoir-faire"].isin(GP_SPECIALTIES)]
    shown = d.supply.per_unit[d.supply.per_unit["groupe"] == GP].set_index("code")["effectif"]
    expected = {unit: gps.loc[gps["arrondissement"] == unit, "Identification nationale PP"].nunique()
                for unit in d.territory.unit_codes}
    assert all(count > 0 for count in expected.values())
    assert shown.to_dict() == expected
    density = d.communes_geo.set_index("code")["densite_mg_10000"]
    for unit, count in expected.items():
        assert density[unit] == pytest.approx(count / populations([unit]) * 10_000)


def test_establishments_inside_are_those_of_the_arrondissements(
    diagnostics: dict[str, Diagnostic], con: duckdb.DuckDBPyConnection
) -> None:
    d = diagnostics["itineraire"]
    assert d.establishments is not None
    expected = {r[0] for r in con.execute(
        "SELECT finess FROM etablissements WHERE unite IN ('13211', '13212', '13213')").fetchall()}
    assert expected
    assert set(d.establishments.loc[d.establishments["dans_territoire"], "finess"]) == expected
    # « Near »: within 10 km of the arrondissements' own perimeter, not of the city's.
    near = d.establishments[~d.establishments["dans_territoire"]]
    assert len(near) and near["distance_km"].between(0, default_params().diagnostic.near_km).all()
    assert set(near["unite"]) & {"13201", "13207"}  # other arrondissements are « near », not inside
    msp = supply_row(d, "MSP")["praticiens"]
    assert msp == con.execute("SELECT count(*) FROM etablissements WHERE groupe = 'MSP' "
                              "AND unite IN ('13211', '13212', '13213')").fetchone()[0]


# --------------------------------------------------------------------------- geometry: polygons, areas, densities


def test_arrondissement_territory_has_the_area_of_its_arrondissements(diagnostics: dict[str, Diagnostic]) -> None:
    d = diagnostics["itineraire"]
    mirror = mirror_arrondissements()
    codes = ["13211", "13212", "13213"]
    expected = float(mirror.loc[codes, "area_km2"].sum())
    assert d.population.area_km2 == pytest.approx(expected, rel=1e-3)
    assert d.population.density == pytest.approx(d.population.total / expected, rel=1e-3)
    per_unit = d.units.set_index("unit_code")["surface_km2"]
    for code in codes:
        assert per_unit[code] == pytest.approx(mirror.loc[code, "area_km2"], rel=1e-3)
    # The perimeter is the union of the three arrondissements, not the city (238 km²).
    area = geodesic_area_km2(d.perimeter.to_crs(4326).geometry.iloc[0])
    assert area == pytest.approx(expected, rel=5e-3)
    references = d.population.references.set_index("zone")
    assert references.loc["Territoire", "surface_km2"] == pytest.approx(expected, rel=1e-3)


def test_paris_arrondissements_have_their_own_map_polygons_and_densities(
    diagnostics: dict[str, Diagnostic], fixture_data_dir: Path
) -> None:
    d = diagnostics["paris"]
    raw = raw_activities(fixture_data_dir)
    gps = raw[(raw["Code profession"] == "10") & raw["Code savoir-faire"].isin(GP_SPECIALTIES)]
    mirror = mirror_arrondissements()
    geo = d.communes_geo.set_index("code")
    assert sorted(geo.index) == PARIS_18_20
    raw_population = {c["code"]: int(c["population"]) for c in raw_json("6.0.0", "communes") if c["code"] in geo.index}
    apl = drees_apl()[2023].set_index("code")["apl"]
    for code in PARIS_18_20:
        own = mirror.loc[code, "geometry"]
        drawn = geo.loc[code, "geometry"]
        assert shapely.intersection(own, drawn).area / shapely.union(own, drawn).area > 0.99
        assert geo.loc[code, "population"] == raw_population[code]
        assert geo.loc[code, "densite_hab_km2"] == pytest.approx(raw_population[code] / mirror.loc[code, "area_km2"],
                                                                 rel=1e-3)
        # The GP density layer: distinct GPs placed in the arrondissement (raw file), per 10 000 inhabitants, as
        # the territory's density counts them.
        head_count = gps.loc[gps["arrondissement"] == code, "Identification nationale PP"].nunique()
        assert head_count > 0
        assert geo.loc[code, "densite_mg_10000"] == pytest.approx(head_count / raw_population[code] * 10_000)
        # The arrondissement's own DREES APL row.
        assert geo.loc[code, "apl_2023"] == pytest.approx(float(apl[code]))
    assert d.population.area_km2 == pytest.approx(float(mirror.loc[PARIS_18_20, "area_km2"].sum()), rel=1e-3)
    assert d.population.density == pytest.approx(sum(raw_population.values()) / d.population.area_km2)


def test_no_note_says_the_whole_city_is_counted(diagnostics: dict[str, Diagnostic]) -> None:
    for d in diagnostics.values():
        text = " ".join(d.notes)
        assert "pas de polygone propre" not in text
        assert "l'offre de la commune entière est comptée" not in text
        assert "sans polygone" not in text


# --------------------------------------------------------------------------- QPV


def test_qpv_of_marseille_are_not_attributed_to_an_arrondissement(
    diagnostics: dict[str, Diagnostic], con: duckdb.DuckDBPyConnection
) -> None:
    message = "QPV de Marseille : non attribuables à un arrondissement dans le fichier de zonage"
    assert diagnostics["itineraire"].units["particularites"].tolist() == [message] * 3
    # The whole city lists every QPV the zoning file gives 13055.
    listed = diagnostics["ville"].units["particularites"].iloc[0]
    expected = con.execute("SELECT qpv_id FROM qpv_zonage WHERE commune = '13055'").fetchall()
    assert len(expected) > 1 and listed.count("QPV ") == len(expected)
    # Paris is outside the zoning file (région 93 only).
    assert set(diagnostics["paris"].units["particularites"]) == {"non renseigné"}


# --------------------------------------------------------------------------- neighbours


def test_marseille_cpts_touch_but_do_not_share(diagnostics: dict[str, Diagnostic]) -> None:
    table = diagnostics["itineraire"].neighbours.set_index("cpts")
    # Marseille 10e borders the 11e, Marseille 14e–16e the 13e: neighbours, nothing shared.
    for name in ("CPTS Vitale Santé 10", "CPTS Actes Santé"):
        assert table.loc[name, "limitrophe"] and table.loc[name, "unites_communes"] == ""
    assert "CPTS Marseille 7e" not in table.index  # 2.9 km away from the 11e–13e
    assert "CPTS du Verdon" not in table.index


def test_the_whole_city_shares_each_arrondissement_cpts(diagnostics: dict[str, Diagnostic]) -> None:
    table = diagnostics["ville"].neighbours.set_index("cpts")
    for name, codes in MARSEILLE_CPTS.items():
        assert table.loc[name, "unites_communes"] == ", ".join(codes)
        assert table.loc[name, "population_commune"] == populations(codes)


# --------------------------------------------------------------------------- flows and APL approchée


def test_flows_run_on_arrondissements(diagnostics: dict[str, Diagnostic], con: duckdb.DuckDBPyConnection) -> None:
    d = diagnostics["paris"]
    params = default_params()
    points = domain_points(con, d.perimeter, "75", 2 * params.flows.cutoff_km)
    assert {"75118", "75101"} <= set(points["code"]) and "75056" not in set(points["code"])
    assert d.flows is not None and d.flows.available
    syn = d.flows.synthesis.set_index("groupe").loc[GP]
    # The model emits population × rate from each unit: the residents' consultations are those of the
    # three arrondissements' populations, not of Paris.
    rate = next(r for g, r in params.flows.rates.items() if g.lower() == GP.lower())
    assert syn["recours_residents"] + syn["non_affecte"] == pytest.approx(populations(PARIS_18_20) * rate)
    lines = d.flows.lines
    assert len(lines) and "75056" not in set(lines["origin"]) | set(lines["destination"])
    assert set(lines["origin"]) & {"75117", "75118", "75119", "75120", "75110", "75111"}
    # The APL approchée is given per arrondissement, beside the arrondissement's official APL.
    assert d.access is not None
    access = d.access.communes.set_index("code")
    assert sorted(access.index) == PARIS_18_20
    apl = drees_apl()[2023].set_index("code")["apl"]
    for code in PARIS_18_20:
        assert access.loc[code, "apl_officielle_2023"] == pytest.approx(float(apl[code]))
        assert access.loc[code, "nom"].startswith("Paris")
    assert d.access.spearman_territory[1] == 3


def test_whole_city_flows_and_apl_on_its_arrondissements(diagnostics: dict[str, Diagnostic]) -> None:
    d = diagnostics["ville"]
    assert d.access is not None and d.flows is not None
    assert sorted(d.access.communes["code"]) == MARSEILLE
    syn = d.flows.synthesis.set_index("groupe").loc[GP]
    rate = next(r for g, r in default_params().flows.rates.items() if g.lower() == GP.lower())
    assert syn["recours_residents"] + syn["non_affecte"] == pytest.approx(populations(MARSEILLE) * rate)
    # Marseille's bassin de vie is cut by the city's limits: its arrondissements are its units inside.
    bv = d.flows.bassins_de_vie
    marseille = bv[(bv["bassin_de_vie"] == "13055") & (bv["groupe"] == GP)].iloc[0]
    assert marseille["n_communes_dans_territoire"] == 16
