"""Report section « Chevauchements et voisins » (« Représentativité »: :mod:`.representativeness`)."""

from __future__ import annotations

from typing import Any

from pipeline.model.diagnostic import Diagnostic


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
