"""Staging of the INSEE table d'appartenance géographique and zone labels."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.errors import DataError
from pipeline.sources.delimited import read_csv_checked

APPARTENANCE_COLUMNS = {
    "CODGEO": "code",
    "LIBGEO": "nom",
    "DEP": "dep",
    "REG": "reg",
    "EPCI": "epci",
    "ARR": "arr",
    "CANOV": "canov",
    "ZE2020": "ze2020",
    "UU2020": "uu2020",
    "AAV2020": "aav2020",
    "BV2022": "bv2022",
}
LIBELLE_COLUMNS = {"NIVGEO": "niveau", "CODGEO": "code", "LIBGEO": "libelle", "NB_COM": "nb_com"}


def stage_appartenance(path: Path) -> pd.DataFrame:
    """One row per commune: code, nom and the codes of its supra-communal zones."""
    frame = read_csv_checked(path, required=list(APPARTENANCE_COLUMNS), sep=",")
    frame = frame[list(APPARTENANCE_COLUMNS)].rename(columns=APPARTENANCE_COLUMNS)
    # The mirrored file ends with an empty line of separators: a row without a code carries nothing.
    frame = frame[frame["code"].notna()].reset_index(drop=True)
    duplicated = frame.loc[frame["code"].duplicated(), "code"]
    if not duplicated.empty:
        raise DataError("Communes en double : " + ", ".join(duplicated.head(10)), path)
    return frame


def stage_libelles(path: Path) -> pd.DataFrame:
    """One row per zone: ``niveau`` (BV2022, UU2020…), ``code``, ``libelle``, ``nb_com``.

    The mirrored file ends with an empty line of separators (``,,,``): rows
    with neither level nor code carry nothing and are dropped.
    """
    frame = read_csv_checked(path, required=list(LIBELLE_COLUMNS), sep=",")
    frame = frame[list(LIBELLE_COLUMNS)].rename(columns=LIBELLE_COLUMNS)
    frame = frame[frame["niveau"].notna() & frame["code"].notna()].reset_index(drop=True)
    frame["nb_com"] = pd.to_numeric(frame["nb_com"], errors="coerce").astype("Int64")
    return frame
