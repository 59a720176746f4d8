"""Coverage groups perimeters by CPTS: two CPTS of the same name must not become one perimeter.

The README's example listing has a « CPTS du Verdon » of its own; loaded beside the PACA listing, the coverage
counted 73 CPTS while its map's legend listed 72, the two Verdon perimeters dissolved into one (and the overlap
tooltip read « CPTS du Verdon / CPTS du Verdon »). A CPTS is one (listing, identifier) pair: a listing without
``cpts_id`` gets the slug of each name as identifier, so two such listings naming the same CPTS gave one
identifier, and the two perimeters were dissolved into one (an independent review: a « CPTS Sud 04 » of
49 units where the PACA listing's has 48), as the diagnostic, the editor and the batch never did.
"""

from __future__ import annotations

import csv
import io
import json
import tarfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from pipeline import config
from pipeline.app.coverage_listings import named_apart, one_id_per_listing
from pipeline.render.listing_anomalies import ANOMALY_LABELS
from tests.conftest import FIXTURE_DEPARTEMENTS
from tests.render.documents_runs import database_with_listing, run_in

pytestmark = pytest.mark.mirror


def test_same_name_different_cpts_are_named_apart_and_the_same_cpts_stays_one() -> None:
    members = pd.DataFrame({
        "listing": ["paca", "paca", "ma-liste", "ma-liste", "ma-liste", "paca", "ma-liste"],
        "cpts": ["CPTS du Verdon", "CPTS du Verdon", "CPTS du Verdon", "CPTS X", "CPTS X", "CPTS Y", "CPTS Y"],
        "cpts_id": ["p1", "p1", "m1", "a", "b", "y", "y"],
        "unit_code": ["04070", "04001", "04094", "04112", "04230", "13001", "13002"],
    })
    named = named_apart(members)["cpts"].tolist()
    assert named == ["CPTS du Verdon (liste paca)", "CPTS du Verdon (liste paca)", "CPTS du Verdon (liste ma-liste)",
                     "CPTS X (liste ma-liste) · a", "CPTS X (liste ma-liste) · b",
                     "CPTS Y", "CPTS Y"]  # named apart only when the identifiers differ
    assert named_apart(members).groupby("cpts")["cpts_id"].nunique().max() == 1


def test_an_identifier_found_in_two_listings_names_two_cpts() -> None:
    members = pd.DataFrame({"listing": ["paca", "paca", "ma-liste", "paca"],
                            "cpts": ["CPTS Y", "CPTS Y", "CPTS Y", "CPTS Z"],
                            "cpts_id": ["cpts-y", "cpts-y", "cpts-y", "cpts-z"],
                            "unit_code": ["13001", "13002", "13003", "13004"]})
    distinct = one_id_per_listing(members, members)
    assert distinct["cpts_id"].tolist() == ["paca:cpts-y", "paca:cpts-y", "ma-liste:cpts-y", "cpts-z"]
    assert named_apart(distinct)["cpts"].tolist() == ["CPTS Y (liste paca)", "CPTS Y (liste paca)",
                                                      "CPTS Y (liste ma-liste)", "CPTS Z"]


# --------------------------------------------------------------------------- through the real pipeline

SUD_04 = "CPTS Sud 04"


