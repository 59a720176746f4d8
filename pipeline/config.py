"""Paths, mirror setting and the catalogue of upstream sources.

The catalogue is data, not code: each entry names where a file lives in the
mirror (``CPTS_DATA_MIRROR``, laid out like ``../shared/data``) and where the
same file is published officially, so that :mod:`pipeline.sources.download` can read
it in place or fetch it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DATA = Path(__file__).resolve().parent / "data"

MIRROR_ENV = "CPTS_DATA_MIRROR"
REGISTRY_ENV = "CPTS_REGISTRY"
FINESS_ENV = "CPTS_FINESS"
DATA_DIR_ENV = "CPTS_DATA_DIR"
MAPS_DIR_ENV = "CPTS_MAPS_DIR"
#: Seconds a diagnostic waits for another run writing the same outputs (then exit code 3); default 600.
OUTPUTS_WAIT_ENV = "CPTS_OUTPUTS_WAIT"
#: Tests only: a file created between the exchanges of an output swap, which then waits for its removal.
SWAP_PAUSE_ENV = "CPTS_SWAP_PAUSE"
#: Advanced and test settings: other addresses for the publishers' servers (a local copy, a test server).
CATALOGUE_API_ENV = "CPTS_CATALOGUE_API"  # data.gouv.fr API v1 (Annuaire Santé, FINESS)
CONTOURS_URL_ENV = "CPTS_CONTOURS_URL"  # Etalab « contours administratifs » (current commune polygons)
NPM_REGISTRY_ENV = "CPTS_NPM_REGISTRY"  # npm registry (@etalab/decoupage-administratif tarballs)
FILOSOFI_URL_ENV = "CPTS_FILOSOFI_URL"  # INSEE Filosofi 2019 zips


def _setting(name: str) -> str | None:
    """An address setting without its trailing « / », but « http:// » alone kept whole (a review: it was echoed
    « http:/… » in the error), or None when unset or empty."""
    value = os.environ.get(name, "").strip()
    stripped = value.rstrip("/")
    return (value if stripped.endswith(":") else stripped) or None


def catalogue_api() -> str | None:
    """``CPTS_CATALOGUE_API``, or None for data.gouv.fr's API."""
    return _setting(CATALOGUE_API_ENV)


def contours_base_url() -> str | None:
    """``CPTS_CONTOURS_URL``, or None for Etalab's server."""
    return _setting(CONTOURS_URL_ENV)


def filosofi_base_url() -> str | None:
    """``CPTS_FILOSOFI_URL``, or None for INSEE's server."""
    return _setting(FILOSOFI_URL_ENV)


def npm_registry_set() -> bool:
    """Whether ``CPTS_NPM_REGISTRY`` names another registry (then tarballs come from it, not ``npm pack``)."""
    return _setting(NPM_REGISTRY_ENV) is not None


def npm_registry() -> str:
    """``CPTS_NPM_REGISTRY``, or the public npm registry."""
    return _setting(NPM_REGISTRY_ENV) or NPM_REGISTRY


def _folder(name: str, default: Path) -> Path:
    """The folder an environment variable names; unset or empty (``CPTS_MAPS_DIR=``) is the default, never the
    current folder, where the outputs would land unnoticed; ``~`` is the user's home folder; a relative path is
    made absolute, as the paths the tool prints are (a review got « relmaps/… »)."""
    value = os.environ.get(name, "")
    return Path(value).expanduser().absolute() if value.strip() else default


def data_dir() -> Path:
    """Root of ``raw/`` and ``processed/`` (``CPTS_DATA_DIR``, default ``data/`` of the project)."""
    return _folder(DATA_DIR_ENV, ROOT / "data")


def raw_dir() -> Path:
    return data_dir() / "raw"


def processed_dir() -> Path:
    return data_dir() / "processed"


def db_path() -> Path:
    return processed_dir() / "cpts.duckdb"


def maps_dir() -> Path:
    """Root of the maps and reports (``CPTS_MAPS_DIR``, default ``maps/`` of the project)."""
    return _folder(MAPS_DIR_ENV, ROOT / "maps")


