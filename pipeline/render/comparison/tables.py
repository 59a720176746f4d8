"""The comparison as CSV (machine column names) and XLSX (French labels, « Lisez-moi » sheet)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.model.perimeter import BORDERING, FIGURES, PARTIAL, PARTS, REACH, UNKNOWN_NEIGHBOURS, Comparison
from pipeline.render.comparison.page import FIGURE_LABELS, NOTE
from pipeline.render.csv_files import write_csv
from pipeline.render.spreadsheet import write_workbook
from pipeline.render.table_spec import Column, ColumnKind, TableSpec

DEMO_WARNING = "Offre de soins issue de données fictives de démonstration"
SOURCE = "Diagnostics de l'outil (Insee, DREES, Annuaire Santé, listes de CPTS ; recours modélisés)"


def _columns() -> list[Column]:
    columns = [Column("cpts", "CPTS", "text"), Column("liste", "Liste", "text"),
               Column("slug", "Dossier des sorties de la CPTS (et ancre de sa ligne)", "text"),
               Column("taille", "Taille ACI", "integer"),
               Column("type_territoire", "Type de territoire (aire d'attraction dominante)", "text"),
               Column("groupe_comparaison", "CPTS de même taille et même type", "integer"),
               Column(PARTIAL, "Communes de la liste hors des départements chargés (plus de 0 : non comptées, "
                               "population et chiffres partiels, auto-confinement non disponible, CPTS non classée ; "
                               "0 : CPTS entière ; vide : périmètre dessiné en partie hors des départements chargés, "
                               "nombre inconnu, chiffres partiels, CPTS non classée)", "integer"),
               Column(REACH, "Départements non chargés à moins de 60 km (modèle de flux incomplet : "
                             "auto-confinement surestimé, non classé)", "text"),
               Column(BORDERING, "Départements non chargés de la région touchant la CPTS (population non couverte "
                                 "limitrophe non disponible)", "text"),
               Column(UNKNOWN_NEIGHBOURS, "Unités voisines qu'aucune CPTS des listes chargées ne revendique, dans "
                                          "un département où ces listes ne disent pas la couverture (population "
                                          "non couverte limitrophe non disponible)", "text"),
               Column(PARTS, "Parties séparées du périmètre, à plus de 50 m l'une de l'autre (1 : d'un seul tenant ; "
                             "plus : île, enclave ou code erroné de la liste, à vérifier ; vide : une unité sans "
                             "contour, continuité et population non couverte limitrophe inconnues, ou des communes "
                             "hors des départements chargés, qui peuvent en relier les parties)", "integer")]
    for figure in FIGURES:
        label, decimals, percent = FIGURE_LABELS[figure]
        # A share is written as in every other table: 0–1 in the CSV (0.559, as flux_synthese.csv has it), shown
        # « 55,9 % » in the workbook; its decimals count those of the percentage shown, plus two.
        kind: ColumnKind = "share" if percent else ("integer" if decimals == 0 else "decimal")
        columns.append(Column(figure, label, kind, decimals=decimals + 2 if percent else decimals))
        columns.append(Column(f"rang_{figure}", f"Rang : {label}", "integer"))
    return columns


def comparison_specs(comparison: Comparison) -> list[TableSpec]:
    """The comparison table and, when some CPTS failed, the failures."""
    columns = _columns()
    frame = comparison.table.copy()
    for column in [c.name for c in columns]:
        if column not in frame:
            frame[column] = pd.NA
    # A number, as every figure of the tables (a review: « '3 » in the workbook, sorted as text); empty when the
    # taille is « non disponible », as the other missing figures.
    frame["taille"] = pd.to_numeric(frame["taille"], errors="coerce").astype("Int64")
    specs = [TableSpec(key="comparaison", title=comparison.labels.get("titre", "Comparaison des CPTS"),
                       frame=frame[[c.name for c in columns]].reset_index(drop=True), columns=columns,
                       source=SOURCE, note=NOTE, sheet="Comparaison", demo=comparison.demo)]
    if comparison.not_loaded_table is not None and len(comparison.not_loaded_table):
        # Not in the comparison, and no failure: named in the tables too, not only on the page (a review).
        specs.append(TableSpec(
            key="non_diagnostiquees", title="CPTS sans commune chargée dans la base (non diagnostiquées)",
            frame=comparison.not_loaded_table.reset_index(drop=True),
            columns=[Column("cpts", "CPTS", "text"), Column("liste", "Liste", "text"),
                     Column("departements", "Départements de ses communes (non chargés)", "text"),
                     Column("raison", "Raison", "text")],
            source="Listes de CPTS chargées", sheet="Non diagnostiquées"))
    if len(comparison.failures):
        failures = comparison.failures.reset_index(drop=True)
        specs.append(TableSpec(key="echecs", title="CPTS non calculées", frame=failures,
                               columns=[Column("cpts", "CPTS", "text"), Column("liste", "Liste", "text"),
                                        Column("erreur", "Erreur", "text")],
                               source="make diagnostics", sheet="Échecs"))
    return specs


def write_comparison_tables(comparison: Comparison, folder: Path, generated: object) -> None:
    """``comparaison.csv`` (and ``non_diagnostiquees.csv``, ``echecs.csv``) and ``comparaison.xlsx`` in ``folder``."""
    specs = comparison_specs(comparison)
    for spec in specs:
        write_csv(spec, folder / f"{spec.key}.csv")
    write_workbook(specs, folder / "comparaison.xlsx", title=comparison.labels.get("titre", "Comparaison des CPTS"),
                   territory=comparison.name, generated=generated,  # type: ignore[arg-type]
                   demo_warning=DEMO_WARNING if comparison.demo else None)
