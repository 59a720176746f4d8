"""Modelled patient flows (gravity / Huff) and territory flow indicators.

Without claims data, consultations are *modelled*: each commune ``i`` emits
``O_i = population_i × rate_g`` consultations per year for profession group
``g`` (national rate, see ``pipeline/data/flows_params.toml``), and sends them
to the communes ``j`` where professionals of that group practise with the Huff
(1963) probabilities

.. math::

    P_{ij} = \\frac{A_j f(d_{ij})}{\\sum_k A_k f(d_{ik})}

where ``A_j`` is the supply at ``j`` (head counts or activity shares) and
``f`` the distance decay (exponential ``exp(-β d)`` or power
``max(d, d_min)^-α``). Only pairs present in the sparse distance table
(:func:`pipeline.analysis.distances.distance_table`) are candidates, so an origin with
no supply within the cutoff has no destination: its volume is kept as an
*unserved* row (``destination`` missing), never dropped. The volume is
conserved exactly: ``flows.volume.sum() == Σ_i O_i``.

Real origin–destination tables (when an ARS has them) are read by
:func:`pipeline.sources.od_table.read_od_table` and put into the same shape
(:func:`pipeline.sources.od_table.to_flow_table`); they replace the model in
:func:`territory_flow_indicators` and :func:`main_flows`.

The heavy step uses :mod:`scipy.sparse`, so memory grows with the number of
pairs within the cutoff, not with the square of the number of communes.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import sparse

from pipeline.errors import DataError, collect
from pipeline.params import FlowParams, load_flow_params
from pipeline.sources import od_table

FLOW_COLUMNS = ["origin", "destination", "groupe", "volume"]
"""Columns of a flow table (modelled or read)."""

GROUPE_NON_PRECISE = od_table.GROUPE_NON_PRECISE
"""Groupe given to rows of an OD table without a profession column."""

COLUMN_LABELS: dict[str, str] = {
    "origin": "Commune de résidence",
    "destination": "Commune de recours",
    "groupe": "Groupe de professionnels",
    "volume": "Recours annuels modélisés",
    "auto_confinement": "Auto-confinement (part des recours des habitants réalisés dans le territoire)",
    "attraction": "Attraction (part des recours réalisés dans le territoire par des non-résidents)",
    "non_affecte": "Recours non affectés (aucune offre dans le rayon de calcul)",
}


def decay(km: np.ndarray, params: FlowParams) -> np.ndarray:
    """Distance-decay weights ``f(d)`` for road distances ``km``."""
    d = np.asarray(km, dtype=float)
    if params.decay == "exponential":
        return np.exp(-params.beta_per_km * d)
    return np.maximum(d, params.min_km) ** (-params.alpha)


def _check_columns(df: pd.DataFrame, cols: Iterable[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataError(f"{what} : colonne(s) manquante(s) {', '.join(missing)}.")


def _codes_index(*series: pd.Series) -> pd.Index:
    """Union of commune codes, keeping the categories of categoricals first."""
    parts: list[pd.Index] = []
    for s in series:
        if isinstance(s.dtype, pd.CategoricalDtype):
            parts.append(pd.Index(s.cat.categories.astype(str)))
        else:
            parts.append(pd.Index(pd.unique(s.astype(str))))
    idx = parts[0]
    for p in parts[1:]:
        extra = p.difference(idx, sort=False)
        if len(extra):
            idx = idx.append(extra)
    return pd.Index(idx.astype(object)).drop_duplicates()


def _positions(s: pd.Series, index: pd.Index) -> np.ndarray:
    if isinstance(s.dtype, pd.CategoricalDtype):
        cat_pos = index.get_indexer(s.cat.categories.astype(str))
        codes = s.cat.codes.to_numpy()
        return cat_pos.astype(np.int32)[codes]
    return index.get_indexer(s.astype(str)).astype(np.int32)


def huff_flows(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    distances: pd.DataFrame,
    params: FlowParams | None = None,
) -> pd.DataFrame:
    """Modelled consultations between communes (Huff model).

    Parameters
    ----------
    demand
        ``code``, ``population`` (one row per commune of residence).
    supply
        ``code``, ``groupe``, ``effectif`` (head counts or activity shares of
        professionals practising in the commune; several rows per code are
        summed). Groups are matched to ``params.rates`` case-insensitively;
        groups without a rate raise an error.
    distances
        ``origin``, ``destination``, ``km`` (see
        :func:`pipeline.analysis.distances.distance_table`). Communes of residence
        must appear as origins (with their self pair) to be served.
    params
        Model parameters; default :func:`load_flow_params`.

    Returns
    -------
    pandas.DataFrame
        ``origin``, ``destination``, ``groupe``, ``volume`` (consultations per
        year). Unserved demand (no supply of the group within the distance
        table) is one row per origin and group with ``destination`` missing
        (NaN), so that ``volume.sum()`` equals the total demand. Use
        :func:`split_unserved` to separate it. ``origin``/``destination``
        are categoricals over all commune codes.

    Raises
    ------
    DataError
        Missing columns, negative populations or supplies, unknown groups.
    """
    params = params or load_flow_params()
    _check_columns(demand, ["code", "population"], "Demande (population)")
    _check_columns(supply, ["code", "groupe", "effectif"], "Offre (professionnels)")
    _check_columns(distances, ["origin", "destination", "km"], "Table des distances")
    pop = pd.to_numeric(demand["population"], errors="coerce")
    eff = pd.to_numeric(supply["effectif"], errors="coerce")
    errors: list[str] = []
    if pop.isna().any() or (pop < 0).any():
        errors.append(
            "population absente ou négative pour : "
            + ", ".join(demand.loc[pop.isna() | (pop < 0), "code"].astype(str).head(20))
        )
    if eff.isna().any() or (eff < 0).any():
        errors.append(
            "effectif absent ou négatif pour : "
            + ", ".join(supply.loc[eff.isna() | (eff < 0), "code"].astype(str).head(20))
        )
    rate_of = {g.casefold(): r for g, r in params.rates.items()}
    unknown = sorted({g for g in supply["groupe"].astype(str) if g.casefold() not in rate_of})
    if unknown:
        errors.append("groupe(s) sans taux de recours national dans les paramètres : " + ", ".join(unknown))
    if demand["code"].astype(str).duplicated().any():
        errors.append("codes en double dans la demande")
    collect(errors, "Données d'entrée du modèle de flux invalides :")

    index = _codes_index(distances["origin"], distances["destination"], demand["code"], supply["code"])
    n = len(index)
    o_all = _positions(distances["origin"], index)
    d_all = _positions(distances["destination"], index)
    km_all = distances["km"].to_numpy(dtype=float)
    pop_vec = np.zeros(n)
    np.add.at(pop_vec, _positions(demand["code"], index), pop.to_numpy(dtype=float))

    sup = supply.assign(_eff=eff.to_numpy(dtype=float), _pos=_positions(supply["code"], index))
    groupes = list(dict.fromkeys(supply["groupe"].astype(str)))
    pieces: list[tuple[np.ndarray, np.ndarray, np.ndarray, str]] = []
    for g in groupes:
        a_vec = np.zeros(n)
        sg = sup[sup["groupe"].astype(str) == g]
        np.add.at(a_vec, sg["_pos"].to_numpy(), sg["_eff"].to_numpy())
        emitted = pop_vec * rate_of[g.casefold()]
        mask = a_vec[d_all] > 0
        w = a_vec[d_all[mask]] * decay(km_all[mask], params)
        # Huff attraction matrix W[i, j] = A_j f(d_ij); duplicates are summed.
        wmat = sparse.csr_array((w, (o_all[mask], d_all[mask])), shape=(n, n))
        wmat.sum_duplicates()
        row_sum = np.asarray(wmat.sum(axis=1)).ravel()
        served = row_sum > 0
        scale = np.divide(emitted, row_sum, out=np.zeros(n), where=served)
        vol = sparse.diags_array(scale) @ wmat  # volumes V_ij = O_i P_ij
        coo = vol.tocoo()
        keep = coo.data > 0
        pieces.append((coo.row[keep], coo.col[keep], coo.data[keep], g))
        unserved = np.flatnonzero(~served & (emitted > 0))
        if len(unserved):
            pieces.append((unserved, np.full(len(unserved), -1), emitted[unserved], g))
    return _assemble(pieces, index, groupes)


def _assemble(
    pieces: list[tuple[np.ndarray, np.ndarray, np.ndarray, str]], index: pd.Index, groupes: list[str]
) -> pd.DataFrame:
    cats = pd.Index(index, dtype=object)
    if not pieces:
        return pd.DataFrame(
            {
                "origin": pd.Categorical([], categories=cats),
                "destination": pd.Categorical([], categories=cats),
                "groupe": pd.Categorical([], categories=groupes),
                "volume": np.array([], dtype=float),
            }
        )
    rows = np.concatenate([p[0] for p in pieces]).astype(np.int32)
    cols = np.concatenate([p[1] for p in pieces]).astype(np.int32)
    vols = np.concatenate([p[2] for p in pieces])
    gcodes = np.concatenate([np.full(len(p[0]), groupes.index(p[3]), dtype=np.int16) for p in pieces])
    return pd.DataFrame(
        {
            "origin": pd.Categorical.from_codes(rows, categories=cats),
            "destination": pd.Categorical.from_codes(cols, categories=cats),
            "groupe": pd.Categorical.from_codes(gcodes, categories=groupes),
            "volume": vols,
        }
    )


def split_unserved(flows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a flow table into served flows and unserved demand.

    Returns
    -------
    (served, unserved)
        ``served``: rows with a destination. ``unserved``: ``origin``,
        ``groupe``, ``volume`` of demand with no reachable supply.
    """
    na = flows["destination"].isna()
    return flows.loc[~na].reset_index(drop=True), flows.loc[na, ["origin", "groupe", "volume"]].reset_index(drop=True)


