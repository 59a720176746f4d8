"""Rank correlation of the APL approchée with the official APL (Spearman's rho over common communes)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.errors import DataError

#: Column of the APL approchée in :func:`pipeline.analysis.access.approx_apl`'s output.
APL_COLUMN = "apl_approchee"


def _check(df: pd.DataFrame, cols: list[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataError(f"{what} : colonne(s) manquante(s) {', '.join(missing)}.")


def rank_correlation(
    approx: pd.DataFrame | pd.Series,
    official: pd.DataFrame | pd.Series,
    *,
    approx_col: str = APL_COLUMN,
    official_col: str = "apl",
) -> tuple[float, int]:
    """Spearman rank correlation between APL approchée and the official APL.

    Parameters
    ----------
    approx
        DataFrame ``code``, ``approx_col`` (output of :func:`approx_apl`) or
        a Series indexed by code.
    official
        DataFrame ``code``, ``official_col`` (DuckDB table ``apl`` for one
        year) or a Series indexed by code.

    Returns
    -------
    (rho, n)
        Spearman's rho over the ``n`` communes with a finite value in both;
        ``rho`` is NaN when ``n < 3``.
    """

    def as_series(x: pd.DataFrame | pd.Series, col: str) -> pd.Series:
        if isinstance(x, pd.Series):
            s = x.copy()
            s.index = s.index.astype(str)
        else:
            _check(x, ["code", col], "Comparaison APL")
            s = pd.Series(x[col].to_numpy(), index=x["code"].astype(str))
        s = pd.to_numeric(s, errors="coerce")
        return s[~s.index.duplicated(keep="first")]

    a = as_series(approx, approx_col)
    b = as_series(official, official_col)
    both = pd.concat([a.rename("a"), b.rename("b")], axis=1, join="inner").replace([np.inf, -np.inf], np.nan).dropna()
    n = len(both)
    if n < 3:
        return float("nan"), n
    return spearman(both["a"].to_numpy(), both["b"].to_numpy()), n


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rho: Pearson's correlation of the average ranks (ties share their mean rank).

    Written here rather than imported from ``scipy.stats``, whose import alone
    costs about a second, a third of a small diagnostic. NaN when either
    series is constant.
    """
    ra = pd.Series(a).rank(method="average").to_numpy() - (len(a) + 1) / 2
    rb = pd.Series(b).rank(method="average").to_numpy() - (len(b) + 1) / 2
    spread = float(np.sqrt((ra**2).sum() * (rb**2).sum()))
    return float((ra * rb).sum() / spread) if spread > 0 else float("nan")