@pytest.fixture(scope="module")
def two_listings(fixture_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture database with a second listing, without ``cpts_id``, naming a « CPTS Sud 04 » of its own
    (Barcelonnette, 04019, which the PACA listing's « CPTS Sud 04 » does not hold) and a « CPTS Pontis » (04154,
    of the PACA listing's « CPTS Guil Durance », mostly in the 05, not loaded) and a « CPTS Mayotte Digne »
    (Mamoudzou, 97611, and Digne-les-Bains, 04070); then ``couverture`` of 04."""
    root = tmp_path_factory.mktemp("two-listings")
    listing = root / "autre.csv"
    listing.write_text(f"cpts,code_insee\n{SUD_04},04019\nCPTS Pontis,04154\nCPTS Mayotte Digne,97611\n"
                       "CPTS Mayotte Digne,04070\n", encoding="utf-8")
    data = database_with_listing(fixture_data_dir, root, listing)
    run = run_in(data, root / "maps", ["couverture", "--departement", "04"])
    assert run.code == 0, run.stderr
    return data / "processed" / "coverage" / "departement-04"


def _raw_listing(mirror: Path) -> dict[str, set[str]]:
    with (mirror / config.PACA_CPTS.mirror_path).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    out: dict[str, set[str]] = {}
    for row in rows:
        out.setdefault(row["cpts"], set()).add(row["code_insee"])
    return out


def _raw_populations(mirror: Path) -> dict[str, int]:
    """Legal population of each current commune, from the 2026 COG package itself."""
    tarball = mirror / config.decoupage_file(config.CURRENT_VINTAGE).mirror_path
    with tarfile.open(tarball) as archive:
        handle = archive.extractfile("package/data/communes.json")
        assert handle is not None
        communes = json.load(io.TextIOWrapper(handle, encoding="utf-8"))
    return {c["code"]: int(c["population"]) for c in communes if c["type"] == "commune-actuelle" and "population" in c}


def test_same_name_cpts_of_two_listings_stay_two_perimeters(two_listings: Path, mirror: Path) -> None:
    raw = _raw_listing(mirror)
    populations = _raw_populations(mirror)
    paca_sud = raw[SUD_04]
    assert "04019" not in paca_sud and all(code in populations for code in paca_sud)
    perimeters = gpd.read_file(two_listings / "couverture.gpkg", layer="perimeters").set_index("cpts")
    assert perimeters.loc[f"{SUD_04} (liste paca)", "unites"] == len(paca_sud)
    assert perimeters.loc[f"{SUD_04} (liste paca)", "population"] == sum(populations[c] for c in paca_sud)
    assert perimeters.loc[f"{SUD_04} (liste autre)", "unites"] == 1
    assert perimeters.loc[f"{SUD_04} (liste autre)", "population"] == populations["04019"]
    # The layer carries the identifier of the CSV tables (one slug in two listings: prefixed with its listing), so
    # that a GIS user joins them: Barcelonnette's row of communes.csv names the other listing's CPTS by it.
    assert perimeters.loc[f"{SUD_04} (liste paca)", "cpts_id"] == "paca:cpts-sud-04"
    assert perimeters.loc[f"{SUD_04} (liste autre)", "cpts_id"] == "autre:cpts-sud-04"
    communes = pd.read_csv(two_listings / "communes.csv", dtype=str, encoding="utf-8-sig").set_index("unit_code")
    assert "autre:cpts-sud-04" in communes.loc["04019", "cpts_ids"].split(";")
    # Populations are whole inhabitants in every layer (the atone territories and overlaps were written 16380.0),
    # each atone territory's the sum of its communes' legal populations (raw COG).
    for layer in ("perimeters", "overlaps", "atone"):
        info = pyogrio.read_info(two_listings / "couverture.gpkg", layer=layer)
        assert dict(zip(info["fields"], info["dtypes"], strict=True))["population"] == "int64", layer
    atone = gpd.read_file(two_listings / "couverture.gpkg", layer="atone").set_index("nom")["population"]
    table = pd.read_csv(two_listings / "territoires_atones.csv", dtype=str, encoding="utf-8-sig")
    assert len(atone) == len(table) > 0
    for row in table.itertuples():
        assert atone[row.territoire] == sum(populations[code] for code in row.communes.split(";"))
    # Every PACA CPTS with a commune in 04, and the other listing's three.
    in_04 = {name for name, codes in raw.items() if any(code.startswith("04") for code in codes)}
    summary = json.loads((two_listings / "summary.json").read_text(encoding="utf-8"))
    assert summary["cpts"] == len(in_04) + 3 == len(perimeters)
    # « CPTS Mayotte Digne » counts Mamoudzou's 2017 census in its whole population: the years say it (a review
    # read « population légale 2023 » alone).
    assert perimeters.loc["CPTS Mayotte Digne", "population"] == populations["97611"] + populations["04070"]
    assert summary["population_libelle_annees"] == "population légale 2023, 2017 pour Mayotte"


def test_the_other_listing_s_cpts_overlaps_only_the_cpts_holding_its_commune(two_listings: Path, mirror: Path) -> None:
    raw = _raw_listing(mirror)
    pairs = pd.read_csv(two_listings / "chevauchements.csv", dtype=str)
    with_barcelonnette = sorted(name for name, codes in raw.items() if "04019" in codes)
    other = pairs[(pairs["cpts_a"] == f"{SUD_04} (liste autre)") | (pairs["cpts_b"] == f"{SUD_04} (liste autre)")]
    partners = sorted((set(other["cpts_a"]) | set(other["cpts_b"])) - {f"{SUD_04} (liste autre)"})
    assert with_barcelonnette and partners == with_barcelonnette
    assert set(other["shared_units"]) == {"04019"}


def test_cpts_partly_outside_the_load_have_their_whole_population_in_the_coverage(two_listings: Path,
                                                                                 mirror: Path) -> None:
    # The fixture database holds 04, 13, 33, 75 and 976: a PACA CPTS of 04 with communes in 05, 06, 83 or 84 is
    # known by its loaded part only (a review: « CPTS Val Durance » given 38 186 inhabitants where its listing
    # holds 41 363), so its units and shares of units are « non disponible »; its population is that of all its
    # communes, as its diagnostic gives it. Known answer: the COG package's populations of the listed codes'
    # current communes (a former commune déléguée or associée counted in the commune it belongs to).
    raw = _raw_listing(mirror)
    in_04 = {name for name, codes in raw.items() if any(code.startswith("04") for code in codes)}
    partial = {name for name in in_04 if any(code[:2] not in FIXTURE_DEPARTEMENTS for code in raw[name])}
    assert partial and partial < in_04
    populations = _raw_populations(mirror)
    tarball = mirror / config.decoupage_file(config.CURRENT_VINTAGE).mirror_path
    with tarfile.open(tarball) as archive:
        handle = archive.extractfile("package/data/communes.json")
        assert handle is not None
        former = {c["code"]: c["chefLieu"] for c in json.load(io.TextIOWrapper(handle, encoding="utf-8"))
                  if c["type"] in ("commune-deleguee", "commune-associee")}

    def whole(name: str) -> int | None:
        current = {code if code in populations else former.get(code) for code in raw[name]}
        return None if None in current else sum(populations[str(c)] for c in current)

    expected = {name: people for name in partial if (people := whole(name)) is not None}
    assert len(expected) >= 3
    perimeters = gpd.read_file(two_listings / "couverture.gpkg", layer="perimeters").set_index("cpts")
    perimeters.index = perimeters.index.str.replace(" (liste paca)", "", regex=False)
    assert perimeters.loc[sorted(expected), "population"].to_dict() == expected
    assert perimeters.loc[sorted(partial), "unites"].isna().all() and perimeters.loc[sorted(partial), "population"]\
        .notna().all()
    assert perimeters.loc[sorted(in_04 - partial), "population"].notna().all()
    summary = json.loads((two_listings / "summary.json").read_text(encoding="utf-8"))
    assert any(note.startswith(f"{len(partial)} CPTS ont des communes hors des départements chargés") and
               "leur population celle de la CPTS entière" in note for note in summary["notes"])
    pairs = pd.read_csv(two_listings / "chevauchements.csv", dtype={"cpts_a": str, "cpts_b": str})
    # « CPTS Pontis » shares Pontis with « CPTS Guil Durance »: its share of the whole CPTS's inhabitants.
    guil = "CPTS Guil Durance"
    assert guil in expected and "04154" in raw[guil]
    pair = pairs[(pairs["cpts_a"] + pairs["cpts_b"]).str.contains("CPTS Pontis") &
                 (pairs["cpts_a"] + pairs["cpts_b"]).str.contains(guil)]
    assert len(pair) == 1 and int(pair["shared_population"].iloc[0]) == populations["04154"]
    side = "a" if pair["cpts_a"].iloc[0] == guil else "b"
    assert int(pair[f"population_{side}"].iloc[0]) == expected[guil]
    assert float(pair[f"share_pop_{side}"].iloc[0]) == pytest.approx(populations["04154"] / expected[guil], abs=5e-7)
    for side in ("a", "b"):
        names = pairs[f"cpts_{side}"].str.replace(" (liste paca)", "", regex=False)
        mine = pairs[names.isin(expected)]
        assert (mine[f"population_{side}"] == names[names.isin(expected)].map(expected)).all()
        assert mine[f"share_pop_{side}"].tolist() == (mine["shared_population"] / mine[f"population_{side}"]).round(6)\
            .tolist()  # six decimals in the CSV
        assert pairs.loc[names.isin(partial), f"n_units_{side}"].isna().all()
        assert pairs.loc[~names.isin(partial), f"population_{side}"].notna().all()


def test_the_workbook_names_its_sheets_in_whole_words(two_listings: Path) -> None:
    """Sheet names are cut at Excel's 31 characters: the titles read « Unités de la zone et CPTS qui »."""
    from openpyxl import load_workbook

    book = load_workbook(two_listings / "couverture.xlsx", read_only=True)
    assert book.sheetnames == ["Lisez-moi", "Unités et CPTS", "Chevauchements", "Chevauchements (polygones)",
                               "Zones blanches", "Territoires atones", "Périmètres proposés", "Anomalies des listes"]
    # The kinds of anomaly in French words in the workbook, machine names in the CSV (a review read « nom_proche »).
    rows = list(book["Anomalies des listes"].iter_rows(values_only=True))
    kind = rows[0].index("Type d'anomalie")
    csv_kinds = pd.read_csv(two_listings / "anomalies_listes.csv", dtype=str)["kind"].tolist()
    assert csv_kinds and [row[kind] for row in rows[1:]] == [ANOMALY_LABELS[k] for k in csv_kinds]
    book.close()
