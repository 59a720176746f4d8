"""Supply dynamics between dated extractions of the Annuaire Santé (« installations n-1, n-2 »).

Given two or three extractions of the health-professional registry (one row
per practitioner × activity), this module counts, between consecutive
extractions, the practitioners who arrived in a place, those who left it and
the net change, per profession group.

Conventions
    * Practitioners are matched on the national identifier only (« Identification
      nationale PP », column ``rpps``), never on names: homonyms are frequent,
      and names change. A practitioner whose identifier changed between two
      extractions (an ADELI number replaced by an RPPS number when a profession
      joined the RPPS) is counted as one departure and one arrival.
    * A practitioner counts once per place and group, however many activities
      they have there. Places are analysis units (``unite``: a commune, or an
      arrondissement of Paris, Lyon or Marseille) or current communes
      (``commune``); because a practitioner active in two arrondissements
      counts in both, and one moving between two arrondissements of a city
      arrives in one and leaves the other, per-arrondissement figures do not
      add up to the city's: compute the city's figures with
      ``place="commune"``.
    * For a territory (a set of units), a practitioner is present when at
      least one of their activities lies in it; moving between two units of
      the territory is neither an arrival nor a departure.
    * Rows without identifier, group or place cannot be matched or placed:
      they are left out and counted in :attr:`SupplyChange.rows_left_out`.
    * Both extractions must cover the same area: comparing a national file
      with a regional one would turn every practitioner outside the région
      into a departure (see :mod:`pipeline.analysis.registry_coverage`).

The public extraction carries no birth date nor age (:data:`NO_FORECAST_NOTE`):
departures (retirements) cannot be forecast from it; only past departures are
observed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

import numpy as np
import pandas as pd

from pipeline.model.profile import DYNAMICS_COUNT_COLUMNS

__all__ = [
    "ACTIVITY_COLUMNS",
    "NO_FORECAST_NOTE",
    "SupplyChange",
    "changes_by_place",
    "supply_dynamics",
    "territory_changes",
]

#: Columns of an extraction frame: national identifier, profession group, unit, current commune.
ACTIVITY_COLUMNS = ("rpps", "groupe", "unite", "commune")

#: Why departures are observed, never forecast (French, for reports).
NO_FORECAST_NOTE = (
    "L'extraction publique de l'Annuaire Santé ne donne ni la date de naissance ni l'âge des professionnels : "
    "les départs à venir (retraites) ne peuvent pas être prévus à partir de cette source ; seuls les départs "
    "passés, d'une extraction à l'autre, sont observés."
)

_COUNT_COLUMNS = list(DYNAMICS_COUNT_COLUMNS)


@dataclass(frozen=True)
class SupplyChange:
    """Arrivals and departures between two extractions.

    Attributes
    ----------
    start, end
        Dates of the two extractions (``start < end``).
    by_place
        One row per (groupe, place) present in either extraction: ``groupe``,
        the place column (``unite`` with its ``commune``, or ``commune``),
        ``present_start``, ``present_end`` (distinct practitioners),
        ``arrivals`` (present at the end, not at the start), ``departures``
        (present at the start, not at the end), ``net_change`` (= end − start
        = arrivals − departures); all counts int64. Sorted by groupe, place.
    territory
        Same counts per ``groupe`` for the territory as a whole (a practitioner
        moving inside the territory is neither arrival nor departure); None
        when no territory was given.
    rows_left_out
        Rows of the start and end extractions without identifier, group or
        place: ``{"start": n, "end": n}``.
    """

    start: date
    end: date
    by_place: pd.DataFrame
    territory: pd.DataFrame | None
    rows_left_out: dict[str, int]


def _usable(activities: pd.DataFrame, place: str) -> tuple[pd.DataFrame, int]:
    """Distinct (rpps, groupe, place[, commune]) rows with every key present; number of rows left out."""
    missing = [c for c in ("rpps", "groupe", place) if c not in activities.columns]
    if missing:
        raise ValueError(f"colonnes absentes de l'extraction : {', '.join(missing)}")
    keep = ["rpps", "groupe", place] + (["commune"] if place == "unite" and "commune" in activities.columns else [])
    frame = activities[keep].astype("string")
    for column in ("rpps", "groupe", place):
        frame[column] = frame[column].str.strip().replace("", pd.NA)
    complete = frame[["rpps", "groupe", place]].notna().all(axis=1)
    return frame[complete].drop_duplicates(["rpps", "groupe", place]), int((~complete).sum())


def _counts(before: pd.DataFrame, after: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Presence, arrivals and departures per ``keys`` from distinct (rpps, *keys) rows."""
    if before.empty and after.empty:
        return pd.DataFrame({**{k: pd.Series(dtype="string") for k in keys},
                             **{c: pd.Series(dtype="int64") for c in _COUNT_COLUMNS}})  # fmt: skip
    # Each column coded as integers over both extractions, each row as one integer (its codes in a mixed
    # radix): the counts are then numpy set operations. Pandas groupbys on text cost more in overhead than
    # the whole count for a territory's few hundred rows, and more in time for a département's 50 000.
    columns = ["rpps", *keys]
    coded = [pd.factorize(pd.concat([before[c], after[c]], ignore_index=True)) for c in columns]
    sizes = [max(len(values), 1) for _, values in coded]
    rows = np.ravel_multi_index([codes for codes, _ in coded], sizes)
    per_key = math.prod(sizes[1:])  # a row's key (without the practitioner) is its integer modulo this
    start, end = np.unique(rows[: len(before)]), np.unique(rows[len(before):])
    key_codes = np.unique(np.concatenate([start, end]) % per_key)
    in_start = np.searchsorted(key_codes, start % per_key)
    in_end = np.searchsorted(key_codes, end % per_key)
    counts = {
        "present_start": np.bincount(in_start, minlength=len(key_codes)),
        "present_end": np.bincount(in_end, minlength=len(key_codes)),
        "arrivals": np.bincount(in_end[~np.isin(end, start, assume_unique=True)], minlength=len(key_codes)),
        "departures": np.bincount(in_start[~np.isin(start, end, assume_unique=True)], minlength=len(key_codes)),
    }
    key_values = np.unravel_index(key_codes, sizes[1:])
    out = pd.DataFrame({k: coded[i + 1][1].take(key_values[i]) for i, k in enumerate(keys)})
    for column, values in counts.items():
        out[column] = values.astype("int64")
    out["net_change"] = out["present_end"] - out["present_start"]
    return out.sort_values(keys).reset_index(drop=True)[[*keys, *_COUNT_COLUMNS]]


