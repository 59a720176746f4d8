"""Report section « Chevauchements et voisins » (« Représentativité »: :mod:`.representativeness`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.model.diagnostic import Diagnostic
from pipeline.render.listing_anomalies import ANOMALY_LABELS
from pipeline.render.report import format_number
from pipeline.render.sections.common import agree, enumeration


def listing_paragraphs(d: Diagnostic) -> list[str]:
    """What the CPTS's listing says is wrong with this CPTS (a probable homonym first)."""
    anomalies = getattr(d, "listing_anomalies", None)  # absent from partial diagnostics (section previews)
    if anomalies is None or d.territory.cpts is None:
        return []
    if anomalies.empty:
        return [f"La liste « {d.territory.listing} » ne signale aucune anomalie pour cette CPTS."]
    count = f"{format_number(len(anomalies))} anomalie" + ("s" if len(anomalies) > 1 else "")
    lines = [f"La liste « {d.territory.listing} » signale {count} pour cette CPTS, à vérifier avant d'arrêter le "
             "périmètre :"]
    for row in anomalies.itertuples(index=False):
        kind = ANOMALY_LABELS.get(str(row.kind), str(row.kind).replace("_", " "))
        known_line = row.line is not None and str(row.line) not in ("<NA>", "nan", "None")
        where = f"Ligne {int(row.line)} — {kind}" if known_line else kind[:1].upper() + kind[1:]
        lines.append(f"{where} : {row.detail_fr}")
    return lines


#: Why a territory's overlaps and neighbours are « non disponible » (not « none »).
NO_LISTING_IN_REGION = ("Aucune liste de CPTS ne semble chargée pour cette région (les listes chargées n'y "
                        "revendiquent aucune commune, ou trop peu pour la couvrir) : les chevauchements et les CPTS "
                        "voisines ne peuvent pas être recherchés (chargez la liste de l'ARS avec « make data "
                        "CPTS=… »).")


def neighbours_unavailable(d: Diagnostic) -> str | None:
    """Why the overlaps and neighbours could not be searched (no listing covers the région), or None."""
    return NO_LISTING_IN_REGION if d.neighbours.empty and not d.listings_in_region else None


def unsearched_regions(d: Diagnostic) -> list[str]:
    """The paragraphs on the régions, or départements, around the territory that no loaded listing covers."""
    paragraphs = []
    # The coverage's rule (claims.known_units, per département): a CPTS of another région claiming a few border
    # communes does not make the région's own listing loaded.
    # « le département Bouches-du-Rhône » lacks its article, which the names do not carry: « ce département : ».
    for places, one, many in ((d.regions_without_listing, ("la région", "la couvrir"), "les régions"),
                              (getattr(d, "departements_without_listing", []), ("ce département :", "le couvrir"),
                               "ces départements :")):
        if not places:
            continue
        (which, them), its = (one, "ses") if len(places) == 1 else ((many, "les couvrir"), "leurs")
        paragraphs.append(
            f"Aucune liste de CPTS ne semble chargée pour {which} {enumeration(places)} (les listes chargées n'y "
            f"revendiquent aucune commune, ou trop peu pour {them}), où le territoire a des communes ou des communes "
            f"limitrophes : {its} CPTS n'y sont pas recherchées, et les chevauchements et voisins indiqués ici ne "
            "portent que sur les listes chargées (chargez la liste de l'ARS avec « make data CPTS=… »).")
    return paragraphs


#: Shares of the overlap table (DESIGN §6: « share of each perimeter »), in percent.
TERRITORY_SHARE = "Part de la population du territoire (%)"
CPTS_SHARE = "Part de la population de l'autre CPTS (%)"


def neighbours_shown(d: Diagnostic) -> pd.DataFrame:
    """The neighbours as every document shows them: a neighbour sharing nothing reads « aucune », beside its « 0 »
    shared inhabitants (a blank cell read as unknown); ``summary.json`` keeps the empty string."""
    return d.neighbours.assign(unites_communes=d.neighbours["unites_communes"].replace("", "aucune"))


def neighbours_section(d: Diagnostic) -> dict[str, Any]:
    listing = listing_paragraphs(d)
    if d.neighbours.empty:
        if not d.listings_in_region:
            paragraphs = [NO_LISTING_IN_REGION]
        else:
            paragraphs = [f"Aucune autre CPTS des listes chargées ({', '.join(d.listings_in_region)}) ne partage ou "
                          "ne jouxte ce territoire.", *unsearched_regions(d)]
        return {"title": "Chevauchements et voisins", "paragraphs": [*paragraphs, *listing]}
    n = neighbours_shown(d)
    n = n.assign(part_population_territoire=n["part_population_territoire"] * 100,
                 part_population_cpts=n["part_population_cpts"] * 100).rename(columns={
        "liste": "Liste", "cpts": "CPTS", "unites_communes": "Unités partagées",
        "population_commune": "Population partagée", "part_population_territoire": TERRITORY_SHARE,
        "part_population_cpts": CPTS_SHARE, "limitrophe": "Limitrophe"})
    n["Limitrophe"] = n["Limitrophe"].map({True: "oui", False: "non"})
    shared = d.neighbours[d.neighbours["unites_communes"] != ""]
    # A CPTS sharing communes usually touches the territory too: counted once, with those it shares with (a
    # review read « 1 CPTS partage des communes … ; 2 sont limitrophes » as three CPTS, for two).
    bordering = int((d.neighbours["limitrophe"].astype(bool) & (d.neighbours["unites_communes"] == "")).sum())
    sharing = (f"{format_number(len(shared))} CPTS {agree(len(shared), 'partage', 'partagent')} des communes avec "
               "ce territoire"
               if len(shared) else "Aucune autre CPTS ne partage de commune avec ce territoire")
    if bordering:
        others = (" autre" if bordering == 1 else " autres") if len(shared) else ""
        touching = f"{bordering}{others} {agree(bordering, 'est limitrophe', 'sont limitrophes')}"
    else:
        touching = "aucune autre n'est limitrophe" if len(shared) else "aucune n'est limitrophe"
    paragraphs = [f"{sharing} ; {touching}. L'instruction DGOS/CNAM rappelle qu'un territoire ne relève que d'une "
                  "seule CPTS.", *d.near_duplicate_notes, *unsearched_regions(d), *listing]
    return {"title": "Chevauchements et voisins", "paragraphs": paragraphs,
            "tables": [{"data": n, "decimals": {"Population partagée": 0, TERRITORY_SHARE: 1, CPTS_SHARE: 1},
                        "note": "Parts : population partagée rapportée à celle du territoire et à celle de l'autre "
                                "CPTS (non disponible quand des communes du territoire ou de l'autre CPTS sont hors "
                                "des départements chargés)."}]}
