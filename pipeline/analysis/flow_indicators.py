"""Indicators of a flow table: self-containment, attraction, leaks, bassins de vie, main flows.

The flow table is modelled (:func:`pipeline.analysis.flows.huff_flows`) or
read from an ARS origin–destination file
(:func:`pipeline.sources.od_table.to_flow_table`); the indicators are the
same for both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd


def bassin_members(bassin_de_vie: pd.Series, territory: set[str]) -> set[str]:
    """Every unit of the bassins de vie that hold at least one unit of ``territory``.

    ``bassin_de_vie``: unit code -> bassin de vie code. These units' residents make the bassins de vie
    table of :func:`territory_flow_indicators`.
    """
    bv_of = bassin_de_vie.set_axis(bassin_de_vie.index.astype(str)).astype(str)
    return set(bv_of.index[bv_of.isin(set(bv_of[bv_of.index.isin(territory)]))])


def _as_codes(s: pd.Series) -> pd.Series:
    """Codes that ``isin`` can compare with strings: a categorical column as it is (the modelled table's,
    compared through its few categories), anything else as pandas strings (missing kept missing)."""
    return s if isinstance(s.dtype, pd.CategoricalDtype) else s.astype("str")


def _categorical(s: pd.Series) -> pd.Series:
    """Codes as a categorical column whose categories are strings (missing kept missing)."""
    if not isinstance(s.dtype, pd.CategoricalDtype):
        return s.astype("str").astype("category")
    s = s.cat.remove_unused_categories()
    return s if s.cat.categories.dtype == "str" else s.cat.rename_categories(s.cat.categories.astype("str"))


def _kept(flows: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """The rows ``keep`` of a flow table, with categorical codes and float volumes.

    Categorical, not strings: a modelled table of Paris keeps over a million flows, whose codes as strings
    took several hundred megabytes while being converted.
    """
    return pd.DataFrame(
        {
            "origin": _categorical(flows["origin"][keep]),
            "destination": _categorical(flows["destination"][keep]),
            "groupe": _categorical(flows["groupe"][keep]),
            "volume": flows["volume"].to_numpy(dtype=float)[keep],
        }
    ).reset_index(drop=True)


def territory_flow_indicators(
    flows: pd.DataFrame,
    territory_codes: Iterable[str],
    bassin_de_vie: pd.Series | None = None,
    *,
    top: int = 10,
    units_beyond: Mapping[str, int] | None = None,
) -> dict[str, pd.DataFrame]:
    """Self-containment, attraction, leaks and bassins de vie of a territory.

    Parameters
    ----------
    flows
        Flow table (``origin``, ``destination``, ``groupe``, ``volume``),
        modelled (:func:`huff_flows`) or read (:func:`pipeline.sources.od_table.to_flow_table`).
    territory_codes
        Commune codes of the perimeter.
    bassin_de_vie
        Optional Series commune code -> bassin de vie code (INSEE BV2022).
    top
        Number of outside destinations listed per group.
    units_beyond
        Units of each bassin de vie beyond those ``bassin_de_vie`` knows (its communes in départements the
        database was not loaded for). Such a bassin counts them (``n_communes``, ``coupe``), and its
        residents' figures, which miss theirs, are NaN (unknown).

    Returns
    -------
    dict of DataFrames
        ``"synthese"`` one row per groupe: ``recours_residents`` (served
        consultations of residents), ``recours_internes`` (residents, inside),
        ``auto_confinement`` = internes / residents, ``fuites`` (residents,
        outside), ``recours_realises`` (made inside, by anyone),
        ``recours_exterieurs_entrants`` (made inside by non-residents),
        ``attraction`` = entrants / realises, ``non_affecte`` (residents'
        unserved demand). Ratios are NaN when the denominator is 0.

        ``"destinations_exterieures"``: top ``top`` outside destinations of
        residents per groupe: ``groupe``, ``destination``, ``volume``,
        ``part_des_residents``.

        ``"bassins_de_vie"`` (only with ``bassin_de_vie``): one row per BV
        with at least one commune in the territory and per groupe:
        ``bassin_de_vie``, ``groupe``, ``n_communes``, ``n_communes_dans_territoire``,
        ``coupe`` (BV partly outside), ``recours_residents_bv``,
        ``part_residents_dans_territoire`` (share of the BV's residents'
        consultations emitted by its communes inside the territory),
        ``auto_confinement_bv`` (share of BV residents' consultations made in
        the BV), ``flux_interieur_vers_exterieur`` and
        ``flux_exterieur_vers_interieur`` (between the BV's parts inside and
        outside the territory).
    """
    terr = set(map(str, territory_codes))
    groupes = pd.Index(sorted({str(g) for g in flows["groupe"].unique()}), name="groupe")
    # Only flows from the territory or its bassins de vie, or into the territory, count: a modelled table
    # holds about a million flows of a whole neighbourhood, a few percent of which touch the territory.
    relevant = terr | (bassin_members(bassin_de_vie, terr) if bassin_de_vie is not None else set())
    keep = (_as_codes(flows["origin"]).isin(relevant) | _as_codes(flows["destination"]).isin(terr)).to_numpy()
    f = _kept(flows, keep)
    unserved = f["destination"].isna()
    o_in = f["origin"].isin(terr)
    d_in = f["destination"].isin(terr) & ~unserved

    def by_g(mask: pd.Series) -> pd.Series:
        return f.loc[mask].groupby("groupe")["volume"].sum()

    syn = pd.DataFrame(index=groupes)
    syn["recours_residents"] = by_g(o_in & ~unserved)
    syn["recours_internes"] = by_g(o_in & d_in)
    syn["fuites"] = by_g(o_in & ~d_in & ~unserved)
    syn["recours_realises"] = by_g(d_in)
    syn["recours_exterieurs_entrants"] = by_g(~o_in & d_in)
    syn["non_affecte"] = by_g(o_in & unserved)
    syn = syn.fillna(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        syn["auto_confinement"] = syn["recours_internes"] / syn["recours_residents"].replace(0, np.nan)
        syn["attraction"] = syn["recours_exterieurs_entrants"] / syn["recours_realises"].replace(0, np.nan)
    syn = syn.reset_index()[
        [
            "groupe",
            "recours_residents",
            "recours_internes",
            "auto_confinement",
            "fuites",
            "recours_realises",
            "recours_exterieurs_entrants",
            "attraction",
            "non_affecte",
        ]
    ]

    out_f = f.loc[o_in & ~d_in & ~unserved]
    dest = out_f.groupby(["groupe", "destination"], as_index=False, observed=True)["volume"].sum()
    dest = dest.astype({"groupe": "str", "destination": "str"})
    dest = dest.merge(syn[["groupe", "recours_residents"]], on="groupe")
    dest["part_des_residents"] = dest["volume"] / dest["recours_residents"]
    dest = (
        dest.sort_values(["groupe", "volume", "destination"], ascending=[True, False, True])
        .groupby("groupe", sort=True)
        .head(top)
        .drop(columns="recours_residents")
        .reset_index(drop=True)
    )
    result = {"synthese": syn, "destinations_exterieures": dest}
    if bassin_de_vie is not None:
        result["bassins_de_vie"] = _bv_table(f, unserved, terr, bassin_de_vie, list(groupes), units_beyond or {})
    return result


def _positions(codes: pd.Series, bv: pd.Series, labels: pd.Index) -> np.ndarray:
    """Position in ``labels`` of the bassin de vie of each row's unit (``codes``, categorical), -1 if unknown."""
    # A trailing -1 for the missing codes (position -1), so that no category list is too short to index.
    per_category = np.append(labels.get_indexer(codes.cat.categories.map(bv)), -1)
    return per_category[codes.cat.codes.to_numpy()]


