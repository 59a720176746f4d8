"""Population section: units with their details, population, area, evolution and references."""

from __future__ import annotations

from typing import Any

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd

from pipeline import config
from pipeline.analysis import indicators as ind
from pipeline.analysis.population import legal_year, vintage_gaps
from pipeline.app.sections.areas import ordered_zones
from pipeline.app.sections.units import CITY_NAMES
from pipeline.geography import (
    OVERSEAS_COLLECTIVITIES,
    arrondissement_ordinal,
    arrondissements_named,
    france_label,
    of_place,
    whole_france,
    zone_label,
)
from pipeline.model import Territory
from pipeline.model.diagnostic import QPV_SEPARATOR, RATE_WITHOUT_MAYOTTE, PopulationSection
from pipeline.render.report import format_number
from pipeline.render.sections.common import agree, enumeration
from pipeline.store.queries import geography, population_history, provenance


def main_area(units: pd.DataFrame) -> tuple[str, str]:
    """The département and the région holding most of the territory's population (each on its own: a
    territory of one Vaucluse commune and three smaller Occitanie communes has the Vaucluse and Occitanie; a
    collectivité d'outre-mer is the région only of a territory with no other); ties go to the lower code."""
    weights = units.assign(p=units["population"].fillna(0).astype(float))
    dep = str(weights.groupby("departement")["p"].sum().sort_index().idxmax())
    # A collectivité d'outre-mer is its own « région » in the COG: a real région of the territory comes first.
    regions = weights[~weights["region"].isin(list(OVERSEAS_COLLECTIVITIES))]
    reg = str((regions if len(regions) else weights).groupby("region")["p"].sum().sort_index().idxmax())
    return dep, reg


def qpv_particularities(zoning: pd.DataFrame, units: pd.DataFrame) -> list[str]:
    """Trame column « particularités »: QPV with their ZIP/ZAC zoning, where the zoning file covers it.

    The zoning file covers région PACA (93) only; elsewhere the answer is
    « non renseigné » rather than a misleading « aucun ». The file keys
    Marseille as 13055 and cannot place a QPV in an arrondissement: an
    arrondissement unit says so instead of listing every QPV of the city as
    if it were in it (a file keyed by arrondissement is used as such).
    """
    covered_regions = {"93"}
    out = []
    for row in units.itertuples():
        own = zoning[zoning["commune"] == row.unit_code]
        city = zoning[zoning["commune"] == row.commune_code] if row.unit_code != row.commune_code else zoning.iloc[:0]
        if row.region not in covered_regions:
            out.append("non renseigné")
        elif own.empty and len(city):
            name = CITY_NAMES.get(str(row.commune_code), str(row.commune_code))
            # A QPV named after arrondissements (« Centre Ville 1er et 2e Arrondissements ») is theirs: listed there
            # (a review: Marseille 1-2-3's Trame left out the two QPV named after its own arrondissements).
            named = city[[arrondissement_ordinal(row.unit_code) in arrondissements_named(n) for n in city["qpv_nom"]]]
            listed = [f"QPV {h.qpv_nom} ({h.qpv_id}) en {h.zonage}" for h in named.itertuples()]
            others = "autres QPV" if listed else "QPV"
            out.append(QPV_SEPARATOR.join([*listed, f"{others} de {name} : non attribuables à un arrondissement "
                                                    "dans le fichier de zonage"]))
        elif own.empty:
            out.append("aucun QPV zoné")
        else:
            out.append(QPV_SEPARATOR.join(f"QPV {h.qpv_nom} ({h.qpv_id}) en {h.zonage}" for h in own.itertuples()))
    return out


