"""What the report sections share: demonstration warnings, source names, number and date formats."""

from __future__ import annotations

from datetime import date

import pandas as pd

from pipeline.render.report import format_number

DEMO_WARNING = (
    "Les effectifs de professionnels de ce diagnostic proviennent de données fictives de démonstration "
    "générées par l'outil : ils ne décrivent pas l'offre réelle du territoire."
)
ESTABLISHMENTS_DEMO_WARNING = (
    "Les établissements de ce diagnostic proviennent de données fictives de démonstration générées par "
    "l'outil : ils ne décrivent pas les établissements réels du territoire."
)
#: Source names (table ``sources``) of the practitioners' registry and of FINESS.
REGISTRY_SOURCE = "annuaire-sante"
FINESS_SOURCE = "finess"
GROUP_DISPLAY = ["Médecins généralistes", "Infirmiers", "Masseurs-kinésithérapeutes", "Pharmaciens",
                 "Chirurgiens-dentistes", "Sages-femmes"]


#: French labels of the supply table's columns (for reports and spreadsheets).
LIBELLES: dict[str, str] = {
    "groupe": "Profession ou structure",
    "praticiens": "Professionnels (effectif distinct)",
    "praticiens_etp": "Professionnels (part des sites)",
    "dont_liberaux": "dont libéraux",
    "unite": "Unité",
    "source": "Source",
    "densite_10000": "Densité territoire (pour 10 000 hab.)",
    "densite_departement": "Densité département",
    "densite_region": "Densité région",
    "densite_france": "Densité France",
}


CATEGORIES = {"fonctionnement": "fonctionnement", "socle": "mission socle",
              "complementaire": "mission complémentaire", "supplementaire": "volet supplémentaire"}


def months(value: float) -> str:
    return "pas de délai particulier" if pd.isna(value) else f"{int(value)} mois"


def day(value: date | None) -> str:
    return "—" if value is None or pd.isna(value) else value.strftime("%d/%m/%Y")


def fmt(value: float, decimals: int = 0) -> str:
    return format_number(value, decimals)
