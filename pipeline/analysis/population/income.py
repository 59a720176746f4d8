"""Income of a territory from INSEE Filosofi 2019 (revenu disponible par unité de consommation).

Filosofi publishes medians and deciles per commune and per EPCI. A median (or
a decile) of a territory cannot be computed from the medians of its communes:
the exact figure needs the individual incomes. Two cases:

* the territory is exactly an EPCI of the Filosofi geography
  (:func:`exact_epci`): the EPCI row gives the exact figures
  (:func:`epci_income`);
* otherwise the figure is an APPROXIMATION (:func:`approximate_income`): the
  mean of the communal values weighted by the number of persons of each
  commune's households (``personnes``, NBPERS19), labelled so
  (:data:`APPROXIMATION_LABEL`).

:func:`territory_income` makes that choice.

Statistical secrecy: small communes carry only the household counts and the
median; every other value is « non diffusé » (NaN, flag ``secret``), and the
smallest communes are absent from the file. A non-diffused value is never
counted as 0: each figure states how many of the territory's communes, and how
many inhabitants, it leaves out.

Units: euros per consumption unit per year for ``mediane``, ``d1``, ``d9``;
percent of disposable income for ``part_minima_sociaux``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from pipeline.geography import arrondissements_of, city_of_arrondissement

__all__ = [
    "APPROXIMATION_LABEL",
    "EPCI_LABEL",
    "INCOME_INDICATORS",
    "IncomeFigure",
    "TerritoryIncome",
    "approximate_income",
    "epci_income",
    "exact_epci",
    "territory_income",
]

#: Indicators handled, with their French label.
INCOME_INDICATORS: dict[str, str] = {
    "mediane": "Revenu disponible médian par unité de consommation (€)",
    "d1": "1er décile du revenu disponible par unité de consommation (€)",
    "d9": "9e décile du revenu disponible par unité de consommation (€)",
    "part_minima_sociaux": "Part des minima sociaux dans le revenu disponible (%)",
}

#: Indicators that statistical secrecy hides (only the median is published for small communes).
_SECRET_INDICATORS = ("d1", "d9", "part_minima_sociaux")

APPROXIMATION_LABEL = (
    "approximation : moyenne des valeurs communales pondérée par le nombre de personnes des ménages "
    "(une médiane ou un décile de territoire n'est pas la moyenne de ceux de ses communes)"
)
EPCI_LABEL = "valeur exacte de l'EPCI (Filosofi)"


@dataclass(frozen=True)
class IncomeFigure:
    """One income indicator of a territory.

    Attributes
    ----------
    indicator
        Key of :data:`INCOME_INDICATORS`.
    value
        The figure; NaN when no commune of the territory has it.
    n_communes
        Communes (or units) of the territory.
    n_non_diffusees
        Of them, those whose value is not published (secret, or absent from
        the file).
    population_non_diffusee
        Their population (NaN if one of their populations is unknown).
    """

    indicator: str
    value: float
    n_communes: int
    n_non_diffusees: int
    population_non_diffusee: float


@dataclass(frozen=True)
class TerritoryIncome:
    """Income figures of a territory and how they were obtained.

    Attributes
    ----------
    method
        ``"approximation"`` (communal values) or ``"epci"`` (exact EPCI row).
    label
        :data:`APPROXIMATION_LABEL` or :data:`EPCI_LABEL`, to print next to the figures.
    epci
        EPCI code when ``method == "epci"``, else None.
    figures
        Indicator key -> :class:`IncomeFigure`.
    """

    method: str
    label: str
    epci: str | None
    figures: dict[str, IncomeFigure]

    def table(self) -> pd.DataFrame:
        """One row per indicator: indicateur, libelle, valeur, n_communes, n_non_diffusees,
        population_non_diffusee, methode."""
        rows = [
            {
                "indicateur": f.indicator,
                "libelle": INCOME_INDICATORS[f.indicator],
                "valeur": f.value,
                "n_communes": f.n_communes,
                "n_non_diffusees": f.n_non_diffusees,
                "population_non_diffusee": f.population_non_diffusee,
                "methode": self.label,
            }
            for f in self.figures.values()
        ]
        return pd.DataFrame(rows)


def _territory(territory: pd.DataFrame) -> pd.DataFrame:
    """The territory's units: ``code`` (str, distinct) and ``population`` (float64)."""
    missing = [c for c in ("code", "population") if c not in territory.columns]
    if missing:
        raise ValueError(f"colonnes absentes de la table du territoire : {', '.join(missing)}")
    frame = territory[["code", "population"]].assign(code=territory["code"].astype(str))
    frame["population"] = pd.to_numeric(frame["population"], errors="coerce").astype("float64")
    return frame.drop_duplicates("code").reset_index(drop=True)