def changes_by_place(before: pd.DataFrame, after: pd.DataFrame, place: str = "unite") -> pd.DataFrame:
    """Arrivals, departures and net change per profession group and place.

    Parameters
    ----------
    before, after
        Extractions, one row per activity: ``rpps`` (national identifier),
        ``groupe``, ``unite``, ``commune``.
    place
        ``"unite"`` (analysis unit; the output keeps its ``commune``) or
        ``"commune"``.

    Returns
    -------
    DataFrame
        See :attr:`SupplyChange.by_place`.
    """
    if place not in ("unite", "commune"):
        raise ValueError(f"place doit valoir « unite » ou « commune », pas {place!r}")
    return _by_place(_usable(before, place)[0], _usable(after, place)[0], place)


def _by_place(start: pd.DataFrame, end: pd.DataFrame, place: str) -> pd.DataFrame:
    """:func:`changes_by_place` on usable frames (:func:`_usable`)."""
    out = _counts(start, end, ["groupe", place])
    if place == "unite":
        with_commune = [frame for frame in (start, end) if "commune" in frame.columns]
        commune_of: pd.Series | dict[str, str] = {}
        if with_commune:
            located = pd.concat(with_commune).dropna(subset=["commune"]).drop_duplicates("unite")
            commune_of = located.set_index("unite")["commune"]
        out.insert(2, "commune", out["unite"].map(commune_of).astype("string"))
    return out


