"""CPTS names: comparison keys, near-duplicate names and suspicious words."""

from __future__ import annotations

import difflib
import re
from itertools import combinations
from typing import Any

import pandas as pd

from pipeline.geography import ascii_fold
from pipeline.sources.cpts_listing.model import issue

#: Small words ignored when comparing CPTS names.
ARTICLES: frozenset[str] = frozenset({"du", "de", "des", "d", "la", "le", "les", "l"})
#: Short words that legitimately appear in names and must not be taken for typos.
SHORT_WORDS: frozenset[str] = ARTICLES | {"et", "en", "au", "aux", "sur", "ou", "st", "ste", "es", "a"}
#: difflib ratio above which two normalised names are reported as near-duplicates.
NAME_SIMILARITY = 0.92


def _tokens(name: str) -> list[str]:
    """Lower-case ASCII word tokens of a name, without the leading "CPTS"."""
    tokens = re.findall(r"[a-z0-9]+", ascii_fold(name))
    while tokens and tokens[0] == "cpts":
        tokens = tokens[1:]
    return tokens


def name_key(name: str) -> str:
    """Comparison key of a CPTS name: no accents, case, punctuation, articles or "CPTS"."""
    return " ".join(t for t in _tokens(name) if t not in ARTICLES)


def _loose_key(name: str) -> str:
    """:func:`name_key` without any one- or two-letter word (catches "su" for "du")."""
    return " ".join(t for t in _tokens(name) if t not in ARTICLES and not (len(t) <= 2 and t.isalpha()))


def suspect_words(name: str) -> list[str]:
    """Two-letter words one letter away from an article ("su", "di"), likely typos."""
    out = []
    for tok in _tokens(name):
        if len(tok) == 2 and tok.isalpha() and tok not in SHORT_WORDS:
            for art in ("du", "de", "la", "le"):
                if sum(a != b for a, b in zip(tok, art, strict=True)) == 1:
                    out.append(tok)
                    break
    return out


def near_duplicate_names(names: list[str]) -> list[tuple[str, str, str]]:
    """Pairs of distinct names that probably denote the same CPTS.

    Two names are paired when their :func:`name_key` are equal, when they are
    equal once one- and two-letter words are dropped (typo "su" for "du"), or
    when their keys are at least :data:`NAME_SIMILARITY` similar (difflib
    ratio: doubled or missing letters, "Colines"/"Collines").

    Returns
    -------
    list of (name_a, name_b, reason_fr), name_a < name_b.
    """
    uniq = sorted(set(names))
    keys = {n: name_key(n) for n in uniq}
    loose = {n: _loose_key(n) for n in uniq}
    pairs = []
    for a, b in combinations(uniq, 2):
        if keys[a] == keys[b]:
            reason = "identiques aux accents, majuscules, articles et ponctuation près"
        elif loose[a] and loose[a] == loose[b]:
            reason = "identiques aux mots d'une ou deux lettres près (faute de frappe probable)"
        else:
            matcher = difflib.SequenceMatcher(None, keys[a], keys[b])
            # The cheap upper bounds first (difflib's own idiom): most pairs of a listing are far apart.
            if matcher.real_quick_ratio() < NAME_SIMILARITY or matcher.quick_ratio() < NAME_SIMILARITY:
                continue
            ratio = matcher.ratio()
            if ratio < NAME_SIMILARITY:
                continue
            reason = f"très proches (similarité {ratio:.2f})"
        pairs.append((a, b, reason))
    return pairs


def _without_id(name: str) -> str:
    """« CPTS Alpha » for « CPTS Alpha (alpha-1) »: the name :func:`~pipeline.sources.cpts_listing.ids.assign_ids`
    completed with its id."""
    return re.sub(r" \([^()]*\)$", "", name)


def name_issues(frame: pd.DataFrame, listing: str) -> list[dict[str, Any]]:
    """Issues ``nom_proche`` (near-duplicate names, one per CPTS of each pair) and ``nom_suspect`` (typo-like words)."""
    counts = frame.groupby("cpts").size()
    issues = []
    # One issue per CPTS concerned, naming every other one: the diagnostic of either CPTS of a pair shows it (the
    # real one as much as the typo), and the count of issues is the count of CPTS concerned.
    partners: dict[str, list[tuple[str, str]]] = {}
    for a, b, reason in near_duplicate_names(list(counts.index)):
        if _without_id(a) == _without_id(b):  # one name given several ids, kept apart and reported so (ids.py)
            continue
        partners.setdefault(a, []).append((b, reason))
        partners.setdefault(b, []).append((a, reason))
    def lines(n: int) -> str:
        return f"{n} ligne" if n < 2 else f"{n} lignes"

    for name in sorted(partners):
        others = " ; ".join(f"« {other} » ({lines(counts[other])}) : {reason}" for other, reason in partners[name])
        issues.append(issue(listing, "nom_proche", name, None, None,
                            f"« {name} » ({lines(counts[name])}) et {others} ; s'agit-il de la même CPTS ?"))
    for name in counts.index:
        words = suspect_words(name)
        if words:
            issues.append(
                issue(
                    listing,
                    "nom_suspect",
                    name,
                    None,
                    None,
                    f"« {name} » : mot(s) "
                    + ", ".join(f"« {w} »" for w in words)
                    + " proche(s) d'un article (du, de, la, le) : faute de frappe probable",
                )
            )
    return issues
