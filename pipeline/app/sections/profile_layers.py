"""Per-unit figures of the profile sections as columns of the territory map's units (selectable layers)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from pipeline.model.diagnostic import AplSection
from pipeline.model.profile import AgeNeedSection, DynamicsSection, IncomeSection, TerritoryTypeSection


def _mapped(geo: gpd.GeoDataFrame, values: pd.Series) -> pd.Series:
    return geo["code"].astype(str).map(values)


def profile_columns(
    geo: gpd.GeoDataFrame,
    apl: AplSection,
    age_need: AgeNeedSection | None,
    income: IncomeSection | None,
    territory_type: TerritoryTypeSection | None,
    dynamics: DynamicsSection | None,
) -> gpd.GeoDataFrame:
    """``geo`` with one column per per-unit figure (labels: :mod:`pipeline.render.profile_layers`).

    Units are matched on ``code`` (a unit code); a unit without the figure
    gets NaN (drawn « Donnée non disponible »). Categorical layers (unité
    urbaine, aire class) are text columns.
    """
    out = geo.copy()
    per_unit = apl.per_unit.set_index("unit_code")
    if "apl_moins_65_2023" in per_unit:
        out["apl_moins_65_2023"] = _mapped(out, per_unit["apl_moins_65_2023"])
    if age_need is not None:
        out["indice_besoin_age"] = _mapped(out, age_need.per_unit.set_index("unit_code")["indice_besoin_age"])
    if income is not None and income.available:
        figures = income.per_unit.set_index("unit_code")
        median = figures["mediane"].fillna(figures["mediane_approchee"])
        out["revenu_median"] = _mapped(out, median)
        out["revenu_d1"] = _mapped(out, figures["d1"])
        out["revenu_d9"] = _mapped(out, figures["d9"])
        out["part_minima_sociaux"] = _mapped(out, figures["part_minima_sociaux"])
    if territory_type is not None:
        kinds = territory_type.per_unit.set_index("unit_code")
        status = kinds["hors_unite_urbaine"].map({True: "hors unité urbaine", False: "dans une unité urbaine"})
        out["unite_urbaine"] = _mapped(out, status.astype(object))
        classes = kinds["aav_classe_libelle"].astype(object).where(kinds["aav_classe"].notna())
        out["aire_attraction"] = _mapped(out, classes)
    if dynamics is not None and dynamics.periods and dynamics.periods[-1].withheld is None:
        latest = dynamics.periods[-1].per_unit
        for column, group in (("solde_professionnels", "Ensemble des professionnels"),
                              ("solde_mg", "Médecins généralistes")):
            rows = latest[latest["groupe"] == group].set_index("lieu")["net_change"]
            # A unit where nobody arrived nor left has a true net change of 0.
            out[column] = _mapped(out, rows.astype("float64")).fillna(0.0)
    return out
