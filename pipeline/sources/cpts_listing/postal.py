"""Lyon's and Marseille's postal codes in a CPTS of that city: INSEE codes of other communes, read as such.

69001 to 69009 are Lyon's arrondissements' postal codes and the INSEE codes of Affoux, Albigny-sur-Saône…; 13001
to 13016 are Marseille's and those of Aix-en-Provence, Allauch…. In a CPTS that also holds arrondissements of
the city (or the city itself), such a code may be the postal code of an arrondissement (or a neighbour, Allauch
13002 beside Marseille): it is kept as the commune its INSEE code names, and reported with the arrondissement it
may stand for (a review: « 69001 » in a
Lyon CPTS counted Affoux, 40 km away, without a word).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.geography import (
    CITY_NAMES,
    arrondissement_from_postcode,
    arrondissement_label,
    commune_of_unit,
    of_place,
)
from pipeline.sources.cpts_listing.model import issue

#: The split cities whose arrondissements' postal codes are INSEE codes of other communes (Paris's are refused).
CITIES = ("69123", "13055")
#: Anomaly kind of such a code.
KIND = "code_postal_probable"


def postal_code_issues(members: pd.DataFrame, units: pd.DataFrame, listing: str) -> list[dict[str, Any]]:
    """An anomaly for each member given by a code that is one of :data:`CITIES`' postal codes, in a CPTS holding
    units of that city (``units``: the COG's ``code`` and ``nom``, for the commune read)."""
    names = dict(zip(units["code"].astype(str), units["nom"].astype(str), strict=True))
    issues = []
    for (_cpts_id, name), group in members.groupby(["cpts_id", "cpts"], sort=True):
        cities = {commune_of_unit(code) for code in group["unit_code"].astype(str)}
        for city in CITIES:
            if city not in cities:
                continue
            for row in group.itertuples(index=False):
                meant = arrondissement_from_postcode(city, row.unit_code)
                if meant is None or str(row.unit_code) != str(row.commune_code):
                    continue
                issues.append(issue(listing, KIND, name, str(row.unit_code), row.line,
                                    f"code {row.unit_code} lu comme le code INSEE "
                                    f"{of_place(names.get(str(row.unit_code), str(row.unit_code)))}, hors de "
                                    f"{CITY_NAMES[city]} ; "
                                    f"dans une CPTS de {CITY_NAMES[city]}, c'est peut-être le code postal de "
                                    f"{arrondissement_label(meant)} (code INSEE {meant})"))
    return issues

