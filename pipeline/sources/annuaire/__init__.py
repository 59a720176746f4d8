"""Annuaire Santé (RPPS / ex-ADELI) public extraction, staged without any database.

:func:`stage_annuaire` reads ``PS_LibreAcces_Personne_activite_*.txt`` (or the
official zip) into one typed row per activity (:data:`ACTIVITE_COLUMNS`) and
a frame of anomalies; :mod:`pipeline.store.registry_tables` writes them.
"""

from pipeline.sources.annuaire.layout import (
    ACTIVITE_COLUMNS,
    ACTIVITE_PREFIX,
    ANOMALY_COLUMNS,
    COLONNES_ACTIVITE,
    COLONNES_ACTIVITE_2021,
    COLONNES_SAVOIR_FAIRE,
    LOADER_VERSION,
    LOCALISATIONS,
    RECOURS,
    SAVOIR_FAIRE_PREFIX,
    SOURCE_NAME,
    extraction_date_from_name,
)
from pipeline.sources.annuaire.stage import (
    StagedAnnuaire,
    extraction_digest,
    savoir_faire_beside,
    sha256_file,
    stage_annuaire,
)

__all__ = [
    "ACTIVITE_COLUMNS",
    "ACTIVITE_PREFIX",
    "ANOMALY_COLUMNS",
    "COLONNES_ACTIVITE",
    "COLONNES_ACTIVITE_2021",
    "COLONNES_SAVOIR_FAIRE",
    "LOADER_VERSION",
    "LOCALISATIONS",
    "RECOURS",
    "SAVOIR_FAIRE_PREFIX",
    "SOURCE_NAME",
    "StagedAnnuaire",
    "extraction_date_from_name",
    "extraction_digest",
    "savoir_faire_beside",
    "sha256_file",
    "stage_annuaire",
]
