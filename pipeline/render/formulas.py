"""Text a spreadsheet could run as a formula (OWASP « CSV injection »), for the CSV files and the workbook."""

from __future__ import annotations

#: First characters that make a spreadsheet treat a cell as a formula (OWASP « CSV injection »),
#: plus the line feed, harmless to neutralise.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")

def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could run ``text`` as a formula (leading ``=``, ``+``, ``-``, ``@``, tab, CR).

    Leading spaces are ignored: some spreadsheets trim them before parsing.
    """
    return text.lstrip(" ").startswith(FORMULA_PREFIXES)


def neutralise_formula(text: str) -> str:
    """Prefix ``text`` with an apostrophe when it could run as a formula (OWASP recommendation)."""
    return "'" + text if looks_like_formula(text) else text


__all__ = ["FORMULA_PREFIXES", "looks_like_formula", "neutralise_formula"]
