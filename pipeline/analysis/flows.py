"""Modelled patient flows (gravity / Huff) and territory flow indicators.

Without claims data, consultations are *modelled*: each commune ``i`` emits
``O_i = population_i × rate_g`` consultations per year for profession group
``g`` (national rate, see ``pipeline/data/parametres.toml``, ``[rates]``), and sends them
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

# The indicators live in their own module; re-exported so that ``flows.territory_flow_indicators`` keeps working.
from pipeline.analysis.flow_indicators import bassin_members, main_flows, territory_flow_indicators  # noqa: F401
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
        # int32 positions at once: the pieces of every group are held until assembled (millions of flows).
        pieces.append((coo.row[keep].astype(np.int32), coo.col[keep].astype(np.int32), coo.data[keep], g))
        del wmat, vol, coo, keep
        unserved = np.flatnonzero(~served & (emitted > 0)).astype(np.int32)
        if len(unserved):
            pieces.append((unserved, np.full(len(unserved), -1, dtype=np.int32), emitted[unserved], g))
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
    rows = np.concatenate([p[0] for p in pieces]).astype(np.int32, copy=False)
    cols = np.concatenate([p[1] for p in pieces]).astype(np.int32, copy=False)
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
