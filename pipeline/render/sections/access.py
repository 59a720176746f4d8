"""Report section « Accessibilité » (official APL, APL approchée and its what-if)."""

from __future__ import annotations

from typing import Any

from pipeline.model.diagnostic import Diagnostic
from pipeline.render.sections.common import (
    DEMO_WARNING,
    REGISTRY_SOURCE,
    fmt,
)


def access_section(d: Diagnostic) -> dict[str, Any]:
    syn = d.apl.synthesis
    syn = syn.assign(annee=syn["annee"].astype(str)).rename(columns={"annee": "Année", "territoire": "Territoire",
                                            "departement": "Département", "region": "Région", "france": "France"})
    communes = d.apl.per_unit.rename(columns={"unit_code": "Code INSEE", "nom": "Commune",
                                                 "population": "Population", "apl_2022": "APL 2022",
                                                 "apl_2023": "APL 2023", "sous_dense": "APL 2023 < 2,5"})
    communes = communes.drop(columns=["commune_code"])
    communes["APL 2023 < 2,5"] = communes["APL 2023 < 2,5"].map({True: "oui", False: "non"}).fillna("non disponible")
    under = int(d.apl.per_unit["sous_dense"].fillna(False).astype(bool).sum())
    paragraphs = [
        "APL officielle de la DREES aux médecins généralistes (consultations et visites accessibles par habitant "
        "standardisé et par an), moyenne du territoire pondérée par la population des communes.",
        f"{under} commune(s) du territoire sous le seuil de 2,5 consultations par an et par habitant en 2023.",
    ]
    if d.apl.missing:
        paragraphs.append("Communes sans APL publiée (non disponible) : " + ", ".join(d.apl.missing))
    tables = [{"title": "APL aux médecins généralistes : territoire et références", "data": syn, "decimals": 2},
              {"title": "APL par commune", "data": communes, "decimals": 2}]
    subsections = []
    if d.access is not None:
        rho, n = d.access.spearman_territory
        rho_v, n_v = d.access.spearman_neighbourhood
        approx = d.access.communes
        if "nom" not in approx:
            approx = approx.assign(nom=approx["code"].map(d.units.set_index("unit_code")["nom"]))
        approx = approx[["code", "nom", "apl_approchee", "apl_officielle_2023"]]
        approx = approx.rename(columns={"code": "Code INSEE", "nom": "Commune", "apl_approchee": "APL approchée",
                                                      "apl_officielle_2023": "APL officielle 2023"})
        sub: dict[str, Any] = {
            "title": "APL approchée (modèle de l'outil, pas l'APL officielle)",
            "paragraphs": [
                "L'APL approchée est une accessibilité à deux étapes (E2SFCA, bibliothèque pysal access) avec les "
                "paliers de distance de la DREES appliqués à des distances à vol d'oiseau corrigées d'un facteur "
                "de détour, et une offre en parts de présence des professionnels de l'Annuaire Santé (un "
                "professionnel exerçant sur n lieux compte 1/n dans chacun ; ce n'est pas un temps de travail "
                f"mesuré). Unité : {d.access.unit}. Ce n'est pas l'APL officielle de la DREES."
                + (f" {d.access.demand}." if d.access.demand else ""),
                f"Corrélation de rang (Spearman) avec l'APL officielle 2023 : {fmt(rho, 2)} sur {n} communes du "
                f"territoire, {fmt(rho_v, 2)} sur {n_v} communes du voisinage.",
            ],
            "tables": [{"title": "APL approchée et APL officielle par commune", "data": approx, "decimals": 2}],
        }
        if d.access.simulation is not None:
            sim = d.access.simulation.rename(columns={"code": "Code INSEE", "groupe": "Profession",
                                                         "before": "Avant", "after": "Après", "delta": "Écart"})
            changes = "; ".join(f"{c.delta:+g} {c.groupe} à {c.commune}" for c in d.access.changes)
            sub["tables"].append({"title": f"Simulation : {changes}", "data": sim, "decimals": 2})
        if d.is_demo(REGISTRY_SOURCE):
            sub["notes"] = [DEMO_WARNING]
        subsections.append(sub)
    return {"title": "Accessibilité", "paragraphs": paragraphs, "tables": tables, "subsections": subsections}
