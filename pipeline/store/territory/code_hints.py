"""Hints on codes typed for something else: Corsican codes short of their zeros, Paris's postal codes, the postal
codes of Marseille's and Lyon's arrondissements."""

from __future__ import annotations

import re

import duckdb
import pandas as pd

from pipeline.geography import (
    CITY_NAMES,
    arrondissement_from_postcode,
    arrondissement_ordinal,
    arrondissements_of,
    commune_of_unit,
    departement_of,
    of_place,
)
from pipeline.store.queries import beyond_the_load, geography
from pipeline.store.territory.code_hint import postal_matches


def corsican_hint(value: str, names: pd.DataFrame) -> str:
    """« ; vouliez-vous dire 2A017 (Appietto) ? » for a Corsican code missing the zeros of its number (« 2A17 »: a
    review got « n'est ni un code INSEE ni un nom de commune connu » alone), when that commune is loaded."""
    found = re.fullmatch(r"(2[AB])(\d{1,2})", value.strip().upper())
    if found is None:
        return ""
    code = found.group(1) + found.group(2).zfill(3)
    hit = names[names["unit_code"] == code]
    return f" ; vouliez-vous dire {code} ({hit.iloc[0]['nom']}) ?" if len(hit) else ""


def paris_postal_code(con: duckdb.DuckDBPyConnection, given: str, code: str, arrondissement: str,
                      mapping: pd.DataFrame, paris_outside: str | None) -> str:
    """The refusal of 75001…75020: Paris's postal codes, which the COG's history also maps to the Seine communes
    that had them before 1968 (75001 Alfortville, now 94002). A review: a Paris list typed with its postal codes
    was read, on a database holding the suburbs, as twenty suburban communes (941 660 inhabitants); on one
    without them, « code INSEE inconnu » did not say that 75001 is Paris 1er's postal code."""
    ordinal = arrondissement_ordinal(arrondissement)
    said = (f"{given} : code postal de Paris {ordinal}{'er' if ordinal == 1 else 'e'} Arrondissement (code INSEE "
            f"{arrondissement})")
    if code in mapping.index and pd.notna(target := mapping.at[code, "current_code"]):
        said += (f", et ancien code, avant 1968, d'une commune de la Seine : {mapping.at[code, 'nom']}, aujourd'hui "
                 f"{target} ; indiquez le code INSEE voulu")
    elif (elsewhere := beyond_the_load.current_communes(con, [code]).get(code)) is not None:
        # Its Seine commune is in a département not loaded (a review read only the postal code reading on a load of
        # the 75 without the 94).
        said += (f", et ancien code, avant 1968, d'une commune de la Seine, aujourd'hui {elsewhere} (département "
                 f"{departement_of(elsewhere)}, non chargé) ; indiquez le code INSEE voulu")
    else:
        said = "code INSEE inconnu : " + said
    if paris_outside:  # « : hors des départements chargés (…) » when the 75 is not loaded
        said += f" ; Paris{paris_outside}"
    return said


def postal_codes_of_a_city(frame: pd.DataFrame, typed: set[str]) -> list[str]:
    """A note when most of the codes given, or any beside units of the city, are those that Marseille's or Lyon's
    arrondissements have as postal codes (13001 to 13016, 69001 to 69009): INSEE codes of other communes
    (Aix-en-Provence, Allauch…; Affoux…), read as such, but a list of arrondissements typed with their postal
    codes would look exactly so. Only codes ``typed`` as such: « Allauch » typed by its name is Allauch (a review
    got the note for a territory of names)."""
    notes = []
    for city in ("13055", "69123"):
        postal = [(str(code), name) for code, name in zip(frame["unit_code"], frame["nom"], strict=True)
                  if str(code) in typed and arrondissement_from_postcode(city, code) is not None]
        # Or beside the city's own units: « 69001, 69381, 69382 » (a review: Affoux counted, 40 km from Lyon).
        beside = any(commune_of_unit(str(code)) == city for code in frame["unit_code"])
        if postal and (beside or (len(postal) >= 2 and 2 * len(postal) > len(frame))):
            first, last = arrondissements_of(city)[0], arrondissements_of(city)[-1]
            read = (" lu comme code INSEE de cette commune ; si c'est un code postal" if len(postal) == 1
                    else " lus comme codes INSEE de ces communes ; si ce sont des codes postaux")
            notes.append(", ".join(f"{code} ({name})" for code, name in postal[:3]) + (" …" if len(postal) > 3 else "")
                         + f"{read} de {CITY_NAMES[city]}, les codes INSEE de ses arrondissements sont {first} à "
                         f"{last}")
    return notes



def postal_code_hint(con: duckdb.DuckDBPyConnection, code: str, served_by: dict[str, pd.DataFrame]) -> str:
    """« ; 04000 est le code postal de Digne-les-Bains (04070), La Javie (04097)… : indiquez le code INSEE voulu »
    for an unknown INSEE code that is a loaded commune's postal code (a review: « 04000 » got « code inconnu »
    alone); nothing otherwise. ``served_by`` keeps the current communes read at the first call of a resolution."""
    if "communes" not in served_by:
        units = geography.current_units_with_postcodes(con)
        served_by["communes"] = units[units["type"] == "commune-actuelle"]
    served = postal_matches(served_by["communes"], code).sort_values(["population", "code"],
                                                                     ascending=[False, True])
    if served.empty:
        return ""
    shown = ", ".join(f"{row.nom} ({row.code})" for row in served.head(5).itertuples())
    rest = len(served) - 5
    more = f" et {rest} autre{'s' if rest > 1 else ''}" if rest > 0 else ""
    return f" ; {code} est le code postal {of_place(shown)}{more} : indiquez le code INSEE voulu"
