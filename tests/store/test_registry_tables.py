"""Registry tables written from staged frames: activities, offre_commune by unit, anomalies, establishments."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.sources import annuaire, finess
from pipeline.store import registry_tables
from pipeline.store.queries import supply
from tests.sources.annuaire_files import activity, activity_file
from tests.sources.registry_units import cog_mapping, units
from tests.store.synthetic import declared_store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def load(con: duckdb.DuckDBPyConnection, path: Path) -> annuaire.StagedAnnuaire:
    staged = annuaire.stage_annuaire(path, units=units(), cog_mapping=cog_mapping())
    registry_tables.write_annuaire(con, staged.activites, staged.anomalies, staged.extraction)
    return staged


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_offre_commune_site_shares() -> None:
    con = declared_store()
    load(con, FIXTURES / "rpps" / "PS_LibreAcces_Personne_activite_202501150800.txt")
    # The kiné has three sites (two in 01001, one in 01002).
    assert rows(con, "SELECT unite, commune, effectif, round(etp_sites, 6) FROM offre_commune "
                     "WHERE groupe = 'Masseurs-kinésithérapeutes' ORDER BY commune") == [
        ("01001", "01001", 1, round(2 / 3, 6)), ("01002", "01002", 1, round(1 / 3, 6))
    ]
    # The GP works in 01001 (libéral, cabinet) and 01002 (salarié, hospital): half each, recours by setting.
    assert rows(con, "SELECT commune, recours, mode, cadre, effectif, etp_sites FROM offre_commune "
                     "WHERE groupe = 'Médecins généralistes' ORDER BY commune") == [
        ("01001", "premier", "libéral", "cabinet", 1, 0.5),
        ("01002", "hors ambulatoire", "salarié", "établissement de santé", 1, 0.5),
    ]
    # The grain is a key, never NULL: no specialty is '', a profession seed 000 does not classify « non classé ».
    assert rows(con, "SELECT count(*), count(DISTINCT (unite, groupe, specialite_code, recours, mode, cadre)) "
                     "FROM offre_commune WHERE specialite_code IS NOT NULL AND recours IS NOT NULL") == [
        rows(con, "SELECT count(*), count(*) FROM offre_commune")[0]
    ]
    assert rows(con, "SELECT specialite_code, recours FROM offre_commune WHERE groupe = 'Infirmiers'") == [
        ("", "premier")
    ]
    assert ("", "non classé") in rows(con, "SELECT specialite_code, recours FROM offre_commune WHERE groupe = 'Autres'")
    # Unlocated activities (no address, unknown commune) are not in offre_commune.
    # (Site shares such as 2/3 + 1/3 add up to 9 up to rounding, whatever order DuckDB sums them in.)
    assert rows(con, "SELECT round(sum(etp_sites), 9) FROM offre_commune") == [(9.0,)]
    assert rows(con, "SELECT count(*) FROM ps_activites") == [(14,)]


def test_offre_commune_by_arrondissement_adds_up_to_the_city(tmp_path: Path) -> None:
    con = declared_store()
    load(con, activity_file(tmp_path, [
        activity("A", "60", "13055", "SA07", postcode="13005"),
        activity("A", "60", "13055", "SA07", postcode="13008"),
        activity("B", "60", "13205", "SA07"),
        activity("C", "60", "13055", "SA07", postcode="13331"),  # CEDEX: the city, no arrondissement
    ]))  # fmt: skip
    assert rows(con, "SELECT unite, commune, effectif, etp_sites FROM offre_commune ORDER BY unite") == [
        ("13055", "13055", 1, 1.0), ("13205", "13055", 2, 1.5), ("13208", "13055", 1, 0.5)
    ]
    # Queries by commune see the city: three nurses, shares summing to three.
    table = supply.offre_territoire(con, ["13055"]).set_index("groupe")
    assert table.loc["Infirmiers", ["praticiens", "praticiens_etp"]].tolist() == [3, 3.0]
    assert rows(con, "SELECT type, code, nb_lignes, premiere_ligne FROM ps_anomalies") == [
        ("arrondissement_non_determine", "13055", 1, 5)
    ]
    assert rows(con, "SELECT count(*) FROM ps_anomalies WHERE extraction IS NULL OR code IS NULL") == [(0,)]


def test_column_types_in_the_database() -> None:
    con = declared_store()
    load(con, FIXTURES / "rpps" / "PS_LibreAcces_Personne_activite_202501150800.txt")
    types = dict(rows(con, "SELECT column_name, data_type FROM information_schema.columns "
                           "WHERE table_name = 'ps_activites'"))
    assert list(types) == list(annuaire.ACTIVITE_COLUMNS)
    assert (types["extraction"], types["ligne"], types["poids"], types["profession_connue"]) == (
        "DATE", "BIGINT", "DOUBLE", "BOOLEAN"
    )
    assert {types[c] for c in ("rpps", "groupe", "commune", "unite", "recours")} == {"VARCHAR"}
    anomaly_types = dict(rows(con, "SELECT column_name, data_type FROM information_schema.columns "
                                   "WHERE table_name = 'ps_anomalies'"))
    assert list(anomaly_types) == list(annuaire.ANOMALY_COLUMNS)
    assert rows(con, "SELECT DISTINCT extraction::VARCHAR FROM ps_activites") == [("2025-01-15",)]


def test_reload_replaces_previous_tables() -> None:
    con = declared_store()
    load(con, FIXTURES / "rpps" / "PS_LibreAcces_Personne_activite_202501150800.txt")
    sf = FIXTURES / "rpps" / "sans_savoir_faire"
    staged = annuaire.stage_annuaire(sf / "PS_LibreAcces_Personne_activite_202502010900.txt",
                                     sf / "PS_LibreAcces_SavoirFaire_202502010900.txt",
                                     units=units(), cog_mapping=cog_mapping())
    registry_tables.write_annuaire(con, staged.activites, staged.anomalies, staged.extraction)
    # Dated extractions are kept side by side (supply dynamics); the supply tables use the latest.
    per_extraction = "SELECT extraction::VARCHAR, count(*) FROM ps_activites GROUP BY 1 ORDER BY 1"
    assert rows(con, per_extraction) == [("2025-01-15", 14), ("2025-02-01", 4)]
    # Each extraction keeps its own anomalies: the second's only one is its doctor with two ordinal specialties.
    assert rows(con, "SELECT DISTINCT extraction::VARCHAR, type FROM ps_anomalies WHERE extraction = '2025-02-01'") \
        == [("2025-02-01", "specialites_ordinales_multiples")]
    assert ("2025-01-15",) in rows(con, "SELECT DISTINCT extraction::VARCHAR FROM ps_anomalies")
    alone = declared_store()
    registry_tables.write_annuaire(alone, staged.activites, staged.anomalies, staged.extraction)
    offre = "SELECT * FROM offre_commune ORDER BY ALL"
    assert rows(con, offre) == rows(alone, offre)
    # Loading an extraction again replaces its own rows only.
    load(con, FIXTURES / "rpps" / "PS_LibreAcces_Personne_activite_202501150800.txt")
    assert rows(con, per_extraction) == [("2025-01-15", 14), ("2025-02-01", 4)]


def test_establishments_written() -> None:
    con = declared_store()
    staged = finess.stage_finess(FIXTURES / "finess" / "etalab-cs1100507-stock-20250301-0412.csv",
                                 units=units(), cog_mapping=cog_mapping())
    registry_tables.write_finess(con, staged.etablissements, staged.anomalies)
    assert rows(con, "SELECT finess, commune, unite, code_postal FROM etablissements WHERE finess = '750000031'") == [
        ("750000031", "75056", "75101", "75001")
    ]
    assert rows(con, "SELECT type, code, nb_lignes FROM finess_anomalies ORDER BY type") == [
        ("commune_inconnue", "01999", 1), ("projection_deduite", "", 1), ("sans_coordonnees", "", 8)
    ]


def test_liberal_gps_without_secteur_are_premier_recours_in_the_supply_tables(tmp_path: Path) -> None:
    # A real extraction left the « secteur d'activité » of libéral GPs empty; they were counted « hors
    # ambulatoire » and premier recours was 0 for a whole département. Seed 000: premier recours is
    # « une pratique en ambulatoire [...] de manière libérale ou salarié en centre de santé ».
    con = declared_store()
    load(con, activity_file(tmp_path, [
        activity("1", "10", "01001", "", "L", sf="SM54"),
        activity("2", "10", "01001", "", "L", sf="SM54"),
        activity("3", "10", "01001", "", "S", sf="SM54"),  # salaried, setting unknown
    ]))  # fmt: skip
    table = supply.offre_par_recours(con, ["01001"])
    assert table.loc["Médecins généralistes"].to_dict() == {"premier": 2, "non renseigné": 1}


def test_activities_are_stored_in_commune_order_whatever_the_file_order(tmp_path: Path) -> None:
    """Stored by commune (then unit), so that a territory's queries skip the row groups of other communes; the
    staged columns are categorical (Arrow dictionaries, which Arrow cannot sort as such)."""
    con = declared_store()
    staged = load(con, activity_file(tmp_path, [
        activity("A", "60", "01002", "SA07"),
        activity("B", "60", "13055", "SA07", postcode="13005"),
        activity("C", "60", "01001", "SA07"),
        activity("D", "60", "13055", "SA07", postcode="13001"),
        activity("E", "60", "01002", "SA07"),
    ]))
    assert any(str(dtype) == "category" for dtype in staged.activites.dtypes)
    stored = rows(con, "SELECT commune, unite FROM ps_activites ORDER BY rowid")
    assert stored == sorted(stored, key=lambda r: (r[0] is None, r[0] or "", r[1] is None, r[1] or ""))
    assert [c for c, _ in stored] == ["01001", "01002", "01002", "13055", "13055"]
    assert [u for c, u in stored if c == "13055"] == ["13201", "13205"]


def test_ordered_rows_are_stored_sorted_also_when_arrow_refuses_the_frame() -> None:
    """A column mixing numbers and text goes to DuckDB as a pandas frame: the ORDER BY is DuckDB's then."""
    import pandas as pd

    from pipeline.store import load as store_load

    con = declared_store()
    frame = pd.DataFrame({"vintage": [2026, 2026, 2026], "code": ["93", 11, "04"], "nom": ["c", "a", "b"]})
    store_load.replace_rows(con, "regions", frame, {"vintage": 2026}, order_by=("code",))
    assert rows(con, "SELECT code, nom FROM regions ORDER BY rowid") == [("04", "b"), ("11", "a"), ("93", "c")]
    frame = pd.DataFrame({"vintage": [2026, 2026], "code": ["93", "04"], "nom": ["c", "b"]})
    store_load.replace_rows(con, "regions", frame, {"vintage": 2026}, order_by=("nom",))
    assert rows(con, "SELECT code FROM regions ORDER BY rowid") == [("04",), ("93",)]
