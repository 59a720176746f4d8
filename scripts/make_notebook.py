"""Write notebooks/diagnostic_cpts.ipynb (the French walkthrough) from the cells below.

Kept as a script so that the notebook is reviewed as code; ``make test`` executes
the notebook itself (tests/test_notebook.py).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent

CELLS = [
    ("md", """# Diagnostic territorial d'une CPTS — visite guidée

Ce carnet montre, pas à pas, ce que fait `make diagnostic` : charger les données, résoudre un
territoire, calculer les indicateurs du projet de santé (population, taille ACI, offre de soins,
accessibilité), puis regarder la couverture de la région PACA par les CPTS.

Prérequis : la base DuckDB chargée par `make data` (avec `CPTS_DATA_MIRROR=../shared/data`).
**Sans extraction réelle de l'Annuaire Santé et de FINESS, l'offre de soins est faite de données
fictives de démonstration** : les chiffres d'offre ci-dessous ne décrivent pas la réalité."""),
    ("code", """from datetime import date

import pandas as pd

from pipeline.app.diagnostic import compute
from pipeline.model import CoverageOptions, DiagnosticOptions
from pipeline.store.connection import connect
from pipeline.store.queries import provenance
from pipeline.store.territory import resolve_territory

pd.set_option("display.max_columns", 12)
con = connect()
provenance.sources(con)[["source", "vintage", "row_count", "demo"]]"""),
    ("md", """## 1. Résoudre le territoire

Un territoire se donne sous la forme `TYPE:VALEUR` : `communes:04070,04001`, `epci:SIREN`,
`bv:CODE`, `departement:04`, `cpts:NOM`… Ici, une CPTS de la liste régionale PACA."""),
    ("code", """territoire = resolve_territory(con, "cpts:CPTS du Verdon")
print(territoire.label, "—", len(territoire.units), "unités (communes ou arrondissements),", territoire.population,
      "habitants")
territoire.units[["unit_code", "nom", "population"]].head(10)"""),
    ("md", """## 2. Calculer le diagnostic

`compute` rassemble tout ce que montrent le rapport et la carte. La date de signature de l'ACI
donne le calendrier des missions."""),
    ("code", """options = DiagnosticOptions(territory="cpts:CPTS du Verdon", signature=date(2025, 8, 31))
diag = compute(con, territoire, options)
print("Taille ACI :", diag.taille.label, "—", diag.taille.bounds)
print("Financement annuel possible :", diag.taille.total_possible, "€ (jusqu'à", diag.taille.maximum, "€)")
diag.population.evolution"""),
    ("code", """diag.population.references"""),
    ("md", """### Offre de soins (données fictives de démonstration si aucun registre réel n'est chargé)

Un professionnel exerçant sur plusieurs sites compte une fois au total. Densités pour 10 000
habitants, comparées au département, à la région et à la France."""),
    ("code", """print("Données de démonstration :", diag.demo_data)
diag.supply.table[["groupe", "praticiens", "densite_10000", "densite_departement", "densite_region",
                   "densite_france"]]"""),
    ("md", """### Accessibilité officielle (APL de la DREES)

Moyenne du territoire pondérée par la population des communes ; seuil de 2,5 consultations par
an et par habitant."""),
    ("code", """diag.apl.synthesis"""),
    ("code", """print("APL approchée (modèle de l'outil) — corrélation de rang avec l'APL officielle :",
      diag.access.spearman_territory)
diag.flows.synthesis[["groupe", "auto_confinement", "attraction"]]"""),
    ("md", """## 3. Couverture de la région PACA

Communes (arrondissements à Marseille) revendiquées par aucune CPTS, chevauchements, territoires
atones et périmètres proposés."""),
    ("code", """from pipeline.app import coverage as coverage_run
from pipeline.render import coverage as coverage_outputs

couverture = coverage_run.compute(con, CoverageOptions("region", "93", 20000))
resume = coverage_outputs.summary(couverture)
{k: resume[k] for k in ("unites", "cpts", "communes_in_no_cpts", "population_in_no_cpts",
                        "overlapping_pairs", "atone_territories", "candidate_perimeters")}"""),
    ("code", """couverture.atone[["territoire", "n_communes", "population", "taille"]]"""),
    ("code", """couverture.quality.groupby("kind").size()"""),
    ("md", """## 4. Produire les fichiers

En ligne de commande, `make diagnostic TERRITORY="cpts:CPTS du Verdon"` écrit le rapport HTML, la
carte et les tableaux ; `make coverage REGION=93` la carte et les tableaux de couverture."""),
    ("code", """con.close()"""),
]


def build() -> nbformat.NotebookNode:
    cells = [new_markdown_cell(text) if kind == "md" else new_code_cell(text) for kind, text in CELLS]
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    return notebook


if __name__ == "__main__":
    path = ROOT / "notebooks" / "diagnostic_cpts.ipynb"
    nbformat.write(build(), path)
    print(path)
