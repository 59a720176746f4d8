"""Staging of the DREES APL workbook (médecins généralistes, both yearly sheets).

The APL sheets carry a title block; the header is on row 9 (``Code commune
INSEE`` …), units on row 10 and data from row 11.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipeline.errors import DataError
from pipeline.geography import INSEE_CODE_PATTERN

HEADER_ROW = 8  # 0-based: row 9 in the workbook
SHEET_PATTERN = re.compile(r"^APL (\d{4})$")
COLUMNS = [
    ("Code commune INSEE", "code"),
    ("Commune", "nom"),
    ("APL aux médecins généralistes de moins de 65 ans", "apl_moins_65"),
    ("APL aux médecins généralistes", "apl"),
    ("Population standardisée", "population_standardisee"),
    ("Population totale", "population_totale"),
]


def _rename(header: list[str], path: Path, sheet: str) -> dict[int, str]:
    found: dict[int, str] = {}
    for index, label in enumerate(header):
        text = str(label).strip()
        for prefix, name in COLUMNS:
            if (text == prefix or text.startswith(prefix + " ")) and name not in found.values():
                found[index] = name
                break
    missing = [name for _, name in COLUMNS if name not in found.values()]
    if missing:
        raise DataError(
            f"Feuille « {sheet} » : colonnes absentes à la ligne 9 : " + ", ".join(missing), path, HEADER_ROW + 1
        )
    return found


def stage_apl(path: Path) -> pd.DataFrame:
    """One row per commune and year: code, annee, apl, apl_moins_65, populations."""
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, engine="calamine", dtype=object)
    except Exception as exc:  # calamine raises its own error types
        raise DataError(f"Classeur APL illisible : {exc}", path) from exc
    frames = []
    for sheet, raw in sheets.items():
        match = SHEET_PATTERN.match(str(sheet).strip())
        if not match:
            continue
        if len(raw) <= HEADER_ROW + 2:
            raise DataError(f"Feuille « {sheet} » sans données", path)
        names = _rename(list(raw.iloc[HEADER_ROW]), path, str(sheet))
        data = raw.iloc[HEADER_ROW + 2 :, list(names)].rename(columns=names)
        data = data[data["code"].notna()]
        data["code"] = data["code"].astype(str).str.strip().str.zfill(5)
        data = data[data["code"].str.fullmatch(INSEE_CODE_PATTERN)]
        for column in ("apl", "apl_moins_65", "population_standardisee", "population_totale"):
            data[column] = pd.to_numeric(data[column], errors="coerce")
        data["annee"] = int(match.group(1))
        frames.append(data[["code", "annee", "nom", "apl", "apl_moins_65", "population_standardisee",
                            "population_totale"]])
    if not frames:
        raise DataError("Aucune feuille « APL AAAA » dans le classeur", path)
    result = pd.concat(frames, ignore_index=True)
    duplicated = result.duplicated(["code", "annee"])
    if duplicated.any():
        raise DataError("Communes en double dans une feuille APL", path)
    result["annee"] = result["annee"].astype("int32")
    return result
