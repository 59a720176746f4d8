"""What the name of a published extraction file tells: its date stamp, and the demonstration label.

The Annuaire Santé extraction is named
``PS_LibreAcces_Personne_activite_<AAAAMMJJhhmm>.txt`` and the FINESS one
``etalab-cs1100507-stock-<AAAAMMJJ>-<hhmm>.csv`` (reusers' flattened copies
keep an ``AAAAMMJJ`` stamp too). Generated demonstration files carry
``DEMO`` in their name.
"""

from __future__ import annotations

import re
from datetime import date

#: Label of generated data, written in provenance notes and summaries.
DEMO_NOTE = "données fictives de démonstration"

# Eight digits (AAAAMMJJ), optionally followed by four (hhmm), not inside a longer number:
# « cs1100507 » (seven digits) never matches.
_STAMP = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?:\d{4})?(?!\d)")


def date_in_name(name: str) -> date | None:
    """The first valid ``AAAAMMJJ`` stamp of a file name, or None.

    Examples
    --------
    >>> date_in_name("PS_LibreAcces_Personne_activite_202112020908-extrait.txt")
    datetime.date(2021, 12, 2)
    >>> date_in_name("etalab-cs1100507-stock-20250301-0412.csv")
    datetime.date(2025, 3, 1)
    >>> date_in_name("annuaire.txt") is None
    True
    """
    for match in _STAMP.finditer(name):
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            continue
    return None


def is_demo_name(name: str) -> bool:
    """Whether a file name marks generated demonstration data (``DEMO`` in it, any case)."""
    return "demo" in name.lower()
