"""Which départements a loaded registry extraction covers (national, regional or partial files).

ARS analysts often load a regional extraction of the Annuaire Santé instead of
the national one. Such a file still holds a few practitioners in neighbouring
départements (a practitioner of the région with a secondary site across the
border). Densities computed there would be absurdly low: comparisons must be
made only where the file covers the area.

Method
    For each département, ``density = practitioners / population``.

    1. **Core.** Départements are ranked by number of practitioners; the core
       is the smallest set of the largest ones that holds at least
       ``core_share`` (default half) of the file's practitioners. The
       reference density is the core's pooled density (Σ practitioners /
       Σ population). The core is where the file obviously is: the
       département of a one-département file, the big départements of a
       regional or national file. Ranking by *counts* rather than densities
       keeps a small territory with an extreme density (an outlier high or
       low) from setting the reference.
    2. **Covered.** A département is covered when its density reaches
       ``min_fraction`` (default 0.25) of the reference. Where a file covers
       the area, départemental densities of practitioners stay of the same
       order of magnitude (they differ by a small factor, not tenfold),
       whereas stray practitioners are a handful per département: 3 general
       practitioners in a département of 500 000 inhabitants are 0.06 per
       10 000, more than a hundred times below the density of general
       practitioners in any metropolitan département. A quarter of the
       reference sits between the two with a wide margin on both sides.

Limits
    * A département is covered or not as a whole: a file cut along commune
      boundaries (a CPTS's communes only) looks like a covered département
      with a low density.
    * A département whose real density is far below the others' (Mayotte, for
      general practitioners) can be reported as not covered even in a
      national file: comparisons with it are then withheld, which errs on the
      safe side; :func:`area_coverage` names such départements so the caller
      can say « France hors … ».
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["AreaCoverage", "RegistryCoverage", "area_coverage", "registry_coverage"]


@dataclass(frozen=True)
class RegistryCoverage:
    """Départements covered by a registry extraction.

    Attributes
    ----------
    reference_density
        Pooled density of the core, per 10 000 inhabitants (NaN when the file
        has no practitioner in a populated département).
    min_fraction, core_share
        Parameters used.
    table
        One row per département of the input: ``departement`` (str),
        ``praticiens`` (int64), ``population`` (float64), ``densite_10000``
        (float64, NaN when the population is unknown or 0),
        ``rapport_reference`` (density / reference density), ``noyau``
        (bool: in the core), ``couvert`` (bool). Sorted by département.
    covered
        Codes of the covered départements.
    too_small
        The file has too few rows to cover anything (``min_core_rows``, ``min_core_density``).
    core_density
        The core's density that ``min_core_density`` was compared with (NaN for an empty file).
    """

    reference_density: float
    min_fraction: float
    core_share: float
    table: pd.DataFrame
    covered: frozenset[str] = field(default_factory=frozenset)
    too_small: bool = False
    core_density: float = math.nan


def registry_coverage(
    counts: pd.DataFrame,
    min_fraction: float = 0.25,
    core_share: float = 0.5,
    min_core_rows: int = 0,
    min_core_density: float = 0.0,
) -> RegistryCoverage:
    """Decide which départements a registry extraction covers.

    Parameters
    ----------
    counts
        One row per département: ``departement``, ``praticiens`` (distinct
        practitioners, or general practitioners, with an activity site
        there), ``population`` (inhabitants). List every département of the
        area that matters (France, or the région and its neighbours), with
        0 practitioners where the file has none.
    min_fraction
        Share of the reference density a département must reach (0–1).
    core_share
        Share of the file's practitioners held by the core (0–1].
    min_core_rows
        Fewest practitioners (rows) in the core for a file to cover
        anything: below it, the file is a handful of rows (a sample, a test
        file) whose relative densities mean nothing, and no département is
        covered (``too_small``).
    min_core_density
        Lowest pooled density of the core (per 10 000 inhabitants) for a file to cover anything: below
        it, the file holds a small part of what a complete extraction of its own départements holds (the
        first rows of a file), and no département is covered (``too_small``). Measured on the optional
        column ``reperes`` of ``counts`` when given (rows of kinds whose density is known), else on
        ``praticiens``.

    Returns
    -------
    RegistryCoverage

    Raises
    ------
    ValueError
        Missing columns, negative counts, parameters out of range, a
        département listed twice.
    """
    missing = [c for c in ("departement", "praticiens", "population") if c not in counts.columns]
    if missing:
        raise ValueError(f"colonnes absentes : {', '.join(missing)}")
    if not 0.0 < min_fraction <= 1.0 or not 0.0 < core_share <= 1.0:
        raise ValueError("min_fraction et core_share doivent être des parts dans ]0, 1]")
    table = pd.DataFrame({"departement": counts["departement"].astype(str).to_numpy()})
    if table["departement"].duplicated().any():
        raise ValueError("département listé deux fois : " + ", ".join(table.loc[table["departement"].duplicated(),
                                                                               "departement"]))  # fmt: skip
    practitioners = pd.to_numeric(counts["praticiens"], errors="coerce").fillna(0)
    if (practitioners < 0).any():
        raise ValueError("nombre de praticiens négatif")
    table["praticiens"] = practitioners.astype("int64").to_numpy()
    table["population"] = pd.to_numeric(counts["population"], errors="coerce").astype("float64").to_numpy()
    populated = table["population"] > 0
    table["densite_10000"] = (table["praticiens"] / table["population"].where(populated) * 10_000).astype("float64")

    # Core: the largest départements (by practitioners) holding core_share of the file.
    ranked = table[populated & (table["praticiens"] > 0)].sort_values(
        ["praticiens", "departement"], ascending=[False, True]
    )
    total = int(ranked["praticiens"].sum())
    core_codes: set[str] = set()
    reference = math.nan
    if total > 0:
        before = ranked["praticiens"].cumsum() - ranked["praticiens"]  # practitioners of the larger ones
        core = ranked[before < core_share * total]
        core_codes = set(core["departement"])
        reference = float(core["praticiens"].sum() / core["population"].sum() * 10_000)
    table["noyau"] = table["departement"].isin(core_codes)
    table["rapport_reference"] = table["densite_10000"] / reference if total > 0 else math.nan
    core_density = reference
    if "reperes" in counts.columns and total > 0:
        anchors = pd.to_numeric(counts["reperes"], errors="coerce").fillna(0).to_numpy()
        in_core = table["noyau"].to_numpy()
        core_density = float(anchors[in_core].sum() / table.loc[in_core, "population"].sum() * 10_000)
    too_small = total > 0 and (int(table.loc[table["noyau"], "praticiens"].sum()) < min_core_rows
                               or core_density < min_core_density)
    enough = total > 0 and not too_small
    table["couvert"] = ((table["rapport_reference"] >= min_fraction).fillna(False) & enough).astype(bool)
    table = table.sort_values("departement").reset_index(drop=True)
    columns = ["departement", "praticiens", "population", "densite_10000", "rapport_reference", "noyau", "couvert"]
    return RegistryCoverage(
        reference_density=reference,
        min_fraction=min_fraction,
        core_share=core_share,
        table=table[columns],
        covered=frozenset(table.loc[table["couvert"], "departement"]),
        too_small=too_small,
        core_density=core_density,
    )


@dataclass(frozen=True)
class AreaCoverage:
    """Whether an area (a set of départements) is covered by the loaded file.

    Attributes
    ----------
    complete
        Every département of the area is covered.
    missing
        Départements of the area that are not covered (sorted).
    """

    complete: bool
    missing: list[str]


def area_coverage(coverage: RegistryCoverage, departements: Iterable[str]) -> AreaCoverage:
    """Whether the file covers every département of an area (territory, département, région, France).

    Parameters
    ----------
    coverage
        Result of :func:`registry_coverage`.
    departements
        Département codes of the area (those of a territory's communes, of its
        département, of its région, or of France).

    Returns
    -------
    AreaCoverage
        ``complete`` is False for an empty area (nothing to compare with).
    """
    wanted = sorted(set(map(str, departements)))
    missing = [d for d in wanted if d not in coverage.covered]
    return AreaCoverage(complete=bool(wanted) and not missing, missing=missing)
