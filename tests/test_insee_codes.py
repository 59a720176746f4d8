"""Commune codes typed by a person or a spreadsheet (:func:`pipeline.geography.normalise_insee_code`)."""

from __future__ import annotations

import pytest

from pipeline.geography import normalise_insee_code


@pytest.mark.parametrize(("typed", "expected"), [
    ("04070", ("04070", None)),
    (" 2a004 ", ("2A004", None)),
    ("97411", ("97411", None)),
    ("4070", ("04070", "4070 lu comme 04070 (zéro initial rétabli)")),  # a spreadsheet dropped the zero
    (4070, ("04070", "4070 lu comme 04070 (zéro initial rétabli)")),
    # Four characters starting with 0 lost no zero: « 00423 » would be the code of no département.
    ("0423", (None, None)),
    ("423", (None, None)),
    ("040700", (None, None)),
    ("2C004", (None, None)),
    ("", (None, None)),
    # Codes a spreadsheet exported as decimals (a review: every row of such a FLUX= table was set aside).
    ('="04001"', ("04001", '="04001" lu comme 04001 (formule de texte d\'un tableur)')),
    ("33 063", ("33063", "33 063 lu comme 33063 (espace de milliers d'un tableur)")),
    ("33\u202f063", ("33063", "33\u202f063 lu comme 33063 (espace de milliers d'un tableur)")),
    ('="abc"', (None, None)),
    ("3 3063", (None, None)),
    ("4 070", ("04070", "4 070 lu comme 04070 (espace de milliers d'un tableur)")),
    ("4166.0", ("04166", "4166.0 lu comme 04166 (code écrit comme un nombre décimal par un tableur)")),
    ("13055,00", ("13055", "13055,00 lu comme 13055 (code écrit comme un nombre décimal par un tableur)")),
    (4166.0, ("04166", "4166.0 lu comme 04166 (code écrit comme un nombre décimal par un tableur)")),
    ("04070.0", ("04070", "04070.0 lu comme 04070 (code écrit comme un nombre décimal par un tableur)")),
    ("4166.5", (None, None)),
    ("0423.0", (None, None)),
    ("123456.0", (None, None)),
    # Scientific notation, read only when every digit of the code is written (a review: « 1.3201E+04 » refused);
    # « 1,32E+04 » is the display, rounded, of any code from 13150 to 13249.
    ("1.3201E+04", ("13201", "1.3201E+04 lu comme 13201 (code écrit en notation scientifique par un tableur)")),
    ("1,3201E+04", ("13201", "1,3201E+04 lu comme 13201 (code écrit en notation scientifique par un tableur)")),
    ("4.070E+03", ("04070", "4.070E+03 lu comme 04070 (code écrit en notation scientifique par un tableur)")),
    ("4,166e3", ("04166", "4,166e3 lu comme 04166 (code écrit en notation scientifique par un tableur)")),
    ("1,32E+04", (None, None)),
    ("4.07E+03", (None, None)),
    ("1E+04", (None, None)),
    ("1.32011E+04", (None, None)),
    ("1.3201E+05", (None, None)),
])
def test_codes_are_cleaned_or_refused(typed: object, expected: tuple[str | None, str | None]) -> None:
    assert normalise_insee_code(typed) == expected
