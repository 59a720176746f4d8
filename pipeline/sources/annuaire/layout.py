"""Layout of the Annuaire Santé public extraction (« extraction PS_LibreAcces ») and of the staged frames.

The Agence du Numérique en Santé publishes every day a zip of pipe-separated
UTF-8 text files (Licence Ouverte 2.0), each with a header line, values not
quoted, every line ending with a ``|``:

``PS_LibreAcces_Personne_activite_<AAAAMMJJhhmm>.txt``
    one row per practitioner × activity (a practitioner working on two sites
    has two rows).
``PS_LibreAcces_SavoirFaire_<AAAAMMJJhhmm>.txt``
    one row per practitioner × savoir-faire (ordinal specialties ``S``,
    compétences ``C``...), joined on « Identification nationale PP ».
``PS_LibreAcces_Dipl_AutExerc_<AAAAMMJJhhmm>.txt``
    diplomas (not used here).

Headers changed over the years: the extraction of 2 December 2021 (real
sample in the data mirror) has 52 named columns, the current layout
:data:`COLONNES_ACTIVITE` has 56 (``Code rôle``… ``Libellé genre
activité`` added at the end). Columns are therefore matched BY NAME, and only
:data:`COLONNES_REQUISES` are required.

Nomenclatures (see :mod:`pipeline.nomenclatures`): profession TRE_G15,
specialty TRE_R38, mode d'exercice TRE_R23, secteur d'activité TRE_R02.
"""

from __future__ import annotations

from datetime import date

from pipeline.sources.extraction_names import date_in_name

#: Source name recorded in the ``sources`` provenance table.
SOURCE_NAME = "annuaire-sante"
# 3: staged without the database; activities located by postal code and name when the commune code is
# missing; arrondissement units; « non renseigné » recours for an unknown setting.
# 4: a libéral activity in an établissement de santé is « hors ambulatoire » (seed 000); a commune code of a
# département outside the load is not placed by its postal code.
# 5: on a database of some départements, a postal code with one loaded commune places a row only with a
# matching place name (the code may be shared with a commune of another département).
# 6: a row outside the loaded départements counts in its practitioner's weights (« hors des départements
# chargés » localisation): the weights are those of a load of all of France.
# 7: a line repeating an earlier one exactly is dropped and reported (« activite_en_double »).
# 8: savoir-faire columns empty for every médecin read the separate SavoirFaire file (same zip, or beside it).
# 9: arrondissements named as La Poste writes them (« MARSEILLE 08 », « PARIS 15EME ») name their city.
LOADER_VERSION = "9"

#: File-name prefixes of the members of the official zip.
ACTIVITE_PREFIX = "PS_LibreAcces_Personne_activite"
SAVOIR_FAIRE_PREFIX = "PS_LibreAcces_SavoirFaire"

#: Columns of ``PS_LibreAcces_Personne_activite`` (current 56-column layout, in order).
COLONNES_ACTIVITE: tuple[str, ...] = (
    "Type d'identifiant PP",
    "Identifiant PP",
    "Identification nationale PP",
    "Code civilité d'exercice",
    "Libellé civilité d'exercice",
    "Code civilité",
    "Libellé civilité",
    "Nom d'exercice",
    "Prénom d'exercice",
    "Code profession",
    "Libellé profession",
    "Code catégorie professionnelle",
    "Libellé catégorie professionnelle",
    "Code type savoir-faire",
    "Libellé type savoir-faire",
    "Code savoir-faire",
    "Libellé savoir-faire",
    "Code mode exercice",
    "Libellé mode exercice",
    "Numéro SIRET site",
    "Numéro SIREN site",
    "Numéro FINESS site",
    "Numéro FINESS établissement juridique",
    "Identifiant technique de la structure",
    "Raison sociale site",
    "Enseigne commerciale site",
    "Complément destinataire (coord. structure)",
    "Complément point géographique (coord. structure)",
    "Numéro Voie (coord. structure)",
    "Indice répétition voie (coord. structure)",
    "Code type de voie (coord. structure)",
    "Libellé type de voie (coord. structure)",
    "Libellé Voie (coord. structure)",
    "Mention distribution (coord. structure)",
    "Bureau cedex (coord. structure)",
    "Code postal (coord. structure)",
    "Code commune (coord. structure)",
    "Libellé commune (coord. structure)",
    "Code pays (coord. structure)",
    "Libellé pays (coord. structure)",
    "Téléphone (coord. structure)",
    "Téléphone 2 (coord. structure)",
    "Télécopie (coord. structure)",
    "Adresse e-mail (coord. structure)",
    "Code Département (structure)",
    "Libellé Département (structure)",
    "Ancien identifiant de la structure",
    "Autorité d'enregistrement",
    "Code secteur d'activité",
    "Libellé secteur d'activité",
    "Code section tableau pharmaciens",
    "Libellé section tableau pharmaciens",
    "Code rôle",
    "Libellé rôle",
    "Code genre activité",
    "Libellé genre activité",
)

#: Columns of the 2021 layout (52 named columns, then the trailing empty field).
COLONNES_ACTIVITE_2021: tuple[str, ...] = COLONNES_ACTIVITE[:52]

#: Columns of ``PS_LibreAcces_SavoirFaire`` (13 columns, in order).
COLONNES_SAVOIR_FAIRE: tuple[str, ...] = (
    "Type d'identifiant PP",
    "Identifiant PP",
    "Identification nationale PP",
    "Nom d'exercice",
    "Prénom d'exercice",
    "Code profession",
    "Libellé profession",
    "Code catégorie professionnelle",
    "Libellé catégorie professionnelle",
    "Code type savoir-faire",
    "Libellé type savoir-faire",
    "Code savoir-faire",
    "Libellé savoir-faire",
)

