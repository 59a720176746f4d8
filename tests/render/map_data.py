"""Layers for the map tests: small synthetic territories, and real ones read in place from the data mirror.

Synthetic layers have known answers (squares of 0.05° near Digne-les-Bains).
Real layers come from the mirror (``CPTS_DATA_MIRROR``): commune contours
(COG 2018), the arrondissements of Paris/Lyon/Marseille, the PACA CPTS
listing and the 2026 COG's populations. Contours and listing are of different
vintages: the few communes merged since 2018 have no polygon here, which
does not matter for drawing tests.
"""

from __future__ import annotations

import functools
import json
import tarfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point, box

LON0, LAT0, STEP = 6.20, 44.05, 0.05
XSS = "<script>alert(1)</script>"
PACA_DEPARTEMENTS = ("04", "05", "06", "13", "83", "84")


def square(i: int, j: int) -> shapely.Polygon:
    return box(LON0 + i * STEP, LAT0 + j * STEP, LON0 + (i + 1) * STEP, LAT0 + (j + 1) * STEP)


def synthetic_territory(xss: bool = False) -> dict:
    """Six communes (3 x 2 squares) near Digne-les-Bains, one neighbour CPTS, points and flows."""
    names = ["Digne-les-Bains", "Aiglun", "Marcoux", "La Robine-sur-Galabre", "Le Chaffaut", "L'Escale"]
    if xss:
        names[1] = XSS
    communes = gpd.GeoDataFrame(
        {
            "code": ["04070", "04001", "04111", "04171", "04046", "04079"],
            "nom": names,
            "population": [16000, 1400, 500, 300, 900, 1300],
            "densite": [135.2, 40.1, 15.3, 6.8, 25.0, 48.9],
            "apl_2023": [3.9, 2.1, np.nan, 1.2, 2.8, 2.8],
            "densite_mg": [9.5, 9.5, 9.5, 9.5, 9.5, 9.5],  # constant column
        },
        geometry=[square(i, j) for j in range(2) for i in range(3)],
        crs=4326,
    )
    perimeter = gpd.GeoDataFrame({"nom": ["CPTS du Pays dignois"]}, geometry=[communes.union_all()], crs=4326)
    neighbours = gpd.GeoDataFrame(
        {"nom": ["CPTS Durance-Bléone"]},
        geometry=[box(LON0 + 3 * STEP, LAT0, LON0 + 5 * STEP, LAT0 + 2 * STEP)],
        crs=4326,
    )
    establishments = gpd.GeoDataFrame(
        {
            "nom": [XSS if xss else "Centre hospitalier de Digne", "EHPAD Les Oliviers", "Pharmacie centrale"],
            "groupe": ["Hôpital public", "EHPAD", "Autre"],
            "categorie": ["Centre hospitalier", "EHPAD", "Officine"],
        },
        geometry=[Point(LON0 + 0.02, LAT0 + 0.02), Point(LON0 + 0.07, LAT0 + 0.03), Point(LON0 + 0.12, LAT0 + 0.08)],
        crs=4326,
    )
    professionals = pd.DataFrame(
        {
            "code": ["04070", "04070", "04001", "04079"],
            "groupe": ["Médecins généralistes", "Infirmiers", "Infirmiers", "Médecins généralistes"],
            "effectif": [18, 40, 2, 1],
        }
    )
    return {
        "perimeter": perimeter,
        "communes": communes,
        "neighbours": neighbours,
        "establishments": establishments,
        "professionals": professionals,
        "flows": synthetic_flows(),
    }


def synthetic_flows() -> gpd.GeoDataFrame:
    """One outgoing flow Digne → Manosque (1 200) and one incoming Sisteron → Digne (300)."""
    digne = (LON0 + 0.02, LAT0 + 0.02)
    return gpd.GeoDataFrame(
        {
            "volume": [1200, 300],
            "sens": ["sortant", "entrant"],
            "origine": ["04070", "04209"],
            "destination": ["04112", "04070"],
            "nom_origine": ["Digne-les-Bains", "Sisteron"],
            "nom_destination": ["Manosque", "Digne-les-Bains"],
        },
        geometry=[LineString([digne, (LON0 + 0.25, LAT0 - 0.05)]), LineString([(LON0 - 0.08, LAT0 + 0.15), digne])],
        crs=4326,
    )


INDICATORS = {
    "population": "Population municipale",
    "apl_2023": "APL médecins généralistes (2023)",
    "densite_mg": "Médecins généralistes pour 10 000 hab.",
}


