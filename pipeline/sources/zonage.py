"""Staging of the ARS zoning of médecins généralistes pronounced per QPV."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipeline.errors import DataError, french_json_error


def stage_qpv_zonage(path: Path) -> pd.DataFrame:
    """One row per QPV × commune: commune, qpv_id, qpv_nom, zonage (ZIP/ZAC), millesime."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise DataError("Encodage invalide : le fichier doit être en UTF-8", path) from exc
    except json.JSONDecodeError as exc:
        raise DataError(f"JSON invalide : {french_json_error(exc)}", path, exc.lineno) from exc
    communes = document.get("communes") if isinstance(document, dict) else None
    if not isinstance(communes, dict):
        raise DataError("Clé « communes » absente ou mal formée", path)
    rows = []
    problems = []
    for code, entry in communes.items():
        for qpv in entry.get("qpv", []):
            zone = qpv.get("z")
            if zone not in ("ZIP", "ZAC") or not qpv.get("id"):
                problems.append(f"commune {code} : QPV {qpv.get('id')} zonage « {zone} » inconnu")
                continue
            rows.append({"commune": code, "qpv_id": qpv["id"], "qpv_nom": qpv.get("n"), "zonage": zone})
    if problems:
        raise DataError("Zonage QPV incohérent : " + "; ".join(problems[:10]), path)
    frame = pd.DataFrame(rows, columns=["commune", "qpv_id", "qpv_nom", "zonage"])
    frame["millesime"] = str(document.get("millesime", ""))
    return frame
