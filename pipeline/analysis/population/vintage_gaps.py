"""Which packages' populations of a set of units are the population of that set.

A package keys the legal populations of year N, established on the geography of 1 January N+2, by the communes
of its own COG (:func:`pipeline.sources.cog.population_gaps`): a commune absorbed in between lacks there, and a
commune re-created since is inside the commune it was part of. Summed over a territory, such a package gives a
population short of some inhabitants (or holding others'): the COG 2019 package put 2 818 inhabitants in three
Gironde communes nouvelles that had 1 218 in 2016, and the territory's « +12,9 % par an » was the missing
communes. Those packages are left out of the territory's evolution, and said to be.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import pandas as pd

from pipeline.sources.cog import GAP_ABSENT as ABSENT
from pipeline.sources.cog import GAP_INCLUDED as INCLUDED


def broken_vintages(rows: pd.DataFrame, gaps: pd.DataFrame, units: Collection[str],
                    vintages: Iterable[int]) -> dict[int, list[str]]:
    """The vintages whose rows of ``units`` do not add up to their population, with the reason per unit.

    Parameters
    ----------
    rows
        Population rows of the units (``unit_code, vintage``).
    gaps
        ``vintage, code, autre, kind`` (:func:`pipeline.store.queries.population_history.population_gaps`).
    units
        The units summed (those with a population in every package; Mayotte's census is apart).
    vintages
        The packages' vintages.

    Returns
    -------
    dict
        Vintage → French reasons (« 33008 sans 33092 (absorbée depuis) »), for each vintage that cannot be summed.
    """
    members = set(map(str, units))
    present = {(int(v), str(u)) for u, v in zip(rows["unit_code"], rows["vintage"], strict=True)}
    out: dict[int, list[str]] = {}
    for vintage in sorted(set(vintages)):
        part = gaps[gaps["vintage"] == vintage]
        reasons: list[str] = []
        for gap in part.itertuples():
            code, other = str(gap.code), str(gap.autre)
            if gap.kind == ABSENT and code in members:
                reasons.append(f"{code} sans {other} (absorbée depuis)")
            elif gap.kind == INCLUDED and (code in members) != (other in members):
                reasons.append(f"{code} avec {other} (rétablie depuis)" if code in members
                               else f"{other} (alors comptée dans {code})")
        included = set(part.loc[part["kind"] == INCLUDED, "autre"].astype(str))  # said above, or summed right
        reasons += [f"{unit} absente du millésime" for unit in sorted(members)
                    if (vintage, unit) not in present and unit not in included]
        if reasons:
            out[vintage] = sorted(set(reasons))
    return out
