"""The lines make data prints for a listing's anomalies (render.listing_anomalies.anomaly_lines)."""

from __future__ import annotations

import pandas as pd

from pipeline.render.listing_anomalies import WHERE_THE_OTHERS_ARE, anomaly_lines


def _issues(count: int, outside: int = 0) -> pd.DataFrame:
    rows = [{"kind": "code_inconnu", "cpts": "CPTS A", "code": f"0499{i}", "line": i + 2,
             "detail_fr": f"code 0499{i} absent du code officiel géographique"} for i in range(count)]
    rows += [{"kind": "hors_departements_charges", "cpts": "CPTS A", "code": "06088", "line": 40,
              "detail_fr": "commune 06088 hors des départements chargés"}] * outside
    rows.append({"kind": "multi_departements", "cpts": "CPTS A", "code": None, "line": None,
                 "detail_fr": "« CPTS A » s'étend sur 2 départements"})
    return pd.DataFrame(rows)


def test_each_anomaly_of_the_file_is_a_line_with_its_line_and_cpts() -> None:
    lines = anomaly_lines(_issues(2, outside=3))
    assert lines == ["ligne 2, « CPTS A » — code inconnu : code 04990 absent du code officiel géographique",
                     "ligne 3, « CPTS A » — code inconnu : code 04991 absent du code officiel géographique",
                     "« CPTS A » — plusieurs départements : « CPTS A » s'étend sur 2 départements"]


def test_the_others_are_counted_and_said_where_they_are_or_not() -> None:
    lines = anomaly_lines(_issues(20), shown=15)
    assert len(lines) == 16 and lines[-1] == f"… et 6 autres : {WHERE_THE_OTHERS_ARE}"
    # A refused listing has no diagnostic to show them: counted only.
    assert anomaly_lines(_issues(20), shown=5, others="")[-1] == "… et 16 autres"
