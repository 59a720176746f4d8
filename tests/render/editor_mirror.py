"""A realistic-size editor input for région PACA, assembled from the data mirror (read in place).

Units: the current communes (COG 2026, decoupage-administratif 6.0.0) of
départements 04, 05, 06, 13, 83, 84, with Marseille replaced by its 16
arrondissements. Polygons: contours-communes-2018 (old codes dissolved into
their current commune through the 2026 ``chefLieu`` of communes déléguées and
associées) and contours-arrondissements-2023 for Marseille. EPCI from the
package's ``epci.json``; bassins de vie 2022 from the INSEE table
d'appartenance 2024. CPTS: the real PACA listing. OD: a synthetic
distance-decay model (not the pipeline's Huff model) between unit centroids
within 25 km — made up, labelled so in the page.
"""

from __future__ import annotations

import json
import tarfile
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from pipeline import config
from pipeline.render.editor import EditorData, InitialPerimeter, ListedPerimeter
from tests.render.editor_cases import aci_rules

PACA = ("04", "05", "06", "13", "83", "84")
MARSEILLE = "13055"
OD_CUTOFF_M = 25_000.0
OD_BETA_PER_KM = 0.15
GP_RATE = 4.5  # made-up consultations per inhabitant and year


def _package(mirror: Path, version: str = "6.0.0") -> dict[str, Any]:
    path = mirror / "decoupage-administratif" / f"etalab-decoupage-administratif-{version}.tgz"
    with tarfile.open(path) as archive:
        def load(name: str) -> Any:
            member = archive.extractfile(f"package/data/{name}")
            assert member is not None
            return json.load(member)

        return {"communes": load("communes.json"), "epci": load("epci.json")}


def _units_table(package: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, str]]:
    communes = pd.DataFrame(package["communes"])
    current = communes[(communes["type"] == "commune-actuelle") & communes["departement"].isin(PACA)]
    arrondissements = communes[(communes["type"] == "arrondissement-municipal") & (communes["commune"] == MARSEILLE)]
    units = pd.concat([current[current["code"] != MARSEILLE], arrondissements], ignore_index=True)
    old = communes[communes["type"].isin(["commune-deleguee", "commune-associee"])]
    to_current = dict(zip(old["code"], old["chefLieu"], strict=True))
    return units[["code", "nom", "population", "departement"]].reset_index(drop=True), to_current


def _epci(package: dict[str, Any]) -> pd.DataFrame:
    rows = [(m["code"], e["code"], e["nom"]) for e in package["epci"] for m in e["membres"]]
    return pd.DataFrame(rows, columns=["code", "epci", "epci_nom"]).drop_duplicates("code")


def _bassins(mirror: Path) -> pd.DataFrame:
    table = pd.read_csv(mirror / "insee" / "table-appartenance-geographique-2024.csv", dtype=str)
    labels = pd.read_csv(mirror / "insee" / "libelles-zonages-supracommunaux-2024.csv", dtype=str)
    names = labels[labels["NIVGEO"] == "BV2022"].set_index("CODGEO")["LIBGEO"]
    return pd.DataFrame({"code": table["CODGEO"], "bv2022": table["BV2022"],
                         "bv2022_nom": table["BV2022"].map(names)})


def _polygons(mirror: Path, to_current: dict[str, str]) -> gpd.GeoDataFrame:
    frames = [gpd.read_file(path) for dep in PACA
              for path in sorted((mirror / "contours-communes-2018").glob(f"communes-{dep}-*.geojson"))]
    communes = pd.concat(frames, ignore_index=True)
    communes["code"] = communes["code"].map(lambda c: to_current.get(c, c))
    communes = communes[communes["code"] != MARSEILLE].dissolve(by="code", as_index=False)[["code", "geometry"]]
    arr = gpd.read_file(mirror / "contours-arrondissements-2023"
                        / "georef-france-commune-arrondissement-municipal-2023.geojson")
    arr["code"] = arr["com_arm_code"].map(lambda v: str(v) if isinstance(v, str) else str(next(iter(v))))
    arr = arr[arr["code"].str.startswith("132")][["code", "geometry"]]
    return gpd.GeoDataFrame(pd.concat([communes, arr], ignore_index=True), geometry="geometry", crs=4326)


