"""Demo generator: deterministic, official layout, labelled, population-driven."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipeline.sources import demo as demo_supply
from pipeline.sources import finess, rpps
from pipeline.store.schema import create_schema


def _communes() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    codes = [f"{d:02d}{i:03d}" for d in (1, 2, 3) for i in range(1, 101)]
    frame = pd.DataFrame(
        {
            "code": codes,
            "population": rng.integers(100, 3000, len(codes)),
            "departement": [c[:2] for c in codes],
            "lon": rng.uniform(2.0, 5.0, len(codes)),
            "lat": rng.uniform(45.0, 48.0, len(codes)),
        }
    )
    frame.loc[0, "population"] = 250_000  # a city
    frame.loc[1, "population"] = 0  # nobody lives there
    frame.loc[2, ["code", "departement", "lon", "lat"]] = ["97411", "974", 55.45, -20.88]
    return frame


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return demo_supply.write_demo_extractions(_communes(), tmp_path_factory.mktemp("demo"), seed=11)


def test_deterministic(generated: dict[str, Path], tmp_path: Path) -> None:
    again = demo_supply.write_demo_extractions(_communes(), tmp_path / "a", seed=11)
    other = demo_supply.write_demo_extractions(_communes(), tmp_path / "b", seed=12)
    for key in ("annuaire", "savoir_faire", "finess"):
        assert again[key].read_bytes() == generated[key].read_bytes()
    assert other["annuaire"].read_bytes() != generated["annuaire"].read_bytes()


def test_official_layout_and_label(generated: dict[str, Path]) -> None:
    for path in generated.values():
        assert "DEMO" in path.name
    header = generated["annuaire"].read_text(encoding="utf-8").split("\n", 1)[0]
    assert header == "|".join(rpps.COLONNES_ACTIVITE) + "|"
    sf_header = generated["savoir_faire"].read_text(encoding="utf-8").split("\n", 1)[0]
    assert sf_header == "|".join(rpps.COLONNES_SAVOIR_FAIRE) + "|"
    assert generated["finess"].read_text(encoding="utf-8").startswith("finess;etalab;")


def test_loads_as_labelled_demo(generated: dict[str, Path]) -> None:
    communes = _communes()
    con = duckdb.connect()
    # The declared schema; each test writes its own small COG mapping.
    create_schema(con)
    con.execute("DROP TABLE cog_mapping")
    con.register("c", communes)
    con.execute("CREATE TABLE cog_mapping AS SELECT code, code AS current_code FROM c")
    report = rpps.load_rpps(con, generated["annuaire"])
    assert report.demo and not report.unknown_professions and not report.unmapped_communes
    fin = finess.load_finess(con, generated["finess"])
    assert fin.demo and fin.geolocalises == fin.etablissements
    notes = con.execute("SELECT source, notes FROM sources ORDER BY source").fetchall()
    assert all(n.startswith("données fictives de démonstration") for _, n in notes)
    # Nobody practises in the empty commune; the city holds the most practitioners.
    per_commune = dict(con.execute("SELECT commune, count(DISTINCT rpps) FROM ps_activites GROUP BY 1").fetchall())
    assert communes.loc[1, "code"] not in per_commune
    assert max(per_commune, key=per_commune.get) == communes.loc[0, "code"]
    # About 5 % of practitioners have a second site.
    multi = con.execute(
        "SELECT avg(CASE WHEN n > 1 THEN 1.0 ELSE 0 END) FROM (SELECT count(*) n FROM ps_activites GROUP BY rpps)"
    ).fetchall()[0][0]
    assert 0.035 < multi < 0.065
    # Overseas establishments are projected back into La Réunion.
    reunion = con.execute("SELECT min(lon), max(lat) FROM etablissements WHERE commune = '97411'").fetchall()[0]
    assert 55.3 < reunion[0] < 55.6 and -21.0 < reunion[1] < -20.7


def test_rows_target(tmp_path: Path) -> None:
    paths = demo_supply.write_demo_extractions(_communes(), tmp_path, seed=5, rows_target=20_000)
    with open(paths["annuaire"], "rb") as handle:
        rows = sum(1 for _ in handle) - 1
    assert abs(rows - 20_000) / 20_000 < 0.03


def test_density_of_general_practitioners(generated: dict[str, Path]) -> None:
    communes = _communes()
    frame = pd.read_csv(
        generated["annuaire"], sep="|", dtype=str, usecols=["Identification nationale PP", "Code savoir-faire"]
    ).drop_duplicates("Identification nationale PP")
    gps = frame["Code savoir-faire"].isin(["SM54", "SM26", "SM53"]).sum()
    density = gps / communes["population"].sum() * 100_000
    assert 140 < density < 160