# --------------------------------------------------------------------------- indicators


def _as_str(s: pd.Series) -> pd.Series:
    return s.astype(object).where(s.notna(), None)


def territory_flow_indicators(
    flows: pd.DataFrame,
    territory_codes: Iterable[str],
    bassin_de_vie: pd.Series | None = None,
    *,
    top: int = 10,
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
    f = pd.DataFrame(
        {
            "origin": _as_str(flows["origin"]),
            "destination": _as_str(flows["destination"]),
            "groupe": flows["groupe"].astype(str),
            "volume": flows["volume"].to_numpy(dtype=float),
        }
    )
    unserved = f["destination"].isna()
    o_in = f["origin"].isin(terr)
    d_in = f["destination"].isin(terr) & ~unserved

    def by_g(mask: pd.Series) -> pd.Series:
        return f.loc[mask].groupby("groupe")["volume"].sum()

    groupes = pd.Index(sorted(f["groupe"].unique()), name="groupe")
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
    dest = out_f.groupby(["groupe", "destination"], as_index=False)["volume"].sum()
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
        result["bassins_de_vie"] = _bv_table(f, unserved, terr, bassin_de_vie)
    return result


def _bv_table(f: pd.DataFrame, unserved: pd.Series, terr: set[str], bv: pd.Series) -> pd.DataFrame:
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
    o_bv = served["origin"].map(bv)
    internal = o_bv.eq(served["destination"].map(bv))
    o_in = served["origin"].isin(terr)
    d_in = served["destination"].isin(terr)
    volume = served["volume"].to_numpy()
    # One grouped sum per quantity rather than a mask per bassin de vie and group (domains hold ~1 M flows).
    parts = pd.DataFrame({
        "bassin_de_vie": o_bv.to_numpy(),
        "groupe": served["groupe"].to_numpy(),
        "recours_residents_bv": volume,
        "res_in": np.where(o_in, volume, 0.0),
        "internal": np.where(internal, volume, 0.0),
        "flux_interieur_vers_exterieur": np.where(internal & o_in & ~d_in, volume, 0.0),
        "flux_exterieur_vers_interieur": np.where(internal & ~o_in & d_in, volume, 0.0),
    })
    parts = parts[parts["bassin_de_vie"].isin(touched)]
    sums = parts.groupby(["bassin_de_vie", "groupe"]).sum()
    groups = sorted(f["groupe"].unique())
    full = pd.MultiIndex.from_product([touched, groups], names=["bassin_de_vie", "groupe"])
    sums = sums.reindex(full, fill_value=0.0).reset_index()
    size = bv.value_counts()
    inside = bv[bv.index.isin(terr)].value_counts()
    sums["n_communes"] = sums["bassin_de_vie"].map(size).astype(int)
    sums["n_communes_dans_territoire"] = sums["bassin_de_vie"].map(inside).fillna(0).astype(int)
    sums["coupe"] = sums["n_communes_dans_territoire"] < sums["n_communes"]
    res = sums["recours_residents_bv"].where(sums["recours_residents_bv"] > 0)
    sums["part_residents_dans_territoire"] = sums["res_in"] / res
    sums["auto_confinement_bv"] = sums["internal"] / res
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
    f = pd.DataFrame(
        {
            "origin": _as_str(flows["origin"]),
            "destination": _as_str(flows["destination"]),
            "groupe": flows["groupe"].astype(str),
            "volume": flows["volume"].to_numpy(dtype=float),
        }
    )
    f = f.loc[f["destination"].notna()]
    if groupe is not None:
        f = f.loc[f["groupe"] == groupe]
    o_in, d_in = f["origin"].isin(terr), f["destination"].isin(terr)
    f = f.loc[o_in != d_in].copy()
    f["sens"] = np.where(f["origin"].isin(terr), "sortant", "entrant")
    agg = f.groupby(["groupe", "sens", "origin", "destination"], as_index=False)["volume"].sum()
    agg = agg.sort_values(
        ["groupe", "sens", "volume", "origin", "destination"], ascending=[True, False, False, True, True]
    )
    agg = agg.groupby(["groupe", "sens"], sort=False).head(top).reset_index(drop=True)
    return agg[["origin", "destination", "groupe", "volume", "sens"]]
