"""Official accessibility section: the DREES APL, read once, on the current geography."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.analysis import apl_levels
from pipeline.analysis import indicators as ind
from pipeline.geography import CITY_NAMES, city_of_arrondissement, france_label
from pipeline.model.diagnostic import AplSection

#: The France row of the APL tables: the DREES workbook covers France except Mayotte.
FRANCE_APL_FIELD = "métropole et DROM hors Mayotte, absente du classeur DREES"


def france_apl_label(departements: str) -> str:
    """The label of a France figure read from the DREES workbook (no row for Mayotte); ``departements`` are
    the comma-separated codes the database holds (the ``departements`` column of the compared areas)."""
    return france_label(departements.split(","), FRANCE_APL_FIELD, {"976"}, "du classeur DREES")


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
        per_unit[f"apl_moins_65_{year}"] = per_unit["unit_code"].map(own.set_index("code")["apl_moins_65"])
        # An APL the workbook does not publish as such: the mean of several of its rows (a commune merged since
        # the workbook's COG, a city counted whole), said with its rows (a review read 2,39 for Essarts-en-Bocage's
        # neighbour 85223, whose row gives 2,046: 2,39 is its mean with 85233's).
        averaged = own.set_index("code")["codes_classeur"].astype("string")
        per_unit[f"codes_classeur_{year}"] = per_unit["unit_code"].map(averaged.where(averaged.str.contains(",")))
    # A unit without a published APL (Mayotte) is neither under nor over the threshold: NA, not « non ».
    for column, flag in (("apl_2023", "sous_dense"), ("apl_moins_65_2023", "sous_dense_moins_65")):
        per_unit[flag] = (per_unit[column] < ind.APL_UNDER_SERVED).astype("boolean")
        per_unit.loc[per_unit[column].isna(), flag] = pd.NA
    missing = sorted(per_unit.loc[per_unit["apl_2023"].isna(), "unit_code"])
    latest = communes[communes["annee"] == 2023].set_index("code")["apl"]
    return AplSection(synthesis=pd.DataFrame(rows), per_unit=per_unit, missing=missing,
                      threshold=ind.APL_UNDER_SERVED, commune_2023=latest,
                      city_parts_under=city_parts_under(table, units, 2023))


def city_parts_under(table: pd.DataFrame, units: pd.DataFrame, year: int) -> pd.DataFrame:
    """The arrondissements under the threshold in ``year`` (either variant) of the cities counted as one unit.

    Marseille as one unit has the mean of its arrondissements (4.23 for the under-65 variant in 2023) while its
    16th is at 2.30: the unit is not flagged, but the population under 2.5, counted on the workbook's rows, holds
    the 16th's inhabitants (a review found the two figures side by side, disagreeing without a word).
    """
    cities = set(units.loc[units["type"] != "arrondissement-municipal", "unit_code"].astype(str)) & set(CITY_NAMES)
    rows = table[(table["annee"] == year) & (table["niveau"] == "arrondissement")]
    rows = rows.assign(ville=rows["code"].astype(str).map(city_of_arrondissement))
    rows = rows[rows["ville"].isin(cities)]
    out = rows.assign(sous_dense=rows["apl"] < ind.APL_UNDER_SERVED,
                      sous_dense_moins_65=rows["apl_moins_65"] < ind.APL_UNDER_SERVED)
    out = out[out["sous_dense"] | out["sous_dense_moins_65"]]
    return out[["code", "ville", "apl", "apl_moins_65", "population_totale", "sous_dense",
                "sous_dense_moins_65"]].sort_values("code").reset_index(drop=True)


def workbook_rows_of(rows: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Workbook rows of a territory: those of its arrondissement units, and those of its commune units."""
    arrondissements = set(units.loc[units["type"] == "arrondissement-municipal", "unit_code"])
    communes = set(units.loc[units["type"] != "arrondissement-municipal", "unit_code"])
    return rows[rows["unite"].isin(arrondissements) | rows["commune"].isin(communes)]


def apl_zones(rows: pd.DataFrame, units: pd.DataFrame, zones: pd.DataFrame) -> pd.DataFrame:
    """Both APL variants and the population under 2.5 of the territory and of each compared area.

    Parameters
    ----------
    rows
        :func:`pipeline.store.queries.apl.apl_workbook_rows`.
    units
        The territory's units (``unit_code``, ``type``).
    zones
        :attr:`pipeline.model.profile.AreasSection.zones`.

    Returns
    -------
    DataFrame
        See :attr:`pipeline.model.diagnostic.AplSection.zones`; NaN (never 0)
        for an area without any APL row (Mayotte).
    """
    out = []
    for zone in zones.itertuples():
        if zone.niveau == "territoire":
            area = workbook_rows_of(rows, units)
        elif zone.niveau == "departement":
            area = rows[rows["departement"] == zone.code]
        elif zone.niveau == "region":
            area = rows[rows["region"] == zone.code]
        else:
            area = rows[rows["region"].notna()]
        for year in sorted(rows["annee"].dropna().unique()):
            figures = apl_levels.apl_figures(area[area["annee"] == year], ind.APL_UNDER_SERVED)
            # The DREES workbook has no row for Mayotte: its France is the rest of France, and says so.
            label = france_apl_label(zone.departements) if zone.niveau == "france" else zone.libelle
            out.append({
                "libelle": label, "niveau": zone.niveau, "code": zone.code, "annee": int(year),
                "apl": figures.apl, "apl_moins_65": figures.apl_moins_65,
                "population_totale": figures.population_totale,
                "population_sous_seuil": figures.population_sous_seuil,
                "part_sous_seuil_pct": figures.part_sous_seuil_pct,
                "population_sous_seuil_moins_65": figures.population_sous_seuil_moins_65,
                "part_sous_seuil_moins_65_pct": figures.part_sous_seuil_moins_65_pct,
            })
    return pd.DataFrame(out)
