"""What the supply section shows when the loaded registries cover part of France only (partial extractions).

Figures of areas the Annuaire Santé or FINESS extraction does not cover are
NA in the diagnostic; here they read « non disponible (extraction limitée aux
départements …) », with a French note, and the densities of every
département and région of a territory that spans several are tabulated.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.model.diagnostic import Diagnostic
from pipeline.render.sections.display import cell, shown

DENSITY_COLUMNS = ("densite_10000", "densite_departement", "densite_region", "densite_france")
COUNT_COLUMNS = ("praticiens", "dont_liberaux")


def limited_label(covered: list[str]) -> str:
    """« non disponible (extraction limitée aux départements 04, 05) »."""
    if not covered:
        return "non disponible (aucun département couvert par l'extraction)"
    word = "au département" if len(covered) == 1 else "aux départements"
    shown_codes = ", ".join(covered[:12]) + (f" et {len(covered) - 12} autres" if len(covered) > 12 else "")
    return f"non disponible (extraction limitée {word} {shown_codes})"


def coverage_display(d: Diagnostic, table: pd.DataFrame) -> pd.DataFrame:
    """The supply table with the withheld figures written « non disponible (extraction limitée …) ».

    Only when the registry does not cover every compared area; the columns
    touched become French text (one decimal for densities).
    """
    c = d.registry_coverage
    if c is None or c.complete:
        return table
    out = table.copy()
    structures = out["unite"] == "structures" if "unite" in out else pd.Series(False, index=out.index)
    registry_label, finess_label = limited_label(c.departements), limited_label(c.finess_departements)
    for column in DENSITY_COLUMNS:
        if column in out and out.loc[~structures, column].isna().any():
            out[column] = [registry_label if pd.isna(v) and not s else ("" if pd.isna(v) else cell(v, 1))
                           for v, s in zip(out[column], structures, strict=True)]
    for column in COUNT_COLUMNS:
        if column in out and out[column].isna().any():
            out[column] = [(finess_label if s else registry_label) if pd.isna(v) else cell(v)
                           for v, s in zip(out[column], structures, strict=True)]
    return out


def coverage_notes(d: Diagnostic) -> list[str]:
    """The French note on partial extractions (empty when both cover every compared area)."""
    c = d.registry_coverage
    return [c.note] if c is not None and c.note else []


def zone_supply_tables(d: Diagnostic) -> list[dict[str, Any]]:
    """Densities of every département and région of a territory that spans several (one column per area)."""
    if d.areas is None or d.areas.supply is None or d.areas.supply.empty:
        return []
    s = d.areas.supply
    wide = s.pivot_table(index="groupe", columns="libelle", values="densite_10000", aggfunc="first", dropna=False)
    order = [g for g in s["groupe"].drop_duplicates() if g in wide.index]
    wide = wide.reindex(index=order, columns=list(s["libelle"].drop_duplicates())).reset_index()
    label = limited_label(d.registry_coverage.departements) if d.registry_coverage is not None else "non disponible"
    return [{"title": "Densité de professionnels (pour 10 000 habitants) dans chaque département et région du "
                      "territoire", "data": shown(wide, {c: 1 for c in wide.columns if c != "groupe"}, missing=label,
                                                  labels={"groupe": "Profession"}),
             "note": "Effectifs distincts de professionnels ayant un lieu d'exercice dans la zone, rapportés à sa "
                     "population légale. Source : Annuaire Santé."}]
