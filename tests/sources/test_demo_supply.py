"""Demo generator: deterministic, three yearly extractions with turnover, official layouts, cities by arrondissement."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.sources import annuaire, demo, finess

#: Populations given to Marseille's 16 arrondissements (13201..13216) in these tests.
MARSEILLE = [40_000, 25_000, 50_000, 50_000, 45_000, 45_000, 35_000, 80_000, 75_000, 55_000, 55_000, 60_000,
             90_000, 60_000, 75_000, 15_000]  # fmt: skip


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


def _with_marseille() -> pd.DataFrame:
    """Communes of the Ain plus Marseille and its arrondissements, with postal codes, as the COG gives them."""
    communes = _communes()
    communes = communes[communes["departement"] == "01"].assign(type="commune-actuelle", parent=None,
                                                                codes_postaux="01000", nom="Commune")
    city = pd.DataFrame([{"code": "13055", "population": sum(MARSEILLE), "departement": "13", "lon": 5.37,
                          "lat": 43.30, "type": "commune-actuelle", "parent": None, "nom": "Marseille",
                          "codes_postaux": ",".join(str(13001 + i) for i in range(16))}])
    arrondissements = pd.DataFrame({
        "code": [str(13201 + i) for i in range(16)], "population": MARSEILLE, "departement": "13",
        "lon": np.nan, "lat": np.nan, "type": "arrondissement-municipal", "parent": "13055",
        "nom": [f"Marseille {i + 1}e" for i in range(16)], "codes_postaux": [str(13001 + i) for i in range(16)],
    })  # fmt: skip
    return pd.concat([communes, city, arrondissements], ignore_index=True)


def _reference(units: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    table = units.assign(type=units.get("type", "commune-actuelle"), parent=units.get("parent"),
                         nom=units.get("nom", ""), codes_postaux=units.get("codes_postaux"))
    current = table["code"].where(table["type"] == "commune-actuelle", table["parent"])
    mapping = pd.DataFrame({"code": table["code"], "current_code": current})
    return table, mapping


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return demo.write_demo_extractions(_communes(), tmp_path_factory.mktemp("demo"), seed=11)


@pytest.fixture(scope="module")
def staged(generated: dict[str, Path]) -> dict[str, annuaire.StagedAnnuaire]:
    table, mapping = _reference(_communes())
    return {year: annuaire.stage_annuaire(generated[f"annuaire_{year}"], generated[f"savoir_faire_{year}"],
                                          units=table, cog_mapping=mapping) for year in ("2024", "2025", "2026")}


def test_deterministic(generated: dict[str, Path], tmp_path: Path) -> None:
    again = demo.write_demo_extractions(_communes(), tmp_path / "a", seed=11)
    other = demo.write_demo_extractions(_communes(), tmp_path / "b", seed=12)
    assert set(again) == set(generated)
    for key in generated:
        assert again[key].read_bytes() == generated[key].read_bytes()
    assert other["annuaire"].read_bytes() != generated["annuaire"].read_bytes()


def test_three_extractions_in_official_layouts(generated: dict[str, Path]) -> None:
    names = {key: path.name for key, path in generated.items()}
    assert names["annuaire_2024"] == "PS_LibreAcces_Personne_activite_202401010000_DEMO.txt"
    assert names["annuaire_2025"] == "PS_LibreAcces_Personne_activite_202501010000_DEMO.txt"
    assert names["annuaire"] == names["annuaire_2026"] == "PS_LibreAcces_Personne_activite_202601010000_DEMO.txt"
    assert names["finess"] == "etalab-cs1100507-stock-20260101-0000-DEMO.csv"
    assert all("DEMO" in name for name in names.values())
    header = {year: generated[f"annuaire_{year}"].read_text(encoding="utf-8").split("\n", 1)[0]
              for year in ("2024", "2025", "2026")}
    # The oldest uses the 2021 header (52 named columns), to exercise the matching of columns by name.
    assert header["2024"] == "|".join(annuaire.COLONNES_ACTIVITE_2021) + "|"
    assert header["2025"] == header["2026"] == "|".join(annuaire.COLONNES_ACTIVITE) + "|"
    sf_header = generated["savoir_faire"].read_text(encoding="utf-8").split("\n", 1)[0]
    assert sf_header == "|".join(annuaire.COLONNES_SAVOIR_FAIRE) + "|"
    assert generated["finess"].read_text(encoding="utf-8").startswith("finess;etalab;0;2026-01-01\n")


def test_stage_as_labelled_demo(generated: dict[str, Path], staged: dict[str, annuaire.StagedAnnuaire]) -> None:
    communes = _communes()
    for year, extraction in staged.items():
        assert extraction.demo and extraction.extraction.year == int(year)
        assert "données fictives de démonstration" in extraction.summary_fr()
        assert extraction.anomalies.empty, extraction.anomalies[["type", "code"]]
        assert extraction.activites["commune"].notna().all()
    frame = staged["2026"].activites
    per_commune = frame.groupby("commune", observed=True)["rpps"].nunique()
    # Nobody practises in the empty commune; the city holds the most practitioners.
    assert communes.loc[1, "code"] not in per_commune.index
    assert per_commune.idxmax() == communes.loc[0, "code"]
    # About 5 % of practitioners have a second site.
    assert 0.035 < (frame.groupby("rpps").size() > 1).mean() < 0.065
    table, mapping = _reference(communes)
    fin = finess.stage_finess(generated["finess"], units=table, cog_mapping=mapping)
    assert fin.demo and fin.geolocated == len(fin.etablissements)
    reunion = fin.etablissements[fin.etablissements["commune"] == "97411"]
    assert reunion["lon"].between(55.3, 55.6).all() and reunion["lat"].between(-21.0, -20.7).all()


def test_turnover_between_years_keeps_identifiers(staged: dict[str, annuaire.StagedAnnuaire]) -> None:
    for before, after in (("2024", "2025"), ("2025", "2026")):
        old = staged[before].activites.drop_duplicates("rpps").set_index("rpps")
        new = staged[after].activites.drop_duplicates("rpps").set_index("rpps")
        stayed = old.index.intersection(new.index)
        assert 0.94 < len(stayed) / len(old) < 0.98  # about 4 % leave
        assert 0.03 < len(new.index.difference(old.index)) / len(old) < 0.06  # about 4.5 % arrive
        moved = (old.loc[stayed, "commune"].astype(str) != new.loc[stayed, "commune"].astype(str)).mean()
        assert 0.01 < moved < 0.05  # about 3 % move (some draw their own commune again)
        # Turnover happens in every profession.
        for profession, group in old.groupby("profession_code", observed=True):
            if len(group) >= 300:
                assert (~group.index.isin(new.index)).sum() > 0, profession
                arrivals = new.index.difference(old.index)
                assert (new.loc[arrivals, "profession_code"] == profession).any(), profession
        # A practitioner keeps profession and specialty from one year to the next.
        pd.testing.assert_series_equal(old.loc[stayed, "specialite_code"].astype(object),
                                       new.loc[stayed, "specialite_code"].astype(object))


def test_city_practitioners_placed_in_arrondissements(tmp_path: Path) -> None:
    units = _with_marseille()
    paths = demo.write_demo_extractions(units, tmp_path, seed=5)
    table, mapping = _reference(units)
    extraction = annuaire.stage_annuaire(paths["annuaire"], units=table, cog_mapping=mapping)
    city = extraction.activites[extraction.activites["commune"] == "13055"]
    # Written as real files do: the commune code of the city, the postal code of the arrondissement.
    assert set(city["commune_source"]) == {"13055"}
    assert set(city["code_postal"]) <= {str(13001 + i) for i in range(16)}
    assert set(city["unite"]) == {str(13201 + i) for i in range(16)}
    assert extraction.anomalies.empty
    # In proportion to the arrondissements' population.
    shares = city["unite"].astype(str).value_counts(normalize=True)
    expected = pd.Series(MARSEILLE, index=[str(13201 + i) for i in range(16)]) / sum(MARSEILLE)
    assert (shares.reindex(expected.index) - expected).abs().max() < 0.01, len(city)
    fin = finess.stage_finess(paths["finess"], units=table, cog_mapping=mapping)
    in_city = fin.etablissements[fin.etablissements["commune"] == "13055"]
    assert len(in_city) > 10 and in_city["unite"].isin(expected.index).all()


def test_subset_of_departements(tmp_path: Path) -> None:
    communes = _communes()
    subset = communes[communes["departement"] == "02"]
    paths = demo.write_demo_extractions(subset, tmp_path, seed=1)
    table, mapping = _reference(subset)
    extraction = annuaire.stage_annuaire(paths["annuaire_2024"], units=table, cog_mapping=mapping)
    assert set(extraction.activites["commune"].astype(str)) <= set(subset["code"])
    assert extraction.anomalies.empty


def test_rows_target(tmp_path: Path) -> None:
    paths = demo.write_demo_extractions(_communes(), tmp_path, seed=5, rows_target=20_000)
    with open(paths["annuaire_2024"], "rb") as handle:
        rows = sum(1 for _ in handle) - 1
    assert abs(rows - 20_000) / 20_000 < 0.03


def test_density_of_general_practitioners(generated: dict[str, Path]) -> None:
    communes = _communes()
    frame = pd.read_csv(
        generated["annuaire"], sep="|", dtype=str, usecols=["Identification nationale PP", "Code savoir-faire"]
    ).drop_duplicates("Identification nationale PP")
    gps = frame["Code savoir-faire"].isin(["SM54", "SM26", "SM53"]).sum()
    density = gps / communes["population"].sum() * 100_000
    # 150 per 100 000 in the oldest extraction, +0.5 % a year (4.5 % arrive, 4 % leave).
    assert 140 < density < 165
