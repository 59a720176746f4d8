"""Deterministic generator of fictitious supply registries for demos, tests and benchmarks.

Writes, from a table of units, THREE yearly Annuaire Santé extractions
(stamps of :data:`DEMO_STAMPS`, with turnover between years; the oldest in
the 52-column layout of 2021, the others in the current 56-column one) and a
FINESS stock extraction, in the official layouts (see
:mod:`pipeline.sources.annuaire` and :mod:`pipeline.sources.finess`), so that
the whole pipeline runs without the real files. Everything it writes is
labelled: file names contain ``DEMO``, the loaders record « données fictives
de démonstration », practitioners are named « FICTIF DEMO ».

Practitioners and establishments of Paris, Lyon and Marseille are written
as real files write them: the commune code of the city and the postal code
of an arrondissement, drawn in proportion to the arrondissements'
population (:mod:`pipeline.sources.demo.places`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.sources.annuaire.layout import COLONNES_ACTIVITE, COLONNES_ACTIVITE_2021
from pipeline.sources.demo.annuaire_files import write_annuaire
from pipeline.sources.demo.finess_file import ETABLISSEMENTS_PAR_100K, write_finess
from pipeline.sources.demo.places import build_places
from pipeline.sources.demo.practitioners import (
    ARRIVALS,
    DENSITES,
    DEPARTURES,
    GENERALISTES,
    MOVES,
    PART_MULTI_SITES,
    SPECIALISTES,
    expected_rows,
    first_year,
    next_year,
)

#: Timestamps of the yearly demonstration extractions, oldest first (fixed for reproducibility).
DEMO_STAMPS: tuple[str, ...] = ("202401010000", "202501010000", "202601010000")
#: Timestamp of the newest one (the one loaded by ``make data``).
DEMO_STAMP = DEMO_STAMPS[-1]

__all__ = [
    "ARRIVALS",
    "DEMO_STAMP",
    "DEMO_STAMPS",
    "DENSITES",
    "DEPARTURES",
    "ETABLISSEMENTS_PAR_100K",
    "GENERALISTES",
    "MOVES",
    "PART_MULTI_SITES",
    "SPECIALISTES",
    "demo_file_names",
    "write_demo_extractions",
]


def demo_file_names(stamp: str) -> tuple[str, str]:
    """Names of the activity and savoir-faire files of one demonstration extraction."""
    return (f"PS_LibreAcces_Personne_activite_{stamp}_DEMO.txt", f"PS_LibreAcces_SavoirFaire_{stamp}_DEMO.txt")


def write_demo_extractions(
    units: pd.DataFrame, out_dir: str | Path, seed: int = 2026, rows_target: int | None = None
) -> dict[str, Path]:
    """Write fictitious Annuaire Santé (three years) and FINESS extractions in the official layouts.

    Parameters
    ----------
    units
        One row per commune with ``code``, ``population``, ``departement``,
        ``lon``, ``lat`` (WGS84); optionally ``nom``, ``codes_postaux``
        (comma-separated), and ``type``/``parent``: rows of type
        'arrondissement-municipal' (with their population and postal codes)
        place the practitioners of their city.
    out_dir
        Destination folder (created).
    seed
        Seed of the random generator: same inputs and seed give byte-identical files.
    rows_target
        Approximate number of activity rows wanted in the oldest extraction
        (the benchmark asks for 2 000 000); by default the national densities.

    Returns
    -------
    dict
        ``annuaire``, ``savoir_faire`` (newest extraction), ``finess``, and
        ``annuaire_<year>``, ``savoir_faire_<year>`` for each year of
        :data:`DEMO_STAMPS`. File names contain ``DEMO``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    places = build_places(units)
    rng = np.random.default_rng(seed)
    scale = 1.0
    if rows_target is not None:
        scale = rows_target / max(expected_rows(float(places.population.sum())), 1.0)
    people, rows = first_year(places, rng, scale)
    paths: dict[str, Path] = {}
    for year_index, stamp in enumerate(DEMO_STAMPS):
        if year_index:
            people, rows = next_year(people, rows, places, rng)
        activity_name, savoir_faire_name = demo_file_names(stamp)
        header = COLONNES_ACTIVITE_2021 if year_index == 0 else COLONNES_ACTIVITE
        write_annuaire(rows, places, out / activity_name, out / savoir_faire_name, header)
        paths[f"annuaire_{stamp[:4]}"] = out / activity_name
        paths[f"savoir_faire_{stamp[:4]}"] = out / savoir_faire_name
    paths["annuaire"] = paths[f"annuaire_{DEMO_STAMP[:4]}"]
    paths["savoir_faire"] = paths[f"savoir_faire_{DEMO_STAMP[:4]}"]
    finess_name = f"etalab-cs1100507-stock-{DEMO_STAMP[:8]}-{DEMO_STAMP[8:]}-DEMO.csv"
    paths["finess"] = write_finess(places, np.random.default_rng(seed + 1), out / finess_name, DEMO_STAMP)
    return paths
