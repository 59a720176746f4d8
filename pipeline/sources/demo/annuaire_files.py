"""Write demonstration rows as an Annuaire Santé extraction, in the official layout of its year.

Values are assembled column by column with Arrow (dictionary arrays built
from the categorical codes, no Python loop over rows), then each line is
joined by Arrow and the bytes written in batches: pipe-separated, unquoted,
every line ending with ``|`` like the real files. Practitioners are named
« FICTIF DEMO » and structures « STRUCTURE FICTIVE DE DEMONSTRATION ».
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import nomenclatures
from pipeline.sources.annuaire.layout import COLONNES_SAVOIR_FAIRE
from pipeline.sources.demo.places import Places

#: Professions registered in the RPPS (identifier type 8); the others come from ADELI (type 0).
RPPS_PROFESSIONS = frozenset({"10", "21", "40", "50", "60", "70", "80"})
_BATCH = 200_000


def _dictionary(codes: np.ndarray, values: list[str]) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(np.asarray(codes, dtype=np.int32)), pa.array(values, pa.string()))


def _categorical(column: pd.Series, labels: dict[str, str] | None = None) -> pa.Array:
    """A categorical column (or its labels) as an Arrow dictionary array."""
    categories = [str(c) for c in column.cat.categories]
    values = [labels.get(c, "") for c in categories] if labels is not None else categories
    return _dictionary(column.cat.codes.to_numpy(), values)


def _constant(value: str, n: int) -> pa.Array:
    return _dictionary(np.zeros(n, dtype=np.int32), [value])


def _table(frame: pd.DataFrame, key: str = "code", value: str = "libelle") -> dict[str, str]:
    return {str(k): str(v) for k, v in zip(frame[key], frame[value], strict=True)}


def columns_of(rows: pd.DataFrame, places: Places) -> dict[str, pa.Array]:
    """Values of the filled columns of the activity file, by column name."""
    n = len(rows)
    site = rows["site"].to_numpy(dtype=np.int64)
    arrondissement = rows["arrondissement"].to_numpy(dtype=np.int64)
    person = rows["person"].to_numpy(dtype=np.int64)
    is_rpps = rows["profession"].isin(list(RPPS_PROFESSIONS)).to_numpy(dtype=bool)
    ident = pc.cast(pa.array(np.where(is_rpps, person + 10_000_000_000, person + 100_000_000)), pa.string())
    id_type = _dictionary(np.where(is_rpps, 0, 1), ["8", "0"])
    has_sf = (rows["sf"] != "").to_numpy(dtype=bool)
    communes = places.communes
    n_communes = len(communes)
    # Postal codes: the commune's (code < n_communes) or the arrondissement's (n_communes + row).
    postal_index = np.where(arrondissement >= 0, n_communes + arrondissement, site)
    postal_values = [*communes["code_postal"].astype(str), *places.arrondissements["code_postal"].astype(str)]
    secteur = _categorical(rows["secteur"])
    structure = pc.binary_join_element_wise(
        "DEMO", pc.utf8_lpad(pc.cast(pa.array(site), pa.string()), 6, "0"), pc.cast(secteur, pa.string()), ""
    )
    return {
        "Type d'identifiant PP": id_type,
        "Identifiant PP": ident,
        "Identification nationale PP": pc.binary_join_element_wise(pc.cast(id_type, pa.string()), ident, ""),
        "Nom d'exercice": _constant("FICTIF", n),
        "Prénom d'exercice": _constant("DEMO", n),
        "Code profession": _categorical(rows["profession"]),
        "Libellé profession": _categorical(rows["profession"], _table(nomenclatures.professions())),
        "Code catégorie professionnelle": _constant("C", n),
        "Libellé catégorie professionnelle": _constant("Civil", n),
        "Code type savoir-faire": _dictionary(has_sf.astype(np.int32), ["", "S"]),
        "Libellé type savoir-faire": _dictionary(has_sf.astype(np.int32), ["", "Spécialité ordinale"]),
        "Code savoir-faire": _categorical(rows["sf"]),
        "Libellé savoir-faire": _categorical(rows["sf"], _table(nomenclatures.specialites())),
        "Code mode exercice": _categorical(rows["mode"]),
        "Libellé mode exercice": _categorical(rows["mode"], _table(nomenclatures.modes_exercice())),
        "Identifiant technique de la structure": structure,
        "Raison sociale site": _constant("STRUCTURE FICTIVE DE DEMONSTRATION", n),
        "Code postal (coord. structure)": _dictionary(postal_index, postal_values),
        "Code commune (coord. structure)": _dictionary(site, communes["code"].astype(str).tolist()),
        "Libellé commune (coord. structure)": _dictionary(site, communes["nom"].astype(str).tolist()),
        "Code pays (coord. structure)": _constant("99000", n),
        "Libellé pays (coord. structure)": _constant("France", n),
        "Code Département (structure)": _dictionary(site, communes["departement"].astype(str).tolist()),
        "Code secteur d'activité": secteur,
        "Libellé secteur d'activité": _categorical(rows["secteur"], _table(nomenclatures.secteurs_activite())),
        "Code section tableau pharmaciens": _categorical(rows["section"]),
    }


def write_rows(target: Path, header: tuple[str, ...], values: dict[str, pa.Array], n: int) -> Path:
    """Write ``header`` then one line per row, ``|``-separated with the trailing ``|`` of the real files."""
    with open(target, "wb") as handle:
        handle.write(("|".join(header) + "|\n").encode("utf-8"))
        for start in range(0, n, _BATCH):
            size = min(_BATCH, n - start)
            parts: list[pa.Array | str] = []
            for name in header:
                column = values.get(name)
                parts.append("" if column is None else pc.cast(column.slice(start, size), pa.string()))
            # Joining the columns and a final "\n" with "|" gives « v1|…|vn|\n »: the array's bytes are the lines.
            lines = pc.binary_join_element_wise(*parts, "\n", "|", null_handling="replace", null_replacement="")
            if not isinstance(lines, pa.Array):  # every column constant: one line repeated
                lines = pa.array([lines.as_py()] * size, pa.string())
            offsets = lines.buffers()[1]
            data = lines.buffers()[2]
            first, last = np.frombuffer(offsets, dtype=np.int32)[[lines.offset, lines.offset + len(lines)]]
            handle.write(memoryview(data)[first:last])
    return target


def write_annuaire(rows: pd.DataFrame, places: Places, activity: Path, savoir_faire: Path,
                   header: tuple[str, ...]) -> None:
    """Write the activity file (with ``header``) and the savoir-faire file (médecins, one line each)."""
    values = columns_of(rows, places)
    write_rows(activity, header, values, len(rows))
    medecins = np.flatnonzero((rows["profession"] == "10").to_numpy(dtype=bool) & (rows["slot"].to_numpy() == 0))
    taken = {name: values[name].take(pa.array(medecins)) for name in COLONNES_SAVOIR_FAIRE if name in values}
    write_rows(savoir_faire, COLONNES_SAVOIR_FAIRE, taken, len(medecins))
