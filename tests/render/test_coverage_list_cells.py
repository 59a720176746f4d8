"""The coverage tables' list cells (the CPTS claiming a unit): items separated by « ; », an item holding « ; » or
« " » quoted as a CSV field is, so that a CSV reader splits them back exactly (a review: « CPTS A;B » beside
« CPTS Aix » read as three names where ``n_cpts`` said 2)."""

from __future__ import annotations

import csv

import pandas as pd

from pipeline.render.coverage import _listify


def test_names_holding_the_separator_are_quoted_and_split_back() -> None:
    names = [["CPTS A;B", "CPTS Aix"], ['CPTS « dite "Nord" »', "CPTS Sud"], ["CPTS Seule"], None]
    out = _listify(pd.DataFrame({"cpts": names, "n_cpts": [2, 2, 1, 0]}))
    assert out["cpts"].tolist()[:3] == ['"CPTS A;B";CPTS Aix', '"CPTS « dite ""Nord"" »";CPTS Sud', "CPTS Seule"]
    for cell, expected, count in zip(out["cpts"].tolist()[:3], names[:3], out["n_cpts"], strict=False):
        (split,) = list(csv.reader([cell], delimiter=";"))
        assert split == expected and len(split) == count
    assert pd.isna(out["cpts"].iloc[3])
