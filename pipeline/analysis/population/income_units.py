"""Filosofi income of each unit of a territory, with what is published and what is not.

A unit has zero, one or several rows of the Filosofi 2019 commune file:
none when the commune is too small to appear in it or outside its field
(Guadeloupe, Guyane and Mayotte have no row), several when communes of 2021 merged since. A single row gives the
published figures (the deciles and shares are « non diffusés » under
statistical secrecy); several rows give no exact median — a median of merged
communes is not the combination of their medians — only the persons-weighted
mean of their medians, an approximation labelled so.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["STATUS", "UNIT_INCOME_COLUMNS", "unit_income"]

#: Indicators shown per unit.
INDICATORS = ("mediane", "d1", "d9", "part_minima_sociaux")

#: French status of a unit's income figures.
STATUS = {
    "publie": "publié",
    "secret": "secret statistique : médiane seule",
    "fusion": "communes fusionnées depuis le fichier : médiane approchée (moyenne pondérée des médianes)",
    "absent": "absent du fichier (commune trop petite)",
    "hors_champ": "hors du champ de Filosofi (aucune commune du département dans le fichier)",
}

UNIT_INCOME_COLUMNS = ["unit_code", "codes_source", "personnes", *INDICATORS, "mediane_approchee", "secret", "fusion",
                       "hors_champ", "statut"]


def unit_income(rows: pd.DataFrame, unit_codes: list[str], outside_field: set[str] | None = None) -> pd.DataFrame:
    """Income figures of each unit.

    Parameters
    ----------
    rows
        Filosofi commune rows of the units: ``code_source``, ``unite``,
        ``personnes``, ``mediane``, ``d1``, ``d9``, ``part_minima_sociaux``,
        ``secret`` (several rows per unit for merged communes).
    unit_codes
        The territory's units, in display order.
    outside_field
        Units outside the file's field (départements without any row: Guadeloupe, Guyane, Mayotte): status
        « hors du champ »
        rather than « absent du fichier ».

    Returns
    -------
    DataFrame
        :data:`UNIT_INCOME_COLUMNS`, one row per unit: the published figures
        of a single row (secret ones NaN), NaN for merged communes except
        ``mediane_approchee``; ``statut`` from :data:`STATUS`.
    """
    out = []
    for code in unit_codes:
        own = rows[rows["unite"].astype(str) == str(code)]
        record: dict[str, object] = {"unit_code": str(code), "codes_source": ",".join(sorted(own["code_source"]))}
        record["personnes"] = float(own["personnes"].sum()) if len(own) and own["personnes"].notna().all() \
            else math.nan
        for column in INDICATORS:
            record[column] = float(own[column].iloc[0]) if len(own) == 1 and pd.notna(own[column].iloc[0]) \
                else math.nan
        secret = bool(own["secret"].fillna(False).astype(bool).any()) if len(own) else False
        if secret:
            for column in INDICATORS[1:]:
                record[column] = math.nan
        weights = own["personnes"].astype("float64")
        usable = own["mediane"].notna() & weights.gt(0)
        complete = len(own) > 0 and bool(usable.all())
        record["mediane_approchee"] = float(np.average(own["mediane"], weights=weights)) \
            if len(own) > 1 and complete else math.nan
        record["secret"] = secret
        record["fusion"] = len(own) > 1
        record["hors_champ"] = own.empty and str(code) in (outside_field or set())
        if own.empty:
            record["statut"] = STATUS["hors_champ" if record["hors_champ"] else "absent"]
        elif len(own) > 1:
            record["statut"] = STATUS["fusion"]
        elif secret:
            record["statut"] = STATUS["secret"]
        else:
            record["statut"] = STATUS["publie"]
        out.append(record)
    return pd.DataFrame(out, columns=UNIT_INCOME_COLUMNS)