def synthetic_od(units: gpd.GeoDataFrame) -> pd.DataFrame:
    """Made-up GP consultations: each unit sends pop × rate to units within 25 km, ∝ pop × exp(-β d)."""
    located = units[units.geometry.notna()].to_crs(2154)
    points = np.column_stack([located.geometry.centroid.x, located.geometry.centroid.y])
    pop = located["population"].fillna(0).to_numpy(dtype=float)
    codes = located["code"].to_numpy()
    pairs = cKDTree(points).query_pairs(OD_CUTOFF_M, output_type="ndarray")
    origin = np.concatenate([pairs[:, 0], pairs[:, 1], np.arange(len(points))])
    dest = np.concatenate([pairs[:, 1], pairs[:, 0], np.arange(len(points))])
    km = np.hypot(*(points[origin] - points[dest]).T) / 1000
    weight = (pop[dest] + 1) * np.exp(-OD_BETA_PER_KM * km)
    total = np.bincount(origin, weights=weight, minlength=len(points))
    volume = pop[origin] * GP_RATE * weight / total[origin]
    keep = volume > 0
    return pd.DataFrame({"origin": codes[origin[keep]], "destination": codes[dest[keep]], "volume": volume[keep]})


def paca_editor_data(mirror: Path, initial_cpts: str = "CPTS du Pays d'Arles") -> EditorData:
    package = _package(mirror)
    table, to_current = _units_table(package)
    polygons = _polygons(mirror, to_current)
    table = table.merge(_epci(package), on="code", how="left").merge(_bassins(mirror), on="code", how="left")
    marseille = table["code"].str.startswith("132")
    city = _epci(package).set_index("code").loc[MARSEILLE]
    table.loc[marseille, "epci"] = city["epci"]
    table.loc[marseille, "epci_nom"] = city["epci_nom"]
    table.loc[marseille, "bv2022"] = MARSEILLE
    table.loc[marseille, "bv2022_nom"] = "Marseille"
    table["population"] = table["population"].astype("Int64")
    table["population_annee"] = pd.array([config.POPULATION_YEAR[2026]] * len(table), dtype="Int64")
    units = gpd.GeoDataFrame(table.merge(polygons, on="code", how="left"), geometry="geometry", crs=4326)
    listing = pd.read_csv(mirror / "cpts" / "paca-cpts-communes.csv", dtype=str)
    listing["code_insee"] = listing["code_insee"].map(lambda c: to_current.get(c, c))
    perimeters = [ListedPerimeter(name, "PACA", tuple(dict.fromkeys(group["code_insee"])))
                  for name, group in listing.groupby("cpts", sort=True)]
    initial = next(p for p in perimeters if p.name == initial_cpts)
    known = set(units["code"])
    return EditorData(
        units=units,
        perimeters=perimeters,
        od=synthetic_od(units),
        aci=aci_rules(),
        initial=InitialPerimeter(tuple(c for c in initial.codes if c in known), initial.name, initial.name,
                                 initial.listing),
        title="Éditeur de périmètre de CPTS — Provence-Alpes-Côte d'Azur",
        zone="Région Provence-Alpes-Côte d'Azur (93)",
        generated=date(2026, 3, 2),
        sources=f"COG 2026 et populations légales {config.POPULATION_YEAR[2026]} (INSEE, decoupage-administratif "
                "6.0.0) ; contours IGN 2018 et arrondissements 2023 ; liste régionale des CPTS PACA ; bassins de vie "
                "2022 (INSEE)",
        demo=True,
        od_label="recours fictifs (modèle de décroissance avec la distance écrit pour l'essai)",
        notes=["Flux origine-destination fictifs : page d'essai de taille réelle."],
    )
