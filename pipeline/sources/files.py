"""Shared reader for small delimited text files with French error messages."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from pipeline.errors import DataError


def _first_bad_utf8_line(path: Path) -> int | None:
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return None


def read_csv_checked(path: Path, required: list[str], sep: str | None = None) -> pd.DataFrame:
    """Read a UTF-8 CSV as strings, checking encoding, separator and columns.

    Raises
    ------
    DataError
        Empty file, invalid UTF-8 (with the first bad line), a separator
        other than expected, or missing columns (all listed at once).
    """
    if not path.exists():
        raise DataError("Fichier introuvable", path)
    if path.stat().st_size == 0:
        raise DataError("Fichier vide", path, 1)
    bad = _first_bad_utf8_line(path)
    if bad is not None:
        raise DataError(
            "Encodage invalide : le fichier doit être en UTF-8 (latin-1/Windows-1252 détecté ?)", path, bad
        )
    with open(path, encoding="utf-8-sig") as handle:
        header = handle.readline()
    if sep is None:
        try:
            sep = csv.Sniffer().sniff(header, delimiters=",;|\t").delimiter
        except csv.Error:
            sep = ","
    try:
        frame = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    except pd.errors.ParserError as exc:
        raise DataError(f"Ligne mal formée : {exc}", path) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataError("Fichier vide", path, 1) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        hint = ""
        if len(frame.columns) == 1:
            hint = f" (une seule colonne lue : le séparateur attendu est « {sep} »)"
        raise DataError("Colonnes absentes : " + ", ".join(missing) + hint, path, 1)
    return frame


def read_package_lines(name: str) -> list[str]:
    """Non-empty, non-comment lines of a small reference file shipped in ``pipeline/data``."""
    from pipeline.config import PACKAGE_DATA

    text = (PACKAGE_DATA / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
