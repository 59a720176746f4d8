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
#: Anomaly type: practitioners with several ordinal specialties, one kept.
SEVERAL_SPECIALTIES = "specialites_ordinales_multiples"


def read_savoir_faire(source: TextSource) -> pd.DataFrame:
    """One savoir-faire per practitioner: ``rpps`` then :data:`COLUMNS` (``string``), ``rpps`` unique, then
    ``specialites_ordinales`` (how many ordinal specialties the file gives them: above 1, the choice of one is
    reported, see :func:`several_specialties_anomaly`) and ``ligne`` (their first line).

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
    return choose_savoir_faire(frame)


def choose_savoir_faire(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`read_savoir_faire`'s choice among rows ``rpps``, :data:`COLUMNS`, ``ligne`` (the separate file's, or
    the activity file's own columns, where a practitioner holding several savoir-faire has a line for each)."""
    frame = frame[frame["savoir_faire_code"].notna()]
    ordinal = (frame["savoir_faire_type"] == "S").fillna(False).astype(bool)
    in_table = frame["savoir_faire_code"].isin(nomenclatures.specialites()["code"]).astype(bool)
    ranked = frame.assign(_ordinal=~ordinal, _table=~in_table).sort_values(
        ["rpps", "_ordinal", "_table", "savoir_faire_code"], kind="stable"
    )
    chosen = ranked.drop_duplicates("rpps", keep="first")
    # Distinct codes: the same « S | SM54 » line twice is one specialty, not several (a review).
    counts = frame.loc[ordinal].drop_duplicates(["rpps", "savoir_faire_code"])["rpps"].value_counts()
    first = frame.groupby("rpps")["ligne"].min()
    return chosen[["rpps", *COLUMNS]].assign(
        specialites_ordinales=chosen["rpps"].map(counts).fillna(0).astype("int64").to_numpy(),
        ligne=chosen["rpps"].map(first).astype("int64").to_numpy()).reset_index(drop=True)


def several_specialties_anomaly(chosen: pd.DataFrame) -> dict[str, object] | None:
    """The anomaly row (without its extraction and file) of the practitioners holding several ordinal specialties,
    or None. A review: a doctor qualified in « Pédiatrie » (SM40) and SM26 was counted a GP without a word."""
    several = chosen[chosen["specialites_ordinales"] > 1]
    if several.empty:
        return None
    count = len(several)
    return {"type": SEVERAL_SPECIALTIES, "code": "", "libelle": None, "nb_lignes": count,
            "premiere_ligne": int(several["ligne"].min()),
            "message": (f"{count} professionnel{'s' * (count > 1)} avec plusieurs spécialités ordinales (type S) dans "
                        "les savoir-faire de l'extraction : chacun est classé selon celle de plus petit code "
                        "(généraliste ou spécialiste selon elle), les autres sont ignorées")}


def one_line_per_activity(activities: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The activity file's own savoir-faire columns made one per practitioner (:func:`choose_savoir_faire`), and
    the lines then repeating an activity dropped: a practitioner holding several savoir-faire has one line per
    savoir-faire for each activity (a review: a doctor with « S | SM54 » and « CAPA | CAPA08 » lines at one site
    counted as a GP and in « Autres », and their site share halved). Returns the frame and ``chosen``.

    Only lines differing by their savoir-faire are one activity: lines alike in every column read but written
    apart (another telephone number) stay apart, as the staging keeps them.
    """
    chosen = choose_savoir_faire(activities[["rpps", *COLUMNS, "ligne"]])
    others = [c for c in activities.columns if c not in ("ligne", *COLUMNS)]
    activity = pd.util.hash_pandas_object(activities[others], index=False).to_numpy()
    written = pd.Series(pd.util.hash_pandas_object(activities[list(COLUMNS)], index=False).to_numpy())
    # Per activity, the lines of its first savoir-faire: one line per savoir-faire becomes one line.
    kept = (written == written.groupby(activity).transform("first")).to_numpy()
    return apply_savoir_faire(activities, chosen)[kept], chosen


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
