"""Where demonstration practitioners and establishments are placed: communes, and arrondissements of the cities.

The caller passes the current units: communes (``type`` 'commune-actuelle')
and, optionally, the arrondissements municipaux of Paris, Lyon and Marseille
(``type`` 'arrondissement-municipal', ``parent`` the city) with their
population and postal codes. A site is drawn among the communes; a site in
one of the three cities is then given an arrondissement in proportion to the
arrondissements' population, and written the way real files write it: the
commune code of the city with the postal code of the arrondissement.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

REQUIRED = ("code", "population", "departement", "lon", "lat")


@dataclass
class Places:
    """Communes where sites are drawn, and the arrondissements of the cities among them.

    Attributes
    ----------
    communes
        Populated current communes sorted by code: ``code``, ``population``,
        ``departement``, ``lon``, ``lat``, ``nom``, ``code_postal`` (first postal code).
    arrondissements
        ``code``, ``parent``, ``population``, ``code_postal``, ``lon``, ``lat``,
        ``city_index`` (row of the parent in ``communes``); possibly empty.
    """

    communes: pd.DataFrame
    arrondissements: pd.DataFrame

    @property
    def population(self) -> np.ndarray:
        return self.communes["population"].to_numpy(dtype=float)

    def weights(self, exponent: float) -> np.ndarray:
        """Placement weights: population raised to ``exponent``, normalised."""
        w = np.power(self.population, exponent)
        return w / w.sum()

    def arrondissement_of(self, sites: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Row of ``arrondissements`` for each site in a divided city (by population), -1 elsewhere."""
        chosen = np.full(len(sites), -1, dtype=np.int64)
        for city_index, group in self.arrondissements.groupby("city_index", sort=True):
            mask = sites == city_index
            if mask.any():
                share = group["population"].to_numpy(dtype=float)
                drawn = rng.choice(len(group), size=int(mask.sum()), p=share / share.sum())
                chosen[mask] = group.index.to_numpy()[drawn]
        return chosen

    def postal_codes(self, sites: np.ndarray, arrondissement: np.ndarray) -> np.ndarray:
        """Postal code written for each site: the arrondissement's, else the commune's first."""
        commune_cp = self.communes["code_postal"].to_numpy(dtype=object)[sites]
        if len(self.arrondissements) == 0:
            return commune_cp
        arr_cp = self.arrondissements["code_postal"].to_numpy(dtype=object)
        return np.where(arrondissement >= 0, arr_cp[np.maximum(arrondissement, 0)], commune_cp)

    def coordinates(self, sites: np.ndarray, arrondissement: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Longitude and latitude of each site (the arrondissement's when known)."""
        lon = self.communes["lon"].to_numpy(dtype=float)[sites]
        lat = self.communes["lat"].to_numpy(dtype=float)[sites]
        if len(self.arrondissements):
            arr = np.maximum(arrondissement, 0)
            arr_lon = self.arrondissements["lon"].to_numpy(dtype=float)[arr]
            arr_lat = self.arrondissements["lat"].to_numpy(dtype=float)[arr]
            use = (arrondissement >= 0) & ~np.isnan(arr_lon) & ~np.isnan(arr_lat)
            lon, lat = np.where(use, arr_lon, lon), np.where(use, arr_lat, lat)
        return lon, lat


def _first_postcode(codes: pd.Series, fallback: pd.Series) -> pd.Series:
    """First postal code of each unit; without one, the commune code (Corsica: 20 + three digits)."""
    first = codes.astype("string").str.split(",").str[0].str.strip()
    derived = fallback.str.replace(r"^2[AB]", "20", regex=True)
    return first.where(first.str.fullmatch(r"\d{5}").fillna(False).astype(bool), derived).astype(str)


def build_places(units: pd.DataFrame) -> Places:
    """Check and index the units given by the caller.

    Raises
    ------
    ValueError
        A required column is missing, or no commune is populated.
    """
    missing = [c for c in REQUIRED if c not in units.columns]
    if missing:
        raise ValueError("Colonnes manquantes dans la table des communes : " + ", ".join(missing))
    frame = units.copy()
    frame["code"] = frame["code"].astype(str)
    frame["departement"] = frame["departement"].astype(str)
    frame["population"] = pd.to_numeric(frame["population"], errors="coerce").fillna(0).clip(lower=0)
    for column, default in (("type", "commune-actuelle"), ("parent", None), ("codes_postaux", None), ("nom", "")):
        if column not in frame.columns:
            frame[column] = default
    frame["code_postal"] = _first_postcode(frame["codes_postaux"], frame["code"])
    frame["nom"] = frame["nom"].fillna("").astype(str)
    is_commune = frame["type"].fillna("commune-actuelle") == "commune-actuelle"
    communes = frame[is_commune & (frame["population"] > 0)].sort_values("code").reset_index(drop=True)
    if communes.empty:
        raise ValueError("Aucune commune peuplée : impossible de générer des données de démonstration")
    position = pd.Series(communes.index, index=communes["code"])
    arrondissements = frame[~is_commune & (frame["population"] > 0) & frame["parent"].isin(position.index)].copy()
    arrondissements["city_index"] = arrondissements["parent"].map(position).astype("int64")
    arrondissements = arrondissements.sort_values("code").reset_index(drop=True)
    columns = ["code", "population", "departement", "lon", "lat", "nom", "code_postal"]
    return Places(
        communes=communes[columns],
        arrondissements=arrondissements[["code", "parent", "population", "code_postal", "lon", "lat", "city_index"]],
    )