def own_areas(con: duckdb.DuckDBPyConnection, codes: list[str],
              polygons: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, float, list[str]]:
    """The polygons with the area of each one holding a commune re-created since the contours' COG unknown (its
    polygon is theirs together: a review found Troarn's 16,62 km² to be Saline's, Sannerville's included), the
    territory's area (:func:`pipeline.analysis.indicators.units_area`), and the notes saying so.
    """
    every = geography.recreated_holders(con)
    inside = set(codes)
    drawn = polygons.drop_duplicates("code").set_index("code")["area_km2"]
    land = ind.units_area(inside, drawn, dict(zip(every["code"].astype(str), every["polygone"].astype(str),
                                                  strict=True)))
    held = every[every["code"].isin(inside) | every["polygone"].isin(inside)]
    if held.empty:
        return polygons, land, []
    polygons = polygons.assign(area_km2=polygons["area_km2"].where(~polygons["code"].isin(set(held["polygone"]))))
    notes = []
    year = provenance.contours_year(con) or "chargés"
    for holder, group in every[every["polygone"].isin(set(held["polygone"]))].groupby("polygone", sort=True):
        name, area = of_place(str(group["nom_polygone"].iloc[0])), format_number(group["surface_polygone"].iloc[0], 2)
        mine = group[group["code"].isin(inside)]
        others = ", ".join(f"{row.nom} ({row.code})" for row in (group if holder in inside else mine).itertuples())
        recreated = agree(len(group) if holder in inside else len(mine), "recréée", "recréées")
        if holder not in inside:
            notes.append(f"surface de {others} non disponible : {recreated} depuis les contours {year}, "
                         f"{agree(len(mine), 'son', 'leur')} territoire est dans le polygone {name} ({holder}, "
                         f"{area} km² en tout), hors du territoire")
            continue
        together = ("compte dans celle du territoire" if len(mine) == len(group)
                    else "ne peut compter dans celle du territoire, qui ne les a pas toutes : surface du territoire "
                    "non disponible")
        notes.append(f"surface {name} ({holder}) non disponible seule : son polygone des contours {year} couvre aussi "
                     f"{others}, {recreated} depuis ; leur surface d'ensemble ({area} km²) {together}")
    return polygons, land, notes


def unit_table(con: duckdb.DuckDBPyConnection, territory: Territory, polygons: gpd.GeoDataFrame) -> pd.DataFrame:
    """One row per unit: names, postal codes, EPCI, bassin de vie, QPV zoning, area and density.

    ``polygons`` are the unit polygons (:func:`pipeline.store.queries.geography.unit_polygons_for`):
    an arrondissement has its own area; a unit without polygon has none (NaN).
    """
    units = geography.unit_details(con, territory.units[[
        "unit_code", "commune_code", "nom", "type", "population", "departement", "region"]])
    units["particularites"] = qpv_particularities(geography.qpv_zoning(con), units)
    area = polygons.drop_duplicates("code").set_index("code")["area_km2"]
    units["surface_km2"] = units["unit_code"].map(area).astype("float64")
    units["densite_hab_km2"] = units["population"].astype(float) / units["surface_km2"]
    return units


#: First legal-population year of the packages (column ``population_<year>`` of the references).
FIRST_YEAR = min(config.POPULATION_YEAR.values())


def _reference_row(label: str, series: pd.Series, area: float, rate_series: pd.Series | None = None,
                   frozen_year: int | None = None) -> dict[str, Any]:
    """One row of the comparison table; ``frozen_year``: the area's population is that census in every
    package (Mayotte), so its evolution is not available."""
    series = series.dropna().sort_index()
    last = float(series.iloc[-1])
    first = series.get(FIRST_YEAR, np.nan) if frozen_year is None else np.nan
    # The years the rate runs between: a commune created or re-created after 2016 starts later than the others.
    years = (series if rate_series is None else rate_series).dropna().index
    period = f"{int(min(years))} à {int(max(years))}" if frozen_year is None and len(years) > 1 else None
    return {
        "zone": label,
        "population": int(last),
        "annee_population": int(series.index[-1]) if frozen_year is None else frozen_year,
        "surface_km2": area,
        "densite_hab_km2": last / area if area and area == area else float("nan"),
        f"population_{FIRST_YEAR}": first,
        "taux_annuel_pct": float("nan") if frozen_year is not None
        else ind.annual_rate(series if rate_series is None else rate_series),
        "periode_taux": period,
    }


def _zone_row(deps: pd.DataFrame, level: str, code: str, name: str | None, refs: pd.DataFrame,
              areas: dict[str, float]) -> dict[str, Any]:
    """The comparison row of one département (``level`` « departement ») or région of the territory.

    A zone whose communes all carry Mayotte's census in every package has no evolution.
    """
    members = (set(deps.loc[deps["region"] == code, "code"].astype(str)) or {code}) if level == "region" else {code}
    frozen = legal_year.frozen_year(members)
    loaded = () if level != "region" or whole_france(deps["code"].astype(str)) else members
    label = zone_label(level, code, name or code, loaded)
    series = ind.by_population_year(refs[f"{level}:{code}"], config.POPULATION_YEAR)
    return {**_reference_row(label, series, areas[f"{level}:{code}"], frozen_year=frozen), "niveau": level,
            "code": code}


