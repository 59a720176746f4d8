"""Headers as the formats compare them, and those naming a CPTS in a listing or a territory file, apart from
:mod:`pipeline.sources.cpts_listing` (whose package loads geopandas, which a territory read from a CSV never
needs)."""

from __future__ import annotations

import re

from pipeline.geography import ascii_fold

#: Other headers of a listing's ``cpts`` column, read when no column is ``cpts`` (« Nom de la CPTS »: a review's
#: export was refused, its title line reported as the columns read).
CPTS_SYNONYMS: tuple[str, ...] = (
    "nom_de_la_cpts", "nom_cpts", "nom_de_cpts", "cpts_nom", "libelle_cpts", "intitule_cpts", "denomination_cpts",
    # « Libellé de la CPTS »… (a review: a file of two CPTS so headed was read as one territory)
    "libelle_de_la_cpts", "intitule_de_la_cpts", "denomination_de_la_cpts",
    "nom_de_la_communaute", "communaute_professionnelle_territoriale_de_sante",
    # The editor's export names the CPTS it redrew on each row (a review: « colonne cpts absente »).
    "cpts_redessinee",
)


def header_key(name: str) -> str:
    """A header as the columns of the formats are compared: « Nom de la CPTS » is ``nom_de_la_cpts``."""
    return re.sub(r"[^a-z0-9]+", "_", ascii_fold(name.strip().lstrip("\ufeff"))).strip("_")


def cpts_header(columns: list[str]) -> str | None:
    """The column of ``columns`` naming the CPTS: ``cpts`` (any case), else the first of :data:`CPTS_SYNONYMS`
    present, as a listing reads it; None when there is none."""
    keys = {header_key(c): c for c in reversed(columns)}
    return next((keys[k] for k in ("cpts", *CPTS_SYNONYMS) if k in keys), None)
