"""Territory supply tables: practitioners counted once, hand-computed totals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pipeline import nomenclatures, supply
from pipeline.errors import TerritoryError
from pipeline.sources import finess, rpps

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute(
        """
        CREATE TABLE cog_mapping AS SELECT * FROM (VALUES
            ('01001', '01001'), ('01002', '01002'), ('01099', '01002'), ('01451', '01451'), ('75056', '75056')
        ) t(code, current_code)
        """
    )
    rpps.load_rpps(connection, FIXTURES / "rpps" / "PS_LibreAcces_Personne_activite_202501150800.txt")
    finess.load_finess(connection, FIXTURES / "finess" / "etalab-cs1100507-stock-20250301-0412.csv")
    yield connection
    connection.close()


def test_trame_table_two_communes(con: duckdb.DuckDBPyConnection) -> None:
    table = supply.offre_territoire(con, ["01001", "01002"]).set_index("categorie")
    assert list(table.index) == [*nomenclatures.GROUPES_TRAME, "MSP", "Centres de santé"]
    # The GP's two sites are both inside: one practitioner, weight 1.
    assert table.loc["Médecins généralistes", ["effectif", "etp_sites", "dont_liberaux"]].tolist() == [1, 1.0, 1]
    assert table.loc["Médecins spécialistes", "effectif"] == 2  # pédiatre + cardiologue
    assert table.loc["Infirmiers", "effectif"] == 1  # the other nurse has no commune
    assert table.loc["Masseurs-kinésithérapeutes", "etp_sites"] == pytest.approx(1.0)
    assert table.loc["Biologistes", "effectif"] == 1
    assert table.loc["Autres", "effectif"] == 2  # unknown profession + médecin without specialty
    assert table.loc["Sages-femmes", "effectif"] == 0  # her commune is unknown to the COG
    assert table.loc["MSP", "effectif"] == 0 and table.loc["Centres de santé", "effectif"] == 0


def test_trame_table_one_commune_shares_sites(con: duckdb.DuckDBPyConnection) -> None:
    table = supply.offre_territoire(con, ["01001"]).set_index("categorie")
    assert table.loc["Médecins généralistes", ["effectif", "etp_sites"]].tolist() == [1, 0.5]
    assert table.loc["Masseurs-kinésithérapeutes", "etp_sites"] == pytest.approx(2 / 3)
    assert table.loc["Médecins spécialistes", "effectif"] == 1


def test_establishment_rows(con: duckdb.DuckDBPyConnection) -> None:
    table = supply.offre_territoire(con, ["01451", "75056"]).set_index("categorie")
    assert table.loc["MSP", "effectif"] == 1
    assert table.loc["Centres de santé", "effectif"] == 1  # the second one's commune is unknown
    assert table.loc["Infirmiers", "effectif"] == 0


def test_recours(con: duckdb.DuckDBPyConnection) -> None:
    table = supply.offre_par_recours(con, ["01001", "01002"]).set_index("recours")
    # premier: GP, pédiatre, nurse, pharmacien, kiné; second: cardiologue, biologiste.
    assert table["effectif"].to_dict() == {"premier": 5, "second": 2, "non classé": 2}
    assert table.loc["premier", "etp_sites"] == pytest.approx(5.0)


def test_empty_territory(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(TerritoryError):
        supply.offre_territoire(con, [])