def mirror_dir() -> Path | None:
    """The mirror folder named by ``CPTS_DATA_MIRROR``, or None to download."""
    value = os.environ.get(MIRROR_ENV, "").strip()
    if not value:
        return None
    return Path(value).expanduser().resolve()


# COG vintage (1 January) -> npm version of @etalab/decoupage-administratif
# that packages it with the legal populations in force that year.
DECOUPAGE_VERSIONS: dict[int, str] = {
    2019: "0.7.0",
    2021: "1.1.1",
    2022: "2.3.1",
    2023: "3.1.1",
    2024: "4.1.0",
    2025: "5.3.0",
    2026: "6.0.0",
}
CURRENT_VINTAGE = max(DECOUPAGE_VERSIONS)

# COG vintage -> year of the INSEE legal populations the package carries. The
# packages do not carry the populations "in force" on 1 January of their COG
# year but the latest ones published when they were built: each package's
# README links the INSEE publication (statistiques/3677855: populations légales
# 2016; 6011070: 2019; 6683035: 2020; 7739582, 2021, is in no package;
# 8290591: 2022; 8680726: populations de référence 2023). A legal population
# of year N comes into force on 1 January N+3. Mayotte's figure is its 2017
# census in every package that has it (absent from 0.7.0).
#: Checked against the packages' READMEs by tests/sources/test_population_years.py.
POPULATION_YEAR: dict[int, int] = {
    2019: 2016,
    2021: 2019,
    2022: 2020,
    2023: 2020,
    2024: 2022,
    2025: 2023,
    2026: 2023,
}

NPM_REGISTRY = "https://registry.npmjs.org"

# The 2018 contours in the mirror are the simplified Admin Express COG 2018
# published per département by the france-geojson project.
CONTOURS_BASE_URL = "https://raw.githubusercontent.com/gregoiredavid/france-geojson/v2.1.1/departements"


@dataclass(frozen=True)
class SourceFile:
    """One upstream file: its place in the mirror and its official URL."""

    name: str
    vintage: str
    mirror_path: str
    url: str | None
    sha256: str | None = None
    notes: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def decoupage_file(vintage: int) -> SourceFile:
    version = DECOUPAGE_VERSIONS[vintage]
    fname = f"etalab-decoupage-administratif-{version}.tgz"
    return SourceFile(
        name="decoupage-administratif",
        vintage=str(vintage),
        mirror_path=f"decoupage-administratif/{fname}",
        url=f"{npm_registry()}/@etalab/decoupage-administratif/-/decoupage-administratif-{version}.tgz",
        extra={"npm_spec": f"@etalab/decoupage-administratif@{version}"},
    )


APPARTENANCE = SourceFile(
    name="insee-appartenance",
    vintage="2024",
    mirror_path="insee/table-appartenance-geographique-2024.csv",
    url=None,
    notes=(
        "INSEE table d'appartenance géographique des communes, COG 2024. INSEE publishes it as a "
        "zipped workbook; the pipeline reads the CSV form of the mirror."
    ),
)

ZONAGES_LIBELLES = SourceFile(
    name="insee-libelles-zonages",
    vintage="2024",
    mirror_path="insee/libelles-zonages-supracommunaux-2024.csv",
    url=None,
)

APL = SourceFile(
    name="drees-apl",
    vintage="2022-2023",
    mirror_path="apl/drees-apl-medecins-generalistes-2022-2023.xlsx",
    url=None,
    notes="DREES, Indicateur d'accessibilité potentielle localisée (APL) aux médecins généralistes.",
)

QPV_ZONAGE = SourceFile(
    name="ars-paca-zonage-qpv",
    vintage="2025",
    mirror_path="zonage/qpv-zonage-medecins-paca-2025.json",
    url=None,
)

PACA_CPTS = SourceFile(
    name="cpts-paca",
    vintage="2026",
    mirror_path="cpts/paca-cpts-communes.csv",
    url=None,
)

CONTOURS_MIRROR_DIR = "contours-communes-2018"
CONTOURS_VINTAGE = "2018"