def territory_changes(before: pd.DataFrame, after: pd.DataFrame, territory_units: Iterable[str]) -> pd.DataFrame:
    """Arrivals, departures and net change per profession group for a territory.

    Parameters
    ----------
    before, after
        Extractions (``rpps``, ``groupe``, ``unite``).
    territory_units
        Unit codes of the territory.

    Returns
    -------
    DataFrame
        One row per groupe present in either extraction's territory:
        ``groupe``, ``present_start``, ``present_end``, ``arrivals``,
        ``departures``, ``net_change`` (int64). A practitioner is present when
        one of their activities lies in the territory, so a move between two of
        its units changes nothing.
    """
    return _territory(_usable(before, "unite")[0], _usable(after, "unite")[0], set(map(str, territory_units)))


def _territory(start: pd.DataFrame, end: pd.DataFrame, inside: set[str]) -> pd.DataFrame:
    """:func:`territory_changes` on usable frames (:func:`_usable`)."""
    start = start[start["unite"].isin(inside)].drop_duplicates(["rpps", "groupe"])
    end = end[end["unite"].isin(inside)].drop_duplicates(["rpps", "groupe"])
    return _counts(start, end, ["groupe"])


def supply_dynamics(
    extractions: Sequence[tuple[date, pd.DataFrame]],
    territory_units: Iterable[str] | None = None,
    place: str = "unite",
    everyone: str | None = None,
) -> list[SupplyChange]:
    """Changes between consecutive dated extractions (two or three: n-2, n-1, n).

    Parameters
    ----------
    extractions
        ``(extraction date, activities)`` pairs, in any order; activities have
        ``rpps``, ``groupe``, ``unite``, ``commune``.
    territory_units
        Optional unit codes of a territory, for :attr:`SupplyChange.territory`.
    place
        Place of :attr:`SupplyChange.by_place` (``"unite"`` or ``"commune"``).
    everyone
        When given, the group name of extra rows counting every practitioner
        once whatever their profession (a practitioner with two professions
        counts once), after the rows of each group.

    Returns
    -------
    list of SupplyChange
        One per consecutive pair, oldest first.

    Raises
    ------
    ValueError
        Fewer than two extractions, or two with the same date.
    """
    ordered = sorted(extractions, key=lambda pair: pair[0])
    if len(ordered) < 2:
        raise ValueError("il faut au moins deux extractions datées pour mesurer des arrivées et des départs")
    dates = [day for day, _ in ordered]
    if len(set(dates)) != len(dates):
        raise ValueError("deux extractions portent la même date : " + ", ".join(d.isoformat() for d in dates))
    if place not in ("unite", "commune"):
        raise ValueError(f"place doit valoir « unite » ou « commune », pas {place!r}")
    inside = None if territory_units is None else set(map(str, territory_units))
    # Each extraction cleaned once (the middle one of three serves two pairs).
    usable = [_usable(frame, place) for _, frame in ordered]
    in_units = usable if place == "unite" or inside is None else [_usable(frame, "unite") for _, frame in ordered]

    def with_everyone(start: pd.DataFrame, end: pd.DataFrame) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
        if everyone is None:
            return [(start, end)]
        return [(start, end), (start.assign(groupe=everyone), end.assign(groupe=everyone))]

    changes = []
    for i, ((day_start, _), (day_end, _)) in enumerate(pairwise(ordered)):
        (start, left_start), (end, left_end) = usable[i], usable[i + 1]
        by_place = pd.concat([_by_place(a, b, place) for a, b in with_everyone(start, end)], ignore_index=True)
        territory = None
        if inside is not None:
            territory = pd.concat([_territory(a, b, inside)
                                   for a, b in with_everyone(in_units[i][0], in_units[i + 1][0])], ignore_index=True)
        changes.append(SupplyChange(start=day_start, end=day_end, by_place=by_place, territory=territory,
                                    rows_left_out={"start": left_start, "end": left_end}))
    return changes
