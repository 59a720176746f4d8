"""An EPCI or a bassin de vie named by a user whose communes are all in départements the database was not loaded for.

A load of some départements keeps their EPCI and their communes' bassins de vie only; the INSEE labels of every
zone of France are kept (``zonages_libelles``): a zone outside the load is named as such, with the ``make data``
that adds it, never « inconnu » nor « Territoire vide » (a review: « epci:CA du Pays Basque », the README's own
example, and « bv:64102 » on a load of the 04, 13, 33, 75 and 976).
"""

from __future__ import annotations

import re

import duckdb

from pipeline.errors import TerritoryError
from pipeline.geography import departement_of, normalise_name, of_place
from pipeline.store.queries import perimeter, provenance

#: The COG's short forms of the EPCI kinds (« CA du Pays Basque »), as the INSEE labels write them in full.
_KINDS = {"ca": "communaute d agglomeration", "cc": "communaute de communes", "cu": "communaute urbaine"}


def _key(name: str) -> str:
    key = normalise_name(name)
    return re.sub(r"^(ca|cc|cu)\b", lambda m: _KINDS[m[1]], key)


def epci_named(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """The SIREN of the one EPCI of France whose INSEE label is ``name`` (« CA du Pays Basque » included), else
    None."""
    labels = perimeter.zone_labels(con, "EPCI")
    found = labels[labels["libelle"].map(_key) == _key(name)]
    return str(found["code"].iloc[0]) if len(found) == 1 else None


def bassin_de_vie_not_loaded(con: duckdb.DuckDBPyConnection, code: str, label: str) -> TerritoryError:
    """The error for a bassin de vie none of whose communes is loaded: its pole commune's département, with the
    ``make data`` that adds it."""
    loaded = provenance.loaded_departements(con)
    pole = departement_of(code)
    return TerritoryError(
        f"Bassin de vie {of_place(label)} (BV2022 {code}) hors des départements chargés (sa commune pôle est dans "
        f"le {pole} ; base limitée à {', '.join(loaded)}) : ajoutez ses départements avec « make data DEPARTEMENTS="
        f"{','.join(sorted({*loaded, pole}))} »")