def _published(income: pd.DataFrame, code_column: str) -> pd.DataFrame:
    """Filosofi rows with secret values set to NaN, whatever the file wrote there."""
    missing = [c for c in (code_column, "personnes", *INCOME_INDICATORS) if c not in income.columns]
    if missing:
        raise ValueError(f"colonnes absentes des lignes Filosofi : {', '.join(missing)}")
    rows = pd.DataFrame({"code": income[code_column].astype(str).to_numpy()})
    for column in ("personnes", *INCOME_INDICATORS):
        rows[column] = pd.to_numeric(income[column], errors="coerce").astype("float64").to_numpy()
    if "secret" in income.columns:
        secret = income["secret"].fillna(False).astype(bool).to_numpy()
        rows.loc[secret, list(_SECRET_INDICATORS)] = math.nan
    return rows


def _population_of(units: pd.DataFrame, codes: set[str]) -> float:
    population = units.loc[units["code"].isin(codes), "population"]
    return math.nan if population.isna().any() else float(population.sum())


def _hidden(units: pd.DataFrame, rows: pd.DataFrame, published: pd.Series,
            covered_by: Mapping[str, str] | None = None) -> tuple[set[str], float]:
    """The units whose value is not published, wholly or in part, and the population it leaves out.

    A commune merged since the file has one row per former commune: when some of them are under secrecy (a
    review: Hesdin-la-Forêt, 4 former communes, Hesdin's 2 005 of 4 192 persons published), its value describes
    the others only. Its population left out is its COG population in the proportion of the hidden rows'
    persons; a unit without any row is left out whole, unless ``covered_by`` names the territory's unit whose row
    holds its households (a commune re-created since the file): it is then hidden as that unit is.
    """
    weights = rows["poids"].fillna(0)
    per_code = pd.DataFrame({"code": rows["code"], "poids": weights, "cache": weights.where(~published, 0),
                             "lignes_cachees": (~published).astype(int)}).groupby("code").sum()
    inside = set(units["code"])
    holders = [(covered_by or {}).get(code) for code in units["code"]]
    per_unit = per_code.reindex([h if h in inside and h in per_code.index else c
                                 for c, h in zip(units["code"], holders, strict=True)])
    per_unit.index = pd.Index(units["code"])
    hidden = per_unit["lignes_cachees"].isna() | (per_unit["lignes_cachees"] > 0)  # no row at all: hidden whole
    share = (per_unit["cache"] / per_unit["poids"]).where(per_unit["poids"] > 0, 1.0)
    population = units["population"].to_numpy()[hidden.to_numpy()] * share[hidden].to_numpy()
    return {str(c) for c in per_unit.index[hidden]}, (math.nan if pd.isna(population).any()
                                                       else float(population.sum()))


def approximate_income(income: pd.DataFrame, territory: pd.DataFrame, code_column: str = "code",
                       covered_by: Mapping[str, str] | None = None) -> TerritoryIncome:
    """Income of a territory approximated from communal values (weighted by persons).

    Parameters
    ----------
    income
        Filosofi commune rows: ``code_column`` (current commune or unit code;
        several rows per code are allowed, e.g. communes merged since 2021),
        ``personnes`` (persons in households, the weight), ``mediane``, ``d1``,
        ``d9``, ``part_minima_sociaux`` (NaN = non diffusé), optionally
        ``secret`` (True: only counts and median published; the other values
        are then treated as non diffusés).
    territory
        The territory's units: ``code``, ``population`` (COG population, for
        the population of non-diffused communes). Do not list a city together
        with its arrondissements.
    code_column
        Column of ``income`` holding the codes.
    covered_by
        Unit → the territory's unit whose row holds its households (communes
        re-created since the file, in the row of the commune they were part
        of): not counted as « non diffusé » when that row is published (a
        review read L'Oie under statistical secrecy beside Essarts-en-Bocage).

    Returns
    -------
    TerritoryIncome
        ``method="approximation"``. Each value is Σ(personnes × value) / Σ
        personnes over the territory's rows where the value is published; a
        row without ``personnes`` is weighted by its unit's population.
    """
    units = _territory(territory)
    inside = set(units["code"])
    rows = _published(income, code_column)
    rows = rows[rows["code"].isin(inside)].copy()
    fallback = rows["code"].map(units.set_index("code")["population"])
    rows["poids"] = rows["personnes"].where(rows["personnes"].notna(), fallback)
    figures: dict[str, IncomeFigure] = {}
    for indicator in INCOME_INDICATORS:
        published = rows[indicator].notna() & rows["poids"].notna() & (rows["poids"] > 0)
        usable = rows[published]
        weight = float(usable["poids"].sum())
        value = float((usable[indicator] * usable["poids"]).sum() / weight) if weight > 0 else math.nan
        hidden, hidden_population = _hidden(units, rows, published, covered_by)
        figures[indicator] = IncomeFigure(
            indicator=indicator,
            value=value,
            n_communes=len(inside),
            n_non_diffusees=len(hidden),
            population_non_diffusee=hidden_population,
        )
    return TerritoryIncome(method="approximation", label=APPROXIMATION_LABEL, epci=None, figures=figures)