#: Columns staging needs in the activity file.
COLONNES_REQUISES: tuple[str, ...] = (
    "Identification nationale PP",
    "Code profession",
    "Code mode exercice",
    "Code secteur d'activité",
    "Code commune (coord. structure)",
)

#: Savoir-faire columns: inline in the activity file, or from the separate file.
COLONNES_SAVOIR_FAIRE_INLINE: tuple[str, ...] = (
    "Code type savoir-faire",
    "Code savoir-faire",
    "Libellé savoir-faire",
)

#: Columns used when present (staged as missing otherwise).
COLONNES_FACULTATIVES: tuple[str, ...] = (
    "Type d'identifiant PP",
    "Libellé profession",
    "Code catégorie professionnelle",
    "Libellé secteur d'activité",
    "Identifiant technique de la structure",
    "Numéro FINESS site",
    "Code section tableau pharmaciens",
    "Bureau cedex (coord. structure)",
    "Code postal (coord. structure)",
    "Libellé commune (coord. structure)",
)

#: Columns the savoir-faire file must have.
COLONNES_SAVOIR_FAIRE_REQUISES: tuple[str, ...] = (
    "Identification nationale PP",
    "Code type savoir-faire",
    "Code savoir-faire",
    "Libellé savoir-faire",
)

#: Source column -> short name used while staging.
NOMS_COURTS: dict[str, str] = {
    "Identification nationale PP": "rpps",
    "Type d'identifiant PP": "type_identifiant",
    "Code profession": "profession_code",
    "Libellé profession": "profession_libelle_source",
    "Code catégorie professionnelle": "categorie_code",
    "Code type savoir-faire": "savoir_faire_type",
    "Code savoir-faire": "savoir_faire_code",
    "Libellé savoir-faire": "savoir_faire_libelle",
    "Code mode exercice": "mode_code",
    "Code secteur d'activité": "secteur_code",
    "Libellé secteur d'activité": "secteur_libelle_source",
    "Identifiant technique de la structure": "structure_id",
    "Numéro FINESS site": "finess_site",
    "Code section tableau pharmaciens": "section_pharmaciens",
    "Bureau cedex (coord. structure)": "bureau_cedex",
    "Code postal (coord. structure)": "code_postal",
    "Code commune (coord. structure)": "commune_source",
    "Libellé commune (coord. structure)": "commune_libelle_source",
}

#: Values of ``localisation``: how the activity's commune was found.
#: ``localisation`` of a row of a département the database does not hold (``data --departements``): located on a
#: load of all of France, it still counts in its practitioner's weights.
OUTSIDE_THE_LOAD = "hors des départements chargés"
LOCALISATIONS: tuple[str, ...] = ("code commune", "code postal", "code postal et libellé", "non localisé", "ambigu",
                                  OUTSIDE_THE_LOAD)

#: Values of ``recours`` (NA for professions seed 000 does not classify).
RECOURS: tuple[str, ...] = ("premier", "second", "hors ambulatoire", "non renseigné")

#: Staged activity rows: column -> pandas dtype. Text columns with few distinct values are ``category``
#: (string categories; a national file has 2 million rows), the identifiers ``string``; missing values are
#: NA (``pd.NA`` / NaN in categoricals), never '' nor 0.
ACTIVITE_COLUMNS: dict[str, str] = {
    "extraction": "date32[day][pyarrow]",
    "ligne": "int64",
    "rpps": "string",
    "type_identifiant": "category",
    "profession_code": "category",
    "profession_libelle": "category",
    "profession_connue": "bool",
    "groupe": "category",
    "specialite_code": "category",
    "specialite_libelle": "category",
    "recours_profession": "category",
    "recours": "category",
    "acces_direct": "category",
    "savoir_faire_type": "category",
    "savoir_faire_code": "category",
    "savoir_faire_libelle": "category",
    "categorie_code": "category",
    "mode_code": "category",
    "mode": "category",
    "secteur_code": "category",
    "secteur_libelle": "category",
    "cadre": "category",
    "structure_id": "string",
    "finess_site": "string",
    "commune_source": "category",
    "code_postal": "category",
    "commune_libelle_source": "category",
    "localisation": "category",
    "commune": "category",
    "unite": "category",
    "poids": "float64",
}

#: Staged columns kept as ``string`` (one value per practitioner or structure); every other text is categorical.
HIGH_CARDINALITY: frozenset[str] = frozenset({"rpps", "structure_id", "finess_site"})

#: Anomalies of a staging: one row per (extraction, type, code); ``code`` is '' when not applicable.
ANOMALY_COLUMNS: dict[str, str] = {
    "extraction": "date32[day][pyarrow]",
    "type": "string",
    "code": "string",
    "libelle": "string",
    "nb_lignes": "int64",
    "premiere_ligne": "Int64",
    "message": "string",
    "fichier": "string",
}


def extraction_date_from_name(name: str) -> date | None:
    """Extraction date of ``PS_LibreAcces_Personne_activite_AAAAMMJJhhmm…``, or None.

    >>> extraction_date_from_name("PS_LibreAcces_Personne_activite_202112020908-extrait.txt")
    datetime.date(2021, 12, 2)
    """
    return date_in_name(name)
