"""COG history: map every code ever seen to a commune of the current vintage.

Edges come from every vintage (:mod:`pipeline.sources.decoupage`). A code
that is a current commune of the latest vintage maps to itself, even when an
older vintage recorded it as merged (communes re-created by a split, such as
14666 Sannerville). Otherwise the most recent edge is followed, repeatedly,
until a current commune is reached (chains across vintages: a commune merged
in 2019 into a commune nouvelle that was itself merged in 2024).
"""

from __future__ import annotations

import pandas as pd

from pipeline.errors import DataError

MAX_CHAIN = 20


def build_mapping(communes: pd.DataFrame, edges: pd.DataFrame, current_vintage: int) -> pd.DataFrame:
    """Mapping ``code → current_code`` over all vintages.

    Parameters
    ----------
    communes
        Staged communes of every vintage (columns vintage, code, nom, type, parent).
    edges
        Staged history edges (vintage, code, target, kind, nom).
    current_vintage
        The vintage whose current communes are the targets.

    Returns
    -------
    DataFrame
        One row per code: code, current_code, kind, nom, last_vintage, note.
        Codes that reach no current commune are kept with ``current_code``
        NULL so that callers report them.
    """
    latest = communes[communes["vintage"] == current_vintage]
    current = set(latest.loc[latest["type"] == "commune-actuelle", "code"])
    if not current:
        raise DataError(f"Aucune commune actuelle dans le millésime {current_vintage}")

    # For each code, the edge of its most recent vintage; ties (several
    # edges in one vintage) are resolved in favour of explicit déléguée or
    # associée records over anciensCodes and the history file.
    priority = {"arrondissement": 0, "deleguee": 1, "associee": 2, "ancien": 3, "historique": 4}
    ranked = edges.assign(_p=edges["kind"].map(priority))
    ranked = ranked.sort_values(["code", "vintage", "_p"], ascending=[True, False, True])
    best = ranked.drop_duplicates("code", keep="first").set_index("code")
    next_code = best["target"].to_dict()
    # The edge that wins may carry no name (``anciensCodes`` list bare codes) while another one does (the
    # INSEE history file names every commune that ended): a former code keeps the last name it had.
    named = edges.dropna(subset=["nom"]).sort_values("vintage").drop_duplicates("code", keep="last")
    edge_names = named.set_index("code")["nom"].to_dict()

    names = (
        communes.sort_values("vintage").drop_duplicates("code", keep="last").set_index("code")
    )
    last_vintage = names["vintage"].to_dict()
    all_codes = set(names.index) | set(best.index)

    rows: list[tuple[str, str | None, str, object, int | None, str | None]] = []
    for code in sorted(all_codes):
        if code in current:
            rows.append((code, code, "actuelle", names.at[code, "nom"], current_vintage, None))
            continue
        if code in names.index and names.at[code, "type"] == "arrondissement-municipal" and code not in best.index:
            target: str | None = names.at[code, "parent"]
        else:
            target = code
        kind = best.at[code, "kind"] if code in best.index else (
            "arrondissement" if code in names.index and names.at[code, "type"] == "arrondissement-municipal"
            else "disparu"
        )
        seen = [code]
        steps = 0
        while target is not None and target not in current and steps < MAX_CHAIN:
            target = next_code.get(target)
            if target in seen:
                target = None
            elif target is not None:
                seen.append(target)
            steps += 1
        note = None
        if target is None:
            note = "aucune correspondance dans les millésimes chargés"
        elif len(seen) > 2:
            note = "chaîne : " + " → ".join(seen)
        if code in names.index:
            nom, seen_in = names.at[code, "nom"], last_vintage[code]
        else:
            nom, seen_in = best.at[code, "nom"], int(best.at[code, "vintage"])
            if nom is None or nom != nom:
                nom = edge_names.get(code)
        rows.append((code, target, kind, nom, seen_in, note))
    mapping = pd.DataFrame(rows, columns=["code", "current_code", "kind", "nom", "last_vintage", "note"])
    mapping["last_vintage"] = mapping["last_vintage"].astype("Int32")
    return mapping


