"""What the supply section shows when the loaded registries cover part of France only (partial extractions),
and in the cells that do not apply to its structure rows.

Figures of areas the Annuaire Santé or FINESS extraction does not cover are
NA in the diagnostic; here they read « non disponible (extraction limitée aux
départements …) », with a French note, and the densities of every
département and région of a territory that spans several are tabulated.
The MSP and centres de santé rows count FINESS structures: the share of
sites, the « libéraux » and the densities per inhabitant do not apply to them
(« sans objet », never « non disponible »).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from pipeline.model.diagnostic import Diagnostic
from pipeline.render.report import format_number
from pipeline.render.sections.display import cell, shown
from pipeline.render.table_spec import NOT_APPLICABLE, NOT_APPLICABLE_TEXT

DENSITY_COLUMNS = ("densite_10000", "densite_departement", "densite_region", "densite_france")
COUNT_COLUMNS = ("praticiens", "dont_liberaux")
#: Columns of the supply table that do not apply to its structure rows (``unite`` « structures »: MSP and
#: centres de santé, counted in FINESS establishments): share of sites, libéraux, densities per inhabitant.
STRUCTURE_NOT_APPLICABLE = ("praticiens_etp", "dont_liberaux", *DENSITY_COLUMNS)
#: What the supply table's note says of those cells (empty in the CSV files and the workbook).
STRUCTURES_NOTE = ("MSP et centres de santé : nombre de structures (FINESS) ; part des sites, libéraux et densités "
                   "sans objet pour ces lignes (cellules vides dans les fichiers CSV et le classeur).")


def _structures(table: pd.DataFrame) -> pd.Series:
    if "unite" not in table:
        return pd.Series(False, index=table.index)
    return table["unite"] == "structures"


def _structure_cells(table: pd.DataFrame, cell: Callable[[str, Any, bool], Any]) -> pd.DataFrame:
    """``table`` with each cell of :data:`STRUCTURE_NOT_APPLICABLE` replaced by ``cell(column, value,
    is_structure_row)``; ``table`` itself when it has no structure row."""
    structures = _structures(table)
    if not structures.any():
        return table
    out = table.copy()
    for column in STRUCTURE_NOT_APPLICABLE:
        if column in out:
            out[column] = pd.Series([cell(column, v, s) for v, s in zip(out[column], structures, strict=True)],
                                    index=out.index, dtype=object)
    return out


def structures_not_applicable(table: pd.DataFrame) -> pd.DataFrame:
    """The supply table (machine columns) with the cells that do not apply to its structure rows set to
    :data:`~pipeline.render.table_spec.NOT_APPLICABLE` (for the table specs: CSV, workbook, Word)."""
    return _structure_cells(table, lambda _column, value, structure: NOT_APPLICABLE if structure else value)


def structures_display(table: pd.DataFrame, decimals: dict[str, int]) -> pd.DataFrame:
    """The report's supply table with the cells that do not apply to its structure rows written « sans
    objet »; the other cells of those columns become French text (``decimals`` per column, « non disponible »
    when missing), and text already written (« non disponible (extraction limitée …) ») is kept."""
    return _structure_cells(table, lambda column, value, structure: (
        NOT_APPLICABLE_TEXT if structure else value if isinstance(value, str)
        else format_number(value, decimals.get(column, 0))))


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
    structures = _structures(out)
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
