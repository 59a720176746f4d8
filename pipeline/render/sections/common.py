"""What the report sections share: demonstration warnings, source names, number and date formats."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd

from pipeline.geography import REGION_DEPARTEMENTS, loaded_scope
from pipeline.model.diagnostic import Diagnostic
from pipeline.render.column_catalogue import ACI_CATEGORIES
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
#: What supply the flows and the APL approchée count (:func:`pipeline.app.flow_model.ambulatory`), unlike the
#: supply table, which counts every mode of practice (a review: the report did not say so).
AMBULATORY_WORDS = ("libéral, ou salarié en centre de santé, comme pour l'APL officielle de la DREES ; l'exercice en "
                    "établissement de santé ou médico-social, dans un cadre non renseigné ou bénévole n'est pas "
                    "compté, à la différence du tableau de l'offre")
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


CATEGORIES = dict(ACI_CATEGORIES)


def months(value: float) -> str:
    return "pas de délai particulier" if pd.isna(value) else f"{int(value)} mois"


def day(value: date | None) -> str:
    return "—" if value is None or pd.isna(value) else value.strftime("%d/%m/%Y")


def deadline(value: date | None, months_after: float) -> str:
    """A mission's date: « — » without deadline, « non disponible » when it has one but not from the signature
    (a mission of an avenant later than the contract)."""
    if (value is None or pd.isna(value)) and not pd.isna(months_after):
        return "non disponible"
    return day(value)


def fmt(value: float, decimals: int = 0) -> str:
    return format_number(value, decimals)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """« 1 CPTS », « 2 établissements »: the count and the noun agreed with it (0 and 1 are singular in French)."""
    word = singular if abs(count) < 2 else (plural_form or singular + "s")
    return f"{format_number(count)} {word}"


def enumeration(names: Sequence[str]) -> str:
    """« a », « a et b », « a, b et c »: French enumeration of ``names`` (at least one)."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " et " + names[-1]


def agree(count: int, singular: str, plural_form: str) -> str:
    """The verb or noun agreed with ``count`` (« partage » / « partagent »)."""
    return singular if abs(count) < 2 else plural_form


def tables_place(d: Diagnostic, csv_name: str, sheet: str) -> str:
    """Where a full table is: « le fichier etablissements.csv et la feuille « Établissements » du classeur
    diagnostic.xlsx (dossier des tableaux diagnostics/<dossier>/) »."""
    return (f"le fichier {csv_name} et la feuille « {sheet} » du classeur diagnostic.xlsx (dossier des "
            f"tableaux du diagnostic : diagnostics/{d.territory.slug}/)")


def france_label(d: Diagnostic) -> str:
    """« France », or what the « France » figures of a database restricted to some départements cover."""
    if not d.loaded_departements:
        return "France"
    return "France (départements chargés : " + ", ".join(d.loaded_departements) + ")"


def region_label(d: Diagnostic) -> str:
    """The main région's name, with the départements its figures cover when the database holds part of it:
    « Provence-Alpes-Côte d'Azur, départements chargés : 04, 13 » (written inside parentheses)."""
    name = d.population.region_name
    whole = REGION_DEPARTEMENTS.get(str(d.population.region), ())
    here = [code for code in whole if code in set(d.loaded_departements)]
    return f"{name}, {loaded_scope(here)}" if d.loaded_departements and here and len(here) < len(whole) else name


def main_zones(d: Diagnostic) -> tuple[str, str]:
    """Names of the département and région that the « département » and « région » columns compare with (those
    holding most of the territory's population; a territory over several has a table of each zone too); the
    région's says which of its départements are loaded when not all (:func:`region_label`)."""
    return d.population.departement_name, region_label(d)


def scope_note(d: Diagnostic) -> str | None:
    """The French note saying that région and France figures cover the loaded départements only."""
    if not d.loaded_departements:
        return None
    return ("Base limitée aux départements " + ", ".join(d.loaded_departements) + " (make data DEPARTEMENTS=…) : "
            "les figures « Région » et « France » de ce rapport ne portent que sur les départements chargés de la "
            "région et de la France, pas sur la région et la France entières.")


def establishments_uncovered(d: Diagnostic) -> str | None:
    """Why the establishments of the territory are « non disponibles »: the loaded FINESS extraction does
    not cover its départements (counting them there would give 0); None when it does."""
    coverage = d.registry_coverage
    if coverage is None or d.establishments is None:
        return None
    rows = coverage.zones[coverage.zones["niveau"] == "territoire"]
    if rows.empty or bool(rows["finess"].iloc[0]):
        return None
    missing = str(rows["finess_non_couverts"].iloc[0] or "").replace(",", ", ")
    where = f" (départements non couverts : {missing})" if missing else ""
    return (f"établissements non disponibles : l'extraction FINESS chargée ne couvre pas le territoire{where} ; "
            "compter ses établissements sur ce fichier donnerait un nombre faussement nul ou bas")


def reservations(caveats: list[str]) -> list[str]:
    """« Réserve : … » paragraphs, one per reservation on a section's figures (shown where the figures are)."""
    # Lower case after the colon (« Réserve : table origine–destination … »), an acronym (« APL ») kept.
    return [f"Réserve : {c[:1].lower() + c[1:] if c[1:2].islower() else c}".rstrip(".") + "." for c in caveats]
