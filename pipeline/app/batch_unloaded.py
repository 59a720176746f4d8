"""The CPTS of a listing a batch cannot diagnose because none of their communes is in the database.

Those of départements not loaded (a load of some départements) are named, apart from the failures: absent by
the user's choice. Those whose codes name no commune at all are bad input (a review: « 11 CPTS sur 11
calculées », exit 0, for a listing whose CPTS « Vide » held only codes unknown to every COG): failures of the
run, exit 2, in the comparison's table of failures.
"""

from __future__ import annotations

import duckdb

from pipeline.store.queries import listings

#: Anomaly kinds of a listing's codes that name no commune at all.
UNKNOWN_CODES = frozenset({"code_inconnu", "code_invalide", "code_sans_correspondance"})


def unloaded(con: duckdb.DuckDBPyConnection, listing: str) -> tuple[list[dict[str, str]], tuple[str, ...]]:
    """The failure rows (``cpts``, ``liste``, ``erreur`` in French) of the CPTS of ``listing`` whose codes name
    no commune, and the names of the others without a loaded unit (outside the load, or drawn outside it)."""
    failures, outside = [], []
    for cpts, kinds in listings.without_members(con, listing).items():
        if kinds and set(kinds) <= UNKNOWN_CODES:
            failures.append({"cpts": cpts, "liste": listing, "erreur": (
                "aucune commune : ses codes sont inconnus du code officiel géographique (voir les anomalies de la "
                "liste)")})
        else:
            outside.append(cpts)
    return failures, tuple(outside)
