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


#: Zonings a commune absent from the INSEE table takes from the commune(s) it comes from.
INHERITED_COLUMNS = ("arr", "canov", "ze2020", "uu2020", "aav2020", "bv2022")


def _most_common(values: pd.Series) -> object:
    """The most common value (ties: the smallest), None when every value is missing."""
    counts = values.dropna().value_counts()
    if counts.empty:
        return None
    return min(counts.index[counts == counts.max()])


def on_current_geography(table: pd.DataFrame, current: pd.DataFrame, mapping: pd.DataFrame,
                         edges: pd.DataFrame) -> pd.DataFrame:
    """The INSEE table with a row for every current commune it does not list, and where its zonings come from.

    The table is on the COG of its year (2024). A commune created since by a merger (Conques-en-Rouergue 12218)
    takes, zoning by zoning, the most common value of its former communes; a commune restored since from a
    commune nouvelle (Celles 15031, a commune déléguée of Neussargues en Pinatelle 15141 in 2024) takes the
    zonings of the commune it was part of. Collectivités d'outre-mer, in no zoning, get no row.

    Parameters
    ----------
    table
        :func:`stage_appartenance`.
    current
        Current communes of the whole country: ``code``, ``nom``, ``departement``, ``region``, ``epci``.
    mapping
        Every known code to its current commune: ``code``, ``current_code``
        (:func:`pipeline.sources.cog.build_mapping`).
    edges
        COG history edges of every vintage: ``vintage``, ``code``, ``target``.

    Returns
    -------
    DataFrame
        The table's columns and ``herite_de``: None for the table's own rows, else the comma-separated codes of the
        table whose zonings the commune took.
    """
    own = table.set_index("code")
    missing = [code for code in current["code"].astype(str) if code not in own.index]
    former = mapping[(mapping["code"] != mapping["current_code"]) & mapping["code"].isin(own.index)
                     & mapping["current_code"].isin(missing)]
    sources = {code: sorted(group) for code, group in former.groupby("current_code")["code"]}
    # Restored communes: the last commune of the table they were part of (déléguée, associée or merged).
    history = edges[edges["code"].isin(missing) & edges["target"].isin(own.index)]
    history = history.sort_values(["code", "vintage"]).drop_duplicates("code", keep="last")
    for code, target in zip(history["code"], history["target"], strict=True):
        sources.setdefault(code, [target])
    names = current.set_index(current["code"].astype(str))
    rows = []
    for code in missing:
        if code not in sources:
            continue
        parts = own.loc[sources[code]]
        row: dict[str, object] = {column: _most_common(parts[column]) for column in INHERITED_COLUMNS}
        row.update(code=code, nom=names.at[code, "nom"], dep=names.at[code, "departement"],
                   reg=names.at[code, "region"], epci=names.at[code, "epci"], herite_de=",".join(sources[code]))
        rows.append(row)
    inherited = pd.DataFrame(rows, columns=[*table.columns, "herite_de"])
    return pd.concat([table.assign(herite_de=None), inherited], ignore_index=True)
