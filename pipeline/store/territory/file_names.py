"""A territory CSV's names checked against its codes.

A file of codes often carries the communes' names beside them. A review gave ``code;commune`` rows
« 13001;Marseille 1er », « 13002;Marseille 2e »: postal codes, read as the INSEE codes of Aix-en-Provence,
Allauch and Alleins, and diagnosed without a word (173 990 inhabitants for Marseille's 120 006). The names
tell: when most of a file's names are not those of their codes, the file is refused; a few are noted.

A name agrees with its code when the words of one are all in the other, compared as place names
(« ST » is « saint », case, accents and hyphens aside): « Marseille 1er » agrees with « Marseille 1er
Arrondissement », « Rochelle (La) » with « La Rochelle », and the old name of a merged commune with its
old code.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.errors import TerritoryError
from pipeline.geography import ascii_fold, name_words, normalise_insee_code
from pipeline.sources.annuaire.locate import place_key
from pipeline.store.queries import geography

#: Headers of a names column (folded as :func:`name_column` folds them).
NAME_COLUMNS = ("nom", "commune", "nom_commune", "libelle", "libelle_commune", "nom_de_la_commune", "name")
#: Share of disagreeing names from which the file is refused rather than noted.
REFUSED_SHARE = 0.5
#: Names shown in a message.
SHOWN = 3


def name_column(columns: list[str], code: str) -> str | None:
    """The column of ``columns`` (other than ``code``) holding the communes' names, or None."""
    folded = {re.sub(r"[^a-z0-9]+", "_", ascii_fold(c)).strip("_"): c for c in reversed(columns) if c != code}
    return next((folded[c] for c in NAME_COLUMNS if c in folded), None)


def _words(name: object) -> frozenset[str]:
    return frozenset(place_key(name).split())


def check_names(con: duckdb.DuckDBPyConnection, codes: list[str], names: list[str], lines: list[int],
                column: str, path: Path) -> list[str]:
    """Notes on the rows whose name is not their code's; raise :class:`TerritoryError` when they are most of
    the named rows, or when one names another commune by itself (``codes``, ``names``, ``lines``: one item per
    row with a code)."""
    normalised = [normalise_insee_code(c)[0] for c in codes]
    wanted = {c for c in normalised if c is not None}
    mapping = geography.cog_mapping(con, wanted).set_index("code")
    current = set(mapping["current_code"].dropna().astype(str))
    unit_names = geography.units(con, wanted | current).set_index("unit_code")["nom"]
    wrong: list[tuple[int, str, str, str]] = []
    named = 0
    # Each distinct (code, name) is judged once: a file repeats them (a review's file of 1.5 million rows took
    # ten minutes here, a pandas lookup per row).
    verdicts: dict[tuple[str, str], str | None] = {}  # the code's name when the row's name is not it, else None
    for code, name, line in zip(normalised, names, lines, strict=True):
        if code is None or not name.strip() or code not in mapping.index:
            continue  # unknown codes are resolve_codes's to report
        named += 1
        if (code, name) not in verdicts:
            target = str(mapping.at[code, "current_code"])
            known = [mapping.at[code, "nom"], unit_names.get(code), unit_names.get(target)]
            given = _words(name)
            agrees = any(given <= _words(k) or _words(k) <= given for k in known if isinstance(k, str) and k)
            shown = unit_names.get(code) or unit_names.get(target) or mapping.at[code, "nom"] or target
            verdicts[code, name] = None if agrees else str(shown)
        if (cog := verdicts[code, name]) is not None:
            wrong.append((line, code, cog, name.strip()))
    if wrong:
        # The name of a commune déléguée or associée of the code's commune agrees with it (« 04120;Larche »: Larche
        # is in Val d'Oronaye), whatever code the file gives it.
        everything = geography.cog_mapping(con)
        merged = everything.groupby("current_code")["nom"].agg(lambda n: [str(x) for x in n.dropna()])
        delegated = {(code, given): any(_words(given) <= _words(k) or _words(k) <= _words(given)
                                        for k in merged.get(str(mapping.at[code, "current_code"]), []) if k)
                     for code, given in {(code, given) for _, code, _, given in wrong}}
        wrong = [row for row in wrong if not delegated[row[1], row[3]]]
    if not wrong:
        return []
    listed = " ; ".join(f"ligne {line} : {code} est {cog}, pas « {given} »" for line, code, cog, given
                        in wrong[:SHOWN]) + (" …" if len(wrong) > SHOWN else "")
    if len(wrong) >= REFUSED_SHARE * named:
        rows = "lignes" if len(wrong) > 1 else "ligne"
        raise TerritoryError(f"Les noms de la colonne « {column} » ne sont pas ceux des codes ({len(wrong)} {rows} "
                             f"sur {named}) : {listed}. Codes postaux au lieu des codes INSEE, ou lignes décalées ? "
                             "Corrigez les codes (ou retirez la colonne des noms si elle est fausse)",
                             path, wrong[0][0])
    if meant := _other_communes_meant(con, wrong):
        # The name is another commune's, by itself: the code is wrong, and that commune would be counted in the
        # territory's figures (a review: « 13001;Marseille 1er » counted Aix-en-Provence's 149 695 inhabitants
        # among 19 392, a minority of wrong names being only noted).
        shown = " ; ".join(f"ligne {line} : {code} est {cog}, or « {given} » est {other}"
                           for line, code, cog, given, other in meant[:SHOWN]) + (" …" if len(meant) > SHOWN else "")
        raise TerritoryError(f"Des noms de la colonne « {column} » sont ceux d'autres communes que leurs codes : "
                             f"{shown}. Corrigez les codes (codes postaux au lieu des codes INSEE ?)",
                             path, meant[0][0])
    return [f"{len(wrong)} {'nom' if len(wrong) == 1 else 'noms'} de la colonne « {column} » ne "
            f"{'correspond' if len(wrong) == 1 else 'correspondent'} pas à {'son' if len(wrong) == 1 else 'leur'} "
            f"code (les codes sont lus) : {listed}"]


