"""Quality of CPTS listings: defects counted by kind."""

from __future__ import annotations

import pandas as pd

__all__ = ["listing_quality"]


def listing_quality(issues: pd.DataFrame) -> pd.DataFrame:
    """Count the defects of each listing by kind (from ``ListingResult.issues``).

    Returns
    -------
    DataFrame
        listing, kind, n (number of issues), sorted by listing then kind.
    """
    if issues.empty:
        return pd.DataFrame(columns=["listing", "kind", "n"])
    return issues.groupby(["listing", "kind"]).size().rename("n").reset_index().sort_values(["listing", "kind"])