def _bv_table(f: pd.DataFrame, unserved: pd.Series, terr: set[str], bv: pd.Series, groups: list[str],
              beyond: Mapping[str, int]) -> pd.DataFrame:
    bv = bv.copy()
    bv.index = bv.index.astype(str)
    bv = bv.astype(str)
    touched = sorted(set(bv[bv.index.isin(terr)]))
    cols = [
        "bassin_de_vie",
        "groupe",
        "n_communes",
        "n_communes_dans_territoire",
        "coupe",
        "recours_residents_bv",
        "part_residents_dans_territoire",
        "auto_confinement_bv",
        "flux_interieur_vers_exterieur",
        "flux_exterieur_vers_interieur",
    ]
    served = f.loc[~unserved]
    # Bassins de vie as integer positions in ``labels`` (-1 unknown), looked up once per category: a domain
    # holds about a million flows, whose codes as Python strings took hundreds of megabytes.
    labels = pd.Index(sorted(set(bv)))
    o_bv = _positions(served["origin"], bv, labels)
    d_bv = _positions(served["destination"], bv, labels)
    internal = (o_bv == d_bv) & (o_bv >= 0)
    o_in = served["origin"].isin(terr).to_numpy()
    d_in = served["destination"].isin(terr).to_numpy()
    volume = served["volume"].to_numpy()
    # One grouped sum per quantity rather than a mask per bassin de vie and group; only the residents of the
    # touched bassins de vie count.
    rows = np.isin(o_bv, labels.get_indexer(touched))
    o_in, d_in, internal, volume = o_in[rows], d_in[rows], internal[rows], volume[rows]
    parts = pd.DataFrame({
        "bassin_de_vie": labels[o_bv[rows]],
        "groupe": served["groupe"].array[rows],
        "recours_residents_bv": volume,
        "res_in": np.where(o_in, volume, 0.0),
        "internal": np.where(internal, volume, 0.0),
        "flux_interieur_vers_exterieur": np.where(internal & o_in & ~d_in, volume, 0.0),
        "flux_exterieur_vers_interieur": np.where(internal & ~o_in & d_in, volume, 0.0),
    })
    sums = parts.groupby(["bassin_de_vie", "groupe"], observed=True).sum()
    full = pd.MultiIndex.from_product([touched, groups], names=["bassin_de_vie", "groupe"])
    sums = sums.reindex(full, fill_value=0.0).reset_index().astype({"bassin_de_vie": "str", "groupe": "str"})
    size = bv.value_counts()
    inside = bv[bv.index.isin(terr)].value_counts()
    # Built as integers: mapped over an empty table (every row of a FLUX= table left out) it kept a text dtype.
    missing = pd.Series([int(beyond.get(z, 0)) for z in sums["bassin_de_vie"]], index=sums.index, dtype="int64")
    sums["n_communes"] = sums["bassin_de_vie"].map(size).astype(int) + missing
    sums["n_communes_dans_territoire"] = sums["bassin_de_vie"].map(inside).fillna(0).astype(int)
    sums["coupe"] = sums["n_communes_dans_territoire"] < sums["n_communes"]
    res = sums["recours_residents_bv"].where(sums["recours_residents_bv"] > 0)
    sums["part_residents_dans_territoire"] = sums["res_in"] / res
    sums["auto_confinement_bv"] = sums["internal"] / res
    residents = ["recours_residents_bv", "part_residents_dans_territoire", "auto_confinement_bv",
                 "flux_interieur_vers_exterieur", "flux_exterieur_vers_interieur"]
    known = missing.eq(0).to_numpy()
    for column in residents:
        sums[column] = sums[column].where(known)
    return sums[cols].reset_index(drop=True)


