"""Why a territory's Filosofi figures are missing, in French: statistical secrecy, communes absent from the file,
outside its field (Guadeloupe, Guyane, Mayotte), or a département this database's Filosofi load lacks."""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from pipeline.analysis.population.income_units import STATUS


def why_unpublished(per_unit: pd.DataFrame, covered: Collection[str] = ()) -> str:
    """Why the units publish no deciles: statistical secrecy, absence from the file (too small, or re-created
    since), outside the file's field; each with its count when there are several causes (a review read « secret
    statistique » of communes the file does not hold). ``covered``: communes re-created since the file whose
    households the row of a unit of the territory describes: not absent."""
    unloaded = per_unit["statut"].eq(STATUS["non_charge"]) if "statut" in per_unit else pd.Series(
        False, index=per_unit.index)
    none = (per_unit["codes_source"].astype(str).eq("") & ~per_unit["unit_code"].astype(str).isin(set(covered))
            & ~unloaded)
    outside = per_unit["hors_champ"].astype(bool)
    causes = [("secret statistique", "sous secret statistique", "sous secret statistique",
               int(per_unit["secret"].astype(bool).sum())),
              ("absentes du fichier", "absente du fichier", "absentes du fichier", int((none & ~outside).sum())),
              ("hors du champ de Filosofi", "hors du champ de Filosofi", "hors du champ de Filosofi",
               int(outside.sum())),
              ("Filosofi non chargé", "non chargée", "non chargées", int(unloaded.sum()))]
    present = [cause for cause in causes if cause[3]]
    if len(present) == 1:
        return present[0][0]
    return ", ".join(f"{count} {one if count == 1 else several}" for _, one, several, count in present) \
        or "secret statistique"


#: Départements outside Filosofi 2019's field: the INSEE's file has no row for Guadeloupe, Guyane and Mayotte.
OUTSIDE_FIELD = frozenset({"971", "973", "976"})
#: Why a zone of a département the file holds but this database's Filosofi load lacks has no figure.
NOT_LOADED_METHOD = ("non disponible : Filosofi 2019 n'est pas chargé pour {which} (téléchargement refusé lors de son "
                     "ajout ; relancez « make data »)")


#: Why a zone of départements outside Filosofi's field (Guadeloupe, Guyane, Mayotte) has no figure: the file has
#: no row for any of their communes, none is under statistical secrecy (a review read « secret statistique »).
OUTSIDE_FIELD_METHOD = ("non disponible : hors du champ de Filosofi 2019 (aucune commune de {which} dans le fichier de "
                        "l'INSEE, qui ne couvre ni la Guadeloupe, ni la Guyane, ni Mayotte)")
