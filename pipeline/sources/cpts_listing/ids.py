"""CPTS identifiers of a listing: one per CPTS, filled from the name when the listing gives none."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from pipeline.geography import slugify
from pipeline.sources.cpts_listing.model import issue, single_id_by_name


def assign_ids(frame: pd.DataFrame, listing: str, issues: list[dict[str, Any]]) -> pd.DataFrame:
    """Fill missing ``cpts_id`` with the name slug; keep apart, and report, ids shared by several names and
    names carried by several ids; a column numbering the rows is not read as ids."""
    frame = frame.copy()
    # « 01 » and « 1 », « 2.0 » from a spreadsheet and « 2 », are one id to the person who typed them (a review).
    frame["cpts_id"] = [_as_typed(value) for value in frame["cpts_id"]]
    given = frame["cpts_id"].notna()
    # A column numbering the rows (« 1, 2, 3 … » down the lines, not one number per CPTS) names no CPTS: read, it
    # would split every CPTS of several communes.
    if _numbers_the_rows(frame[given]):
        frame["cpts_id"] = None
        given = frame["cpts_id"].notna()
        issues.append(issue(listing, "identifiant_incoherent", None, None, None,
                            "la colonne d'identifiants numérote les lignes (un identifiant différent à chaque ligne) "
                            "plutôt que les CPTS : elle n'est pas lue, chaque CPTS est identifiée par son nom"))
    # A CPTS whose id is written on some of its rows only (its first): the others take that id, not a second one
    # made from the name, which would split it in two (a review).
    single = single_id_by_name(frame).to_dict()
    frame.loc[~given, "cpts_id"] = [single.get(name) or slugify(name) for name in frame.loc[~given, "cpts"]]
    by_id = frame.groupby("cpts_id")["cpts"].unique()
    for cid, names in by_id.items():
        if len(names) > 1:
            issues.append(
                issue(
                    listing,
                    "identifiant_incoherent",
                    names[0],
                    None,
                    None,
                    f"l'identifiant « {cid} » porte plusieurs noms : " + ", ".join(f"« {n} »" for n in names)
                    + " ; ces CPTS restent distinctes",
                )
            )
            # Kept apart: merged under one id, the second CPTS would lose the units the first also claims.
            shared = frame["cpts_id"] == cid
            frame.loc[shared, "cpts_id"] = cid + " · " + frame.loc[shared, "cpts"]
    by_name = frame.groupby("cpts")["cpts_id"].unique()
    taken = set(by_name.index)
    for name, ids in by_name.items():
        if len(ids) > 1:
            # A CPTS is one id of its listing: two CPTS of one name (two « CPTS Centre ») stay two, each named with
            # its id, as two names under one id stay two (a review: their communes were merged into one CPTS, its
            # population and taille those of both). A name already in the listing is not taken twice.
            apart_of = {cid: f"{name} ({cid})" if f"{name} ({cid})" not in taken else f"{name} (identifiant {cid})"
                        for cid in map(str, ids)}
            rows = frame["cpts"] == name
            frame.loc[rows, "cpts"] = frame.loc[rows, "cpts_id"].map(apart_of)
            apart = [apart_of[cid] for cid in sorted(apart_of)]
            detail = (f"la CPTS « {name} » a plusieurs identifiants : " + ", ".join(sorted(map(str, ids)))
                      + " ; ces CPTS restent distinctes : " + ", ".join(f"« {n} »" for n in apart))
            issues.extend(issue(listing, "identifiant_incoherent", n, None, None, detail) for n in apart)
    return frame


def _as_typed(value: object) -> str | None:
    """An id as its reader means it: spaces around dropped, a whole number without its leading zeros or « .0 »."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or not str(value).strip():
        return None
    text = str(value).strip()
    whole = re.fullmatch(r"([0-9]{1,18})(?:[.,]0+)?", text)
    return str(int(whole.group(1))) if whole else text


def _numbers_the_rows(rows: pd.DataFrame) -> bool:
    """Whether the ids given (``rows``: ``cpts``, ``cpts_id``) number the rows rather than the CPTS: whole numbers
    (« 1 », « 2.0 » from a spreadsheet), a different one on every row, and a CPTS of several rows among them, in
    any order and with gaps (a review split CPTS whose numbering had a gap, or whose rows were sorted since)."""
    if rows.empty:
        return False
    text = rows["cpts_id"].astype(str).str.strip()
    return bool(text.str.fullmatch(r"[0-9]{1,9}(?:[.,]0+)?").all() and text.is_unique
                and rows["cpts"].duplicated().any())