def main_flows(
    flows: pd.DataFrame,
    territory: Iterable[str],
    top: int = 20,
    *,
    groupe: str | None = None,
) -> pd.DataFrame:
    """Largest flows crossing the territory boundary, for map drawing.

    Parameters
    ----------
    flows
        Flow table (modelled or read).
    territory
        Commune codes of the perimeter.
    top
        Number of lines kept per direction and per groupe.
    groupe
        Restrict to one profession group.

    Returns
    -------
    pandas.DataFrame
        ``origin``, ``destination``, ``groupe``, ``volume``, ``sens``
        (``"sortant"``: residents consulting outside; ``"entrant"``:
        outsiders consulting inside), sorted by groupe, sens, decreasing
        volume. Unserved rows and internal flows are excluded.
    """
    terr = set(map(str, territory))
    # Rows with neither end in the territory never cross its boundary.
    f = _kept(flows, (_as_codes(flows["origin"]).isin(terr) | _as_codes(flows["destination"]).isin(terr)).to_numpy())
    f = f.loc[f["destination"].notna()]
    if groupe is not None:
        f = f.loc[f["groupe"] == groupe]
    o_in, d_in = f["origin"].isin(terr), f["destination"].isin(terr)
    # Crossing flows only, a few thousand: plain strings again, as the table's users expect.
    f = f.loc[o_in != d_in].astype({"origin": "str", "destination": "str", "groupe": "str"})
    f["sens"] = np.where(f["origin"].isin(terr), "sortant", "entrant")
    agg = f.groupby(["groupe", "sens", "origin", "destination"], as_index=False)["volume"].sum()
    agg = agg.sort_values(
        ["groupe", "sens", "volume", "origin", "destination"], ascending=[True, False, False, True, True]
    )
    agg = agg.groupby(["groupe", "sens"], sort=False).head(top).reset_index(drop=True)
    return agg[["origin", "destination", "groupe", "volume", "sens"]]


#: Columns of the synthesis that describe the territory's residents.
RESIDENT_COLUMNS = ("recours_residents", "recours_internes", "auto_confinement", "fuites")


def residents_unknown_without_rows(synthesis: pd.DataFrame) -> pd.DataFrame:
    """The synthesis of a given table (``FLUX=``) where a group has no row leaving the territory's units.

    Such a table does not describe the residents' consultations of that group: they are unknown (NaN, shown
    « non disponible »), not zero. A modelled table always has them (every unit with inhabitants consults).
    """
    absent = ~(synthesis["recours_residents"] > 0)
    out = synthesis.copy()
    for column in RESIDENT_COLUMNS:
        out[column] = out[column].astype("float64").where(~absent)
    return out
