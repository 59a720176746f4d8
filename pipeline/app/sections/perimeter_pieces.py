"""Whether a perimeter is in one piece: its units by separate part, and the diagnostic's note when it is not.

A perimeter in several parts is an island, an administrative enclave or a mistyped code of the listing. A unit
without polygon (a collectivité d'outre-mer, a commune re-created since 2018) cannot be placed, nor can the
listed communes of départements the database was not loaded for: the continuity of the whole is then unknown,
and the loaded units apart from the others are not said to be an island (a review: Piégut, joined to the rest
of the CPTS du Gapençais through its communes of the Hautes-Alpes, was said to be « une île, une enclave ou un
code erroné » on a database without them).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from pipeline.analysis.perimeter_parts import PARTS_TOLERANCE_M, perimeter_parts
from pipeline.render.report import format_number

#: Units named per part in the note of a perimeter in several parts, beyond which « et N autres » is written.
PARTS_NAMED = 10


def perimeter_pieces(units: pd.DataFrame, communes_geo: gpd.GeoDataFrame, crs: object) -> pd.DataFrame:
    """``code, nom, population, part`` of every unit of the territory, by part and code: part 1 the most
    populated; ``part`` NA for a unit without polygon (a collectivité d'outre-mer, a commune re-created since
    2018), whose place nobody can tell: the perimeter's continuity is then unknown."""
    drawn = communes_geo[communes_geo.geometry.notna() & ~communes_geo.geometry.is_empty]
    parts = perimeter_parts(drawn[["code", "population", "geometry"]], crs)
    known = dict(zip(drawn["code"].astype(str), parts, strict=True))
    codes = units["unit_code"].astype(str)
    frame = pd.DataFrame({"code": codes, "nom": units["nom"].to_numpy(), "population": units["population"].to_numpy(),
                          "part": pd.array([known.get(c) for c in codes], dtype="Int64")})
    return frame.sort_values(["part", "code"], na_position="last").reset_index(drop=True)


def pieces_note(parts: pd.DataFrame, beyond_the_load: str | None = None) -> str | None:
    """The diagnostic's note on a perimeter whose drawn units are in several parts (None otherwise), each part
    outside the main one named with its units, and the units without polygon.

    ``beyond_the_load``: why part of the perimeter is outside the loaded départements; its parts there may
    join the loaded ones, so that nothing is said to be apart.
    """
    drawn = parts[parts["part"].notna()]
    if drawn.empty or int(drawn["part"].max()) <= 1:
        return None
    if beyond_the_load is not None:
        return (f"continuité du périmètre non disponible : ses communes chargées forment {int(drawn['part'].max())} "
                f"parties séparées de plus de {PARTS_TOLERANCE_M:g} m, que ses communes hors des départements "
                f"chargés peuvent relier ({beyond_the_load})")
    groups = []
    for part, group in drawn[drawn["part"] > 1].groupby("part"):
        names = ", ".join(f"{row.nom} ({row.code})" for row in group.head(PARTS_NAMED).itertuples())
        more = f" et {format_number(len(group) - PARTS_NAMED)} autres" if len(group) > PARTS_NAMED else ""
        groups.append(f"partie {part} : {names}{more}")
    unknown = parts[parts["part"].isna()]
    unplaced = (" ; sans contour, non situées : " + ", ".join(f"{r.nom} ({r.code})" for r in unknown.itertuples())
                if len(unknown) else "")
    return (f"périmètre en {int(drawn['part'].max())} parties séparées de plus de {PARTS_TOLERANCE_M:g} m, hors de "
            f"la partie principale : {' ; '.join(groups)}{unplaced} (une île, une enclave ou un code erroné : à "
            "vérifier)")