def population_on_current_geography(communes: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    """Population of every vintage summed on the current communes.

    Only current communes of each vintage count (arrondissements would be
    counted twice). A current commune that did not exist in a vintage (split
    since) gets no row for that vintage: its population was then inside the
    commune it was split from; :func:`population_gaps` says so, and which
    communes a package lacks.
    """
    actual = communes[(communes["type"] == "commune-actuelle") & communes["population"].notna()]
    joined = actual.merge(mapping[["code", "current_code"]], on="code", how="left")
    joined = joined[joined["current_code"].notna()]
    grouped = (
        joined.groupby(["current_code", "vintage"], as_index=False)["population"].sum()
        .rename(columns={"current_code": "code"})
    )
    grouped["population"] = grouped["population"].astype("int64")
    return grouped


#: Kinds of :func:`population_gaps`: a commune absorbed before the package's COG without a population of its own
#: there (its current commune's population lacks it), or a current commune re-created since, counted in the
#: commune it was part of (that commune's population holds it).
GAP_ABSENT, GAP_INCLUDED = "absente", "incluse"
GAP_COLUMNS = ["vintage", "code", "autre", "kind"]


def population_gaps(communes: pd.DataFrame, edges: pd.DataFrame, endings: pd.DataFrame, mapping: pd.DataFrame,
                    geography_years: dict[int, int]) -> pd.DataFrame:
    """Where a package's populations, summed on the current communes, are not those of the current communes.

    INSEE establishes the legal populations of year N on the geography of 1 January N+2, and a package keys
    them by the communes of its own COG: a commune absorbed in between has no population of its own there, and
    its commune nouvelle carries only the population of the commune whose code it kept (COG 2019: Porte-de-
    Benauge, 33008, has Arbis's 276 inhabitants of 2016, without Cantois, 33092). A commune re-created since a
    package (14666 Sannerville) has no row in it: its inhabitants are in the commune it was part of.

    Parameters
    ----------
    communes
        Staged communes of every vintage (``vintage, code, type, population``).
    edges
        Staged history edges (``vintage, code, target, kind``).
    endings
        Communes the INSEE history file says ended (``code, date``), for a geography no loaded package has.
    mapping
        :func:`build_mapping` (``code, current_code``).
    geography_years
        Vintage → year of the geography its populations are established on.

    Returns
    -------
    DataFrame
        ``vintage, code`` (the current commune whose population of the vintage is affected), ``autre`` (the
        absorbed or re-created commune), ``kind`` (:data:`GAP_ABSENT`, :data:`GAP_INCLUDED`).
    """
    current_of = mapping.set_index("code")["current_code"].to_dict()
    actual = communes[communes["type"] == "commune-actuelle"]
    codes_of = {int(v): set(part["code"]) for v, part in actual.groupby("vintage")}
    current = codes_of[max(codes_of)]
    priority = {"deleguee": 0, "associee": 1, "ancien": 2, "historique": 3}
    ranked = edges[edges["kind"].isin(list(priority))].assign(_p=lambda f: f["kind"].map(priority))
    ranked = ranked.sort_values(["vintage", "code", "_p"]).drop_duplicates(["vintage", "code"])
    rows: list[tuple[int, str, str, str]] = []
    for vintage, codes in sorted(codes_of.items()):
        year = geography_years.get(vintage, vintage)
        if year in codes_of:
            before = codes_of[year]
        else:  # the geography of a year no package gives (2018): this package's communes and those ended since
            ended = endings.loc[(endings["date"] > f"{year}-01-01") & (endings["date"] <= f"{vintage}-01-01"), "code"]
            before = codes | set(ended)
        gone = sorted(before - codes)
        targets = [current_of.get(code) for code in gone]
        for code, target in zip(gone, targets, strict=True):
            # A commune that only changed code (Les Trois Lacs, 27058 → 27676 in 2023) keeps its population under
            # the new one: no gap, unless another commune of the geography joined it (a review).
            renamed = target not in before and targets.count(target) == 1 and target in codes
            # A current commune that took the code of one it absorbed (Les Hauts-Talican, 60694) is no gap of itself.
            if target is not None and not renamed and target != code:
                rows.append((vintage, str(target), code, GAP_ABSENT))
        parent_of = ranked[ranked["vintage"] == vintage].set_index("code")["target"].to_dict()
        # A commune re-created since the package, and already part of its parent on the population's geography:
        # its inhabitants are in the parent's figure. One still separate then (Villotran, 60694, merged into 60054
        # on 1 January 2019 after the 2016 populations' geography) is in no figure of the package: absent, above.
        for code in sorted(current - codes - before):
            parent = parent_of.get(code)
            if parent is not None and current_of.get(parent) not in (None, code):
                rows.append((vintage, str(current_of[parent]), code, GAP_INCLUDED))
    gaps = pd.DataFrame(rows, columns=GAP_COLUMNS).drop_duplicates(["vintage", "code", "autre"])
    gaps["vintage"] = gaps["vintage"].astype("int32")
    return gaps.reset_index(drop=True)
