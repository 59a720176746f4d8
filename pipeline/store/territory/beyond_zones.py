"""EPCI and bassins de vie named by a user: by the INSEE's labels of every zone of France, loaded or not.

A load of some départements keeps their EPCI and their communes' bassins de vie only; the INSEE labels of every
zone of France are kept (``zonages_libelles``): a zone outside the load is named as such, with the ``make data``
that adds it, never « inconnu » nor « Territoire vide » (a review: « epci:CA du Pays Basque », the README's own
example, and « bv:64102 » on a load of the 04, 13, 33, 75 and 976); a name several zones bear names each of them.
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


def epcis_named(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    """The SIREN of every EPCI of France whose INSEE label is ``name`` (« CA du Pays Basque » included)."""
    labels = perimeter.zone_labels(con, "EPCI")
    return sorted(str(c) for c in labels.loc[labels["libelle"].map(_key) == _key(name), "code"])


def homonyms(con: duckdb.DuckDBPyConnection, level: str, name: str, codes: list[str]) -> TerritoryError:
    """The error for a name borne by several EPCI (``level`` « EPCI ») or bassins de vie (« BV2022 »): each
    with its départements, and how to name one (a re-check: « CC des Deux Vallées », two EPCI, was
    « EPCI inconnu » with a suggestion of another)."""
    kind, spec = ("EPCI", "epci") if level == "EPCI" else ("bassins de vie", "bv")
    listed = ", ".join(f"{spec}:{code} ({', '.join(perimeter.zone_departements(con, level, code)) or '?'})"
                       for code in codes)
    return TerritoryError(f"{len(codes)} {kind} s'appellent « {name} » : {listed} ; donnez son code")


def bassin_de_vie_not_loaded(con: duckdb.DuckDBPyConnection, code: str, label: str) -> TerritoryError:
    """The error for a bassin de vie none of whose communes is loaded: the départements of its communes, with the
    ``make data`` that adds them (a re-check: Seyssel's, in the 01, 73 and 74, named the 74 only)."""
    loaded = provenance.loaded_departements(con)
    where = perimeter.zone_departements(con, "BV2022", code) or [departement_of(code)]
    return TerritoryError(
        f"Bassin de vie {of_place(label)} (BV2022 {code}) hors des départements chargés (ses communes sont dans "
        f"{', '.join(where)} ; base limitée à {', '.join(loaded)}) : ajoutez-les avec « make data DEPARTEMENTS="
        f"{','.join(sorted({*loaded, *where}))} »")
