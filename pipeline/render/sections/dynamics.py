"""Report section « Dynamique de l'offre » (installations n-1, n-2; departures cannot be forecast)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.model.diagnostic import Diagnostic
from pipeline.model.profile import DynamicsPeriod
from pipeline.render.report import format_number
from pipeline.render.sections.common import DEMO_WARNING, REGISTRY_SOURCE, agree, fmt, plural
from pipeline.render.sections.display import bounded, shown

LABELS = {"groupe": "Profession", "present_start": "Présents au début", "present_end": "Présents à la fin",
          "arrivals": "Arrivées", "departures": "Départs", "net_change": "Solde"}
TOTAL = "Ensemble des professionnels"
#: Why the communes' counts may add up to more than the territory's.
MULTI_SITE_NOTE = ("Un professionnel qui exerce dans plusieurs communes du territoire compte dans chacune : la somme "
                   "des communes peut dépasser le total du territoire, où il compte une fois.")


def signed(value: float) -> str:
    """« +3 », « −1 » (the typographic minus of the tables), « 0 »."""
    text = format_number(value)
    return "+" + text if value > 0 else text


def _day(period: DynamicsPeriod) -> str:
    return f"du {period.start:%d/%m/%Y} au {period.end:%d/%m/%Y}"


def _period_part(d: Diagnostic, period: DynamicsPeriod) -> dict[str, Any]:
    title = f"Entre les extractions du {period.start:%d/%m/%Y} et du {period.end:%d/%m/%Y}"
    if period.withheld:
        return {"title": title, "paragraphs": [f"Arrivées et départs : {period.withheld}."]}
    total = period.territory[period.territory["groupe"] == TOTAL]
    paragraphs = []
    if len(total):
        row = total.iloc[0]
        paragraphs.append(
            f"{plural(int(row['arrivals']), 'professionnel')} {agree(int(row['arrivals']), 'arrivé', 'arrivés')} et "
            f"{fmt(row['departures'])} {agree(int(row['departures']), 'parti', 'partis')} {_day(period)} "
            f"(solde {signed(row['net_change'])}) : {fmt(row['present_start'])} professionnels présents au début, "
            f"{fmt(row['present_end'])} à la fin. Un professionnel qui change de commune à l'intérieur du "
            "territoire n'est ni une arrivée ni un départ.")
    paragraphs += [f"Attention : {note}." for note in period.identifier_switches]
    left = sum(period.rows_left_out.values())
    if left:
        followed = agree(left, "n'a pu être suivie", "n'ont pu être suivies")
        paragraphs.append(f"{plural(left, 'ligne')} sans identifiant, profession ou lieu {followed}.")
    names = d.units.set_index("unit_code")["nom"]
    per_unit = period.per_unit[period.per_unit["groupe"] != TOTAL]
    per_unit = per_unit[(per_unit["arrivals"] > 0) | (per_unit["departures"] > 0)]
    per_unit = per_unit.assign(nom=per_unit["lieu"].map(names))[
        ["lieu", "nom", "groupe", "present_start", "present_end", "arrivals", "departures", "net_change"]]
    rows = bounded({"title": f"Arrivées et départs {_day(period)} par commune et profession (avec au moins un "
                             "mouvement)", "data": shown(_signed_balance(per_unit),
                                                        labels={**LABELS, "lieu": "Code INSEE", "nom": "Commune"}),
                    "note": MULTI_SITE_NOTE},
                   -(per_unit["arrivals"] + per_unit["departures"]), "aux mouvements les plus nombreux",
                   "dynamique_unites.csv et la feuille « Dynamique - communes » de diagnostic.xlsx", noun="lignes")
    return {"title": title, "paragraphs": paragraphs, "tables": [
        {"title": f"Arrivées et départs {_day(period)} par profession",
         "data": shown(_signed_balance(period.territory), labels=LABELS)},
        rows,
    ]}


def _signed_balance(frame: pd.DataFrame) -> pd.DataFrame:
    """The balance written « +24 » beside « −5 », as the paragraph does: a count and a balance look alike."""
    return frame.assign(net_change=frame["net_change"].map(lambda v: signed(v) if v == v else v).astype(object))


def dynamics_section(d: Diagnostic) -> dict[str, Any]:
    title = "Dynamique de l'offre de soins"
    dyn = d.dynamics
    if dyn is None:
        return {"title": title, "paragraphs": [
            "Aucune extraction de l'Annuaire Santé n'est chargée : la dynamique de l'offre est non disponible."]}
    paragraphs = []
    if dyn.extractions:
        paragraphs.append(
            "Installations et départs observés entre les extractions datées de l'Annuaire Santé conservées dans la "
            "base (" + ", ".join(f"{day:%d/%m/%Y}" for day in dyn.extractions) + "), les professionnels étant "
            "suivis par leur identifiant national (« Identification nationale PP »), quelle que soit la "
            "présentation du fichier de chaque année. Tous les professionnels y sont comptés, quel que soit leur "
            "mode d'exercice (libéral, salarié, hors ambulatoire), comme dans le tableau de l'offre par profession : "
            "un solde ne dit pas à lui seul l'évolution de l'offre de premier recours.")
    if dyn.unavailable:
        paragraphs.append(dyn.unavailable)
    paragraphs.append(dyn.forecast_note)
    notes = [DEMO_WARNING] if d.is_demo(REGISTRY_SOURCE) else []
    return {"title": title, "paragraphs": paragraphs,
            "subsections": [_period_part(d, p) for p in reversed(dyn.periods)], "notes": notes}
