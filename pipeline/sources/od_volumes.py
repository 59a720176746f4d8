"""Volumes of a ``FLUX=`` table as a person or a spreadsheet writes them (:mod:`pipeline.sources.od_table`).

« 1 234 », « 1234,5 » and « 12.5 » are read; « 1.234 » is refused when nothing in the file tells whether its
dot groups thousands (French) or is a decimal point, and « 1,500 » when nothing tells whether its comma groups
thousands (an English export) or is the French decimal comma.
"""

from __future__ import annotations

import re

#: « 1.234 », « 12.500.000 »: a dot grouping thousands, or a decimal point with three decimals.
_DOT_GROUPED = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+")
#: A dot that can only be a decimal point: « 0.5 », « 12.25 », « 3.1416 ».
_DOT_DECIMAL = re.compile(r"\d+\.(?:\d{1,2}|\d{4,})|0\.\d+")
#: The same two readings of a comma: « 1,500 » (thousands, or 1,5) and « 12,5 » (only a decimal comma).
_COMMA_GROUPED = re.compile(r"[1-9]\d{0,2}(?:,\d{3})+")
_COMMA_DECIMAL = re.compile(r"\d+,(?:\d{1,2}|\d{4,})|0,\d+")


def _without_spaces(text: str) -> str:
    """``text`` without the spaces a person or a spreadsheet puts between thousands."""
    return re.sub(r"[\s\u00a0\u202f]", "", text)


def ambiguous_volumes(texts: list[str]) -> dict[int, str]:
    """Positions of the volumes whose separator may group thousands, and that separator (« . » or « , »), when no
    volume of the file shows it to be a decimal mark: read as a decimal, a French « 1.234 » (1 234) or an English
    « 1,500 » (1 500) would lose three digits; read as thousands, a French « 1,500 » (1,5) would gain them."""
    stripped = [_without_spaces(t) for t in texts]
    found: dict[int, str] = {}
    for mark, grouped, decimal in ((".", _DOT_GROUPED, _DOT_DECIMAL), (",", _COMMA_GROUPED, _COMMA_DECIMAL)):
        if not any(decimal.fullmatch(t) for t in stripped):
            found.update({i: mark for i, t in enumerate(stripped) if grouped.fullmatch(t)})
    return found


def ambiguity_message(text: str, mark: str) -> str:
    """Why the volume ``text`` is refused, its separator ``mark`` (« . » or « , ») having two readings."""
    if mark == ".":
        # « 1,234 » would be as ambiguous (a review followed this advice into the next error): a decimal is
        # read as such when it has other than three decimals, or when another line shows a decimal mark.
        return (f"volume ambigu « {text} » : point des milliers ou point décimal ? écrivez les milliers sans "
                "séparateur (1234) ; un nombre décimal à trois décimales n'est lu que si une autre ligne du fichier "
                "montre le point décimal (12.5)")
    return (f"volume ambigu « {text} » : virgule des milliers ou virgule décimale ? écrivez les milliers sans "
            "séparateur (1500) ou avec une espace (1 500) ; une virgule décimale suivie de trois chiffres n'est "
            "lue que si une autre ligne du fichier en montre une (12,5)")


#: A number as the file may write it once spaces are removed: ASCII digits, one decimal comma or point, or
#: thousands grouped by the other mark (« 1.234,5 », « 1,234.5 »), an exponent (« 1.5E3 », a spreadsheet's).
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?|[+-]?(?i:nan|inf|infinity)")
_GROUPED_THEN_DECIMAL = re.compile(r"[1-9]\d{0,2}(?:(?P<mark>[.,])\d{3})+(?!(?P=mark))[.,]\d+")


def parse_volume(text: str) -> float | None:
    """The number written ``text`` (spaces of thousands removed, decimal comma or point, thousands grouped by the
    other mark: « 1.234,5 », « 1,234.5 »), None if none (« nan » and « inf » are numbers, refused by the
    reader as not finite). Only ASCII digits: Python's ``float`` also reads « 1_000 » and other scripts' digits,
    which no export writes (a review: read without a word)."""
    cleaned = _without_spaces(text)
    if _GROUPED_THEN_DECIMAL.fullmatch(cleaned):  # the last mark is the decimal one, the other groups thousands
        decimal = cleaned[max(cleaned.rfind("."), cleaned.rfind(","))]
        cleaned = cleaned.replace("," if decimal == "." else ".", "")
    if not _NUMBER.fullmatch(cleaned) or not cleaned.isascii():
        return None
    try:
        return float(cleaned.replace(",", "."))
    except ValueError:
        return None
