"""FINESS establishments extraction (stock and flattened layouts), staged without any database.

:func:`stage_finess` reads the file (or a zip of it) into typed establishments
(:data:`ETABLISSEMENT_COLUMNS`) and anomalies; :mod:`pipeline.store.registry_tables`
writes them.
"""

from pipeline.sources.finess.geo import DEPARTEMENTS_OUTRE_MER, EPSG_PAR_JETON, epsg_for, insee_code, to_wgs84
from pipeline.sources.finess.layouts import A_PLAT_VERS_STOCK, CHAMPS_GEOLOCALISATION, CHAMPS_STRUCTUREET
from pipeline.sources.finess.stage import (
    ANOMALY_COLUMNS,
    ETABLISSEMENT_COLUMNS,
    SOURCE_NAME,
    STOCK_PREFIX,
    StagedFiness,
    stage_finess,
)

__all__ = [
    "ANOMALY_COLUMNS",
    "A_PLAT_VERS_STOCK",
    "CHAMPS_GEOLOCALISATION",
    "CHAMPS_STRUCTUREET",
    "DEPARTEMENTS_OUTRE_MER",
    "EPSG_PAR_JETON",
    "ETABLISSEMENT_COLUMNS",
    "SOURCE_NAME",
    "STOCK_PREFIX",
    "StagedFiness",
    "epsg_for",
    "insee_code",
    "stage_finess",
    "to_wgs84",
]
