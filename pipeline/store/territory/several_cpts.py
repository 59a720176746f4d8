"""A territory file naming several CPTS is a listing, not one territory.

A review: the PACA listing cut to two départements ran as one territory of 33 CPTS, 2.2 million inhabitants,
without a word; a second one drew two CPTS in one GeoJSON (a ``cpts`` property per feature) and got the union of
both, where the same content as a CSV was refused.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.errors import TerritoryError
from pipeline.sources.files import first_listed

#: First characters after which the editor's export writes a quote: a spreadsheet would run ``= + - @`` as a
#: formula, and a name's own leading quote is doubled so that the guard is always undone exactly.
GUARDED_START = ("'", "=", "+", "-", "@")


def distinct_values(values: pd.Series, places: pd.Series) -> list[tuple[str, int]]:
    """Distinct non-empty ``values`` in file order, each with the place (line, feature) it first appears on."""
    seen: dict[str, int] = {}
    for raw, place in zip(values.fillna("").astype(str), places, strict=True):
        value = raw.strip()
        if len(value) > 1 and value[0] == "'" and value[1] in GUARDED_START:
            value = value[1:]  # the export's guard against spreadsheet formulas, not part of the name
        if value and value not in seen:
            seen[value] = int(place)
    return list(seen.items())


def refuse_several_cpts(names: list[tuple[str, int]], column: str, path: Path, *, geojson: bool = False) -> None:
    """Raise :class:`TerritoryError` when ``names`` (:func:`distinct_values` of a ``cpts`` column, or property:
    ``geojson``, its places 1-based feature numbers) hold several CPTS."""
    if len(names) < 2:
        return
    shown = first_listed([f"« {name} »" for name, _ in names], 5)
    what = "propriété" if geojson else "colonne"
    together = "tout ce que couvrent ses périmètres" if geojson else "toutes ces communes"
    where = f" (entité n° {names[1][1]})" if geojson else ""
    raise TerritoryError(f"Fichier de {len(names)} CPTS ({what} « {column} » : {shown}){where} : c'est une liste de "
                         "CPTS, pas un territoire ; chargez-la (make data CPTS=chemin) puis diagnostiquez chacune "
                         "(TERRITORY=\"cpts:NOM\", ou make diagnostics pour toutes), ou renommez la "
                         f"{what} « {column} » pour diagnostiquer {together} ensemble", path,
                         None if geojson else names[1][1])
