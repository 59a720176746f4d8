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
    # A download of Filosofi refused on a load adding this département: the file holds it, the database does not
    # (a re-check read « hors du champ » of Aix-en-Provence).
    "non_charge": "non disponible : Filosofi 2019 n'est pas chargé pour son département (relancez « make data »)",
    # Communes re-created since the file's geography (1 January 2021): their households are in the row of the
    # commune they were part of, which describes them together (a review: L'Oie, 1 250 inhabitants, was « trop
    # petite », and Essarts-en-Bocage's row of 9 103 persons was « la valeur exacte » of its 6 851 inhabitants).
    "retablie": "absente du fichier : comprise en 2021 dans la commune {holder}, dont la ligne la décrit avec elle "
                "(rétablie depuis)",
    "englobe": "ligne de la commune de 2021, qui comprenait aussi {others} ({since}) : valeurs d'un ensemble "
               "plus grand que la commune",
}

UNIT_INCOME_COLUMNS = ["unit_code", "codes_source", "personnes", *INDICATORS, "mediane_approchee", "secret", "fusion",
                       "hors_champ", "statut"]


def unit_income(rows: pd.DataFrame, unit_codes: list[str], outside_field: set[str] | None = None,
                recreated: pd.DataFrame | None = None, not_loaded: set[str] | None = None) -> pd.DataFrame:
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
    not_loaded
        Units of départements the file holds but the database was not loaded with (status « non_charge »).
    recreated
        ``code, autre``: communes re-created (``autre``) since the file's
        geography, inside the commune ``code`` then (statuses « retablie »
        and « englobe »), optionally named by ``nom`` and ``nom_autre``.

    Returns
    -------
    DataFrame
        :data:`UNIT_INCOME_COLUMNS`, one row per unit: the published figures
        of a single row (secret ones NaN), NaN for merged communes except
        ``mediane_approchee``; ``statut`` from :data:`STATUS`.
    """
    pairs = recreated if recreated is not None else pd.DataFrame(columns=["code", "autre"])

    def named(name_column: str, code_column: str) -> pd.Series:  # « Essarts-en-Bocage (85084) », or the code
        names = pairs[name_column] if name_column in pairs.columns else pd.Series(pd.NA, index=pairs.index)
        codes = pairs[code_column].astype(str)
        return codes.where(names.isna(), names.astype(str) + " (" + codes + ")")

    holder_of = dict(zip(pairs["autre"].astype(str), named("nom", "code"), strict=True))
    held = named("nom_autre", "autre").groupby(pairs["code"].astype(str)).agg(lambda c: ", ".join(sorted(c)))
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
        if own.empty and str(code) in holder_of:
            record["statut"] = STATUS["retablie"].format(holder=holder_of[str(code)])
        elif own.empty and str(code) in (not_loaded or set()):
            record["statut"] = STATUS["non_charge"]
        elif own.empty:
            record["statut"] = STATUS["hors_champ" if record["hors_champ"] else "absent"]
        elif len(own) == 1 and str(code) in held.index:
            since = "rétablies depuis" if ", " in held[str(code)] else "rétablie depuis"
            record["statut"] = STATUS["englobe"].format(others=held[str(code)], since=since)
        elif len(own) > 1:
            record["statut"] = STATUS["fusion"]
        elif secret:
            record["statut"] = STATUS["secret"]
        else:
            record["statut"] = STATUS["publie"]
        out.append(record)
    return pd.DataFrame(out, columns=UNIT_INCOME_COLUMNS)
