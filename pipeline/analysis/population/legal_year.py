"""Year of each unit's legal population.

The Etalab packages carry, for each COG vintage, the latest INSEE legal
populations published when they were built (:data:`pipeline.config.POPULATION_YEAR`),
except where no newer census exists: Mayotte's figure is its 2017 census in
every package that has it. A population that did not change because no new
census was taken has no evolution: its evolution is « non disponible », never
« 0 habitants ».
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

__all__ = ["FROZEN_CENSUS", "frozen", "frozen_year", "legal_years", "years_label", "zone_year"]

#: Départements whose legal population is one older census in every package → the census year.
FROZEN_CENSUS: dict[str, int] = {"976": 2017}
#: French name of those départements, for the labels.
FROZEN_NAMES: dict[str, str] = {"976": "Mayotte"}


def frozen(departement: object) -> bool:
    """Whether a département's legal population is a single older census (no evolution)."""
    return str(departement) in FROZEN_CENSUS


def legal_years(units: pd.DataFrame, package_year: int) -> pd.DataFrame:
    """Year of the legal population of each unit.

    Parameters
    ----------
    units
        ``unit_code`` and ``departement``.
    package_year
        Year of the legal populations of the current package (2023 for the 2026 one).

    Returns
    -------
    DataFrame
        ``unit_code``, ``annee_population`` (int64).
    """
    years = units["departement"].astype(str).map(FROZEN_CENSUS).fillna(package_year).astype("int64")
    return pd.DataFrame({"unit_code": units["unit_code"].astype(str).to_numpy(), "annee_population": years.to_numpy()})


def years_label(departements: Iterable[object], package_year: int) -> str:
    """French label of the legal-population years of a set of départements.

    « population légale 2023 », « population légale 2023, 2017 pour Mayotte »,
    or « population légale 2017 (Mayotte) » when every département is frozen.
    """
    codes = sorted({str(d) for d in departements})
    special = [c for c in codes if c in FROZEN_CENSUS]
    if special and len(special) == len(codes):
        return "population légale " + ", ".join(
            f"{FROZEN_CENSUS[c]} ({FROZEN_NAMES.get(c, c)}, dernier recensement)" for c in special)
    extra = "".join(f", {FROZEN_CENSUS[c]} pour {FROZEN_NAMES.get(c, c)}" for c in special)
    return f"population légale {package_year}{extra}"


def frozen_year(departements: Iterable[object]) -> int | None:
    """The census year of a zone every département of which has one older census only (2017 for Mayotte alone);
    None for any other zone."""
    codes = sorted({str(d) for d in departements})
    return FROZEN_CENSUS[codes[0]] if codes and all(map(frozen, codes)) else None


def zone_year(departements: Iterable[object], package_year: int) -> int:
    """The year of a zone's legal populations: :func:`frozen_year`, else the package's."""
    return frozen_year(departements) or package_year
