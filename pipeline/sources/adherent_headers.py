"""The members file's headers (``ADHERENTS=``): which column of the format a header names, exactly or by its words,
and the headers naming one column twice, refused (:func:`format_columns`)."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.errors import DataError
from pipeline.geography import ascii_fold

#: Header names (folded) read as a column of the format.
HEADER_ALIASES: dict[str, str] = {
    "numero_rpps": "rpps", "n_rpps": "rpps", "no_rpps": "rpps", "num_rpps": "rpps", "identifiant_rpps": "rpps",
    "rpps_id": "rpps", "profession_exercee": "profession", "participation_gouvernance": "gouvernance",
    "participation_elaboration": "elaboration", "nb": "nombre", "effectif": "nombre", "effectifs": "nombre",
    "nbre": "nombre", "nbr": "nombre",
}
#: Words of a header counting something (« Nbre d'adhérents »), and what a members file counts (« Nombre de
#: professionnels », « Nombre de PS »); a count of something else (« Nombre de patients ») is no ``nombre``.
COUNT_WORDS = frozenset(("nombre", "nb", "nbre", "nbr", "effectif", "effectifs", "total"))
#: ... of persons (« Nombre de professionnels »): on a structure's row, that is its staff, not structures.
PERSON_WORDS = frozenset(("professionnel", "professionnels", "ps", "personne", "personnes"))
MEMBER_WORDS = frozenset(("adherent", "adherents", "adherente", "adherentes", "membre", "membres", "inscrit",
                          "inscrits", "inscrite", "inscrites", *PERSON_WORDS))
OPTIONAL = ("rpps", "adeli", "gouvernance", "elaboration", "nombre")
#: Columns of the format read from the file (the others are not kept).
FORMAT_COLUMNS = ("profession", *OPTIONAL)


def folded_name(name: str) -> str:
    """A header's words, lower-case ASCII joined by « _ » (« N° RPPS » → « n_rpps »)."""
    return re.sub(r"[^a-z]+", "_", ascii_fold(name)).strip("_")


def exact_column(name: str) -> str | None:
    """The column of the format a header names exactly, or by a known alias (« N° RPPS »), else None."""
    canonical = HEADER_ALIASES.get(folded_name(name), folded_name(name))
    return canonical if canonical in FORMAT_COLUMNS else None


#: Words of a header about another person than the member (their replacement, successor, partner…).
_SOMEONE_ELSE = frozenset(("remplacant", "remplacante", "remplacants", "successeur", "associe", "associes",
                           "collaborateur", "collaboratrice", "conjoint", "suppleant", "suppleante"))


def format_column(name: str) -> str | None:
    """The column of the format a header names, exactly or by its words (« Code RPPS », « RPPS/ADELI »,
    « Identification nationale PP », « Nombre d'adhérents », « Gouvernance (oui/non) », « Participation à
    l'élaboration du projet de santé »), or None (a review: such headers were dropped without a word, and the
    figures were wrong). A count of something else (« Nombre de patients ») is no ``nombre``."""
    if (exact := exact_column(name)) is not None:
        return exact
    folded = folded_name(name)
    words = set(folded.split("_"))
    if words & _SOMEONE_ELSE:  # « RPPS du remplaçant »: not the member's number (a re-check: read as theirs)
        return None
    # « N°RPPS », « NumRPPS » fold to one word (a review: such a header was not read, and members practising
    # elsewhere were counted in the shares).
    if "rpps" in folded or {"identification", "nationale"} <= words:
        return "rpps"
    if "adeli" in folded:
        return "adeli"
    if "gouvernance" in words:
        return "gouvernance"
    if "elaboration" in words:
        return "elaboration"
    if words & COUNT_WORDS and words & MEMBER_WORDS:
        return "nombre"
    return "profession" if folded.startswith("profession") else None


#: Words of a header that only says « members » (« Adhérents », « Membres de la CPTS »): its cells say how many, or
#: whether the row is a member.
MEMBERS_ONLY = frozenset(MEMBER_WORDS - PERSON_WORDS | {"de", "la", "le", "du", "cpts", "a", "e", "es"})


def _same_again(name: str, canonical: str) -> bool:
    """Whether a header read as ``canonical`` by its words holds that column's values, not a detail beside it: a
    number (RPPS, ADELI, a count) or a yes/no (governance, elaboration)."""
    if canonical in ("rpps", "adeli", "nombre"):
        return True
    return canonical in ("gouvernance", "elaboration") and set(folded_name(name).split("_")) - {canonical} <= {
        "oui", "non", "o", "n", ""}


def format_columns(header: list[str], path: str | Path, header_at: int) -> dict[str, str]:
    """Column of the format → the file's header name that holds it.

    Raises
    ------
    DataError
        Two header names read as the same column of the format (each such
        column named, with the header line).
    """
    exact = {name: exact_column(name) for name in header}
    found: dict[str, list[str]] = {}
    for name, canonical in exact.items():
        if canonical is not None:
            found.setdefault(canonical, []).append(name)
    # By their words only the columns no header names exactly: « Profession (si autre) » beside « Profession »,
    # « Fonction dans la gouvernance » beside « Gouvernance » are details, not a second column (a review). But a
    # number (« Code RPPS », « Nombre d'adhérents ») or a yes/no (« Gouvernance (oui/non) ») is that column again:
    # one of the two was dropped without a word (a review: « Nombre » 3 beside « Nombre d'adhérents » 40).
    named = set(found)
    for name in (n for n, canonical in exact.items() if canonical is None):
        if (canonical := format_column(name)) is not None and (canonical not in named or _same_again(name, canonical)):
            found.setdefault(canonical, []).append(name)
    clashes = [", ".join(f"« {n} »" for n in names[:-1]) + f" et « {names[-1]} » désignent la même colonne "
               f"« {canonical} »" for canonical, names in found.items() if len(names) > 1]
    if clashes:
        raise DataError("Colonnes en double dans l'en-tête : " + " ; ".join(clashes)
                        + " (gardez-en une seule, ou renommez les autres)", path, header_at)
    return {canonical: names[0] for canonical, names in found.items()}
