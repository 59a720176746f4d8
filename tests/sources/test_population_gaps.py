"""Packages whose populations are not those of the current communes (a review of the population section).

INSEE establishes the legal populations of year N on the geography of 1 January N+2 (« populations légales 2016
[…] en vigueur au 1er janvier 2019 […] sur la géographie au 1er janvier 2018 »), and the decoupage-administratif
package of COG 2019 keys them by its own communes: Porte-de-Benauge (33008), created on 1 January 2019 from
Arbis (33008) and Cantois (33092), has Arbis's 276 inhabitants of 2016 there, Cantois none. Summed, the three
Gironde communes nouvelles of the review grew « +12,88 % par an ».

Expected answers come from synthetic frames (closed form) and from the mirror's own files read here: the 2018
contours of the Gironde (the geography of 1 January 2018) against the package of COG 2019.
"""

from __future__ import annotations

import json
import tarfile

import pandas as pd
import pytest

from pipeline.analysis.population.vintage_gaps import broken_vintages
from pipeline.sources.cog import population_gaps
from tests.conftest import mirror_path


def _communes(rows: list[tuple[int, str, int | None]]) -> pd.DataFrame:
    return pd.DataFrame({"vintage": [r[0] for r in rows], "code": [r[1] for r in rows],
                         "type": "commune-actuelle", "population": pd.array([r[2] for r in rows], "Int64")})


