"""Type of territory: unité urbaine, aire d'attraction des villes, population density.

From the INSEE table d'appartenance géographique (one row per commune,
``uu2020``, ``aav2020``) and the populations and areas of the units:

* **Unité urbaine 2020.** INSEE codes the communes outside any unité urbaine
  with the code ``dd000`` of their département (``01000`` … ``2A000`` …
  ``9D000``: label « Communes hors unité urbaine du département dd » in the
  zone labels table, 96 such codes in the 2024 table); every other code is an
  unité urbaine. Until 2020, a commune outside any unité urbaine was INSEE's
  definition of a *commune rurale*; since 2020 INSEE defines rural communes
  with its grille communale de densité, which this module does NOT compute.
* **Aire d'attraction des villes 2020.** Code ``000`` is « Commune hors
  attraction des villes »; an aire is classed by its population with INSEE's
  classes for the AAV 2020 (:data:`AAV_CLASSES`: less than 50 000, 50 000 to
  less than 200 000, 200 000 to less than 700 000, 700 000 or more, Paris).
  INSEE classes the aires on their 2017 population; here the population is
  the sum over the aire's communes of the loaded populations
  (:func:`aav_populations`), so an aire close to a bound may change class.
  Cross-border aires (label « (partie française) ») are known only by their
  French part: the class computed on it is a lower bound, so it is given
  only when already the highest class (700 000 or more), and « non
  disponible » otherwise.
* **Density**: inhabitants per km² of the units' areas
  (:data:`DENSITY_NOTE`); never call it the grille communale de densité.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

from pipeline.geography import city_of_arrondissement

__all__ = [
    "AAV_CLASSES",
    "AAV_OUTSIDE",
    "DENSITY_NOTE",
    "UU_OUTSIDE_SUFFIX",
    "aav_class",
    "aav_populations",
    "national_aire_populations",
    "outside_unite_urbaine",
    "territory_type_by_unit",
    "territory_type_shares",
    "zones_of_units",
]

#: Last three characters of the UU2020 code of the communes outside any unité urbaine (``dd000``).
UU_OUTSIDE_SUFFIX = "000"
#: AAV2020 code of the communes outside any aire (« Commune hors attraction des villes »).
AAV_OUTSIDE = "000"
#: AAV2020 code of the aire de Paris.
AAV_PARIS = "001"

#: INSEE classes of the aires d'attraction des villes 2020 (0 = outside any aire).
AAV_CLASSES: dict[int, str] = {
    0: "Commune hors attraction des villes",
    1: "Aire de moins de 50 000 habitants",
    2: "Aire de 50 000 à moins de 200 000 habitants",
    3: "Aire de 200 000 à moins de 700 000 habitants",
    4: "Aire de 700 000 habitants ou plus (hors Paris)",
    5: "Aire de Paris",
}
#: Lower bounds (inclusive) of classes 2, 3 and 4.
AAV_BOUNDS: tuple[int, int, int] = (50_000, 200_000, 700_000)

DENSITY_NOTE = (
    "densité de population : habitants par km² de la surface des communes (ce n'est pas la grille communale "
    "de densité de l'INSEE)"
)
UNKNOWN = "non disponible"


def outside_unite_urbaine(uu2020: object) -> bool | None:
    """True for a ``dd000`` code (outside any unité urbaine), False for an unité urbaine, None if unknown."""
    if uu2020 is None or (isinstance(uu2020, float) and math.isnan(uu2020)) or pd.isna(uu2020):
        return None
    text = str(uu2020).strip()
    if len(text) != 5:
        return None
    return text.endswith(UU_OUTSIDE_SUFFIX)


def aav_class(code: object, population: float, cross_border: bool = False) -> int | None:
    """INSEE class (0–5) of an aire d'attraction des villes 2020.

    Parameters
    ----------
    code
        AAV2020 code (``000`` outside any aire, ``001`` Paris).
    population
        Population of the aire (inhabitants); NaN gives None for an aire.
    cross_border
        The aire extends abroad and ``population`` covers its French part
        only: the class is given only when it is already the highest (4).

    Returns
    -------
    int or None
        None when unknown (« non disponible »).
    """
    if code is None or pd.isna(code):
        return None
    text = str(code).strip()
    if text == AAV_OUTSIDE:
        return 0
    if text == AAV_PARIS:
        return 5
    if population is None or math.isnan(population):
        return None
    band = 1 + sum(population >= bound for bound in AAV_BOUNDS)
    if cross_border and band < 4:
        return None
    return band


def zones_of_units(appartenance: pd.DataFrame, unit_codes: Iterable[str]) -> pd.DataFrame:
    """Zone codes of each unit; an arrondissement takes its city's row (the table lists communes only).

    Parameters
    ----------
    appartenance
        INSEE table rows: ``code`` and zone columns (``uu2020``, ``aav2020``, ``bv2022``, ``epci`` …).
    unit_codes
        Unit codes.

    Returns
    -------
    DataFrame
        ``code`` (the unit) and the zone columns of ``appartenance``; NA for
        a unit absent from the table (e.g. a commune created after its COG).
    """
    codes = [str(c) for c in unit_codes]
    table = appartenance.assign(code=appartenance["code"].astype(str)).drop_duplicates("code").set_index("code")
    lookup = [city_of_arrondissement(c) or c for c in codes]
    out = table.reindex(lookup).reset_index(drop=True)
    out.insert(0, "code", codes)
    return out


def aav_populations(appartenance: pd.DataFrame, population: pd.Series) -> pd.Series:
    """Population of each aire d'attraction des villes: Σ over its communes.

    Parameters
    ----------
    appartenance
        INSEE table rows for ALL communes of France (``code``, ``aav2020``):
        an aire spans several départements.
    population
        Population by commune code.

    Returns
    -------
    Series
        float64 indexed by AAV2020 code (``000`` excluded); NaN for an aire
        with a commune of unknown population.
    """
    frame = pd.DataFrame(
        {
            "aav": appartenance["aav2020"].astype("string").to_numpy(),
            "population": appartenance["code"].astype(str).map(population).astype("float64").to_numpy(),
        }
    ).dropna(subset=["aav"])
    frame = frame[frame["aav"] != AAV_OUTSIDE]
    grouped = frame.groupby("aav")["population"]
    totals = grouped.sum()
    return totals.where(grouped.count() == grouped.size()).astype("float64").rename("population_aav")


def national_aire_populations(appartenance: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """Population and number of communes of every aire d'attraction des villes, from the whole country's files.

    A database loaded for some départements holds part of an aire crossing their border; its class needs the
    whole aire, counted here once at load time.

    Parameters
    ----------
    appartenance
        The INSEE table of the whole country, its own rows (``code``, ``aav2020``).
    communes
        Communes of the table's COG: ``code``, ``type``, ``population`` (legal population of that package).

    Returns
    -------
    DataFrame
        ``code`` (aire, « 000 » excluded), ``population`` (Int64, NA when a commune's population is unknown),
        ``communes`` (int64), sorted by code.
    """
    actual = communes[communes["type"] == "commune-actuelle"]
    population = pd.Series(pd.to_numeric(actual["population"], errors="coerce").to_numpy(dtype="float64"),
                           index=actual["code"].astype(str))
    totals = aav_populations(appartenance[["code", "aav2020"]], population)
    aires = appartenance["aav2020"].astype("string").str.strip()
    sizes = aires[aires.notna() & (aires != AAV_OUTSIDE)].value_counts()
    out = pd.DataFrame({"code": totals.index.astype(str),
                        "population": pd.array(totals.round().to_numpy(), dtype="Int64"),
                        "communes": sizes.reindex(totals.index).to_numpy(dtype="int64")})
    return out.sort_values("code").reset_index(drop=True)


def territory_type_by_unit(units: pd.DataFrame, aav_population: pd.Series, aav_labels: pd.Series) -> pd.DataFrame:
    """Unité urbaine, aire d'attraction and density of each unit.

    Parameters
    ----------
    units
        One row per unit: ``code``, ``population`` (inhabitants), ``area_km2``,
        ``uu2020``, ``aav2020`` (see :func:`zones_of_units`).
    aav_population
        Population of each aire (:func:`aav_populations`).
    aav_labels
        AAV2020 code -> label (INSEE zone labels, level ``AAV2020``), used for
        the names and to recognise cross-border aires: label « (partie
        française) », or a code of letters only (an aire centred abroad,
        e.g. ``GEN`` Genève - Annemasse), even when its label is missing.

    Returns
    -------
    DataFrame
        ``code``, ``population``, ``area_km2``, ``densite_hab_km2`` (NaN when
        the area is unknown or 0), ``uu2020``, ``hors_unite_urbaine``
        (boolean, NA if unknown), ``aav2020``, ``aav_libelle``,
        ``aav_population``, ``aav_classe`` (Int64 0–5, NA if unknown),
        ``aav_classe_libelle`` (« non disponible » if unknown).
    """
    missing = [c for c in ("code", "population", "area_km2", "uu2020", "aav2020") if c not in units.columns]
    if missing:
        raise ValueError(f"colonnes absentes de la table des unités : {', '.join(missing)}")
    labels = pd.Series(aav_labels.to_numpy(), index=aav_labels.index.astype(str), dtype="string")
    out = pd.DataFrame({"code": units["code"].astype(str).to_numpy()})
    out["population"] = pd.to_numeric(units["population"], errors="coerce").astype("float64").to_numpy()
    out["area_km2"] = pd.to_numeric(units["area_km2"], errors="coerce").astype("float64").to_numpy()
    out["densite_hab_km2"] = out["population"] / out["area_km2"].where(out["area_km2"] > 0)
    out["uu2020"] = units["uu2020"].astype("string").to_numpy()
    out["hors_unite_urbaine"] = pd.array([outside_unite_urbaine(v) for v in out["uu2020"]], dtype="boolean")
    out["aav2020"] = units["aav2020"].astype("string").str.strip().to_numpy()
    out["aav_libelle"] = out["aav2020"].map(labels).astype("string")
    populations = pd.Series(aav_population.to_numpy(dtype="float64"), index=aav_population.index.astype(str))
    out["aav_population"] = out["aav2020"].map(populations).astype("float64")
    french_part = out["aav_libelle"].str.contains("partie française", regex=False).fillna(False)
    centred_abroad = out["aav2020"].str.fullmatch(r"[A-Z]+").fillna(False)
    cross_border = french_part | centred_abroad
    classes = [
        aav_class(code, pop, bool(border))
        for code, pop, border in zip(out["aav2020"], out["aav_population"], cross_border, strict=True)
    ]
    out["aav_classe"] = pd.array(classes, dtype="Int64")
    out["aav_classe_libelle"] = [AAV_CLASSES[c] if c is not None else UNKNOWN for c in classes]
    return out


def territory_type_shares(by_unit: pd.DataFrame, land: float | None = None) -> pd.DataFrame:
    """Shares of the territory's population by unité urbaine status and aire class, and its density.

    Parameters
    ----------
    by_unit
        Output of :func:`territory_type_by_unit` for the territory's units.
    land
        The territory's area when known otherwise than as the sum of its units' (a polygon holding a commune
        re-created since 2018 counts for both together: :func:`pipeline.analysis.indicators.units_area`).

    Returns
    -------
    DataFrame
        ``dimension`` (« unité urbaine », « aire d'attraction des villes »,
        « densité »), ``categorie``, ``n_unites`` (int64), ``population``,
        ``part_population`` (share of the territory's population, 0–1; NaN if
        that population is unknown or 0), ``valeur`` (NaN except on the
        « densité » row, where it is Σ population / Σ area in inhabitants
        per km², NaN if an area is unknown). Unknown statuses are a « non
        disponible » category, never merged into another.
    """
    known_population = len(by_unit) > 0 and bool(by_unit["population"].notna().all())
    total = float(by_unit["population"].sum()) if known_population else math.nan
    rows: list[dict[str, object]] = []

    def add(dimension: str, category: str, mask: pd.Series) -> None:
        population = by_unit.loc[mask, "population"]
        known = population.notna().all()
        value = float(population.sum()) if known else math.nan
        rows.append(
            {
                "dimension": dimension,
                "categorie": category,
                "n_unites": int(mask.sum()),
                "population": value,
                "part_population": value / total if total > 0 else math.nan,  # NaN total gives NaN
                "valeur": math.nan,
            }
        )

    status = by_unit["hors_unite_urbaine"]
    add("unité urbaine", "dans une unité urbaine", status.eq(False).fillna(False))
    add("unité urbaine", "hors unité urbaine", status.eq(True).fillna(False))
    if status.isna().any():
        add("unité urbaine", UNKNOWN, status.isna())
    classes = by_unit["aav_classe"]
    for code, label in AAV_CLASSES.items():
        mask = classes.eq(code).fillna(False)
        if mask.any():
            add("aire d'attraction des villes", label, mask)
    if classes.isna().any():
        add("aire d'attraction des villes", UNKNOWN, classes.isna())
    area = by_unit["area_km2"]
    if land is None:  # the units' own areas
        land = float(area.sum()) if area.notna().all() else math.nan
    density = total / land if land > 0 else math.nan  # NaN > 0 is False
    rows.append(
        {
            "dimension": "densité",
            "categorie": DENSITY_NOTE,
            "n_unites": len(by_unit),
            "population": total,
            "part_population": math.nan,
            "valeur": density,
        }
    )
    out = pd.DataFrame(rows)
    out["n_unites"] = out["n_unites"].astype("int64")
    return out
