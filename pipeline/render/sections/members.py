"""Report sections « Représentativité » and « Chevauchements et voisins »."""

from __future__ import annotations

from typing import Any

from pipeline.model.diagnostic import Diagnostic
from pipeline.render.sections.common import (
    DEMO_WARNING,
    REGISTRY_SOURCE,
)


def representativeness_section(d: Diagnostic) -> dict[str, Any]:
    if d.representativeness is None:
        return {"title": "Représentativité", "paragraphs": [
            "Donnez ADHERENTS=chemin.csv (colonnes profession et, si possible, rpps) pour calculer la part des "
            "professionnels du territoire qui adhèrent à la CPTS (tableau de la Trame)."]}
    table = d.representativeness.rename(columns={"groupe": "Profession", "praticiens": "Professionnels du territoire",
                                                 "adherents": "Adhérents", "part_adherents_pct": "Part (%)"})
    return {"title": "Représentativité", "tables": [{"title": "Adhérents par profession", "data": table,
                                                      "decimals": 1}],
            "notes": [DEMO_WARNING] if d.is_demo(REGISTRY_SOURCE) else []}


def neighbours_section(d: Diagnostic) -> dict[str, Any]:
    if d.neighbours.empty:
        return {"title": "Chevauchements et voisins",
                "paragraphs": ["Aucune autre CPTS des listes chargées ne partage ou ne jouxte ce territoire."]}
    n = d.neighbours.rename(columns={"liste": "Liste", "cpts": "CPTS", "unites_communes": "Unités partagées",
                                     "population_commune": "Population partagée", "limitrophe": "Limitrophe"})
    n["Limitrophe"] = n["Limitrophe"].map({True: "oui", False: "non"})
    shared = d.neighbours[d.neighbours["unites_communes"] != ""]
    paragraphs = [f"{len(shared)} CPTS partagent des communes avec ce territoire ; "
                  f"{int(d.neighbours['limitrophe'].sum())} sont limitrophes. L'instruction DGOS/CNAM rappelle "
                  "qu'un territoire ne relève que d'une seule CPTS."]
    return {"title": "Chevauchements et voisins", "paragraphs": paragraphs, "tables": [{"data": n}]}