def _other_communes_meant(con: duckdb.DuckDBPyConnection, wrong: list[tuple[int, str, str, str]]
                          ) -> list[tuple[int, str, str, str, str]]:
    """The rows of ``wrong`` whose name is, by itself, one other unit's: the same words (:func:`name_words`), at
    least two or one of five letters, as that unit's name and no other's (« Marseille 1er » is 13201; « Digne les
    Bain », a typo, is none; « Aiglun » is two communes, none). Each row with « Nom (code) » of that unit."""
    names = geography.units(con)[["unit_code", "nom"]].dropna()
    index: dict[frozenset[str], list[tuple[str, str]]] = {}
    for code, nom in zip(names["unit_code"].astype(str), names["nom"].astype(str), strict=True):
        index.setdefault(name_words(nom), []).append((code, nom))
    meant = []
    words: dict[str, frozenset[str]] = {}
    for line, code, cog, given in wrong:
        asked = words[given] if given in words else words.setdefault(given, name_words(given))
        if len(asked) < 2 and not any(len(w) >= 5 for w in asked):
            continue
        found = index.get(asked, [])
        if len(found) == 1 and found[0][0] != code:
            meant.append((line, code, cog, given, f"{found[0][1]} ({found[0][0]})"))
    return meant


def check_file_names(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, column: str, line_column: str,
                     path: Path) -> list[str]:
    """:func:`check_names` on a read CSV (``column``: its codes), when it has a names column."""
    names_column = name_column([c for c in frame.columns if c != line_column], column)
    if names_column is None:
        return []
    rows = frame[frame[column].fillna("").astype(str).str.strip() != ""]
    return check_names(con, rows[column].astype(str).str.strip().tolist(),
                       rows[names_column].fillna("").astype(str).tolist(),
                       [int(n) for n in rows[line_column]], names_column, path)
