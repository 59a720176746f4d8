"""Territory supply tables: practitioners counted once, hand-computed totals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline import nomenclatures
from pipeline.analysis import aci
from pipeline.errors import TerritoryError
from pipeline.sources import annuaire, finess
from pipeline.store import registry_tables
from pipeline.store.queries import supply
from tests.sources.registry_units import cog_mapping, units
from tests.store.synthetic import declared_store, insert_activities

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = declared_store()
    # 01099 is an old commune merged into 01002 (tests/sources/registry_units.py).
    registry = annuaire.stage_annuaire(FIXTURES / "rpps" / "PS_LibreAcces_Personne_activite_202501150800.txt",
                                       units=units(), cog_mapping=cog_mapping())
    registry_tables.write_annuaire(connection, registry.activites, registry.anomalies, registry.extraction)
    establishments = finess.stage_finess(FIXTURES / "finess" / "etalab-cs1100507-stock-20250301-0412.csv",
                                         units=units(), cog_mapping=cog_mapping())
    registry_tables.write_finess(connection, establishments.etablissements, establishments.anomalies)
    yield connection
    connection.close()


def test_trame_table_two_communes(con: duckdb.DuckDBPyConnection) -> None:
    table = supply.offre_territoire(con, ["01001", "01002"]).set_index("groupe")
    assert list(table.index) == [*nomenclatures.GROUPES_TRAME, "MSP", "Centres de santé"]
    # The GP's two sites are both inside: one practitioner, shares 0.5 + 0.5.
    assert table.loc["Médecins généralistes", ["praticiens", "praticiens_etp", "dont_liberaux"]].tolist() == [1, 1.0, 1]
    assert table.loc["Médecins spécialistes", "praticiens"] == 2  # pédiatre + cardiologue
    assert table.loc["Infirmiers", "praticiens"] == 1  # the other nurse has no commune
    # The kiné has three sites, all inside: counted once.
    assert table.loc["Masseurs-kinésithérapeutes", ["praticiens", "praticiens_etp"]].tolist() == [1, 1.0]
    assert table.loc["Biologistes", "praticiens"] == 1
    assert table.loc["Autres", "praticiens"] == 2  # unknown profession + médecin without specialty
    assert table.loc["Sages-femmes", "praticiens"] == 0  # her commune is unknown to the COG
    assert table.loc["MSP", "praticiens"] == 0 and table.loc["Centres de santé", "praticiens"] == 0
    assert table.loc["MSP", "unite"] == "structures" and table.loc["Infirmiers", "unite"] == "professionnels"


def test_site_outside_the_territory_still_counts_one(con: duckdb.DuckDBPyConnection) -> None:
    # GP 810000000001 has one site in 01001 and one in 01002: for the territory {01001} they are one
    # practitioner (head count 1), with a share of presence of 0.5.
    table = supply.offre_territoire(con, ["01001"]).set_index("groupe")
    assert table.loc["Médecins généralistes", ["praticiens", "praticiens_etp"]].tolist() == [1, 0.5]
    # The kiné: two of three sites in 01001 -> 1 practitioner, share 2/3.
    assert table.loc["Masseurs-kinésithérapeutes", "praticiens"] == 1
    assert table.loc["Masseurs-kinésithérapeutes", "praticiens_etp"] == pytest.approx(2 / 3)
    assert table.loc["Médecins spécialistes", "praticiens"] == 1


def test_establishment_rows(con: duckdb.DuckDBPyConnection) -> None:
    table = supply.offre_territoire(con, ["01451", "75056"]).set_index("groupe")
    assert table.loc["MSP", ["praticiens", "source"]].tolist() == [1, "finess"]
    assert table.loc["Centres de santé", "praticiens"] == 1  # the second one's commune is unknown
    assert table.loc["Infirmiers", "praticiens"] == 0
    assert supply.structures_territoire(con, ["01451", "75056"]).to_dict() == {"MSP": 1, "Centres de santé": 1}


def test_structure_rows_without_finess() -> None:
    connection = declared_store()
    insert_activities(connection, [{"rpps": "1", "groupe": "Infirmiers", "commune": "01001"}])
    table = supply.offre_territoire(connection, ["01001"]).set_index("groupe")
    assert table.loc["Infirmiers", "praticiens"] == 1
    # No FINESS extraction: the structure rows are unknown, not zero.
    assert table.loc["MSP", "praticiens"] is pd.NA and pd.isna(table.loc["MSP", "source"])


def test_recours_counts_each_practitioner_once(con: duckdb.DuckDBPyConnection) -> None:
    table = supply.offre_par_recours(con, ["01001", "01002"])
    # premier: GP (cabinet site in 01001), nurse, pharmacien d'officine, kiné; second: cardiologue,
    # biologiste; hors ambulatoire: the pédiatre, salaried in an établissement de santé only.
    assert table.sum().to_dict() == {"premier": 4, "second": 2, "hors ambulatoire": 1, "non classé": 2}
    assert table.loc["Médecins spécialistes"].to_dict() == {
        "premier": 0, "second": 1, "hors ambulatoire": 1, "non classé": 0}
    # Rows add up to the head counts of the Trame table.
    heads = supply.offre_territoire(con, ["01001", "01002"]).set_index("groupe")["praticiens"]
    assert (table.sum(axis=1) == heads.reindex(table.index)).all()


def test_gp_in_an_etablissement_is_not_premier_recours(con: duckdb.DuckDBPyConnection) -> None:
    # In 01002 the GP only has his salaried site at the hospital (SA01): not premier recours there.
    table = supply.offre_par_recours(con, ["01002"])
    assert table.loc["Médecins généralistes"].to_dict() == {
        "premier": 0, "second": 0, "hors ambulatoire": 1, "non classé": 0}


def test_mode_counts_each_practitioner_once(con: duckdb.DuckDBPyConnection) -> None:
    # The GP is libéral in 01001 and salarié in 01002: « mixte » over both communes.
    both = supply.offre_par_mode(con, ["01001", "01002"])
    assert both.loc["Médecins généralistes"].to_dict() == {"libéral": 0, "salarié": 0, "mixte": 1}
    assert supply.offre_par_mode(con, ["01001"]).loc["Médecins généralistes", "libéral"] == 1


def test_health_professionals_exclude_autres(con: duckdb.DuckDBPyConnection) -> None:
    # GP, pédiatre, cardiologue, nurse, biologiste, pharmacien, kiné; not the two « Autres ».
    assert supply.professionnels_sante(con, ["01001", "01002"]) == 7


def _synthetic_registry(professionals: int) -> duckdb.DuckDBPyConnection:
    """``professionals`` distinct nurses in commune A, the first with a second site in A and a third in Z
    (outside), plus five « Autres » in A."""
    rows = [(str(i), "Infirmiers", "A") for i in range(professionals)]
    rows += [("0", "Infirmiers", "A"), ("0", "Infirmiers", "Z")]
    rows += [(f"autre{i}", "Autres", "A") for i in range(5)]
    connection = declared_store()
    insert_activities(connection, [{"rpps": r, "groupe": g, "commune": c} for r, g, c in rows])
    return connection


@pytest.mark.parametrize(("professionals", "label"), [(100, "4"), (101, "4++")])
def test_taille_4pp_bound_on_distinct_professionals(professionals: int, label: str) -> None:
    # Seed 002: « 4++ » is taille 4 with more than 100 health professionals. The repeated sites of
    # nurse 0 and the five « Autres » must not tip 100 over the bound.
    connection = _synthetic_registry(professionals)
    count = supply.professionnels_sante(connection, ["A"])
    assert count == professionals
    assert aci.size_label(200_000, count) == label


def test_reference_head_counts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "INSERT INTO communes (code, vintage, nom, type, departement, region) VALUES "
        "('01001', 2026, 'A', 'commune-actuelle', '01', '84'), ('01002', 2026, 'B', 'commune-actuelle', '02', '84')"
    )
    # Counted when the registry is loaded (the COG first, as make data does): written again here, after the COG.
    registry_tables.rebuild_offre(con)
    dep = supply.effectifs_zone(con, departement="01").set_index("groupe")["praticiens"]
    assert dep["Médecins généralistes"] == 1 and dep["Masseurs-kinésithérapeutes"] == 1
    assert dep["Médecins spécialistes"] == 1  # the pédiatre; the cardiologue is in 01002
    region = supply.effectifs_zone(con, region="84").set_index("groupe")["praticiens"]
    assert region["Médecins généralistes"] == 1  # two sites in the région, one practitioner
    assert region["Médecins spécialistes"] == 2
    france = supply.effectifs_zone(con).set_index("groupe")["praticiens"]
    assert france["Infirmiers"] == 1  # the nurse without commune is not located
    assert france["Sages-femmes"] == 0  # nor the midwife with an unknown commune


def test_empty_territory(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(TerritoryError):
        supply.offre_territoire(con, [])


def test_head_counts_of_every_area_equal_a_count_of_the_loaded_extraction(db: duckdb.DuckDBPyConnection) -> None:
    """The per-area head counts stored by the load equal distinct practitioners counted from the activities."""
    from pipeline import config

    areas = db.execute("SELECT DISTINCT departement, region FROM communes WHERE vintage = ? AND "
                       "type = 'commune-actuelle'", [config.CURRENT_VINTAGE]).fetchall()
    assert len(areas) == 5  # the fixture's five départements
    located = ("FROM ps_activites a JOIN communes c ON c.code = a.commune AND c.vintage = ? "
               "AND c.type = 'commune-actuelle' WHERE a.extraction = (SELECT max(extraction) FROM ps_activites)")
    for column, value in [*(("departement", d) for d, _ in areas), *(("region", r) for _, r in areas)]:
        expected = dict(db.execute(f"SELECT groupe, count(DISTINCT rpps) {located} AND c.{column} = ? GROUP BY 1",
                                   [config.CURRENT_VINTAGE, value]).fetchall())
        counts = supply.effectifs_zone(db, **{column: value}).set_index("groupe")["praticiens"]
        assert sum(expected.values()) > 0
        assert counts.to_dict() == {g: expected.get(g, 0) for g in nomenclatures.GROUPES_TRAME}
    expected = dict(db.execute("SELECT groupe, count(DISTINCT rpps) FROM ps_activites WHERE commune IS NOT NULL "
                               "AND extraction = (SELECT max(extraction) FROM ps_activites) GROUP BY 1").fetchall())
    counts = supply.effectifs_zone(db).set_index("groupe")["praticiens"]
    assert counts.to_dict() == {g: expected.get(g, 0) for g in nomenclatures.GROUPES_TRAME}


def test_libéraux_unknown_when_a_practitioner_without_a_libéral_site_has_a_site_of_unknown_mode(
        con: duckdb.DuckDBPyConnection) -> None:
    """A review: an extraction's unknown mode code (read « non renseigné ») made « dont libéraux » 0 where the
    practitioners' mode was not known. The fixture's GP practises libéral in 01001 and salaried in 01002."""
    gp = con.execute("SELECT DISTINCT rpps FROM ps_activites WHERE groupe = 'Médecins généralistes'").fetchall()
    assert len(gp) == 1
    salaried = supply.offre_territoire(con, ["01002"]).set_index("groupe").loc["Médecins généralistes"]
    assert (salaried["praticiens"], salaried["dont_liberaux"]) == (1, 0)  # salaried there: known, none libéral
    con.execute("UPDATE ps_activites SET mode = 'non renseigné' WHERE rpps = ? AND mode = 'salarié'", [gp[0][0]])
    table = supply.offre_territoire(con, ["01001", "01002"]).set_index("groupe")
    assert table.loc["Médecins généralistes", "dont_liberaux"] == 1  # still libéral in 01001: known
    unknown = supply.offre_territoire(con, ["01002"]).set_index("groupe").loc["Médecins généralistes"]
    # In 01002 alone, the GP's only site has an unknown mode: libéral or not, nobody knows.
    assert unknown["praticiens"] == 1 and pd.isna(unknown["dont_liberaux"])
