"""Reference nomenclatures for health-care supply (professions, specialties, FINESS).

The tables live as CSV files under ``pipeline/data`` so that an analyst can
review or update them without touching code. Their content comes from the
ANS "Nomenclatures des objets de santé" (NOS) published on
https://mos.esante.gouv.fr/NOS/ and mirrored as FHIR CodeSystems in the
``ansforge`` terminology guides (https://interop.esante.gouv.fr/terminologies/):

``nomenclature_professions.csv``
    TRE_G15-ProfessionSante (OID 1.2.250.1.71.1.2.7, version 2025-03-28) plus
    codes 71 « Ostéopathe », 72 « Psychothérapeute » and 93 « Psychologue » of
    TRE_R95-UsagerTitre (not in TRE_G15 but used by the Annuaire Santé
    extraction: the real rows of 2 December 2021 carry 71 and 72 with these
    labels; a review read them as unknown codes). ``groupe`` is the row of the
    « Trame d'un projet de santé » (seed 002); ``recours`` follows seed 000
    (premier recours: médecins généralistes, chirurgiens-dentistes,
    sages-femmes, masseurs-kinésithérapeutes, infirmiers, pharmaciens and
    direct-access specialists). Professions that seed 000 does not classify
    (orthophonistes, orthoptistes, pédicures-podologues, psychologues, other
    auxiliaries) get an empty ``recours``: the seed is silent on them and the
    pipeline does not guess.
``nomenclature_specialites.csv``
    TRE_R38-SpecialiteOrdinale, the ``SM`` codes of médecins (SM01-SM95).
    SM26 « Qualifié en médecine générale », SM53 « Spécialiste en médecine
    générale » and SM54 « Médecine générale » are general practice; biology
    codes (SM03, SM63-SM67) form the Trame's « Biologistes »; ophtalmologie,
    gynécologie (médicale, obstétrique and the combined SM51/SM52),
    pédiatrie and psychiatrie (incl. options and the historical
    neuro-psychiatrie SM33) are direct-access specialties, hence premier
    recours (seed 000, DESIGN.md §2).
``nomenclature_modes_exercice.csv``
    TRE_R23-ModeExercice: L libéral, S salarié, B bénévole, I indirect.
``nomenclature_secteurs_activite.csv``
    TRE_R02-SecteurActivite (SA01-SA69) mapped to a coarse ``cadre``:
    cabinet (SA07-SA09 and SA52 maison/pôle de santé), centre de santé
    (SA05), établissement de santé, établissement médico-social, officine
    (SA33 and related) or autre. Premier recours requires « une pratique en
    ambulatoire » (seed 000, footnote): an activity of a premier-recours
    profession counts as premier recours in a cabinet, a centre de santé or,
    for pharmaciens, an officine (:data:`CADRES_AMBULATOIRES`), or when
    libéral anywhere but in an établissement de santé (see
    :mod:`pipeline.sources.annuaire.classify`); elsewhere it is « hors
    ambulatoire ».
``finess_categories.csv``
    FINESS « catégorie d'établissement » (TRE_R66-CategorieEtablissement)
    mapped to the groups used by the diagnostic. ``Hôpital`` means "public or
    private according to the ``codesph`` field of the record"; code 606 is
    the DAC category that replaced the provisional ANS code 801. The rows
    after code 197 complete the table with every other category of the ANS
    value set JDV_J55-CategorieEG-ROR (codes of TRE_R66, version
    20260505120000, https://mos.esante.gouv.fr/NOS/JDV_J55-CategorieEG-ROR/FHIR/JDV-J55-CategorieEG-ROR),
    with its labels: a category label re-encoded with losses then gives way
    to the nomenclature's for every category an extraction uses. Their
    group: « Autre médico-social » for the médico-social categories
    (handicap, personnes âgées, CASF L.312-1), « Psychiatrie » for the
    other mental-health structures (FINESS aggregate 1111), « Pharmacie »
    for the officines and the other pharmacies open to the public (620,
    627–629, 641) and « Laboratoire » for the biology laboratories (610–612),
    premier-recours places a real extraction holds by the thousand
    (59 of the 100 real rows of the mirror's sample are officines), « Autre »
    otherwise (social establishments, schools, thermal baths…).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from pipeline import config

#: The general practitioners' group, the one the models (flows, APL approchée, pertinence) are built for.
GROUPE_MG = "Médecins généralistes"
#: Rows of the per-profession table of the « Trame d'un projet de santé » (seed 002).
GROUPES_TRAME: tuple[str, ...] = (
    "Médecins généralistes",
    "Médecins spécialistes",
    "Infirmiers",
    "Pharmaciens",
    "Masseurs-kinésithérapeutes",
    "Biologistes",
    "Sages-femmes",
    "Orthophonistes",
    "Orthoptistes",
    "Chirurgiens-dentistes",
    "Pédicures-podologues",
    "Psychologues",
    "Autres",
)

#: Groups of establishments derived from the FINESS category.
GROUPES_FINESS: tuple[str, ...] = (
    "MSP",
    "Centre de santé",
    "Pharmacie",
    "Laboratoire",
    "Hôpital public",
    "Hôpital privé",
    "Psychiatrie",
    "SSR",
    "EHPAD",
    "SSIAD",
    "Autre médico-social",
    "DAC",
    "Autre",
)

#: Rows of the Trame's supply table counted in establishments (FINESS), after the professions.
GROUPES_STRUCTURES: tuple[str, ...] = ("MSP", "Centres de santé")

#: FINESS group (``finess_categories.csv``) of each structure row of the Trame.
GROUPE_FINESS_STRUCTURE: dict[str, str] = {"MSP": "MSP", "Centres de santé": "Centre de santé"}

#: ``cadre`` values (``nomenclature_secteurs_activite.csv``) that are « une pratique en ambulatoire
#: [...] de manière libérale ou salarié en centre de santé » (seed 000, definition of premier recours).
CADRES_AMBULATOIRES: tuple[str, ...] = ("cabinet", "centre de santé")
#: Officines are the ambulatory setting of pharmaciens only.
CADRE_OFFICINE = "officine"
#: Hospitals and clinics: a libéral activity there is not ambulatory.
CADRE_ETABLISSEMENT_SANTE = "établissement de santé"
#: ``recours`` of a premier-recours profession's activity outside an ambulatory setting
#: (établissement de santé or médico-social, other or unknown sector): not premier recours.
RECOURS_HORS_AMBULATOIRE = "hors ambulatoire"

#: Profession code of médecins in TRE_G15: their group depends on the specialty.
CODE_MEDECIN = "10"
#: Profession code of pharmaciens in TRE_G15.
CODE_PHARMACIEN = "21"
#: Section « G » of the pharmacists' roll (TRE_R06-SectionTableauCNOP) is
#: biologie médicale: those pharmacists are counted as « Biologistes ».
SECTION_PHARMACIENS_BIOLOGISTES = "G"

_DATA_DIR: Path = config.PACKAGE_DATA


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(_DATA_DIR / name, dtype=str, keep_default_na=False, encoding="utf-8")


@cache
def professions() -> pd.DataFrame:
    """Professions (TRE_G15 + psychologue of TRE_R95).

    Returns
    -------
    pandas.DataFrame
        Columns ``code``, ``libelle``, ``groupe``, ``recours`` (``premier`` or
        empty), ``nomenclature``.
    """
    return _read("nomenclature_professions.csv")


@cache
def specialites() -> pd.DataFrame:
    """Médecins' ordinal specialties (TRE_R38, SM codes).

    Returns
    -------
    pandas.DataFrame
        Columns ``code``, ``libelle``, ``groupe``, ``recours``
        (``premier``/``second``), ``acces_direct`` (empty or the direct-access
        family: ophtalmologie, gynécologie, pédiatrie, psychiatrie).
    """
    return _read("nomenclature_specialites.csv")


@cache
def modes_exercice() -> pd.DataFrame:
    """Exercise modes (TRE_R23) with columns ``code``, ``libelle``, ``mode``."""
    return _read("nomenclature_modes_exercice.csv")


@cache
def secteurs_activite() -> pd.DataFrame:
    """Activity sectors (TRE_R02) with columns ``code``, ``libelle``, ``cadre``."""
    return _read("nomenclature_secteurs_activite.csv")


@cache
def finess_categories() -> pd.DataFrame:
    """FINESS categories with columns ``code``, ``libelle``, ``groupe``."""
    return _read("finess_categories.csv")


def groupe_medecin(specialite_code: str | None) -> tuple[str, str | None]:
    """Trame group and recours of a médecin from its TRE_R38 specialty.

    Parameters
    ----------
    specialite_code
        Code of the ordinal specialty (``SM54``...), or None.

    Returns
    -------
    tuple
        ``(groupe, recours)``. A médecin whose specialty is missing or unknown
        goes to « Autres » with no recours (it is reported as an anomaly by the
        loaders rather than guessed).
    """
    table = specialites().set_index("code")
    if specialite_code and specialite_code in table.index:
        row = table.loc[specialite_code]
        return str(row["groupe"]), str(row["recours"]) or None
    return "Autres", None