def _as_communes(codes: Iterable[str]) -> set[str] | None:
    """Commune codes of a set of units; None when a city is only partly included."""
    units = set(map(str, codes))
    communes = set()
    for code in units:
        city = city_of_arrondissement(code)
        if city is None:
            communes.add(code)
        elif set(arrondissements_of(city)) <= units:
            communes.add(city)
        else:
            return None
    return communes


def exact_epci(territory_codes: Iterable[str], epci_members: Mapping[str, Iterable[str]]) -> str | None:
    """The EPCI whose communes are exactly the territory's, or None.

    Parameters
    ----------
    territory_codes
        Commune or unit codes of the territory; arrondissements count as
        their city only when all of the city's arrondissements are present.
    epci_members
        EPCI code -> its commune codes, in the EPCI geography of the income
        file (Filosofi 2019 uses the EPCI of 2021: an EPCI whose composition
        changed since then must be given with its 2021 composition, expressed
        in current commune codes).

    Returns
    -------
    str or None
    """
    communes = _as_communes(territory_codes)
    if not communes:
        return None
    for epci, members in epci_members.items():
        if set(map(str, members)) == communes:
            return str(epci)
    return None


def epci_income(epci_row: pd.Series | Mapping[str, object], territory: pd.DataFrame, epci: str) -> TerritoryIncome:
    """Exact income figures of a territory that is exactly an EPCI, from its Filosofi EPCI row.

    Parameters
    ----------
    epci_row
        The EPCI row: ``mediane``, ``d1``, ``d9``, ``part_minima_sociaux``
        (an EPCI is never under secrecy in the 2019 file; a missing value
        stays NaN).
    territory
        The territory's units (``code``, ``population``).
    epci
        The EPCI code.
    """
    units = _territory(territory)
    figures = {}
    for indicator in INCOME_INDICATORS:
        value = pd.to_numeric(pd.Series([epci_row.get(indicator)]), errors="coerce").astype("float64").iloc[0]
        published = not math.isnan(value)
        figures[indicator] = IncomeFigure(
            indicator=indicator,
            value=float(value),
            n_communes=len(units),
            n_non_diffusees=0 if published else len(units),
            population_non_diffusee=0.0 if published else _population_of(units, set(units["code"])),
        )
    return TerritoryIncome(method="epci", label=EPCI_LABEL, epci=epci, figures=figures)


def territory_income(
    income: pd.DataFrame,
    territory: pd.DataFrame,
    epci_rows: pd.DataFrame | None = None,
    epci_members: Mapping[str, Iterable[str]] | None = None,
    code_column: str = "code",
    covered_by: Mapping[str, str] | None = None,
) -> TerritoryIncome:
    """The exact EPCI figures when the territory is exactly an EPCI with a row, else the approximation.

    Parameters
    ----------
    income, territory, code_column, covered_by
        See :func:`approximate_income`.
    epci_rows
        Filosofi EPCI rows (``code``, indicators), or None.
    epci_members
        EPCI compositions for :func:`exact_epci`, or None.

    Returns
    -------
    TerritoryIncome
    """
    if epci_rows is not None and epci_members is not None:
        epci = exact_epci(_territory(territory)["code"], epci_members)
        if epci is not None:
            match = epci_rows[epci_rows["code"].astype(str) == epci]
            if len(match):
                return epci_income(match.iloc[0], territory, epci)
    return approximate_income(income, territory, code_column, covered_by)
