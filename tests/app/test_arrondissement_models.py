"""Models and coverage on analysis units (issue 11 item 1; issue 12 item 7 for the E2SFCA demand).

* the APL approchée's demand is the DREES standardised population where the
  workbook has it (arrondissements included), the total population otherwise;
* a ``FLUX=`` table may give arrondissements or cities: arrondissements stay
  units, and a city code that a territory of some of its arrondissements
  cannot split is left out of the territory's indicators with a French note;
* a what-if placed on a city modelled by arrondissement is refused in French;
* the coverage of the Bouches-du-Rhône gives each Marseille CPTS its own
  perimeter, area and population, and overlap areas count arrondissements.

Known answers: the DREES APL workbook and the arrondissement polygons of the
mirror (areas measured here in Lambert 93), the Etalab 2026 populations.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import shapely

from pipeline.analysis import flows
from pipeline.app import coverage
from pipeline.app.flow_model import NO_PROFESSION_NOTE
from pipeline.app.sections.flow_table import read_flow_table
from pipeline.app.sections.flows import apl_demand, without_arrondissement
from pipeline.app.sections.units import flow_codes, of_units, split_cities, summed_per_unit, unit_of_rows
from pipeline.app.sections.what_if_inputs import check_what_if_places
from pipeline.errors import PipelineError
from pipeline.model import CoverageOptions, WhatIfChange
from pipeline.model.coverage import Coverage
from pipeline.sources.od_table import GROUPE_MG
from pipeline.store.queries import apl as apl_queries
from pipeline.store.queries import listings
from tests.app.test_arrondissement_diagnostic import MARSEILLE, MARSEILLE_CPTS, mirror_arrondissements, populations
from tests.app.test_diagnostic_e2e import drees_apl, population_2026
from tests.geodesic import geodesic_area_km2

pytestmark = pytest.mark.mirror

ITINERAIRE = ["13211", "13212", "13213"]


@pytest.fixture(scope="module")
def con(fixture_data_dir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(fixture_data_dir / "processed" / "cpts.duckdb"), read_only=True)
    yield connection
    connection.close()


# --------------------------------------------------------------------------- units


def test_rows_belong_to_arrondissement_units_by_unite_and_to_communes_by_commune() -> None:
    rows = pd.DataFrame({"unite": ["13211", "13201", "13055", "04070"],
                         "commune": ["13055", "13055", "13055", "04070"]})
    # Marseille 11e takes its own rows only: not another arrondissement's, nor those placed in no arrondissement.
    assert unit_of_rows(rows, ITINERAIRE).fillna("-").tolist() == ["13211", "-", "-", "-"]
    assert unit_of_rows(rows, ["13055", "04070"]).tolist() == ["13055", "13055", "13055", "04070"]
    assert split_cities(ITINERAIRE) == {"13055": ITINERAIRE}
    assert split_cities(MARSEILLE) == {} and split_cities(["13055"]) == {}
    assert set(flow_codes(["13055"])) == {"13055", *MARSEILLE}
    assert set(flow_codes(MARSEILLE)) == {"13055", *MARSEILLE}
    assert flow_codes(ITINERAIRE) == ITINERAIRE


def test_only_rows_of_no_known_arrondissement_are_said_unplaced() -> None:
    """A domain holding four arrondissements of Marseille (the edge of Gap's neighbourhood): rows of the other
    arrondissements are beyond the domain, not « sans arrondissement déterminé »; only the city-coded row is."""
    rows = pd.DataFrame({"commune": ["13055", "13055", "13055", "05061"],
                         "unite": ["13213", "13208", "13055", "05061"]})
    domain = {"13213", "13214", "13215", "13216", "05061"}
    placed = unit_of_rows(rows, domain)
    assert placed.iloc[0] == "13213" and pd.isna(placed.iloc[1]) and pd.isna(placed.iloc[2])
    assert without_arrondissement(rows, placed, domain).tolist() == [False, False, True, False]


def supply_per_unit(offre: pd.DataFrame, units: list[str]) -> pd.DataFrame:
    """The flows model's supply per unit: the rows of the units' communes, placed, then summed."""
    rows = of_units(offre, units)
    return summed_per_unit(rows, unit_of_rows(rows, units))


def test_supply_per_unit_sums_the_rows_each_unit_takes_and_reads_no_other_commune() -> None:
    offre = pd.DataFrame({
        "unite": ["13211", "13211", "13201", "13055", "04070", "04001", "13211"],
        "commune": ["13055", "13055", "13055", "13055", "04070", "04001", "13055"],
        "groupe": ["Médecins généralistes", "Infirmiers", "Médecins généralistes", "Médecins généralistes",
                   "Médecins généralistes", "Médecins généralistes", "Médecins généralistes"],
        "etp_sites": [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 0.25],
    })
    # Marseille 11e: its own two GP rows (0.5 + 0.25) and its nurse; the 1er's and the unplaced row are not its.
    assert supply_per_unit(offre, ["13211", "04070"]).to_dict("records") == [
        {"code": "04070", "groupe": "Médecins généralistes", "effectif": 8.0},
        {"code": "13211", "groupe": "Infirmiers", "effectif": 1.0},
        {"code": "13211", "groupe": "Médecins généralistes", "effectif": 0.75},
    ]
    # Marseille held whole takes every row of the city, placed in an arrondissement or not: 0.5 + 2 + 4 + 0.25.
    whole = supply_per_unit(offre, ["13055"])
    assert whole[whole["groupe"] == "Médecins généralistes"]["effectif"].tolist() == [6.75]
    # The rows kept before placing: those of the units' communes (the city of an arrondissement unit), in order.
    assert of_units(offre, ["13211"]).index.tolist() == [0, 1, 2, 3, 6]
    assert of_units(offre, ["04001"]).index.tolist() == [5]


def test_the_models_count_ambulatory_practice_only_as_the_drees_apl() -> None:
    """The DREES APL counts « omnipraticiens libéraux et salariés en centre de santé »; a review found the GPs
    salaried in hospitals and médico-social establishments (« hors ambulatoire ») counted by the flows and the
    APL approchée. By hand: 04070 holds 1 (libéral) + 0,5 (salaried in a centre de santé) of ambulatory GPs; its 2
    hospital GPs, 0,5 in an EHPAD, 0,75 salaried where the registry gives no setting (« non renseigné », a second
    review) and 0,25 volunteer in a centre de santé (« bénévole », which the DREES does not count) are left out."""
    from pipeline.app.flow_model import ambulatory, gp_supply
    from pipeline.params import default_params

    offre = pd.DataFrame({
        "unite": ["04070"] * 7, "commune": ["04070"] * 7, "groupe": ["Médecins généralistes"] * 7,
        "recours": ["premier", "premier", "premier", "hors ambulatoire", "hors ambulatoire", "premier",
                    "non renseigné"],
        "mode": ["libéral", "salarié", "bénévole", "salarié", "salarié", "libéral", "salarié"],
        "cadre": ["cabinet", "centre de santé", "centre de santé", "établissement de santé",
                  "établissement médico-social", "cabinet", "non renseigné"],
        "etp_sites": [1.0, 0.5, 0.25, 2.0, 0.5, 0.0, 0.75],
    })
    assert ambulatory(offre).index.tolist() == [0, 1, 5]
    assert gp_supply(offre, {"04070"}, default_params().flows)["effectif"].tolist() == [1.5]
    assert supply_per_unit(ambulatory(offre), ["04070"])["effectif"].tolist() == [1.5]


def test_the_diagnostic_s_model_holds_the_ambulatory_supply(con: duckdb.DuckDBPyConnection) -> None:
    """The diagnostic's model (flows_and_access) takes :func:`ambulatory` rows: a removal beyond them is refused
    with what the model holds, read here from the database with the rule of the DREES APL."""
    from pipeline.app.diagnostic import compute
    from pipeline.model import DiagnosticOptions, parse_what_if
    from pipeline.store.territory import resolve_territory

    held, every = con.execute(
        # « une pratique en ambulatoire […] de manière libérale ou salarié en centre de santé » (seed 000): a cabinet
        # or a centre de santé, or libéral anywhere but in a hospital.
        "SELECT sum(etp_sites) FILTER (WHERE cadre IN ('cabinet', 'centre de santé') "
        "OR (mode = 'libéral' AND cadre <> 'établissement de santé')), sum(etp_sites) "
        "FROM offre_commune WHERE unite = '04070' AND groupe = 'Médecins généralistes'").fetchall()[0]
    assert 0 < held < every  # Digne-les-Bains has GPs in its hospital
    spec = "communes:04070"
    with pytest.raises(PipelineError) as info:
        compute(con, resolve_territory(con, spec),
                DiagnosticOptions(territory=spec, what_if=parse_what_if("médecins généralistes:-999@04070")))
    assert f"(le modèle y compte {held:g}".replace(".", ",") in str(info.value)


# --------------------------------------------------------------------------- E2SFCA demand


def test_apl_approchee_demand_is_the_drees_standardised_population(con: duckdb.DuckDBPyConnection) -> None:
    points = pd.DataFrame({"code": ["13211", "04070", "97611"],
                           "population": [population_2026_unit("13211"), population_2026(["04070"]),
                                          population_2026(["97611"])]})
    demand, text = apl_demand(points, apl_queries.apl_current(con))
    workbook = drees_apl()[2023].set_index("code")["pop"]
    by_code = demand.set_index("code")["population"]
    # Marseille 11e has its own row in the workbook; Digne-les-Bains too; Mamoudzou (Mayotte) has no APL.
    assert by_code["13211"] == pytest.approx(float(workbook["13211"]))
    assert by_code["04070"] == pytest.approx(float(workbook["04070"]))
    assert "97611" not in workbook.index and by_code["97611"] == population_2026(["97611"])
    assert text == (
        "Demande : population standardisée de la DREES (APL 2023 ; population pondérée par la consommation de "
        "soins de médecins généralistes selon l'âge, comme pour l'APL officielle) pour 2 des 3 unités du "
        "voisinage, population municipale totale pour les 1 unités absentes du classeur")
    # Without the workbook, the total population, said so.
    empty = apl_queries.apl_current(con).iloc[0:0]
    demand, text = apl_demand(points, empty)
    assert demand["population"].tolist() == points["population"].astype(float).tolist()
    assert text == "Demande : population municipale totale (classeur APL de la DREES non chargé)"


def population_2026_unit(code: str) -> int:
    return populations([code])


# --------------------------------------------------------------------------- FLUX= tables on units


def write_table(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "flux.csv"
    path.write_text("origine;destination;volume\n" + body, encoding="utf-8")
    return path


def test_rows_from_the_whole_city_widen_the_range(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """A review's table: 13201–13203 (Marseille 1er–3e), one row from Marseille as a whole into 13201. Residents:
    50 + 10 + 10 inside of 120; the 100 from the city may be theirs: between 70 / 120 = 58 % and 170 / 220 = 77 %."""
    path = write_table(tmp_path, "13201;13201;50\n13201;13204;50\n13055;13201;100\n13204;13201;60\n13204;13204;40\n"
                                 "13202;13202;10\n13203;13203;10\n")
    _table, notes, _ = read_flow_table(con, path, ["13201", "13202", "13203"])
    assert any(n.endswith(f"({GROUPE_MG} : 100 recours venus de la ville entière, auto-confinement réel entre 58 % "
                          "et 77 %)") for n in notes), notes


def test_flow_table_keeps_arrondissements_and_leaves_out_a_city_it_cannot_split(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write_table(tmp_path, "13211;13212;100\n"    # inside
                                 "13211;13201;50\n"     # a leak to Marseille 1er
                                 "13201;13213;20\n"     # an outsider coming in
                                 "13055;13211;30\n"     # Marseille as a whole: cannot be split
                                 "13213;13055;7\n")     # idem
    table, notes, _ = read_flow_table(con, path, ITINERAIRE)
    assert sorted(zip(table["origin"], table["destination"], table["volume"], strict=True)) == [
        ("13201", "13213", 20.0), ("13211", "13201", 50.0), ("13211", "13212", 100.0)]
    # The residents' consultations: 100 inside, 50 out, 7 to « Marseille » (inside or out: unknown), of 157; and
    # 30 from « Marseille » into 13211, which may be residents' (a review: they were left out of the range).
    # Self-containment between 100 / 157 = 64 % (the 7 outside, the 30 not residents') and (100 + 7 + 30) /
    # (157 + 30) = 73 % (both inside, the 30 residents'); 7 / 157 = 4 %.
    # Without a profession column the rows are GP consultations, as the pertinence reads them.
    assert notes == [NO_PROFESSION_NOTE,
                     "Table origine–destination : 2 lignes donnent Marseille (13055) sans arrondissement ; le "
                     "territoire ne compte que les arrondissements 13211, 13212, 13213 et ces recours ne peuvent "
                     "pas leur être répartis : ils sont écartés des indicateurs du territoire "
                     f"({GROUPE_MG} : 4 % des recours des habitants, auto-confinement réel entre 64 % et 73 %)",
                     # Marseille 1er, the only outsider, comes in only: its share towards the territory is 100 %.
                     "Table origine–destination : la seule unité hors du territoire qu'elle donne comme origine n'a "
                     "aucun recours ailleurs que dans le territoire ; si la table ne contient que les flux touchant "
                     "le territoire, la part de recours vers le territoire des unités voisines (100 % par "
                     "construction) ne dit rien de leur bassin réel : communes candidates à vérifier avec une table "
                     "complète"]
    syn = flows.territory_flow_indicators(table, flow_codes(ITINERAIRE))["synthese"].set_index("groupe")
    row = syn.loc[GROUPE_MG]
    assert row["recours_residents"] == 150 and row["recours_internes"] == 100
    assert row["auto_confinement"] == pytest.approx(100 / 150)
    assert row["recours_exterieurs_entrants"] == 20

    # For the whole city, arrondissement and city codes are all inside: nothing is left out.
    table, notes, _ = read_flow_table(con, path, ["13055"])
    assert notes == [NO_PROFESSION_NOTE] and table["volume"].sum() == 207
    syn = flows.territory_flow_indicators(table, flow_codes(["13055"]))["synthese"].set_index("groupe")
    assert syn.loc[GROUPE_MG, "auto_confinement"] == 1.0


def test_what_if_on_a_city_modelled_by_arrondissement_is_refused() -> None:
    domain = {*MARSEILLE, "13001"}
    with pytest.raises(PipelineError) as caught:
        check_what_if_places([WhatIfChange("Médecins généralistes", 1.0, "13055")], domain)
    assert caught.value.message == ("Simulation : 13055 est modélisée par arrondissement ; indiquez le code de "
                                    "l'arrondissement (13201 à 13216)")
    with pytest.raises(PipelineError, match="hors du voisinage du territoire : 04070"):
        check_what_if_places([WhatIfChange("Médecins généralistes", 1.0, "04070")], domain)
    check_what_if_places([WhatIfChange("Médecins généralistes", 1.0, "13212")], domain)


# --------------------------------------------------------------------------- coverage


def run_coverage(con: duckdb.DuckDBPyConnection) -> Coverage:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CPTS_QUIET", "1")
        return coverage.compute(con, CoverageOptions(kind="departement", code="13"))


def test_marseille_cpts_have_their_own_perimeters_and_areas(con: duckdb.DuckDBPyConnection) -> None:
    result = run_coverage(con)
    mirror = mirror_arrondissements()
    perimeters = result.geometries["perimeters"].set_index("cpts")
    shapes = {}
    for name, codes in MARSEILLE_CPTS.items():
        expected = float(mirror.loc[codes, "area_km2"].sum())
        assert perimeters.loc[name, "surface_km2"] == pytest.approx(expected, rel=1e-3)
        assert perimeters.loc[name, "population"] == populations(codes)
        shape = perimeters.loc[name, "geometry"]
        shapes[name] = shape
        assert geodesic_area_km2(shape) == pytest.approx(expected, rel=5e-3)
    # Eight distinct perimeters: no two share more than a boundary.
    names = list(shapes)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert shapely.intersection(shapes[a], shapes[b]).area < 1e-6 * shapes[a].area
    # The map's units are the arrondissements, each with its CPTS.
    units = result.geometries["units"].set_index("code")
    assert "13055" not in units.index
    for name, codes in MARSEILLE_CPTS.items():
        assert units.loc[codes, "cpts"].tolist() == [name] * len(codes)


def test_overlap_areas_count_arrondissements(con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch) -> None:
    real = listings.members(con)
    template = real[real["cpts"] == "CPTS Itinéraire Santé"].iloc[0]
    extra = pd.DataFrame([
        {**template.to_dict(), "cpts": "CPTS Essai Marseille", "cpts_id": "essai-marseille", "unit_code": "13055",
         "commune_code": "13055", "unit_type": "commune-actuelle"},
        {**template.to_dict(), "cpts": "CPTS Essai 13e", "cpts_id": "essai-13e", "unit_code": "13213",
         "commune_code": "13055", "unit_type": "arrondissement-municipal"},
    ])
    monkeypatch.setattr(listings, "members", lambda _con: pd.concat([real, extra], ignore_index=True))
    result = run_coverage(con)
    mirror = mirror_arrondissements()
    pairs = {frozenset((r.cpts_a, r.cpts_b)): r for r in result.overlaps.itertuples()}
    # A CPTS claiming Marseille whole shares each arrondissement CPTS's area.
    for name, codes in MARSEILLE_CPTS.items():
        pair = pairs[frozenset(("CPTS Essai Marseille", name))]
        assert pair.surface_partagee_km2 == pytest.approx(float(mirror.loc[codes, "area_km2"].sum()), rel=1e-3)
        assert pair.shared_population == populations(codes)
    thirteenth = pairs[frozenset(("CPTS Essai 13e", "CPTS Itinéraire Santé"))]
    assert thirteenth.surface_partagee_km2 == pytest.approx(float(mirror.loc["13213", "area_km2"]), rel=1e-3)
    assert thirteenth.shared_units == ["13213"]
    # Arrondissement CPTS that share nothing do not overlap.
    assert frozenset(("CPTS Vitale Santé 10", "CPTS Itinéraire Santé")) not in pairs
