"""The hint of « cpts:04070 » or « cpts:04100 »: a commune's INSEE or postal code typed where a CPTS name goes.

A user who knows the commune but not its CPTS's exact name types its code after ``cpts:``; « CPTS inconnue »
alone leaves them guessing. The hint names the communes the code reads as (an INSEE code, current or
former, and a postal code: 13001 is Aix-en-Provence and Marseille 1er's postal code), the territory to type
for them alone, and the loaded CPTS that count them.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pandas as pd

from pipeline.geography import is_insee_code, of_place
from pipeline.store.queries import geography, listings

#: Communes (and CPTS) named in the hint before « … ».
SHOWN = 3


def _named(items: list[str]) -> str:
    return ", ".join(items[:SHOWN]) + (" …" if len(items) > SHOWN else "")


def postal_matches(units: pd.DataFrame, code: str) -> pd.DataFrame:
    """Units whose postal codes hold ``code``: an arrondissement rather than its city when both do."""
    postcodes = units["codes_postaux"].fillna("").astype(str).str.split(",")
    hits = units[postcodes.map(lambda codes: code in [c.strip() for c in codes])]
    arrondissements = hits[hits["type"] == "arrondissement-municipal"]
    return hits[~hits["code"].isin(set(arrondissements["parent"].dropna().astype(str)))]


def _insee_reading(con: duckdb.DuckDBPyConnection, units: pd.DataFrame,
                   code: str) -> tuple[Callable[[str], str], pd.DataFrame]:
    """What ``code`` names as an INSEE code (a current unit, or a former commune now in a current one): the
    phrase naming the units found (« le code INSEE d'Aix-en-Provence (13001) »), and those units."""
    own = units[units["code"] == code]
    if len(own):
        return lambda names: f"le code INSEE {of_place(names)}", own
    former = geography.cog_mapping(con, [code])
    former = former[~former["kind"].isin(["actuelle", "arrondissement"])]
    found = units[units["code"].isin(set(former["current_code"].dropna().astype(str)))]
    if former.empty:
        return lambda names: names, found
    old_name = of_place(str(former.iloc[0]["nom"]))
    return lambda names: f"l'ancien code INSEE {old_name}, aujourd'hui dans {names}", found


def cpts_code_hint(con: duckdb.DuckDBPyConnection, value: str, shown: Callable[[str, str], str]) -> str:
    """« ; « 04070 » est le code INSEE de Digne-les-Bains… » for a name that is a commune's code, else ``""``.

    ``shown(cpts, listing)`` writes a CPTS as the territory to type back.
    """
    code = value.strip().upper()
    if not is_insee_code(code):
        return ""
    units = geography.current_units_with_postcodes(con)
    units = units[units["type"].isin(["commune-actuelle", "arrondissement-municipal"])]
    postal = postal_matches(units, code)
    readings = [_insee_reading(con, units, code), (lambda names: f"le code postal {of_place(names)}", postal)]
    members = listings.members(con)
    parts = []
    for what, found in readings:
        if found.empty:
            continue
        codes = set(found["code"].astype(str))
        one = len(found) == 1
        names = [f"{r.nom} ({r.code})" for r in found.sort_values("code").itertuples()]
        claimed = members[members["unit_code"].astype(str).isin(codes)
                          | members["commune_code"].astype(str).isin(codes)]
        cpts = [shown(str(r.cpts), str(r.listing))
                for r in claimed[["cpts", "listing"]].drop_duplicates().itertuples()]
        them = "la" if one else "les"
        where = ((f"la CPTS qui {them} compte : " if len(cpts) == 1 else f"les CPTS qui {them} comptent : ")
                 + _named(cpts) if cpts else f"aucune CPTS chargée ne {them} compte")
        parts.append(f"« {code} » est {what(_named(names))} (territoire « communes:"
                     f"{','.join(sorted(codes)[:20])} ») ; {where}")
    return (" ; " + " ; ".join(parts)) if parts else ""
