"""Report section « Taille et financement ACI »."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.model.diagnostic import Diagnostic, TailleSection
from pipeline.render.report import format_number
from pipeline.render.sections.common import (
    CATEGORIES,
    REGISTRY_SOURCE,
    deadline,
    fmt,
    months,
)


def taille_section(d: Diagnostic) -> dict[str, Any]:
    t = d.taille
    if (t.unknown_reason is not None or t.total_possible is None or t.maximum is None
            or t.volet_supplementaire is None):
        # The mission calendar follows the signature date, whatever the taille: it is still given.
        paragraphs, tables = _calendar(d, [
            f"Taille ACI : non disponible ({t.unknown_reason or 'population non connue'}). Le financement ACI, "
            "qui dépend de la taille, n'est pas calculé : chargez les départements de toutes ses communes "
            "(make data DEPARTEMENTS=…) pour l'obtenir."], [])
        return {"title": "Taille et financement ACI", "paragraphs": paragraphs, "tables": tables}
    paragraphs = [
        f"Taille ACI : {t.label} ({t.bounds}). Bornes de l'ACI du 20 juin 2019 : taille 1 moins de "
        "40 000 habitants, taille 2 de 40 000 à 80 000, taille 3 de 80 000 à 175 000, taille 4 au-delà "
        "(une population d'exactement 40 000 habitants relève de la taille 2, une de 175 000 de la taille 3 : "
        "« plus de 175 000 » pour la taille 4).",
        f"Financement annuel possible ({t.version_label}) : {at_least(t)}{fmt(t.total_possible)} € (volets fixes "
        f"et variables), {at_least(t) or UP_TO}{fmt(t.maximum)} € avec le volet supplémentaire de soins non "
        f"programmés ({fmt(t.volet_supplementaire)} €).",
    ]
    if t.missions_without_amount:
        paragraphs.append(
            "Ces montants sont ceux du tableau de financement de l'ACI du 20 juin 2019 ; ils ne comprennent pas "
            "le financement "
            "de : " + ", ".join(f"« {m} »" for m in t.missions_without_amount)
            + " (montant non renseigné dans les sources du projet) : le financement possible est donc au moins "
            "celui indiqué."
        )
    if t.professionals is not None and t.band == 4:
        demo = d.is_demo(REGISTRY_SOURCE)
        where = " dans l'offre fictive de démonstration, qui ne peut établir la taille 4++" if demo else ""
        paragraphs.append(f"Taille 4++ si plus de 100 professionnels de santé : {fmt(t.professionals)} "
                          f"professionnels recensés (profession « Autres » exclue){where}.")
    elif t.professionals_unavailable is not None and t.band == 4:
        paragraphs.append(f"Taille 4++ si plus de 100 professionnels de santé : nombre de professionnels non "
                          f"disponible ({t.professionals_unavailable}).")
    funding = t.funding.assign(categorie=t.funding["categorie"].map(CATEGORIES))
    tables = [{"title": "Financement ACI par mission (montants annuels)", "data": funding.rename(columns={
        "mission": "Mission", "categorie": "Catégorie", "volet": "Volet", "montant_eur": "Montant (€)",
        "remarque": "Remarque"}).fillna({"Remarque": ""})}]
    paragraphs, tables = _calendar(d, paragraphs, tables)
    return {"title": "Taille et financement ACI", "paragraphs": paragraphs, "tables": tables}


#: Before a ceiling of the funding, when every mission's amount is known.
UP_TO = "jusqu'à "


def at_least(t: TailleSection) -> str:
    """« au moins » when a mission's amount is not known (the totals are then floors: a review found « jusqu'à »
    before a sum lacking the crisis mission), else nothing."""
    return "au moins " if t.missions_without_amount else ""


def calendar_title(calendar: pd.DataFrame) -> str:
    """Title of the mission calendar: after the signature, or the avenant for a mission of a later text.

    A contract signed before avenant 2 runs the crisis mission's deadlines from its own avenant
    (:func:`pipeline.analysis.aci.mission_calendar` leaves those dates unknown): « après la signature » alone
    would say the opposite of that row's remark.
    """
    from_avenant = calendar["demarrage"].isna() & calendar["demarrage_mois"].notna()
    if from_avenant.any():
        return "Calendrier des missions après la signature (après l'avenant au contrat pour une mission ajoutée depuis)"
    return "Calendrier des missions après la signature"


def _calendar(d: Diagnostic, paragraphs: list[str], tables: list[dict[str, Any]]
              ) -> tuple[list[str], list[dict[str, Any]]]:
    """``paragraphs`` and ``tables`` with the mission calendar (or how to get it) after them."""
    t = d.taille
    if t.calendar is not None:
        calendar = t.calendar.assign(
            categorie=t.calendar["categorie"].map(CATEGORIES),
            demarrage_mois=t.calendar["demarrage_mois"].map(months),
            deploiement_mois=t.calendar["deploiement_mois"].map(months),
            demarrage=[deadline(v, m) for v, m in zip(t.calendar["demarrage"], t.calendar["demarrage_mois"],
                                                       strict=True)],
            deploiement=[deadline(v, m) for v, m in zip(t.calendar["deploiement"], t.calendar["deploiement_mois"],
                                                         strict=True)],
        )
        tables.append({"title": calendar_title(t.calendar), "data": calendar.rename(columns={
            "mission": "Mission", "categorie": "Catégorie", "texte": "Texte", "remarque": "Remarque",
            "demarrage_mois": "Démarrage (mois)",
            "deploiement_mois": "Déploiement (mois)", "demarrage": "Démarrage au plus tard",
            "deploiement": "Déploiement au plus tard"}),
            "note": "Missions complémentaires : pas de délai particulier."})
    else:
        paragraphs.append("Calendrier des missions : non disponible, la date de signature de l'ACI n'ayant pas été "
                          "fournie (option SIGNATURE=).")
    return paragraphs, tables


def word_taille_note(d: Diagnostic) -> str:
    """The Word Trame's line under its taille boxes: the taille, its funding, the professionals counted for 4++."""
    t = d.taille
    if t.unknown_reason is not None:
        return (f"Taille non disponible : {t.unknown_reason}. Le financement ACI, qui dépend de la taille, n'est pas "
                "calculé.")
    floor = at_least(t)
    left_out = (" (sans le financement de : " + ", ".join(f"« {m} »" for m in t.missions_without_amount)
                + ", montant non renseigné dans les sources du projet)") if t.missions_without_amount else ""
    note = (f"Taille {t.label} ({t.bounds}), population municipale légale {d.population.year}. Financement annuel "
            f"possible ({t.version_label}) : {floor}{format_number(t.total_possible)} €, {floor or UP_TO}"
            f"{format_number(t.maximum)} € avec le volet supplémentaire de soins non programmés{left_out}.")
    if t.professionals is not None:
        note += (f" Professionnels de santé recensés dans le territoire (profession « Autres » exclue, comme pour la "
                 f"taille 4++) : {fmt(t.professionals)}")
        # Beside the unticked box, as the report says it (a review found the reason 200 lines further down).
        demo = t.band == 4 and d.is_demo(REGISTRY_SOURCE)
        note += (", dans l'offre fictive de démonstration, qui ne peut établir la taille 4++." if demo else ".")
    elif t.professionals_unavailable is not None:
        note += (" Professionnels de santé recensés dans le territoire : non disponible "
                 f"({t.professionals_unavailable}).")
    return note


def population_scope(d: Diagnostic) -> str:
    """Whose the Word Trame's population is, for a territory partly beyond the load (else nothing)."""
    if not _loaded_part_only(d):
        return ""
    if (whole := d.taille.whole_population) is not None:
        return (f"communes des départements chargés seulement ; territoire entier : {format_number(whole)} habitants "
                "(COG), population sur laquelle la taille est établie")
    return "communes des départements chargés seulement : la population du territoire entier n'est pas connue"


def _loaded_part_only(d: Diagnostic) -> bool:
    """Whether the territory (or a listed CPTS's communes) reaches beyond the loaded départements (a review:
    « 1 074 habitants » for a CPTS of 31 communes, 28 not loaded)."""
    return bool(d.territory.beyond_the_load) or (d.pertinence is not None and d.pertinence.beyond_the_load is not None)
