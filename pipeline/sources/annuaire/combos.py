"""Compute once per distinct combination of a few columns, then spread the results over the rows.

A national extraction has two million rows but only thousands of distinct
(profession, specialty, mode, secteur) or (commune, postal code, name)
combinations: the rules run on those, in plain Python, and their results
are spread back as categoricals.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def combinations(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Group number of each row, and the first row of each group (missing values as None).

    Returns
    -------
    tuple
        ``(group, combos)``: ``group[i]`` numbers the combination of row ``i``
        (0..k-1, in order of first appearance); ``combos`` has one row per
        combination, in that order, with the values of ``columns``.
    """
    codes = pd.DataFrame({c: pd.factorize(frame[c], use_na_sentinel=True)[0] for c in columns})
    group = codes.groupby(list(columns), sort=False).ngroup().to_numpy()
    first = pd.Series(np.arange(len(frame))).groupby(group).first().to_numpy()
    combos = frame.iloc[first][list(columns)].astype(object)
    return group, combos.where(combos.notna(), None).reset_index(drop=True)


def spread(values: Sequence[object], group: np.ndarray) -> pd.Categorical:
    """Per-combination ``values`` (None = missing) as a categorical over the rows."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    categories = pd.Index([str(u) for u in uniques], dtype="str")
    return pd.Categorical.from_codes(codes[group] if len(codes) else np.full(len(group), -1), categories=categories)
