"""Savoir-faire of each practitioner from the separate ``PS_LibreAcces_SavoirFaire`` file.

A practitioner may hold several savoir-faire (an ordinal specialty and
compétences, or two specialties). One is kept, deterministically: ordinal
specialties (type ``S``) first, then codes of TRE_R38, then the smallest
code. It takes the place of the savoir-faire columns of the activity file
when both exist.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import nomenclatures
from pipeline.errors import DataError
from pipeline.sources.annuaire.layout import COLONNES_SAVOIR_FAIRE_REQUISES, NOMS_COURTS
from pipeline.sources.annuaire.reader import check_header, read_columns, read_header
from pipeline.sources.archives import TextSource

COLUMNS = ("savoir_faire_type", "savoir_faire_code", "savoir_faire_libelle")


def read_savoir_faire(source: TextSource) -> pd.DataFrame:
    """One savoir-faire per practitioner: ``rpps`` then :data:`COLUMNS` (``string``), ``rpps`` unique.

    Raises
    ------
    DataError
        Missing columns, bad encoding or field count (with the line), empty identifier.
    """
    header = read_header(source.path, source.shown)
    check_header(header, list(COLONNES_SAVOIR_FAIRE_REQUISES), source.shown, "fichier des savoir-faire")
    frame = read_columns(
        source.path, source.shown, header, {c: NOMS_COURTS[c] for c in COLONNES_SAVOIR_FAIRE_REQUISES}
    )
    missing = frame["rpps"].isna().to_numpy()
    if missing.any():
        line = int(frame["ligne"].to_numpy()[np.argmax(missing)])
        raise DataError("« Identification nationale PP » vide", source.shown, line)
    frame = frame[frame["savoir_faire_code"].notna()]
    ordinal = (frame["savoir_faire_type"] == "S").fillna(False).astype(bool)
    in_table = frame["savoir_faire_code"].isin(nomenclatures.specialites()["code"]).astype(bool)
    ranked = frame.assign(_ordinal=~ordinal, _table=~in_table).sort_values(
        ["rpps", "_ordinal", "_table", "savoir_faire_code"], kind="stable"
    )
    chosen = ranked.drop_duplicates("rpps", keep="first")
    return chosen[["rpps", *COLUMNS]].reset_index(drop=True)


def apply_savoir_faire(activities: pd.DataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    """Put each practitioner's chosen savoir-faire on their activity rows (file first, inline columns else).

    The three columns come back as categoricals.
    """
    if chosen.empty:
        return activities
    position = pd.Index(chosen["rpps"]).get_indexer(activities["rpps"])
    found = position >= 0
    out = activities.copy()
    for column in COLUMNS:
        from_file = chosen[column].to_numpy(dtype=object, na_value=None)[np.where(found, position, 0)]
        inline = activities[column].to_numpy(dtype=object, na_value=None)
        values = np.where(found & pd.notna(from_file), from_file, inline)
        out[column] = pd.Categorical(values)
    return out