def synthetic_coverage() -> dict:
    """4 x 3 communes; CPTS A (west) and B (centre) overlap on one column; east column uncovered."""
    cells = [(i, j) for j in range(3) for i in range(4)]
    units = gpd.GeoDataFrame(
        {
            "code": [f"04{100 + k}" for k in range(len(cells))],
            "nom": [f"Commune {k + 1}" for k in range(len(cells))],
            "population": [1000 * (k + 1) for k in range(len(cells))],
        },
        geometry=[square(i, j) for i, j in cells],
        crs=4326,
    )
    col = np.array([i for i, _ in cells])
    units["n_cpts"] = np.select([col == 1, col == 3], [2, 0], 1)
    units["cpts"] = np.select([col == 0, col == 1, col == 2], ["CPTS A", "CPTS A, CPTS B", "CPTS B"], "")
    perimeters = gpd.GeoDataFrame(
        {"cpts": ["CPTS A", "CPTS B"]},
        geometry=[
            box(LON0, LAT0, LON0 + 2 * STEP, LAT0 + 3 * STEP),
            box(LON0 + STEP, LAT0, LON0 + 3 * STEP, LAT0 + 3 * STEP),
        ],
        crs=4326,
    )
    overlaps = gpd.GeoDataFrame(
        {"cpts": [["CPTS A", "CPTS B"]], "population": [15000]},
        geometry=[box(LON0 + STEP, LAT0, LON0 + 2 * STEP, LAT0 + 3 * STEP)],
        crs=4326,
    )
    white = units[units["n_cpts"] == 0][["nom", "population", "geometry"]]
    atone = white.iloc[[0]]
    candidates = gpd.GeoDataFrame(
        {"nom": ["Haute-Bléone"], "population": [24000]}, geometry=[white.union_all()], crs=4326
    )
    return {
        "units": units,
        "perimeters": perimeters,
        "overlaps": overlaps,
        "white_zones": white,
        "atone": atone,
        "candidates": candidates,
    }


def grid_perimeters(n_cols: int, n_rows: int) -> gpd.GeoDataFrame:
    """``n_cols`` x ``n_rows`` square perimeters named « CPTS i-j » (queen neighbours touch at corners)."""
    cells = [(i, j) for j in range(n_rows) for i in range(n_cols)]
    return gpd.GeoDataFrame(
        {"cpts": [f"CPTS {i}-{j}" for i, j in cells]}, geometry=[square(i, j) for i, j in cells], crs=4326
    )


# --------------------------------------------------------------------------- real layers from the mirror


@functools.cache
def cog_populations(mirror: Path) -> pd.DataFrame:
    """``code``, ``nom``, ``population`` of current communes and arrondissements (COG 2026 package)."""
    with tarfile.open(mirror / "decoupage-administratif" / "etalab-decoupage-administratif-6.0.0.tgz") as tar:
        member = tar.extractfile("package/data/communes.json")
        assert member is not None
        records = json.load(member)
    frame = pd.DataFrame(records)
    frame = frame[frame["type"].isin(["commune-actuelle", "arrondissement-municipal"])]
    return frame[["code", "nom", "population"]].reset_index(drop=True)


@functools.cache
def paca_units(mirror: Path) -> gpd.GeoDataFrame:
    """PACA units: communes of the 2018 contours, Marseille by arrondissement; ``code``, ``nom``, geometry."""
    frames = []
    folder = mirror / "contours-communes-2018"
    for dep in PACA_DEPARTEMENTS:
        frames.append(gpd.read_file(next(folder.glob(f"communes-{dep}-*.geojson"))))
    communes = pd.concat(frames, ignore_index=True)
    communes = communes[communes["code"] != "13055"]
    arrondissements = real_arrondissements(mirror, [str(c) for c in range(13201, 13217)])
    units = pd.concat([communes[["code", "nom", "geometry"]], arrondissements[["code", "nom", "geometry"]]],
                      ignore_index=True)
    return gpd.GeoDataFrame(units, geometry="geometry", crs=4326)


def real_arrondissements(mirror: Path, codes: list[str]) -> gpd.GeoDataFrame:
    """Arrondissements municipaux (``code``, ``nom``, geometry) from the 2023 contours."""
    path = mirror / "contours-arrondissements-2023" / "georef-france-commune-arrondissement-municipal-2023.geojson"
    raw = gpd.read_file(path)
    first = lambda v: v[0] if isinstance(v, list | tuple | np.ndarray) else v  # noqa: E731
    out = gpd.GeoDataFrame({"code": raw["com_arm_code"].map(first), "nom": raw["com_arm_name"].map(first)},
                           geometry=raw.geometry.values, crs=4326)
    return out[out["code"].isin(codes)].sort_values("code").reset_index(drop=True)


