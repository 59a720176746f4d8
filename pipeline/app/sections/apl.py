"""Official accessibility section: the DREES APL, read once, on the current geography."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.analysis import indicators as ind
from pipeline.model.diagnostic import AplSection


def unit_apl(table: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """APL rows of the territory's units: arrondissement rows for arrondissements, commune rows otherwise."""
    level = np.where(units["type"] == "arrondissement-municipal", "arrondissement", "commune")
    keys = pd.DataFrame({"code": units["unit_code"].to_numpy(), "niveau": level})
    return keys.merge(table, on=["code", "niveau"], how="inner")


def apl_section(table: pd.DataFrame, units: pd.DataFrame, dep: str, reg: str) -> AplSection:
    """Territory, département, région and France APL per year (standardised-population weights), per unit.

    ``table`` is :func:`pipeline.store.queries.apl.apl_current`.
    """
    communes = table[table["niveau"] == "commune"]
    france = communes[communes["region"].notna()]
    rows = []
    per_unit = units[["unit_code", "commune_code", "nom", "population"]].copy()
    for year in (2022, 2023):
        sheet = communes[communes["annee"] == year]
        own = unit_apl(table[table["annee"] == year], units)
        rows.append({
            "annee": year,
            "territoire": ind.weighted_apl(own),
            "departement": ind.weighted_apl(sheet[sheet["departement"] == dep]),
            "region": ind.weighted_apl(sheet[sheet["region"] == reg]),
            "france": ind.weighted_apl(france[france["annee"] == year]),
        })
        per_unit[f"apl_{year}"] = per_unit["unit_code"].map(own.set_index("code")["apl"])
    # A unit without a published APL (Mayotte) is neither under nor over the threshold: NA, not « non ».
    per_unit["sous_dense"] = (per_unit["apl_2023"] < ind.APL_UNDER_SERVED).astype("boolean")
    per_unit.loc[per_unit["apl_2023"].isna(), "sous_dense"] = pd.NA
    missing = sorted(per_unit.loc[per_unit["apl_2023"].isna(), "unit_code"])
    latest = communes[communes["annee"] == 2023].set_index("code")["apl"]
    return AplSection(synthesis=pd.DataFrame(rows), per_unit=per_unit, missing=missing,
                      threshold=ind.APL_UNDER_SERVED, commune_2023=latest)
