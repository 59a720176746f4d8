"""Commune names given beside commune codes, compared with the codes: a territory file's, a listing's.

A file of codes often carries the communes' names beside them, and the names tell when the codes are wrong:
« 13001;Marseille 1er » is a postal code read as Aix-en-Provence's INSEE code, « 33500;Les Billaux » one read
as Samonac's. A name agrees with its code when the words of one are all in the other, compared as place names
(« ST » is « saint », case, accents and hyphens aside): « Marseille 1er » agrees with « Marseille 1er
Arrondissement », « Rochelle (La) » with « La Rochelle », the old name of a merged commune with its old code,
and a commune déléguée's name with its commune's code (« 04120;Larche »: Larche is in Val d'Oronaye).

Pure functions on the COG's frames: the territory reader (:mod:`pipeline.store.territory.file_names`) and the
listing reader (:mod:`pipeline.sources.cpts_listing.resolve`) give them what they read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from pipeline.geography import CITY_NAMES, arrondissements_of, city_of_arrondissement, name_words
from pipeline.sources.annuaire.locate import place_key

#: A row whose name is not its code's: (line, code, the code's name, the name given).
Disagreement = tuple[int, str, str, str]


def _words(name: object) -> frozenset[str]:
    return frozenset(place_key(name).split())


def agrees(given: str, known: list[object]) -> bool:
    """Whether the name ``given`` agrees with one of the ``known`` names (see the module's docstring)."""
    words = _words(given)
    return any(words <= _words(k) or _words(k) <= words for k in known if isinstance(k, str) and k)


#: Roman numerals an arrondissement's number may be written in (« Marseille VII »).
_ROMAN = {numeral: str(number) for number, numeral in enumerate(
    ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv", "xvi", "xvii",
     "xviii", "xix", "xx"], start=1)}


def _numbered_words(name: object) -> frozenset[str]:
    """:func:`name_words` with numbers as numbers: « Marseille 01 », « Marseille VII » are the 1er and the 7e."""
    return frozenset(str(int(w)) if w.isdigit() else _ROMAN.get(w, w) for w in name_words(name))


def _agrees_with_code(code: str, name: str, known: list[object]) -> bool:
    """:func:`agrees`, where an arrondissement's code agrees with its own name or its city's bare name only, and a
    city's code with no arrondissement's name (a review: « 13202;Marseille 1er » and « 13055;Marseille 2e » passed,
    « Marseille » being in both names)."""
    if (city := city_of_arrondissement(code)) is not None:  # numbers kept: place_key drops them (« Marseille 08 »)
        given = _numbered_words(name)
        own = [_numbered_words(k) for k in known[:2] if isinstance(k, str) and k]
        return any(given <= words or words <= given for words in own) or given == name_words(CITY_NAMES[city])
    numbered = any(word.isdigit() for word in name_words(name))
    return agrees(name, known) and not (numbered and bool(arrondissements_of(code)))


def disagreements(codes: list[str | None], names: list[str], lines: list[int], mapping: pd.DataFrame,
                  unit_names: Mapping[str, str], merged_names: Callable[[], pd.Series]) -> tuple[list[Disagreement],
                                                                                              int]:
    """The rows whose name is not their code's, and the number of rows with a name and a known code.

    Parameters
    ----------
    codes, names, lines
        One item per row: its normalised INSEE code (None when malformed), the name given (empty: none), its line.
    mapping
        The COG's passage table indexed by ``code``: ``current_code``, ``nom`` (at least the rows' codes).
    unit_names
        Name of each current unit (code → name), at least of the rows' codes and their current codes.
    merged_names
        Called only when some names disagree: ``current_code`` → names of every code mapped to it (the communes
        déléguées and associées of a commune), the whole COG.
    """
    wrong: list[Disagreement] = []
    named = 0
    # Each distinct (code, name) is judged once: a file repeats them (a review's file of 1.5 million rows took
    # ten minutes here, a pandas lookup per row).
    verdicts: dict[tuple[str, str], str | None] = {}  # the code's name when the row's name is not it, else None
    for code, name, line in zip(codes, names, lines, strict=True):
        if code is None or not name.strip() or code not in mapping.index:
            continue  # unknown codes are the resolver's to report
        named += 1
        if (code, name) not in verdicts:
            target = str(mapping.at[code, "current_code"])
            known = [mapping.at[code, "nom"], unit_names.get(code), unit_names.get(target)]
            shown = unit_names.get(code) or unit_names.get(target) or mapping.at[code, "nom"] or target
            verdicts[code, name] = None if _agrees_with_code(code, name, known) else str(shown)
        if (cog := verdicts[code, name]) is not None:
            wrong.append((line, code, cog, name.strip()))
    if wrong:
        merged = merged_names()
        # A commune déléguée's name (not an arrondissement's: each is its own unit, never its city's).
        delegated = {(code, given): city_of_arrondissement(code) is None and not arrondissements_of(code)
                     and agrees(given, list(merged.get(str(mapping.at[code, "current_code"]), [])))
                     for code, given in {(code, given) for _, code, _, given in wrong}}
        wrong = [row for row in wrong if not delegated[row[1], row[3]]]
    return wrong, named


def merged_names_of(mapping: pd.DataFrame) -> pd.Series:
    """``current_code`` → the names of every code of the COG's passage table ``mapping`` mapped to it."""
    return mapping.groupby("current_code")["nom"].agg(lambda n: [str(x) for x in n.dropna()])


def other_units_meant(wrong: list[Disagreement], names: pd.DataFrame) -> list[tuple[int, str, str, str, str]]:
    """The rows of ``wrong`` whose name is, by itself, one other unit's: the same words (:func:`name_words`), at
    least two or one of five letters, as that unit's name and no other's (« Marseille 1er » is 13201; « Digne les
    Bain », a typo, is none; « Aiglun » is two communes, none). Each row with « Nom (code) » of that unit.

    ``names``: ``unit_code``, ``nom`` of every current unit (communes and arrondissements).
    """
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
