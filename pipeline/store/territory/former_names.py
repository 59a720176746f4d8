"""The names a commune is typed by besides its current one, and the communes of the départements not loaded.

A name may be a commune déléguée or associée (« Albiosc », in Esparron-de-Verdon), a commune's earlier name, or
a commune of a département the database was not loaded for (``noms_communes``): :func:`pipeline.store.territory.
codes.resolve_codes` reads them so that a name means the same commune, or the same ambiguity, whatever the load.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.geography import departement_of, name_words, normalise_name
from pipeline.store.queries import beyond_the_load, geography

#: How a former commune is named in a note (the mapping's ``kind``).
FORMER_LABELS = {"deleguee": "commune déléguée", "associee": "commune associée", "ancien": "ancienne commune"}


def read_former_names(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Names a commune is typed by besides its own, and every name outside the loaded départements: ``code``,
    ``nom``, ``kind``, ``current_code``, ``departement``, ``charge``, and the folded ``_key``/``_words``. The COG's
    communes déléguées and associées (those keeping their commune nouvelle's code too), its earlier names of the
    loaded communes' codes (``ancien``), the communes of the départements not loaded."""
    everywhere = beyond_the_load.commune_names(con)
    earlier = geography.cog_mapping(con).dropna(subset=["nom", "current_code"]).query("kind == 'ancien'")
    rows = pd.concat([everywhere[everywhere["kind"].isin(["deleguee", "associee"]) | ~everywhere["charge"]],
                      earlier.assign(departement=earlier["current_code"].map(departement_of), charge=True)],
                     ignore_index=True)
    return rows.assign(_key=rows["nom"].map(normalise_name), _words=rows["nom"].map(name_words))


def named_rows(rows: pd.DataFrame, value: str) -> pd.DataFrame:
    """Rows of :func:`read_former_names` named ``value`` (accents, case and punctuation aside), else by its words
    (« St-Vincent-les-Forts », a review)."""
    found = rows[rows["_key"] == normalise_name(value)]
    if found.empty and (asked := name_words(value)):
        found = rows[rows["_words"] == asked]
    return found


def unloaded_rows(rows: pd.DataFrame, value: str) -> pd.DataFrame:
    """The communes of the départements not loaded that :func:`named_rows` finds, one row each."""
    found = named_rows(rows, value)
    return found[~found["charge"].astype(bool)].drop_duplicates("current_code")


def unloaded_listed(rows: pd.DataFrame) -> list[str]:
    """« Sainte-Colombe (05135, dép. 05) » for each of :func:`unloaded_rows`, a commune déléguée with its commune."""
    return [f"{r.nom} ({r.code}" + (f", {FORMER_LABELS[r.kind]} de {r.current_code}" if r.kind in FORMER_LABELS
                                   else "") + f", dép. {r.departement})" for r in rows.itertuples()]
