"""Write small activity files in the official layouts (values given by column name, others empty)."""

from __future__ import annotations

from pathlib import Path

from pipeline.sources import annuaire


def activity_file(
    folder: Path,
    rows: list[dict[str, str]],
    columns: tuple[str, ...] = annuaire.COLONNES_ACTIVITE,
    name: str = "PS_LibreAcces_Personne_activite_202503010000.txt",
) -> Path:
    """A file with ``columns`` as header and the trailing ``|`` of the real files."""
    lines = ["|".join(columns) + "|"]
    lines += ["|".join(row.get(column, "") for column in columns) + "|" for row in rows]
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def activity(
    rpps_id: str,
    profession: str,
    commune: str = "",
    secteur: str = "",
    mode: str = "L",
    sf: str = "",
    postcode: str = "",
    town: str = "",
    bureau: str = "",
) -> dict[str, str]:
    return {
        "Identification nationale PP": rpps_id,
        "Code profession": profession,
        "Libellé profession": "x",
        "Code type savoir-faire": "S" if sf else "",
        "Code savoir-faire": sf,
        "Code mode exercice": mode,
        "Code secteur d'activité": secteur,
        "Code commune (coord. structure)": commune,
        "Code postal (coord. structure)": postcode,
        "Libellé commune (coord. structure)": town,
        "Bureau cedex (coord. structure)": bureau,
    }
