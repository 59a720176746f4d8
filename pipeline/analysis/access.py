"""« APL approchée »: enhanced two-step floating catchment (E2SFCA).

This module approximates the DREES *accessibilité potentielle localisée*
(APL, Barlet et al. 2012) with the enhanced two-step floating catchment area
method (Luo & Qi 2009) as implemented by pysal ``access``
(:meth:`access.Access.enhanced_two_stage_fca`). It is **not** the official
APL: supply is a head count (or a share) instead of SNIIR-AM activity, the
population is not age-standardised, and travel time is derived from
straight-line km × detour factor at an assumed speed instead of the Metric
road-time distancier. Every output is labelled « APL approchée ».

Method
------
With ``W(t)`` the DREES step weights on travel time ``t`` (minutes)::

    step 1 (each supply commune j):   R_j = S_j / Σ_i P_i W(t_ij)
    step 2 (each demand commune i):   A_i = Σ_j R_j W(t_ij)

``t_ij = 60 × km_ij / speed_kmh`` where ``km_ij`` is the estimated road
distance of :func:`pipeline.analysis.distances.distance_table`. The DREES steps
(« Paramètres » sheet of the APL workbook) are 1 below 10 min, 2/3 from 10 to
15 min, 1/3 from 15 to 20 min and 0 beyond. They are passed explicitly to
``access.weights.step_fn`` after conversion to km.

Units: without ``activity_per_professional``, ``A_i × 100 000`` =
professionals (head counts, or the unit of ``supply_col``) accessible per
100 000 inhabitants. With it, ``A_i × activity`` = consultations accessible
per inhabitant and per year, the unit of the official APL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from access import Access, weights

# Re-exported: the comparison with the official APL lives in its own module.
from pipeline.analysis.rank_correlation import APL_COLUMN, rank_correlation, spearman  # noqa: F401
from pipeline.errors import DataError, PipelineError, collect
from pipeline.model import WhatIfChange, WhatIfSyntaxError

log = logging.getLogger(__name__)

DREES_APL_STEPS_MINUTES: dict[float, float] = {10.0: 1.0, 15.0: 2.0 / 3.0, 20.0: 1.0 / 3.0}
"""DREES APL decay on travel time (upper bound in minutes -> weight; 0 beyond 20 min)."""

DEFAULT_SPEED_KMH = 50.0
"""Assumed mean car speed on estimated road km (see docs/methods_flows_access.md)."""

APL_LABEL = "APL approchée"
COLUMN_LABELS: dict[str, str] = {
    "code": "Code commune INSEE",
    APL_COLUMN: ("APL approchée (E2SFCA sur distances estimées, pas l'APL officielle de la DREES)"),
    "before": "APL approchée avant le scénario",
    "after": "APL approchée après le scénario",
    "delta": "Variation de l'APL approchée",
}
UNIT_PER_100K = "professionnels accessibles pour 100 000 habitants (APL approchée)"
UNIT_CONSULTATIONS = "consultations accessibles par habitant et par an (APL approchée)"




def steps_minutes_to_km(steps_minutes: Mapping[float, float], speed_kmh: float) -> dict[float, float]:
    """Convert step thresholds from minutes to road km at ``speed_kmh``.

    >>> steps_minutes_to_km({10: 1.0, 20: 0.5}, 60.0)
    {10.0: 1.0, 20.0: 0.5}
    """
    if not speed_kmh > 0:
        raise ValueError("speed_kmh must be positive")
    return {float(t) * speed_kmh / 60.0: float(w) for t, w in sorted(steps_minutes.items())}


def _check(df: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataError(f"{what} : colonne(s) manquante(s) {', '.join(missing)}.")


def _supply_by_code(supply: pd.DataFrame, supply_col: str, groupe: str | None) -> pd.Series:
    _check(supply, ["code", supply_col], "Offre (professionnels)")
    s = supply
    if "groupe" in s.columns:
        groupes = s["groupe"].astype(str).unique()
        if groupe is None:
            if len(groupes) > 1:
                raise DataError(
                    "L'offre contient plusieurs groupes de professionnels ("
                    + ", ".join(sorted(groupes))
                    + ") : préciser le groupe pour l'APL approchée."
                )
        else:
            s = s.loc[s["groupe"].astype(str).str.casefold() == groupe.casefold()]
    elif groupe is not None:
        raise DataError("L'offre n'a pas de colonne « groupe » : impossible de filtrer sur " + groupe)
    val = pd.to_numeric(s[supply_col], errors="coerce")
    if val.isna().any() or (val < 0).any():
        raise DataError(f"Offre : valeurs de « {supply_col} » absentes ou négatives.")
    return val.groupby(s["code"].astype(str)).sum()


def _self_pairs(distances: pd.DataFrame) -> np.ndarray:
    o, d = distances["origin"], distances["destination"]
    if (
        isinstance(o.dtype, pd.CategoricalDtype)
        and isinstance(d.dtype, pd.CategoricalDtype)
        and o.cat.categories.equals(d.cat.categories)
    ):
        return o.cat.codes.to_numpy() == d.cat.codes.to_numpy()
    return o.astype(str).to_numpy() == d.astype(str).to_numpy()


def approx_apl(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    distances: pd.DataFrame,
    steps: Mapping[float, float] | None = None,
    supply_col: str = "effectif",
    *,
    groupe: str | None = None,
    speed_kmh: float = DEFAULT_SPEED_KMH,
    activity_per_professional: float | None = None,
) -> pd.DataFrame:
    """APL approchée (E2SFCA with DREES steps) for every commune of ``demand``.

    Parameters
    ----------
    demand
        ``code``, ``population``.
    supply
        ``code``, ``supply_col`` and optionally ``groupe`` (then ``groupe``
        selects the rows; required when several groups are present).
    distances
        ``origin``, ``destination``, ``km`` (estimated road km), symmetric
        and with self pairs, as built by
        :func:`pipeline.analysis.distances.distance_table`. Its cutoff must be at
        least the last step converted to km. Self pairs always get the
        weight of the first step (intra-commune time taken as nil).
    steps
        Step weights on travel time: ``{upper bound in minutes: weight}``;
        weight 0 beyond the largest bound. Default
        :data:`DREES_APL_STEPS_MINUTES`.
    supply_col
        Supply column: head counts (``effectif``) or shares/FTE (``poids``).
    groupe
        Profession group to keep from ``supply``.
    speed_kmh
        Mean speed converting road km into minutes.
    activity_per_professional
        Yearly consultations per unit of supply. When given, the result is in
        consultations per inhabitant per year; otherwise in professionals per
        100 000 inhabitants.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``apl_approchee`` (one row per demand commune, in demand
        order). NaN for communes absent from the distance table and for
        zero-population communes whose whole catchment has no population.
        ``attrs`` holds ``label``, ``unite``, ``pas_km`` and
        ``offre_hors_distancier`` (supply codes absent from the table,
        whose supply could not be counted).
    """
    _check(demand, ["code", "population"], "Demande (population)")
    _check(distances, ["origin", "destination", "km"], "Table des distances")
    steps_min = dict(DREES_APL_STEPS_MINUTES if steps is None else steps)
    if not steps_min or any(w < 0 for w in steps_min.values()):
        raise ValueError("steps must be a non-empty mapping with non-negative weights")
    steps_km = steps_minutes_to_km(steps_min, speed_kmh)
    max_km = max(steps_km)

    pop = pd.to_numeric(demand["population"], errors="coerce")
    if pop.isna().any() or (pop < 0).any():
        raise DataError("Demande : populations absentes ou négatives.")
    dem = pd.DataFrame({"code": demand["code"].astype(str), "population": pop.astype(float)})
    dem = dem.groupby("code", sort=False, as_index=False)["population"].sum()
    sup = _supply_by_code(supply, supply_col, groupe)

    # Intra-commune travel counts as the first step (weight of the closest band),
    # as with a time distancier between chef-lieux where it is 0 minutes; this keeps
    # the supply of very large communes (French Guiana) in their own catchment.
    km = distances["km"].to_numpy(dtype=float, copy=True)
    is_self = _self_pairs(distances)
    km[is_self] = np.minimum(km[is_self], min(steps_km))
    near = km <= max_km
    sub = distances.loc[near]
    cost = pd.DataFrame(
        {
            "origin": sub["origin"].astype(str).to_numpy(),
            "destination": sub["destination"].astype(str).to_numpy(),
            "km": km[near],
        }
    )
    located = set(cost["destination"])
    outside = sorted(c for c in sup.index if c not in located and sup[c] > 0)
    if outside:
        log.warning("APL approchée : offre hors de la table des distances, non comptée : %s", outside[:20])
    sup_df = pd.DataFrame({"offre": sup.astype(float)})
    sup_df.index.name = "code"
    # Keep only the demand rows of communes present in the table (pysal merges on them).
    acc = Access(
        demand_df=dem.set_index("code"),
        demand_index=True,
        demand_value="population",
        supply_df=sup_df,
        supply_index=True,
        supply_value="offre",
        cost_df=cost,
        cost_origin="origin",
        cost_dest="destination",
        cost_name="km",
    )
    res = acc.enhanced_two_stage_fca(name="e2sfca", cost="km", max_cost=max_km, weight_fn=weights.step_fn(steps_km))
    raw = res["e2sfca_offre"].reindex(dem["code"]).to_numpy(dtype=float, copy=True)
    raw[~np.isfinite(raw)] = np.nan
    factor = 1e5 if activity_per_professional is None else float(activity_per_professional)
    out = pd.DataFrame({"code": dem["code"].to_numpy(), APL_COLUMN: raw * factor})
    out.attrs.update(
        label=COLUMN_LABELS[APL_COLUMN],
        unite=UNIT_PER_100K if activity_per_professional is None else UNIT_CONSULTATIONS,
        pas_km=steps_km,
        vitesse_kmh=speed_kmh,
        offre_hors_distancier=outside,
    )
    return out


def what_if(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    distances: pd.DataFrame,
    changes: Iterable[WhatIfChange | tuple[str, float, str]],
    *,
    steps: Mapping[float, float] | None = None,
    supply_col: str = "effectif",
    speed_kmh: float = DEFAULT_SPEED_KMH,
    activity_per_professional: float | None = None,
) -> pd.DataFrame:
    """APL approchée before and after adding/removing professionals.

    Parameters
    ----------
    demand, supply, distances, steps, supply_col, speed_kmh, activity_per_professional
        As in :func:`approx_apl`; ``supply`` must have a ``groupe`` column.
    changes
        ``(groupe, delta, commune)`` triples (see :func:`parse_what_if`).

    Returns
    -------
    pandas.DataFrame
        ``code``, ``groupe``, ``before``, ``after``, ``delta`` (after −
        before), one row per demand commune and per groupe changed.

    Raises
    ------
    DataError
        A change targets a commune absent from the distance table, or leaves
        a negative supply.
    """
    chg = [WhatIfChange(str(g), float(d), str(c)) for g, d, c in changes]
    if not chg:
        raise PipelineError("Scénario vide : aucune modification de l'offre.")
    _check(supply, ["code", "groupe", supply_col], "Offre (professionnels)")
    known = (
        set(distances["origin"].astype(str).unique())
        if not isinstance(distances["origin"].dtype, pd.CategoricalDtype)
        else set(map(str, distances["origin"].cat.categories))
    )
    errors = [f"commune {c.commune} absente de la table des distances" for c in chg if c.commune not in known]
    collect(errors, "Scénario impossible :")
    base = supply[["code", "groupe", supply_col]].copy()
    base["code"] = base["code"].astype(str)
    base["groupe"] = base["groupe"].astype(str)
    spelling = {g.casefold(): g for g in base["groupe"].unique()}
    chg = [c._replace(groupe=spelling.get(c.groupe.casefold(), c.groupe)) for c in chg]
    added = pd.DataFrame(
        {
            "code": [c.commune for c in chg],
            "groupe": [c.groupe for c in chg],
            supply_col: [c.delta for c in chg],
        }
    )
    new = pd.concat([base, added], ignore_index=True)
    new = new.groupby(["code", "groupe"], as_index=False)[supply_col].sum()
    neg = new.loc[new[supply_col] < -1e-9]
    if len(neg):
        # What the model holds there, in its unit: a review removed the 4 GPs the report counts at Riez and read
        # « (-0.5) » alone (the model holds 3,5 presence shares, one GP of two sites counting ½ in each).
        held = base.groupby(["code", "groupe"])[supply_col].sum()
        raise DataError(
            "Scénario impossible : offre négative après modification pour "
            + ", ".join(f"{r.groupe}@{r.code} (le modèle y compte {_french(held.get((r.code, r.groupe), 0.0))} ; "
                        f"après modification : {_french(r[supply_col])})" for _, r in neg.iterrows())
            + " ; l'offre du modèle est en parts de présence de l'exercice en ambulatoire (libéral, ou salarié en "
            "centre de santé) : un professionnel exerçant sur n lieux compte 1/n dans chacun, et l'exercice en "
            "établissement de santé ou médico-social, dans un cadre non renseigné ou bénévole n'est pas compté"
        )
    new[supply_col] = new[supply_col].clip(lower=0.0)
    kw = {
        "steps": steps,
        "supply_col": supply_col,
        "speed_kmh": speed_kmh,
        "activity_per_professional": activity_per_professional,
    }
    frames = []
    for g in dict.fromkeys(c.groupe for c in chg):
        before = approx_apl(demand, base, distances, groupe=g, **kw)  # type: ignore[arg-type]
        after = approx_apl(demand, new, distances, groupe=g, **kw)  # type: ignore[arg-type]
        frames.append(
            pd.DataFrame(
                {
                    "code": before["code"],
                    "groupe": g,
                    "before": before[APL_COLUMN],
                    "after": after[APL_COLUMN].to_numpy(),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["delta"] = out["after"] - out["before"]
    out.attrs["label"] = "Scénario sur l'offre — " + APL_LABEL
    return out


def check_what_if_groups(changes: Iterable[WhatIfChange], known_groupes: Iterable[str]) -> list[WhatIfChange]:
    """The scenario with each group spelt as in ``known_groupes`` (case-insensitive).

    Raises
    ------
    WhatIfSyntaxError
        French message naming the unknown group and the possible ones.
    """
    known = {g.strip().casefold(): g.strip() for g in known_groupes}
    out = []
    for k, change in enumerate(changes, start=1):
        groupe = known.get(change.groupe.strip().casefold())
        if groupe is None:
            raise WhatIfSyntaxError(
                f"Scénario : élément {k}, groupe inconnu « {change.groupe} » (groupes possibles : "
                + ", ".join(sorted(known.values())) + ")."
            )
        out.append(WhatIfChange(groupe, change.delta, change.commune))
    return out


def territory_what_if(scenario: pd.DataFrame, population: pd.Series) -> pd.DataFrame:
    """The territory's APL approchée before and after a what-if: population-weighted mean over its units.

    Parameters
    ----------
    scenario
        Output of :func:`what_if` restricted to the territory's units (``code``,
        ``groupe``, ``before``, ``after``).
    population
        Population of each unit, indexed by code (the demand of the model).

    Returns
    -------
    pandas.DataFrame
        ``groupe, avant, apres, ecart`` (one row per groupe changed);
        ``avant``/``apres`` are NaN when no unit of the territory has a
        population and a finite value.
    """
    rows = []
    weights = pd.to_numeric(population, errors="coerce")
    weights.index = weights.index.astype(str)
    for groupe, part in scenario.groupby("groupe", sort=False):
        w = part["code"].astype(str).map(weights).to_numpy(dtype=float)
        figures = []
        for column in ("before", "after"):
            values = pd.to_numeric(part[column], errors="coerce").to_numpy(dtype=float)
            ok = np.isfinite(values) & np.isfinite(w) & (w > 0)
            figures.append(float((values[ok] * w[ok]).sum() / w[ok].sum()) if ok.any() else float("nan"))
        rows.append({"groupe": groupe, "avant": figures[0], "apres": figures[1], "ecart": figures[1] - figures[0]})
    return pd.DataFrame(rows, columns=["groupe", "avant", "apres", "ecart"])


def _french(value: float) -> str:
    """A supply figure in French (« 3,5 », « -0,5 »)."""
    return f"{value:g}".replace(".", ",")
