"""Report sections « Représentativité » and « Chevauchements et voisins »."""

from __future__ import annotations

from typing import Any

from pipeline.model.diagnostic import Diagnostic
from pipeline.render.sections.common import (
    DEMO_WARNING,
    REGISTRY_SOURCE,
    agree,
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
        if not d.listings_in_region:
            text = ("Aucune liste de CPTS chargée pour cette région : les chevauchements et les CPTS voisines ne "
                    "peuvent pas être recherchés (chargez la liste de l'ARS avec « make data CPTS=… »).")
        else:
            text = (f"Aucune autre CPTS des listes chargées ({', '.join(d.listings_in_region)}) ne partage ou ne "
                    "jouxte ce territoire.")
        return {"title": "Chevauchements et voisins", "paragraphs": [text]}
    n = d.neighbours.rename(columns={"liste": "Liste", "cpts": "CPTS", "unites_communes": "Unités partagées",
                                     "population_commune": "Population partagée", "limitrophe": "Limitrophe"})
    n["Limitrophe"] = n["Limitrophe"].map({True: "oui", False: "non"})
    shared = d.neighbours[d.neighbours["unites_communes"] != ""]
    bordering = int(d.neighbours["limitrophe"].sum())
    sharing = (f"{len(shared)} CPTS {agree(len(shared), 'partage', 'partagent')} des communes avec ce territoire"
               if len(shared) else "Aucune autre CPTS ne partage de commune avec ce territoire")
    touching = (f"{bordering} {agree(bordering, 'est limitrophe', 'sont limitrophes')}" if bordering
                else "aucune n'est limitrophe")
    paragraphs = [f"{sharing} ; {touching}. L'instruction DGOS/CNAM rappelle qu'un territoire ne relève que d'une "
                  "seule CPTS."]
    return {"title": "Chevauchements et voisins", "paragraphs": paragraphs, "tables": [{"data": n}]}
