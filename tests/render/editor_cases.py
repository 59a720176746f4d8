"""A small synthetic zone for the perimeter editor, whose answers are computed by hand.

Six square units in a 3 × 2 grid (0.1° sides) and a seventh without polygon::

    lat 45.2 +---------+---------+---------+
             | A 01001 | B 01002 | C 01003 |
    lat 45.1 +---------+---------+---------+
             | D 01004 | E 01005 | F 01006 |
    lat 45.0 +---------+---------+---------+
           lon 5.0     5.1       5.2       5.3          G 01007: no polygon, no population

Populations: A 25 000, B 15 000, C 8 000, D 1 000, E 500 (legal year 2022),
F 300 (legal year 2017, as Mayotte), G unknown. A + B = 40 000 exactly.

Adjacency (queen: sides and corners, the squares meet exactly): A–B, A–D, A–E, B–C, B–D, B–E, B–F, C–E, C–F,
D–E, E–F; G has no polygon, so no neighbour. A and C, A and F, D and C, D and F are apart (0.1° between them).

Listing: « CPTS Alpha » (liste L1) = A, B, D — the perimeter being edited;
« CPTS Beta » (L1) = B, C (B is shared); a CPTS with a hostile name (L2) = E
and 02001 (outside the zone). F and G are claimed by nobody (zones blanches).

EPCI: 200000001 = A, B, C; 200000002 = D, E, F; G has none.
Bassins de vie: 01001 = A, D (+ one unit outside the zone: total 3);
01002 = B, C, E, F (total 4); G has none.

OD (GP consultations per year)::

    A→A 100, A→B 50, A→C 50, A→01099 20      residents of A: 220
    B→B 80, B→A 20                           residents of B: 100
    D→A 30, D→D 10, D→(none) 5               residents of D: 40 (+5 unserved)
    C→C 40, C→B 10;  E→A 10;  01099→A 5
"""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from pipeline.analysis import aci
from pipeline.render.editor import AciRules, EditorData, InitialPerimeter, ListedPerimeter

A, B, C, D, E, F, G = "01001", "01002", "01003", "01004", "01005", "01006", "01007"
HOSTILE = 'CPTS </script><b onclick="x()">Gamma</b> & "Co"'

POPULATION = {A: 25_000, B: 15_000, C: 8_000, D: 1_000, E: 500, F: 300, G: None}
YEAR = {A: 2022, B: 2022, C: 2022, D: 2022, E: 2022, F: 2017, G: None}


def square(column: int, row: int) -> object:
    west, south = 5.0 + 0.1 * column, 45.0 + 0.1 * row
    return box(west, south, west + 0.1, south + 0.1)


def units() -> gpd.GeoDataFrame:
    rows = [
        (A, "Aubert-lès-Bains", 0, 1, "200000001", "CC Nord", "01001", "Aubert"),
        (B, "Belleville-sur-Saône", 1, 1, "200000001", "CC Nord", "01002", "Belleville"),
        (C, "Césy", 2, 1, "200000001", "CC Nord", "01002", "Belleville"),
        (D, "Dompierre", 0, 0, "200000002", "CA Sud", "01001", "Aubert"),
        (E, "Écully-le-Haut", 1, 0, "200000002", "CA Sud", "01002", "Belleville"),
        (F, "Saint-Œuf", 2, 0, "200000002", "CA Sud", "01002", "Belleville"),
        (G, "Gex-sans-Contour", None, None, None, None, None, None),
    ]
    return gpd.GeoDataFrame(
        {
            "code": [r[0] for r in rows],
            "nom": [r[1] for r in rows],
            "population": pd.array([POPULATION[r[0]] for r in rows], dtype="Int64"),
            "population_annee": pd.array([YEAR[r[0]] for r in rows], dtype="Int64"),
            "departement": ["01"] * len(rows),
            "epci": [r[4] for r in rows],
            "epci_nom": [r[5] for r in rows],
            "bv2022": [r[6] for r in rows],
            "bv2022_nom": [r[7] for r in rows],
        },
        geometry=[square(r[2], r[3]) if r[2] is not None else None for r in rows],
        crs=4326,
    )


def od() -> pd.DataFrame:
    rows = [
        (A, A, 100.0), (A, B, 50.0), (A, C, 50.0), (A, "01099", 20.0),
        (B, B, 80.0), (B, A, 20.0),
        (D, A, 30.0), (D, D, 10.0), (D, None, 5.0),
        (C, C, 40.0), (C, B, 10.0), (E, A, 10.0), ("01099", A, 5.0),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["origin", "destination", "volume"])


def aci_rules() -> AciRules:
    return AciRules(
        bounds=aci.SIZE_BOUNDS,
        funding={band: aci.known_funding(band) for band in (1, 2, 3, 4)},
        note=aci.funding_note(),
        version=aci.DEFAULT_VERSION,
        version_label=aci.VERSION_LABELS[aci.DEFAULT_VERSION],
        descriptions=aci.BAND_DESCRIPTIONS,
    )


def perimeters() -> list[ListedPerimeter]:
    return [
        ListedPerimeter("CPTS Alpha", "L1", (A, B, D)),
        ListedPerimeter("CPTS Beta", "L1", (B, C)),
        ListedPerimeter(HOSTILE, "L2", (E, "02001")),
    ]


#: The pairs of units within 50 m of each other, written from the grid above (not computed).
ADJACENCY = [(A, B), (A, D), (A, E), (B, C), (B, D), (B, E), (B, F), (C, E), (C, F), (D, E), (E, F)]


def editor_data(**changes: object) -> EditorData:
    data = EditorData(
        units=units(),
        perimeters=perimeters(),
        od=od(),
        aci=aci_rules(),
        initial=InitialPerimeter(codes=(A, B, D), name="CPTS Alpha", cpts="CPTS Alpha", listing="L1"),
        title="Éditeur de périmètre — cas d'essai",
        zone="Zone d'essai (synthétique)",
        generated=date(2026, 3, 2),
        sources="unités et flux synthétiques écrits pour les tests",
        demo=True,
        bv_totals={"01001": 3, "01002": 4},
        notes=["cas synthétique"],
        adjacency=ADJACENCY,
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data