def _evolution(by_vintage: pd.DataFrame, excluded: list[str], frozen_year: int | None,
               total: int) -> pd.DataFrame:
    """Evolution of the units that had new legal populations; a single « non disponible » row without any."""
    moving = by_vintage[~by_vintage["unit_code"].isin(excluded)]
    if moving.empty:
        return pd.DataFrame({"millesime": [frozen_year], "population": [total], "evolution": pd.array([pd.NA], "Int64"),
                             "taux_annuel_pct": [np.nan]})
    series = ind.by_population_year(moving.groupby("vintage")["population"].sum(), config.POPULATION_YEAR)
    return ind.evolution(series)


def _complete_vintages(con: duckdb.DuckDBPyConnection, by_vintage: pd.DataFrame, territory: Territory,
                       excluded: list[str], notes: list[str]) -> pd.DataFrame:
    """``by_vintage`` without the packages whose populations of the territory's units are not theirs (communes
    absorbed or re-created in between, :mod:`pipeline.analysis.population.vintage_gaps`), said in a note for
    each legal-population year left without any package."""
    units = [u for u in territory.units["unit_code"].astype(str) if u not in set(excluded)]
    gaps = population_history.population_gaps(con, units)
    broken = vintage_gaps.broken_vintages(by_vintage[by_vintage["unit_code"].isin(units)], gaps, units,
                                          config.POPULATION_YEAR)
    if not broken:
        return by_vintage
    years = config.POPULATION_YEAR
    kept = by_vintage[~by_vintage["vintage"].isin(list(broken))]
    lost = sorted({years[v] for v in broken} - {years[int(v)] for v in kept["vintage"].unique()})
    if lost:  # one note for every year lost (a review: four near-identical notes)
        reasons = sorted({r for v, rs in broken.items() if years[v] in lost for r in rs})
        more = len(reasons) - 8
        shown = " ; ".join(reasons[:8]) + ("" if more <= 0 else f" ; et {more} autre{'s' if more > 1 else ''}")
        listed = enumeration([str(y) for y in lost])
        words = (f"population légale {listed} non disponible pour le territoire : le millésime qui la publie la donne"
                 if len(lost) == 1 else f"populations légales {listed} non disponibles pour le territoire : les "
                 "millésimes qui les publient les donnent")
        which = "cette année" if len(lost) == 1 else "ces années"
        notes.append(f"{words} sur une autre géographie que la sienne (communes fusionnées ou rétablies depuis : "
                     f"{shown}) ; l'évolution est calculée sans {which}")
    return kept


