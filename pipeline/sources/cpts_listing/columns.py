"""A CSV listing's columns beyond the required ones, checked: the commune names beside the codes, a CPTS's statut and
date given differently on its rows, and the columns the reader did not read (all reported as listing anomalies,
never refusing the file)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.geography import normalise_insee_code
from pipeline.sources.commune_names import disagreements, merged_names_of, other_units_meant
from pipeline.sources.cpts_listing.model import NAME_COLUMN, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, UNREAD, issue

#: Anomaly kind of a commune name that is not its code's.
NAME_KIND = "nom_commune_different"
#: Anomaly kind of a CPTS whose rows give several statuts or dates.
STATUS_KIND = "statut_incoherent"


def commune_name_issues(frame: pd.DataFrame, cog_mapping: pd.DataFrame, units: pd.DataFrame,
                        listing: str) -> list[dict[str, Any]]:
    """An anomaly (``nom_commune_different``) for each row whose commune name (``commune``, when the listing has
    such a column) is not its code's: « 33500 ; Les Billaux » is Samonac's INSEE code, and Libourne's postal code
    (a review: Samonac counted covered, Les Billaux a white zone, without a word). A name that is by itself
    another commune's is said so. The code is still read: the listing's other rows stand (content defect)."""
    named = frame[frame[NAME_COLUMN].fillna("").astype(str).str.strip() != ""] if NAME_COLUMN in frame else frame[:0]
    if named.empty:
        return []
    codes = [normalise_insee_code(code)[0] for code in named["code_insee"]]
    mapping = cog_mapping.drop_duplicates("code").set_index("code")
    unit_names = dict(zip(units["code"].astype(str), units["nom"].astype(str), strict=True))
    wrong, _ = disagreements(codes, named[NAME_COLUMN].astype(str).tolist(), [int(n) for n in named["line"]],
                             mapping, unit_names, lambda: merged_names_of(cog_mapping))
    names = units.rename(columns={"code": "unit_code"})[["unit_code", "nom"]].dropna()
    meant = {line: other for line, _, _, _, other in other_units_meant(wrong, names)}
    cpts_of_line = dict(zip(named["line"].astype(int), named["cpts"], strict=True))
    return [issue(listing, NAME_KIND, cpts_of_line[line], code, line,
                  f"le code {code} est {cog}, pas « {given} »"
                  + (f", qui est {meant[line]} : code postal au lieu du code INSEE ?" if line in meant else ""))
            for line, code, cog, given in wrong]


def unread_column_issues(frame: pd.DataFrame, listing: str) -> list[dict[str, Any]]:
    """One anomaly (``colonnes_non_lues``) naming the columns of a CSV listing the reader did not read."""
    unread, line = frame.attrs.get(UNREAD, ([], None))
    if not unread:
        return []
    known = ", ".join((*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS, NAME_COLUMN))
    return [issue(listing, UNREAD, None, None, line,
                  f"hors du format ({known}) : " + ", ".join(f"« {h} »" for h in unread))]


def status_issues(frame: pd.DataFrame, listing: str) -> list[dict[str, Any]]:
    """One anomaly (``statut_incoherent``) per CPTS of a CSV listing (``line`` column) whose rows give several
    statuts or several dates: the first one, in line order, is the CPTS's (as the coverage reads it), and the others
    are named with their lines (a review: « ACI signé » on one row and « projet » on the next were loaded without a
    word)."""
    out = []
    for _, rows in frame.sort_values("line").groupby("cpts_id", sort=True):
        said = []
        for column, kept in (("statut", "retenu"), ("date", "retenue")):
            given = rows.dropna(subset=[column]) if column in rows else rows[:0]
            lines: dict[str, list[int]] = {}
            for value, line in zip(given[column].astype(str), given["line"], strict=True):
                lines.setdefault(value, []).append(int(line))
            if len(lines) > 1:
                (first, *others) = lines
                said.append(f"{column} « {first} » ({_lines(lines[first])}), {kept}, mais aussi "
                            + ", ".join(f"« {v} » ({_lines(lines[v])})" for v in others))
        if said:
            out.append(issue(listing, STATUS_KIND, rows["cpts"].iloc[0], None, int(rows["line"].iloc[0]),
                             " ; ".join(said) + " : corrigez la liste pour qu'une seule valeur reste"))
    return out


def _lines(numbers: list[int]) -> str:
    """« ligne 2 », « lignes 2, 4 »."""
    return ("ligne " if len(numbers) == 1 else "lignes ") + ", ".join(map(str, numbers))