@functools.cache
def paca_coverage(mirror: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """``(units, perimeters)`` of the real PACA listing: units with ``population``, ``n_cpts``, ``cpts``;
    one perimeter per CPTS name (the union of its units' contours)."""
    listing = pd.read_csv(mirror / "cpts" / "paca-cpts-communes.csv", dtype=str)
    units = paca_units(mirror).merge(cog_populations(mirror)[["code", "population"]], on="code", how="left")
    units = units.merge(listing.rename(columns={"code_insee": "code"}), on="code", how="left")
    units["n_cpts"] = units["cpts"].notna().astype(int)
    claimed = units[units["cpts"].notna()]
    perimeters = claimed[["cpts", "geometry"]].dissolve(by="cpts", as_index=False)
    units["cpts"] = units["cpts"].fillna("")
    return gpd.GeoDataFrame(units, geometry="geometry", crs=4326), perimeters


def real_territory(mirror: Path, cpts: str = "CPTS du Verdon") -> dict:
    """A real CPTS: ``perimeter``, ``units`` (``code``, ``nom``, ``population``, ``densite``), ``neighbours``."""
    units, perimeters = paca_coverage(mirror)
    inside = units[units["cpts"] == cpts].copy()
    area_km2 = inside.to_crs(2154).area / 1e6
    inside["densite"] = inside["population"] / area_km2
    perimeter = perimeters[perimeters["cpts"] == cpts].rename(columns={"cpts": "nom"})
    others = perimeters[perimeters["cpts"] != cpts]
    touching = others[others.to_crs(2154).distance(perimeter.to_crs(2154).geometry.iloc[0]) < 100]
    return {"perimeter": perimeter.reset_index(drop=True), "units": inside.reset_index(drop=True),
            "neighbours": touching.rename(columns={"cpts": "nom"}).reset_index(drop=True)}


def dense_establishments(area: gpd.GeoDataFrame, n: int, seed: int = 0) -> gpd.GeoDataFrame:
    """``n`` made-up establishments spread over ``area`` (for density tests), in every FINESS group."""
    from pipeline.nomenclatures import GROUPES_FINESS

    rng = np.random.default_rng(seed)
    shape = area.union_all()
    minx, miny, maxx, maxy = shape.bounds
    points: list[Point] = []
    while len(points) < n:
        xs, ys = rng.uniform(minx, maxx, 4 * n), rng.uniform(miny, maxy, 4 * n)
        candidates = shapely.points(xs, ys)
        points.extend(candidates[shapely.contains(shape, candidates)][: n - len(points)])
    groups = [GROUPES_FINESS[i % len(GROUPES_FINESS)] for i in range(n)]
    return gpd.GeoDataFrame({"nom": [f"Établissement fictif {i + 1}" for i in range(n)], "groupe": groups,
                             "categorie": groups}, geometry=points, crs=4326)


def real_flows(mirror: Path, cpts: str = "CPTS du Verdon") -> gpd.GeoDataFrame:
    """Made-up volumes between real communes: from the CPTS's communes to five towns around, and one back."""
    units, _ = paca_coverage(mirror)
    territory = real_territory(mirror, cpts)["units"]
    points = units.set_index("code").geometry.to_crs(2154).representative_point().to_crs(4326)
    names = units.set_index("code")["nom"]
    outside = ["04112", "83050", "04070", "13201", "83069"]  # Manosque, Draguignan, Digne, Marseille 1er, Hyères
    inside = list(territory["code"])
    rows = [(inside[i % len(inside)], code, vol, "sortant")
            for i, (code, vol) in enumerate(zip(outside, [2400, 900, 700, 400, 150], strict=True))]
    rows.append(("04112", inside[0], 500, "entrant"))
    return gpd.GeoDataFrame(
        {"volume": [r[2] for r in rows], "sens": [r[3] for r in rows], "origine": [r[0] for r in rows],
         "destination": [r[1] for r in rows], "nom_origine": [names[r[0]] for r in rows],
         "nom_destination": [names[r[1]] for r in rows]},
        geometry=[LineString([points[r[0]], points[r[1]]]) for r in rows], crs=4326)