def population_section(
    con: duckdb.DuckDBPyConnection, territory: Territory, units: pd.DataFrame, notes: list[str],
    land: float | None = None,
) -> PopulationSection:
    """Population and evolution on the current geography, by year of legal population, with references.

    Each unit carries the year of its legal population: the package's year, or
    the census that every package repeats (Mayotte, 2017). Those units have no
    evolution: it is computed on the others, and « non disponible » when none is left.
    """
    dep, reg = main_area(units)
    years = config.POPULATION_YEAR
    package_year = years[config.CURRENT_VINTAGE]
    legal = legal_year.legal_years(units, package_year)
    excluded = sorted(legal.loc[legal["annee_population"] != package_year, "unit_code"])
    kinds = territory.units["type"] == "commune-actuelle"
    by_vintage = population_history.population_by_vintage(
        con, territory.units.loc[kinds, "unit_code"].tolist(), territory.units.loc[~kinds, "unit_code"].tolist())
    by_vintage = _complete_vintages(con, by_vintage, territory, excluded, notes)
    population = int(territory.population)
    frozen_year = int(legal["annee_population"].min()) if excluded else None
    evolution = _evolution(by_vintage, excluded, frozen_year, population)
    all_frozen = len(excluded) == len(legal)
    series = ind.by_population_year(by_vintage.groupby("vintage")["population"].sum(), years)
    # A unit without polygon (a collectivité d'outre-mer) makes the area unknown (NaN), never the others' alone.
    if land is None:  # the units' own areas (see :func:`own_areas` for re-created communes)
        land = float(units["surface_km2"].sum()) if units["surface_km2"].notna().all() else float("nan")
    deps = geography.departements(con)
    territory_row = _reference_row("Territoire", series, land,
                                   rate_series=None if all_frozen else evolution.set_index("millesime")["population"],
                                   frozen_year=frozen_year if all_frozen else None)
    territory_row["population"] = population
    if excluded:  # the first package has no Mayotte: its sum would be the other units' alone, beside the whole
        territory_row[f"population_{FIRST_YEAR}"] = np.nan
        if territory_row["periode_taux"]:
            territory_row["periode_taux"] += RATE_WITHOUT_MAYOTTE
    zones = [("departement", code) for code, _ in ordered_zones(units, "departement", dep)]
    # A collectivité d'outre-mer is its own région in the COG: compared once, as a collectivité.
    zones += [("region", code) for code, _ in ordered_zones(units.dropna(subset=["region"]), "region", reg)
              if code not in OVERSEAS_COLLECTIVITIES]
    refs, areas = geography.reference_populations(con, zones), geography.reference_areas(con, zones)
    name_of = {"departement": geography.departement_name, "region": geography.region_name}
    names = {zone: name_of[zone[0]](con, zone[1]) for zone in zones}
    france = _reference_row(france_label(deps["code"]), ind.by_population_year(refs["france"], years),
                            areas["france"], rate_series=ind.by_population_year(refs["france_hors_mayotte"], years))
    if "976" in set(deps["code"].astype(str)):
        # The first package has no Mayotte: its France is another area than the last one's, and the rate is
        # France's without Mayotte (said in its period), as for a territory holding Mayotte units.
        france[f"population_{FIRST_YEAR}"] = np.nan
        if france["periode_taux"]:
            france["periode_taux"] += RATE_WITHOUT_MAYOTTE
    references = pd.DataFrame([{**territory_row, "niveau": "territoire", "code": ""},
                               *(_zone_row(deps, level, code, names[(level, code)], refs, areas)
                                 for level, code in zones),
                               {**france, "niveau": "france", "code": ""}])
    dep_name = names[("departement", dep)] or dep
    reg_name = names.get(("region", reg)) or geography.region_name(con, reg) or reg  # a collectivité has no row
    label = legal_year.years_label(units["departement"], package_year)
    mayotte = legal_year.FROZEN_CENSUS["976"]
    if all_frozen:
        notes.append(f"population légale de Mayotte : recensement de {mayotte}, repris dans tous les millésimes "
                     f"publiés (aucune évolution mesurable), sur la géographie communale au 1er janvier "
                     f"{config.CURRENT_VINTAGE} ; France : population légale {package_year} ({mayotte} pour Mayotte)")
    else:
        # Mayotte's frozen census is said where the « France » row holds it, not on a database without it.
        france_note = (f"France : population légale {package_year} ({mayotte} pour Mayotte, dont la population légale "
                       f"est celle du recensement de {mayotte} dans tous les millésimes) ; taux annuel de la France "
                       "hors Mayotte" if "976" in set(deps["code"].astype(str))
                       else f"{france['zone']} : population légale {package_year}")
        first, last = int(series.index[0]), int(series.index[-1])
        span = f"populations légales INSEE {first} à {last}" if first != last else f"population légale INSEE {last}"
        notes.append(
            f"{span} (la dernière en vigueur au "
            f"1er janvier {int(series.index[-1]) + 3}), sur la géographie communale au 1er janvier "
            f"{config.CURRENT_VINTAGE} ; {france_note}"
        )
    if excluded and not all_frozen:
        notes.append("évolution de la population calculée sans les unités dont la population légale est celle d'un "
                     "même recensement dans tous les millésimes (Mayotte, 2017) : " + ", ".join(excluded))
    year = frozen_year if all_frozen and frozen_year is not None else int(evolution["millesime"].iloc[-1])
    return PopulationSection(
        total=population, year=year, cog=config.CURRENT_VINTAGE, area_km2=land,
        density=ind.density(population, land),
        departement=dep, region=reg, departement_name=dep_name, region_name=reg_name,
        evolution=evolution, references=references, legal_years=legal, years_label=label,
        evolution_excluded=excluded,
    )
