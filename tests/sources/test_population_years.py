"""The year of the legal populations each Etalab package carries, read from the packages themselves.

Each package's README links the INSEE publication of the legal populations it carries. The INSEE
publication pages are titled (insee.fr/fr/statistiques/<id>): 3677855 « Populations légales 2016 »,
6011070 « Populations légales 2019 », 6683035 « Populations légales 2020 », 7739582 « Populations
légales 2021 », 8290591 « Populations de référence 2022 », 8680726 « Populations de référence 2023 »
(in force on 1 January 2026). A legal population of year N comes into force on 1 January N+3.
"""

from __future__ import annotations

import json
import re
import tarfile
from pathlib import Path

import pytest

from pipeline import config

INSEE_PUBLICATIONS = {"3677855": 2016, "6011070": 2019, "6683035": 2020, "7739582": 2021, "8290591": 2022,
                      "8680726": 2023}
LINK = re.compile(r"\[Population légale\]\(https://www\.insee\.fr/fr/statistiques/(\d+)")


def _member(mirror: Path, version: str, name: str) -> bytes:
    with tarfile.open(mirror / "decoupage-administratif" / f"etalab-decoupage-administratif-{version}.tgz") as tar:
        handle = tar.extractfile(f"package/{name}")
        assert handle is not None
        return handle.read()


@pytest.mark.parametrize("vintage", sorted(config.DECOUPAGE_VERSIONS))
def test_population_year_is_the_one_the_package_links(mirror: Path, vintage: int) -> None:
    readme = _member(mirror, config.DECOUPAGE_VERSIONS[vintage], "README.md").decode("utf-8")
    links = LINK.findall(readme)
    assert len(links) == 1, links
    assert config.POPULATION_YEAR[vintage] == INSEE_PUBLICATIONS[links[0]]


def test_packages_of_one_year_carry_the_same_figures(mirror: Path) -> None:
    # The premise of one data point per year: two packages of the same year agree commune by commune, two
    # packages of different years differ for most communes (5.3.0 and 6.0.0 are both 2023, 4.1.0 is 2022).
    def populations(version: str) -> dict[str, int]:
        rows = json.loads(_member(mirror, version, "data/communes.json"))
        return {r["code"]: r["population"] for r in rows
                if r.get("type") == "commune-actuelle" and r.get("population") is not None}

    def same_share(a: dict[str, int], b: dict[str, int]) -> float:
        common = set(a) & set(b)
        return sum(a[c] == b[c] for c in common) / len(common)

    v2024, v2025, v2026 = (populations(config.DECOUPAGE_VERSIONS[y]) for y in (2024, 2025, 2026))
    assert config.POPULATION_YEAR[2025] == config.POPULATION_YEAR[2026]
    assert same_share(v2025, v2026) > 0.999
    assert config.POPULATION_YEAR[2024] != config.POPULATION_YEAR[2025]
    assert same_share(v2024, v2025) < 0.2
