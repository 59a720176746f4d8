"""Report section « Représentativité » (Trame, seed 002): the three columns per profession, MSP and CDS."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pipeline.model.diagnostic import Diagnostic
from pipeline.render.report import format_share
from pipeline.render.sections.common import (
    DEMO_WARNING,
    ESTABLISHMENTS_DEMO_WARNING,
    FINESS_SOURCE,
    REGISTRY_SOURCE,
    agree,
    plural,
)
from pipeline.render.sections.display import NOT_AVAILABLE, cell, shown

TITLE = "Représentativité"
LABELS = {
    "groupe": "Professionnels et organisations de santé",
    "professionnels_territoire": "Professionnels (ou structures) du territoire",
    "adherents": "Ayant adhéré à la CPTS",
    "part_adherents_pct": "Part des adhérents (%)",
    "gouvernance": "Participant à la gouvernance",
    "elaboration": "Ayant participé à l'élaboration du projet de santé",
    "non_renseigne": "Non renseigné (gouvernance / élaboration)",
}


def _count(number: object, share: object, away: object = 0) -> str:
    """« 3 (25,0 %) »: the Trame asks « nombre et/ou pourcentage »; the share may be « non disponible ».

    An unknown count (nobody's participation given in the file) is « non disponible » alone. Members the
    registry places outside the territory count in the number but not in the share, which is then said:
    « 3 dont 2 du territoire (0,8 %) ».
    """
    if cell(number) == NOT_AVAILABLE:
        return NOT_AVAILABLE
    if isinstance(away, int | np.integer) and away > 0 and pd.isna(share):
        # The territory's part unknown (its members left the cell empty): « 1 dont 1 hors du territoire », never
        # « dont 0 du territoire ».
        return f"{cell(number)} dont {cell(away)} hors du territoire ({NOT_AVAILABLE})"
    return f"{_members(number, away)} ({format_share(share, missing=NOT_AVAILABLE)})"


def _members(number: object, away: object) -> str:
    """« 4 », or « 4 dont 3 du territoire » when some of them practise outside it (see :func:`_count`)."""
    if not isinstance(number, int | np.integer) or not isinstance(away, int | np.integer) or away == 0:
        return cell(number)
    return f"{cell(number)} dont {cell(int(number) - int(away))} du territoire"


def representativeness_section(d: Diagnostic) -> dict[str, Any]:
    m = d.members
    if m is None:
        return {"title": TITLE, "paragraphs": [
            # Said as a missing figure: the report is handed in with the projet de santé (a review found the
            # command-line syntax there); the option is named once, in brackets, for whoever runs the tool.
            "Tableau de la Trame (nombre et pourcentage de professionnels ayant adhéré à la CPTS, participant à la "
            "gouvernance, ayant participé à l'élaboration du projet de santé) : non disponible, la liste des "
            "adhérents n'ayant pas été fournie (fichier des adhérents : option ADHERENTS=)."]}
    t = m.table
    table = pd.DataFrame({
        LABELS["groupe"]: t["groupe"],
        LABELS["professionnels_territoire"]: [cell(v) for v in t["professionnels_territoire"]],
        LABELS["adherents"]: [_members(n, away) for n, away in zip(t["adherents"], t["adherents_hors_territoire"],
                                                                   strict=True)],
        LABELS["part_adherents_pct"]: [format_share(v, unit="", missing=NOT_AVAILABLE)
                                       for v in t["part_adherents_pct"]],
        **{LABELS[c]: [_count(n, pct, away) for n, pct, away in zip(t[c], t[f"part_{c}_pct"],
                                                                   t[f"{c}_hors_territoire"], strict=True)]
           for c in ("gouvernance", "elaboration")},
        LABELS["non_renseigne"]: t["gouvernance_non_renseigne"].astype(str) + " / "
        + t["elaboration_non_renseigne"].astype(str),
    })
    tables = [{"title": "Les professionnels de santé adhérents de la CPTS (tableau de la Trame)", "data": table,
               "note": "Parts rapportées aux professionnels du territoire (effectif distinct de l'Annuaire Santé) ; "
                       "pour les MSP et les centres de santé, aux structures du fichier FINESS situées dans le "
                       "territoire, sans les adhérents que l'Annuaire Santé place hors du territoire (« 4 dont 3 du "
                       "territoire » : la part est celle des 3). Une part qui dépasserait 100 % (plus d'adhérents "
                       "que de professionnels du territoire) n'est pas calculée : voir les remarques. « Non "
                       "renseigné » : cellule gouvernance ou élaboration laissée vide (jamais comptée comme « non ») ; "
                       "« non disponible » : aucune participation renseignée dans le fichier pour cette ligne."}]
    paragraphs = []
    matched = m.matches
    if len(matched):
        inside = int((matched["statut"] == "exerce dans le territoire").sum())
        given = len(matched)
        label = m.identifier
        paragraphs.append(f"{plural(given, 'adhérent')} {agree(given, 'donné', 'donnés')} avec un numéro {label}, "
                          f"cherché{'s' if given > 1 else ''} dans l'Annuaire Santé : {inside} "
                          f"{agree(inside, 'exerce', 'exercent')} dans le territoire.")
        others = matched[matched["statut"] != "exerce dans le territoire"]
        if len(others):
            tables.append({"title": "Adhérents qui n'exercent pas dans le territoire ou absents de l'Annuaire Santé",
                           "data": shown(others[["ligne", "rpps", "groupe", "statut", "groupe_annuaire", "lieux"]],
                                         labels={"ligne": "Ligne du fichier", "rpps": label,
                                                 "groupe": "Profession déclarée", "statut": "Rapprochement",
                                                 "groupe_annuaire": "Profession dans l'Annuaire",
                                                 "lieux": "Communes d'exercice"})})
    notes = list(m.notes)
    if d.is_demo(REGISTRY_SOURCE):
        notes.append(DEMO_WARNING)
    if d.is_demo(FINESS_SOURCE):
        notes.append(ESTABLISHMENTS_DEMO_WARNING)
    return {"title": TITLE, "paragraphs": paragraphs, "tables": tables, "notes": notes}
