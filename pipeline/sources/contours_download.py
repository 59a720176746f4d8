"""Downloads of commune polygons when no mirror is set.

* :func:`download_contours`: the per-département files of COG 2018 (the
  layout of the mirror), kept for reproducing the mirror's figures.
* :func:`download_current_contours`: Etalab « contours administratifs » of
  the current COG year, one national GeoJSON (gzip) built from IGN ADMIN
  EXPRESS, at ``<base>/<année>/geojson/communes-<résolution>m.geojson.gz``
  (resolutions 5, 50, 100 and 1000 m; dataset « Contours administratifs »
  on data.gouv.fr). Since 2021 the communes file also holds the
  arrondissements municipaux; older years ship them in
  ``arrondissements-municipaux-<résolution>m.geojson.gz``. When the COG
  year's file is not published yet (early in the year), the previous years
  are tried: harmonisation to the current COG then maps the few codes that
  changed, as it does for the 2018 files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import requests

from pipeline import config
from pipeline.errors import SourceUnavailableError
from pipeline.sources.download import HTTPStatusError, download, sha256_of

ETALAB_CONTOURS_BASE = "https://etalab-datasets.geo.data.gouv.fr/contours-administratifs"
#: 50 m keeps shared borders within a few metres (coordinates rounded to 1e-5°, as the mirror's 2018 files).
DEFAULT_RESOLUTION = 50
RESOLUTIONS = (5, 50, 100, 1000)


def department_slugs() -> list[str]:
    """``<code>-<name>`` slugs of the 101 départements, as named upstream."""
    from pipeline.sources.files import read_package_lines

    return read_package_lines("contours_departements.txt")


def download_contours(dest: Path, base_url: str = config.CONTOURS_BASE_URL) -> Path:
    """Fetch every département file of COG 2018 into ``dest`` (skipping those present)."""
    for slug in department_slugs():
        name = f"communes-{slug}.geojson"
        target = dest / name
        if not target.exists():
            download(f"{base_url}/{slug}/{name}", target)
    return dest


def etalab_contours_url(year: int, layer: str = "communes", resolution: int = DEFAULT_RESOLUTION,
                        base_url: str = ETALAB_CONTOURS_BASE) -> str:
    """URL of an Etalab contours file: ``<base>/<year>/geojson/<layer>-<resolution>m.geojson.gz``."""
    if resolution not in RESOLUTIONS:
        raise ValueError(f"resolution must be one of {RESOLUTIONS}, got {resolution}")
    return f"{base_url.rstrip('/')}/{year}/geojson/{layer}-{resolution}m.geojson.gz"


@dataclass(frozen=True)
class EtalabContours:
    """A downloaded Etalab contours file: local path, COG year, URL and sha256; ``downloaded``: by this run (not a
    copy kept by an earlier one)."""

    path: Path
    year: int
    url: str
    sha256: str
    downloaded: bool = False


def download_current_contours(
    dest_dir: Path,
    year: int = config.CURRENT_VINTAGE,
    *,
    layer: str = "communes",
    resolution: int = DEFAULT_RESOLUTION,
    base_url: str = ETALAB_CONTOURS_BASE,
    earlier_years: int = 2,
    session: requests.Session | None = None,
) -> EtalabContours:
    """Download Etalab's ``layer`` file of COG ``year``, or of an earlier year if not yet published.

    The file is kept as ``<dest_dir>/<year>/<layer>-<resolution>m.geojson.gz``
    (an existing complete copy is reused; an interrupted one is resumed).

    Raises
    ------
    SourceUnavailableError
        Offline, truncated transfer, or no file for ``year`` nor the
        ``earlier_years`` before it (HTTP 404 for each; the message names
        the years tried): a system error (exit code 1), the publisher's side,
        as a 404 of any other publisher's file.
    """
    tried = []
    for candidate in range(year, year - earlier_years - 1, -1):
        url = etalab_contours_url(candidate, layer, resolution, base_url)
        target = Path(dest_dir) / str(candidate) / f"{layer}-{resolution}m.geojson.gz"
        fetched = not target.exists()
        if fetched:
            try:
                download(url, target, session=session)
            except HTTPStatusError as exc:
                if exc.status != 404:
                    raise
                tried.append(str(candidate))
                continue
        return EtalabContours(target, candidate, url, sha256_of(target), downloaded=fetched)
    # No local folder named: none is at fault (a review read the folder of empty years there).
    raise SourceUnavailableError(
        f"Contours Etalab « {layer} » introuvables pour les millésimes {', '.join(tried)} "
        f"({etalab_contours_url(year, layer, resolution, base_url)} : 404) : relancez plus tard ; si l'erreur "
        "persiste, vérifiez l'adresse des contours (CPTS_CONTOURS_URL), ou lisez un miroir local des données "
        "(CPTS_DATA_MIRROR)", None)
