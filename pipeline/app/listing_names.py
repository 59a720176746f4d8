"""Names of loaded CPTS listings: one name, one listing, one comparison folder.

A listing is loaded under its file's name (``data --cpts paca.csv`` is « paca »). Two files of one name from
different places, or two names whose comparison folder would be the same (« Hostile2 » beside « hostile2 »), are
refused at load: the second would silently replace the first's listing, or its comparison (a review: ``diagnostics
--liste Hostile2`` overwrote « hostile2 »'s comparison, whose reports then linked to rows that no longer existed,
and ``cpts:hostile2:…`` resolved in the other listing).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from pipeline.errors import PipelineError
from pipeline.geography import slugify
from pipeline.store.queries import listings, provenance


def listing_folder(listing: str) -> str:
    """The slug of a listing's comparison folder (``comparaison-<slug>``)."""
    return slugify(listing, max_length=60, default="liste")


def region_folder_clash(listing: str) -> str | None:
    """Why a listing cannot be compared under its name: its folder is a région's comparison (« region-75 », that of
    make diagnostics REGION=75), or None. Each batch would replace the other's comparison and remove its CPTS's
    outputs (a re-check)."""
    folder = listing_folder(listing)
    if not re.fullmatch(r"region-[0-9]{2}", folder):
        return None
    return (f"Une liste de CPTS ne peut pas s'appeler « {listing} » : c'est le nom de la comparaison de la région "
            f"{folder.removeprefix('region-')} (make diagnostics REGION=…)")


def refuse_name_clash(con: duckdb.DuckDBPyConnection, source: str, listing: str, origin: str, path: Path) -> None:
    """Refuse a user listing named like a listing loaded from another file, or whose comparison folder would be
    that of another loaded listing (see the module docstring)."""
    if provenance.loaded_files(con, source):
        previous = _listing_origin(con, source)
        if previous is not None and previous not in (origin, str(path)):
            raise PipelineError(
                f"Une liste de CPTS nommée « {listing} » est déjà chargée depuis un autre fichier ({previous}) : "
                "renommez votre fichier pour charger les deux listes, ou supprimez la base pour remplacer l'ancienne",
                path,
            )
    folder = listing_folder(listing)
    if (clash := region_folder_clash(listing)) is not None:
        raise PipelineError(f"{clash} ; renommez votre fichier", path)
    alike = sorted(other for other in listings.listing_names(con)
                   if other != listing and listing_folder(other) == folder)
    if alike:
        raise PipelineError(
            f"Une liste de CPTS nommée « {alike[0]} » est déjà chargée, et « {listing} » ne s'en distingue que par la "
            "casse, les accents, la ponctuation ou au-delà de 60 caractères : les deux auraient le même dossier de "
            f"comparaison (comparaison-{folder}) ; renommez votre fichier", path)


def _listing_origin(con: duckdb.DuckDBPyConnection, source: str) -> str | None:
    rows = provenance.sources(con)
    found = rows[(rows["source"] == source)]
    return str(found.iloc[0]["origin"]) if len(found) else None
