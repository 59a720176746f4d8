"""Official APL of an area: both DREES variants, and the population under the threshold.

The DREES workbook gives, per commune (and arrondissement of Paris, Lyon,
Marseille), the APL to all general practitioners and the APL to those under
65 (« APL aux médecins généralistes de moins de 65 ans », the variant the ARS
zoning uses). Its note prescribes how to aggregate them: « Pour calculer un
APL moyen […], l'APL communal doit être pondéré par la population
standardisée. Pour comptabiliser la population sous un seuil d'APL ou
calculer des quantiles, la population non standardisée doit être utilisée. »
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

__all__ = ["AplFigures", "apl_figures"]

#: DREES: below 2.5 consultations/visits per inhabitant per year.
THRESHOLD = 2.5


@dataclass(frozen=True)
class AplFigures:
    """APL figures of an area for one year (NaN when none of its rows has the figure).

    Attributes
    ----------
    apl, apl_moins_65
        Means weighted by the standardised population, over rows with a value.
    population_totale
        Total (not standardised) population of the rows with an APL.
    population_sous_seuil, population_sous_seuil_moins_65
        Total population of the rows whose APL (resp. under-65 APL) is below the threshold.
    rows, rows_without_apl
        Rows of the area, and those without an APL.
    """

    apl: float
    apl_moins_65: float
    population_totale: float
    population_sous_seuil: float
    population_sous_seuil_moins_65: float
    rows: int
    rows_without_apl: int

    @property
    def part_sous_seuil_pct(self) -> float:
        return _share(self.population_sous_seuil, self.population_totale)

    @property
    def part_sous_seuil_moins_65_pct(self) -> float:
        return _share(self.population_sous_seuil_moins_65, self.population_totale)


def _share(part: float, total: float) -> float:
    return part / total * 100 if total > 0 and not math.isnan(part) else math.nan


def _weighted(rows: pd.DataFrame, column: str) -> float:
    usable = rows.dropna(subset=[column, "population_standardisee"])
    weight = float(usable["population_standardisee"].sum())
    return float((usable[column] * usable["population_standardisee"]).sum() / weight) if weight > 0 else math.nan


def _under(rows: pd.DataFrame, column: str, threshold: float) -> float:
    usable = rows.dropna(subset=[column, "population_totale"])
    if usable.empty:
        return math.nan
    return float(usable.loc[usable[column] < threshold, "population_totale"].sum())


def apl_figures(rows: pd.DataFrame, threshold: float = THRESHOLD) -> AplFigures:
    """Both APL variants of an area and its population under ``threshold``.

    Parameters
    ----------
    rows
        The area's workbook rows of one year: ``apl``, ``apl_moins_65``,
        ``population_standardisee``, ``population_totale``.
    threshold
        APL threshold (2.5 consultations per inhabitant per year).
    """
    with_apl = rows.dropna(subset=["apl"])
    total = float(with_apl["population_totale"].sum()) if len(with_apl) else math.nan
    return AplFigures(
        apl=_weighted(rows, "apl"),
        apl_moins_65=_weighted(rows, "apl_moins_65"),
        population_totale=total,
        population_sous_seuil=_under(rows, "apl", threshold),
        population_sous_seuil_moins_65=_under(rows, "apl_moins_65", threshold),
        rows=len(rows),
        rows_without_apl=len(rows) - len(with_apl),
    )
