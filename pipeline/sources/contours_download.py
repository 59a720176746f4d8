"""Download of the per-département commune polygons when no mirror is set."""

from __future__ import annotations

from pathlib import Path

from pipeline import config
from pipeline.sources.download import download


def department_slugs() -> list[str]:
    """``<code>-<name>`` slugs of the 101 départements, as named upstream."""
    from pipeline.sources.files import read_package_lines

    return read_package_lines("contours_departements.txt")


def download_contours(dest: Path, base_url: str = config.CONTOURS_BASE_URL) -> Path:
    """Fetch every département file into ``dest`` (skipping those present)."""
    for slug in department_slugs():
        name = f"communes-{slug}.geojson"
        target = dest / name
        if not target.exists():
            download(f"{base_url}/{slug}/{name}", target)
    return dest