def _edges(rows: list[tuple[int, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["vintage", "code", "target", "kind"])


def test_communes_absorbed_between_the_population_geography_and_the_cog_are_gaps() -> None:
    # 2019: A (00001) absorbed B (00002) on 1 January 2019, after the geography of its populations (2018), known
    # from the history file; 2023: C (00003) absorbed D (00004) on 1 January 2023, after the package of COG 2022
    # on whose geography its populations are; 2022: nothing in between.
    communes = _communes([(2019, "00001", 276), (2019, "00003", 10), (2019, "00004", 5),
                          (2022, "00001", 489), (2022, "00003", 11), (2022, "00004", 6),
                          (2023, "00001", 489), (2023, "00003", 11),
                          (2026, "00001", 500), (2026, "00003", 18)])
    endings = pd.DataFrame({"code": ["00002", "00009"], "date": ["2019-01-01", "2017-01-01"]})
    mapping = pd.DataFrame({"code": ["00001", "00002", "00003", "00004"],
                            "current_code": ["00001", "00001", "00003", "00003"]})
    gaps = population_gaps(communes, _edges([]), endings, mapping, {2019: 2018, 2022: 2022, 2023: 2022, 2026: 2026})
    assert gaps.to_dict("records") == [
        {"vintage": 2019, "code": "00001", "autre": "00002", "kind": "absente"},
        {"vintage": 2023, "code": "00003", "autre": "00004", "kind": "absente"}]


def test_a_commune_that_only_changed_code_is_no_gap() -> None:
    """Les Trois Lacs (27058) became 27676 in the COG 2023, alone: 1 759 inhabitants in both packages (a review)."""
    communes = _communes([(2022, "27058", 1759), (2023, "27676", 1759), (2026, "27676", 1800)])
    mapping = pd.DataFrame({"code": ["27058", "27676"], "current_code": ["27676", "27676"]})
    gaps = population_gaps(communes, _edges([]), pd.DataFrame(columns=["code", "date"]), mapping,
                           {2022: 2022, 2023: 2022, 2026: 2026})
    assert gaps.empty


def test_a_commune_recreated_since_is_included_in_the_one_it_was_part_of() -> None:
    # Sannerville (14666), déléguée of Saline (14712) in the COG 2019 package, a commune again today.
    communes = _communes([(2019, "14712", 5468), (2026, "14712", 3439), (2026, "14666", 1905)])
    edges = _edges([(2019, "14666", "14712", "deleguee")])
    mapping = pd.DataFrame({"code": ["14712", "14666"], "current_code": ["14712", "14666"]})
    gaps = population_gaps(communes, edges, pd.DataFrame(columns=["code", "date"]), mapping, {2019: 2019,
                                                                                            2026: 2026})
    assert gaps.to_dict("records") == [{"vintage": 2019, "code": "14712", "autre": "14666", "kind": "incluse"}]


def test_a_commune_merged_after_the_geography_then_split_again_is_counted_right() -> None:
    """A review: Beaumont-les-Nonains (60054), La Neuville-Garnier (60455) and Villotran (60694), three communes in
    2018, merged into 60054 on 1 January 2019; Beaumont left again in 2024 and Les Hauts-Talican took 60694. The
    COG 2019 package gives 60054 Beaumont's own 344 inhabitants of 2016: complete for today's 60054, while today's
    60694 has no 2016 figure (Villotran's and La Neuville-Garnier's are in no package)."""
    communes = _communes([(2019, "60054", 344), (2026, "60054", 339), (2026, "60694", 530)])
    edges = _edges([(2019, "60455", "60054", "deleguee"), (2019, "60694", "60054", "deleguee")])
    endings = pd.DataFrame({"code": ["60455", "60694"], "date": ["2019-01-01", "2019-01-01"]})
    mapping = pd.DataFrame({"code": ["60054", "60455", "60694"], "current_code": ["60054", "60694", "60694"]})
    gaps = population_gaps(communes, edges, endings, mapping, {2019: 2018, 2026: 2026})
    assert gaps.to_dict("records") == [{"vintage": 2019, "code": "60694", "autre": "60455", "kind": "absente"}]
    rows = pd.DataFrame({"unit_code": ["60054", "60054", "60694"], "vintage": [2019, 2026, 2026]})
    assert broken_vintages(rows, gaps, ["60054"], [2019, 2026]) == {}
    assert broken_vintages(rows, gaps, ["60694"], [2019, 2026]) == {
        2019: ["60694 absente du millésime", "60694 sans 60455 (absorbée depuis)"]}


GAPS = pd.DataFrame({"vintage": [2019, 2019], "code": ["33008", "14712"], "autre": ["33092", "14666"],
                     "kind": ["absente", "incluse"]})


@pytest.mark.parametrize(("units", "expected"), [
    (["33008", "33063"], {2019: ["33008 sans 33092 (absorbée depuis)"]}),
    (["14712"], {2019: ["14712 avec 14666 (rétablie depuis)"]}),
    (["14666"], {2019: ["14666 (alors comptée dans 14712)"]}),
    (["14712", "14666"], {}),  # together, their 2019 row is theirs
    (["33063"], {}),
])
def test_a_vintage_is_broken_for_the_units_it_does_not_describe(units: list[str],
                                                                expected: dict[int, list[str]]) -> None:
    rows = pd.DataFrame([(u, v) for u in units for v in (2019, 2026) if not (u == "14666" and v == 2019)],
                        columns=["unit_code", "vintage"])
    assert broken_vintages(rows, GAPS, units, [2019, 2026]) == expected


def test_a_unit_missing_from_a_vintage_without_any_known_reason_breaks_it() -> None:
    rows = pd.DataFrame({"unit_code": ["04070", "04070", "04001"], "vintage": [2019, 2026, 2026]})
    assert broken_vintages(rows, GAPS.iloc[0:0], ["04070", "04001"], [2019, 2026]) == {
        2019: ["04001 absente du millésime"]}


@pytest.mark.mirror
def test_the_gironde_communes_of_2018_missing_from_the_cog_2019_package_are_its_gaps() -> None:
    """The codes of the 2018 contours (Admin Express COG 2018) that the package of COG 2019 has no longer as
    communes, against the gaps staged from the packages and their history file."""
    from pipeline import config
    from pipeline.sources import cog, decoupage

    mirror = mirror_path()
    contours = json.loads((mirror / "contours-communes-2018" / "communes-33-gironde.geojson").read_text("utf-8"))
    codes_2018 = {f["properties"]["code"] for f in contours["features"]}
    folder = mirror / "decoupage-administratif"
    package = folder / f"etalab-decoupage-administratif-{config.DECOUPAGE_VERSIONS[2019]}.tgz"
    with tarfile.open(package) as archive:
        member = archive.extractfile("package/data/communes.json")
        assert member is not None
        records = json.load(member)
    codes_2019 = {r["code"] for r in records if r["type"] == "commune-actuelle"}
    expected = codes_2018 - codes_2019
    assert {"33092", "33267", "33338"} <= expected

    staged = [decoupage.stage_vintage(mirror / "decoupage-administratif" /
                                      f"etalab-decoupage-administratif-{config.DECOUPAGE_VERSIONS[v]}.tgz", v)
              for v in sorted(config.DECOUPAGE_VERSIONS)]
    communes = pd.concat([s.communes for s in staged], ignore_index=True)
    edges = pd.concat([s.edges for s in staged], ignore_index=True)
    mapping = cog.build_mapping(communes, edges, config.CURRENT_VINTAGE).dropna(subset=["current_code"])
    gaps = population_gaps(communes, edges, pd.concat([s.endings for s in staged], ignore_index=True), mapping,
                           {v: year + 2 for v, year in config.POPULATION_YEAR.items()})
    absent = gaps[(gaps["vintage"] == 2019) & (gaps["kind"] == "absente")]
    assert set(absent.loc[absent["autre"].str.startswith("33"), "autre"]) == expected
    porte = absent[absent["autre"] == "33092"]
    assert list(porte["code"]) == ["33008"]
