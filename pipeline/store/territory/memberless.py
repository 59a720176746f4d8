"""CPTS of a loaded listing none of whose communes is in the database: named, with why and the ``make data`` that
adds them, rather than « CPTS inconnue » or « aucune liste chargée »."""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pandas as pd

from pipeline.errors import TerritoryError
from pipeline.geography import departement_of, load_command, name_words, normalise_name
from pipeline.store.queries import beyond_the_load, listings, provenance
from pipeline.store.territory.codes import same_name


def cpts_spec(names: pd.DataFrame) -> Callable[[str, str], str]:
    """How a loaded CPTS is typed back: « cpts:NOM », or « cpts:LISTE:NOM » when several listings hold its name."""
    counts = names["cpts"].map(normalise_name).value_counts()
    return lambda cpts, listing: (f"« cpts:{cpts} »" if counts[normalise_name(cpts)] == 1
                                  else f"« cpts:{listing}:{cpts} »")


def refuse_memberless(con: duckdb.DuckDBPyConnection, name: str, names: pd.DataFrame) -> None:
    """Refuse a CPTS of a loaded listing none of whose communes is in the database, saying why, rather than
    « CPTS inconnue » (a review: « cpts:CPTS Grand Avignon », of the PACA listing, on a database without the
    Vaucluse, was answered with an unrelated suggestion). A loaded CPTS (``names``) of a near name is still
    suggested (« CPTS Gapençais », of no loaded commune, beside « CPTS du Gapençais »)."""
    # Here, on this error path only: the listings' package imports geopandas, which the light commands
    # (« territoire », « sources ») never load.
    from pipeline.sources.cpts_listing import OUT_OF_SCOPE

    codes = listings.memberless_codes(con)
    found = codes[codes["cpts"] == name]
    if found.empty:
        found = same_name(codes, "cpts", name.rpartition(":")[2] if ":" in name else name)
    if found.empty:  # a perimeter drawn beyond the load: its anomaly names what it holds (a review: « inconnue »)
        drawn = listings.memberless_drawn(con)
        mine = drawn[drawn["cpts"] == name]
        mine = same_name(drawn, "cpts", name.rpartition(":")[2] if ":" in name else name) if mine.empty else mine
        if len(mine):
            raise TerritoryError(f"CPTS « {mine.iloc[0]['cpts']} » (liste {mine.iloc[0]['listing']}) : aucune de "
                                 f"ses communes n'est dans la base ; {mine.iloc[0]['detail_fr']}")
        return
    cpts, listing = str(found.iloc[0]["cpts"]), str(found.iloc[0]["listing"])
    rows = found[(found["cpts"] == cpts) & (found["listing"] == listing)]
    beyond = rows[rows["kind"] == OUT_OF_SCOPE]
    reasons = []
    if len(beyond):
        missing = sorted({departement_of(str(code)) for code in beyond["code"]})
        # Current communes, as the diagnostic counts them: a code merged since counts in the one it belongs to.
        current = beyond_the_load.current_communes(con, set(beyond["code"].astype(str)))
        count = len({current.get(str(code), str(code)) for code in beyond["code"]})
        communes = "1 commune" if count == 1 else f"{count} communes"
        reasons.append(f"{communes} hors des départements chargés dans la base "
                       f"({', '.join(missing)} ; {load_command(provenance.loaded_departements(con), missing)})")
    if len(others := rows[rows["kind"] != OUT_OF_SCOPE]):
        reasons.append("codes non reconnus : " + ", ".join(sorted(set(others["code"].astype(str)))[:10]))
    # The same words but the articles (« CPTS Gapençais », « CPTS du Gapençais »), not a look-alike (a review:
    # « CPTS du Pays de Grasse » was offered « CPTS du Pays d'Arles »).
    articles = {"du", "de", "des", "la", "le", "les", "d", "l"}
    own_words = name_words(cpts) - articles
    near = names[[name_words(n) - articles == own_words for n in names["cpts"]]]
    shown = cpts_spec(names)
    hint = (" ; vouliez-vous dire : " + ", ".join(shown(str(r.cpts), str(r.listing)) for r in near.itertuples())
            + " ?") if len(near) else ""
    raise TerritoryError(f"CPTS « {cpts} » (liste {listing}) : aucune de ses communes n'est dans la base ; "
                         + " ; ".join(reasons) + hint)


def none_in_the_load(con: duckdb.DuckDBPyConnection, name: str, names: pd.DataFrame) -> None:
    """Refuse ``cpts:NAME`` on a database holding no CPTS: its listing's CPTS all outside the loaded départements
    (a review: with the 2A and 2B loaded, « cpts:CPTS du Verdon », of the loaded PACA listing, was « Aucune liste
    de CPTS n'est chargée : lancez make data », which the same départements would load again), or none loaded;
    ``names``: the loaded CPTS (none)."""
    loaded = listings.listing_names(con)
    if not loaded:
        raise TerritoryError("Aucune liste de CPTS n'est chargée : lancez « make data » (ou make data CPTS=…)")
    refuse_memberless(con, name, names)
    from pipeline.sources.cpts_listing import OUT_OF_SCOPE  # on this error path only, as in refuse_memberless

    codes = listings.memberless_codes(con)
    missing = sorted({departement_of(str(code)) for code in codes.loc[codes["kind"] == OUT_OF_SCOPE, "code"]})
    where = f" ; {load_command(provenance.loaded_departements(con), missing)}" if missing else ""
    raise TerritoryError(f"CPTS inconnue : « {name} » ; aucune CPTS des listes chargées ({', '.join(loaded)}) n'a "
                         f"de commune dans la base (base limitée à {', '.join(provenance.loaded_departements(con))})"
                         + where)
