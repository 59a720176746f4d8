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
    normalise_insee_code,
    of_place,
)
from pipeline.sources.commune_names import disagreements, merged_names_of, other_units_meant
from pipeline.sources.cpts_listing.model import NAME_COLUMN, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, UNREAD, issue

#: The split cities whose arrondissements' postal codes are INSEE codes of other communes (Paris's are refused).
CITIES = ("69123", "13055")
#: Anomaly kind of such a code.
KIND = "code_postal_probable"
#: Anomaly kind of a commune name that is not its code's.
NAME_KIND = "nom_commune_different"


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


def commune_name_issues(frame: pd.DataFrame, cog_mapping: pd.DataFrame, units: pd.DataFrame,
                        listing: str) -> list[dict[str, Any]]:
    """An anomaly (``nom_commune_different``) for each row whose commune name (``commune``, when the listing has
    such a column) is not its code's: « 33500 ; Les Billaux » is Samonac's INSEE code, and Libourne's postal code
    (a review: Samonac counted covered, Les Billaux a white zone, without a word). A name that is by itself
    another commune's is said so. The code is still read: the listing's other rows stand (content defect)."""
    named = frame[frame[NAME_COLUMN].fillna("").astype(str).str.strip() != ""] if NAME_COLUMN in frame else frame[:0]
    if named.empty:
        return []
    codes = [normalise_insee_code(code)[0] for code in named["code_insee"]]
    mapping = cog_mapping.drop_duplicates("code").set_index("code")
    unit_names = dict(zip(units["code"].astype(str), units["nom"].astype(str), strict=True))
    wrong, _ = disagreements(codes, named[NAME_COLUMN].astype(str).tolist(), [int(n) for n in named["line"]],
                             mapping, unit_names, lambda: merged_names_of(cog_mapping))
    names = units.rename(columns={"code": "unit_code"})[["unit_code", "nom"]].dropna()
    meant = {line: other for line, _, _, _, other in other_units_meant(wrong, names)}
    cpts_of_line = dict(zip(named["line"].astype(int), named["cpts"], strict=True))
    return [issue(listing, NAME_KIND, cpts_of_line[line], code, line,
                  f"le code {code} est {cog}, pas « {given} »"
                  + (f", qui est {meant[line]} : code postal au lieu du code INSEE ?" if line in meant else ""))
            for line, code, cog, given in wrong]


def unread_column_issues(frame: pd.DataFrame, listing: str) -> list[dict[str, Any]]:
    """One anomaly (``colonnes_non_lues``) naming the columns of a CSV listing the reader did not read."""
    unread, line = frame.attrs.get(UNREAD, ([], None))
    if not unread:
        return []
    known = ", ".join((*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS, NAME_COLUMN))
    return [issue(listing, UNREAD, None, None, line,
                  f"colonnes non lues (hors du format : {known}) : " + ", ".join(f"« {h} »" for h in unread))]
