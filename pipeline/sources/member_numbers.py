"""Members' RPPS and ADELI numbers as a members file (``ADHERENTS=``) writes them, spreadsheets' damage included."""

from __future__ import annotations

import re

import pandas as pd


def normalise_rpps(value: object) -> tuple[str | None, str | None]:
    """``(number, problem)``: an RPPS number (11 digits once spaces and dots are removed) or an ADELI one
    (9 digits; in Corsica « 2A » or « 2B » then 7 digits, as FINESS numbers), else a French problem.

    The « Identification nationale PP » of the Annuaire Santé, which a team may copy from the registry, is read
    as its number: « 8 » followed by the RPPS number (12 digits), « 0 » followed by the ADELI number (10 digits;
    professions the registry still lists under ADELI, its identifier type 0).

    A spreadsheet that wrote the number in scientific notation (« 1,00000E+10 »)
    lost digits: it is reported, never guessed.
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None, None
    raw = str(value).strip()
    # A number a spreadsheet was told to keep as text (« ="10000000796" », « '10000081644 »): the number itself.
    if (forced := re.fullmatch(r'="(.*)"|\'(.*)', raw)) is not None:
        raw = (forced.group(1) if forced.group(1) is not None else forced.group(2)).strip()
    # A spreadsheet that took the number for a decimal one (« 10000000078.0 », « 10000021468,0 »): exact.
    raw = decimal.group(1) if (decimal := re.fullmatch(r"([0-9]{1,12})[.,]0+", raw)) else raw
    text = re.sub(r"[\s.\u00a0\u202f]", "", raw).upper()
    if re.fullmatch(r"[0-9]{11}|[0-9]{9}|2[AB][0-9]{7}", text):
        return text, None
    if re.fullmatch(r"8[0-9]{11}|0(?:[0-9]{9}|2[AB][0-9]{7})", text):  # the registry's « Identification nationale PP »
        return text[1:], None
    if re.fullmatch(r"[1-9][0-9]{7}", text):  # ADELI numbers start with their département, « 01 » to « 09 » too
        return None, (f"RPPS « {value} » invalide (8 chiffres : numéro ADELI dont un tableur a perdu le zéro "
                      "initial ? Écrivez la colonne en texte)")
    spaced = re.sub(r"[\s\u00a0\u202f]", "", raw).upper()
    if (scientific := re.fullmatch(r"([1-9])[.,]([0-9]+)E\+?0?([0-9]{1,2})", spaced)) is not None:
        whole, decimals, power = scientific.group(1), scientific.group(2), int(scientific.group(3))
        # Every digit written (« 1.0000081644E10 » is 10000081644): exact (a review: dropped as « chiffres
        # perdus »); fewer (« 1,00000E+10 », a spreadsheet's display): lost, never guessed.
        if len(decimals) >= power and not decimals[power:].strip("0"):
            digits = whole + decimals[:power]
            number, problem = normalise_rpps(digits)
            return number, None if problem is None else problem.replace(f"« {digits} »", f"« {value} »", 1)
    if re.search(r"[eE][+-]?\d+$", text):
        return None, f"RPPS « {value} » écrit en notation scientifique par un tableur : chiffres perdus"
    return None, f"RPPS « {value} » invalide (11 chiffres attendus, ou 9 pour un numéro ADELI)"


def member_number(rpps: object, adeli: object) -> tuple[str | None, str | None]:
    """One number per member: the RPPS column's, else the ADELI column's (a file with one column of each); an
    RPPS cell that is no number leaves the ADELI one read, and each column's problem names its column."""
    if _empty(rpps):
        number, problem = normalise_rpps(adeli)
        return number, None if problem is None else problem.replace("RPPS « ", "ADELI « ", 1)
    number, problem = normalise_rpps(rpps)
    if number is None and not _empty(adeli) and (other := normalise_rpps(adeli))[0] is not None:
        return other
    return number, problem


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or not str(value).strip()
