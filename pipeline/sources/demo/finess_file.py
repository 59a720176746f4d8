"""Write demonstration establishments as a FINESS stock extraction (``structureet`` + ``geolocalisation``).

Establishments per 100 000 inhabitants (orders of magnitude): MSP ≈ 2 500,
centres de santé ≈ 2 800, EHPAD ≈ 7 500, SSIAD ≈ 2 100, CMP ≈ 3 000
nationally; one centre hospitalier and one DAC per département (in its
largest commune), a CHR in communes above 150 000 inhabitants. In Paris,
Lyon and Marseille the establishment gets an arrondissement (by population)
and its postal code in ``ligneacheminement``, as real records have.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer

from pipeline import nomenclatures
from pipeline.sources.demo.places import Places
from pipeline.sources.finess.layouts import CHAMPS_STRUCTUREET

#: (FINESS category, per 100 000 inhabitants, population exponent of the placement weight).
ETABLISSEMENTS_PAR_100K: tuple[tuple[str, float, float], ...] = (
    ("603", 3.7, 1.0),
    ("124", 4.0, 1.3),
    ("500", 11.0, 1.0),
    ("354", 3.1, 1.0),
    ("156", 4.4, 1.2),
    ("365", 1.5, 1.4),
    ("109", 2.5, 1.2),
)
_PUBLIC = {"355", "101", "156"}
_DROM_FINESS = {"971": "9A", "972": "9B", "973": "9C", "974": "9D", "975": "9E", "976": "9F"}
_CRS_JETON = {
    "971": ("UTM_N20", 5490),
    "972": ("UTM_N20", 5490),
    "973": ("UTM_N22", 2972),
    "974": ("UTM_S40", 2975),
    "975": ("UTM_N21", 4467),
    "976": ("UTM_S38", 4471),
}


def _chosen(places: Places, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(category, commune row) of every establishment."""
    communes = places.communes
    total = float(places.population.sum())
    codes: list[np.ndarray] = []
    sites: list[np.ndarray] = []
    for code, density, exponent in ETABLISSEMENTS_PAR_100K:
        n = max(1, round(total / 100_000 * density))
        codes.append(np.full(n, code, dtype=object))
        sites.append(rng.choice(len(communes), size=n, p=places.weights(exponent)))
    biggest = communes.groupby("departement", sort=True)["population"].idxmax().to_numpy()
    for code in ("355", "606"):
        codes.append(np.full(len(biggest), code, dtype=object))
        sites.append(biggest)
    large = np.flatnonzero(communes["population"].to_numpy() >= 150_000)
    codes.append(np.full(len(large), "101", dtype=object))
    sites.append(large)
    return np.concatenate(codes), np.concatenate(sites).astype(np.int64)


def write_finess(places: Places, rng: np.random.Generator, target: Path, stamp: str) -> Path:
    """Write the FINESS stock file ``target`` dated ``stamp`` (``AAAAMMJJhhmm``)."""
    labels = nomenclatures.finess_categories().set_index("code")["libelle"]
    codes, sites = _chosen(places, rng)
    arrondissement = places.arrondissement_of(sites, rng)
    lon, lat = places.coordinates(sites, arrondissement)
    lon = lon + rng.uniform(-0.01, 0.01, len(sites))
    lat = lat + rng.uniform(-0.01, 0.01, len(sites))
    postal = places.postal_codes(sites, arrondissement)
    communes = places.communes
    commune = communes["code"].to_numpy(dtype=object)[sites]
    departement = communes["departement"].to_numpy(dtype=object)[sites]
    prefix3 = np.array([c[:3] for c in commune], dtype=object)
    drom = np.isin(prefix3, list(_DROM_FINESS))
    x = np.full(len(sites), np.nan)
    y = np.full(len(sites), np.nan)
    jeton = np.full(len(sites), "L93_METROPOLE", dtype=object)
    epsg = np.where(drom, 0, 2154)
    for dep, (token, code) in _CRS_JETON.items():
        epsg[prefix3 == dep] = code
        jeton[prefix3 == dep] = token
    for code in np.unique(epsg):
        mask = epsg == code
        x[mask], y[mask] = Transformer.from_crs(4326, int(code), always_xy=True).transform(lon[mask], lat[mask])
    numero = np.arange(1, len(sites) + 1)
    finess_prefix = np.where(drom, "97", np.array([d[:2] for d in departement], dtype=object))
    dep_finess = np.where(drom, pd.Series(prefix3).map(_DROM_FINESS).fillna("").to_numpy(), departement)
    with open(target, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        handle.write(f"finess;etalab;0;{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}\n")
        geo_lines = []
        for i in range(len(sites)):
            label = str(labels.get(codes[i], ""))
            nofinesset = f"{finess_prefix[i]}{numero[i]:07d}"
            public = codes[i] in _PUBLIC
            nom = f"{label} FICTIF DEMO {numero[i]}".upper()
            fields = dict.fromkeys(CHAMPS_STRUCTUREET, "")
            fields.update({
                "nofinesset": nofinesset, "nofinessej": f"{finess_prefix[i]}{numero[i] + 5_000_000:07d}",
                "rs": nom[:38], "rslongue": nom, "numvoie": str(numero[i] % 90 + 1), "typvoie": "R",
                "voie": "DE LA DEMONSTRATION", "commune": commune[i][-3:], "departement": dep_finess[i],
                "ligneacheminement": f"{postal[i]} COMMUNE FICTIVE", "categetab": codes[i], "libcategetab": label,
                "codesph": "1" if public else "0",
                "libsph": "Etablissement public de santé" if public else "Non concerné",
                "dateouv": "2020-01-01", "dateautor": "2020-01-01", "datemaj": "2025-12-31",
            })  # fmt: skip
            writer.writerow(["structureet", *fields.values()])
            geo_lines.append(["geolocalisation", nofinesset, f"{x[i]:.1f}", f"{y[i]:.1f}",
                              f"1,ATLASANTE,100,DEMO,{jeton[i]}", "2025-12-31"])
        writer.writerows(geo_lines)
    return target
