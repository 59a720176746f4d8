"""Age-related need for general practice, from the DREES APL standardised population.

The DREES APL workbook gives, per commune (and per arrondissement of Paris,
Lyon and Marseille), the *population standardisée pour la médecine générale*:
the inhabitants weighted by the general-practice consumption of their age
group relative to the national average (sources of the workbook:
« consommations de soins par tranche d'âge : SNIIR-AM », « Populations par
sexe et âge, Insee »), next to the *population totale*. Over France the two
sums are equal (Σ standardised / Σ total = 1.000 on both sheets of the
2022-2023 workbook), so the ratio

.. math::

    I = \\frac{\\sum_u P^{std}_u}{\\sum_u P^{tot}_u}

is an index of need due to the age structure: above 1 the territory's
population, whose age structure calls for more consultations (most often an
older population), needs more general practice than as many inhabitants of
the national age structure; below 1, less. It is a ratio of sums, not a mean
of communal ratios (a mean would give a village the weight of a city).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["AGE_NEED_EXPLANATION", "AgeNeed", "age_need_by_unit", "age_need_of"]

#: One French sentence explaining the index (for reports).
AGE_NEED_EXPLANATION = (
    "L'indice de besoin lié à l'âge rapporte la population standardisée de la DREES (habitants pondérés par la "
    "consommation de soins de médecine générale de leur tranche d'âge) à la population totale : au-dessus de 1, "
    "la structure par âge du territoire, le plus souvent une population plus âgée, appelle davantage de "
    "consultations que la même population à la structure par âge moyenne de la France ; en dessous de 1, moins."
)


@dataclass(frozen=True)
class AgeNeed:
    """Age-related need index of a set of units.

    Attributes
    ----------
    index
        Σ standardised / Σ total over the units found in the APL rows; NaN
        when their total population is 0 or none is found.
    population_standardisee, population_totale
        The two sums (inhabitants), over the units found.
    units_missing
        Requested units with no APL row, or whose row lacks one of the two
        populations (sorted codes): they are left out of both sums. The DREES
        workbook excludes Mayotte, and uses the geography of its year.
    """

    index: float
    population_standardisee: float
    population_totale: float
    units_missing: list[str] = field(default_factory=list)


def _one_year(apl: pd.DataFrame, year: int | None) -> pd.DataFrame:
    """The APL rows of one year, with ``code`` as str and both populations as float64."""
    missing = [c for c in ("code", "population_standardisee", "population_totale") if c not in apl.columns]
    if missing:
        raise ValueError(f"colonnes absentes des lignes APL : {', '.join(missing)}")
    rows = apl
    if "annee" in apl.columns:
        if year is not None:
            rows = apl[apl["annee"] == year]
        elif apl["annee"].nunique() > 1:
            raise ValueError("les lignes APL couvrent plusieurs années : précisez l'année")
    out = pd.DataFrame({"code": rows["code"].astype(str).to_numpy()})
    for column in ("population_standardisee", "population_totale"):
        out[column] = pd.to_numeric(rows[column], errors="coerce").astype("float64").to_numpy()
    if out["code"].duplicated().any():
        raise ValueError("unités en double dans les lignes APL d'une même année")
    return out


def age_need_by_unit(apl: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """Age-related need index of each unit.

    Parameters
    ----------
    apl
        APL rows: ``code``, ``population_standardisee``, ``population_totale``
        (inhabitants), optionally ``annee``.
    year
        Year kept when ``apl`` has an ``annee`` column with several years
        (ValueError if several years and no ``year``).

    Returns
    -------
    DataFrame
        ``code`` (str), ``population_standardisee``, ``population_totale``,
        ``indice_besoin_age`` (float64; NaN when the total population is 0 or
        a population is missing), in the input order.
    """
    rows = _one_year(apl, year)
    total = rows["population_totale"].where(rows["population_totale"] > 0)
    return rows.assign(indice_besoin_age=rows["population_standardisee"] / total).reset_index(drop=True)


def age_need_of(apl: pd.DataFrame, codes: Iterable[str], year: int | None = None) -> AgeNeed:
    """Age-related need index of a set of units (ratio of sums).

    Parameters
    ----------
    apl
        APL rows (see :func:`age_need_by_unit`).
    codes
        Unit codes of the territory, on the workbook's geography (Paris, Lyon,
        Marseille by arrondissement).
    year
        See :func:`age_need_by_unit`.

    Returns
    -------
    AgeNeed
    """
    wanted = sorted(set(map(str, codes)))
    rows = _one_year(apl, year).set_index("code").reindex(wanted)
    complete = rows.notna().all(axis=1)
    found = rows[complete]
    standardised = float(found["population_standardisee"].sum())
    total = float(found["population_totale"].sum())
    return AgeNeed(
        index=standardised / total if total > 0 else math.nan,
        population_standardisee=standardised,
        population_totale=total,
        units_missing=sorted(rows.index[~complete]),
    )
