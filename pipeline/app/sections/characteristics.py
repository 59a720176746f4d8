"""Who lives in the territory and what kind of territory it is (issue « diagnostic the documents ask for »).

* age-related need: DREES standardised population / total population, per
  unit, for the territory and for each compared area;
* income (INSEE Filosofi 2019): exact EPCI row when the territory is exactly
  an EPCI of the file's geography, else a labelled approximation from its
  units; areas compared by the same approximation over their communes (the
  loaded files have no département, région or France rows);
* territory type: unité urbaine 2020, aire d'attraction des villes 2020,
  density, per unit and as shares of the population.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace

import duckdb
import numpy as np
import pandas as pd

from pipeline.analysis.population.income import (
    APPROXIMATION_LABEL,
    INCOME_INDICATORS,
    TerritoryIncome,
    epci_income,
    territory_income,
)
from pipeline.analysis.population.income_units import unit_income
from pipeline.analysis.population.need import AGE_NEED_EXPLANATION, age_need_by_unit, age_need_of
from pipeline.analysis.population.territory_type import (
    DENSITY_NOTE,
    territory_type_by_unit,
    territory_type_shares,
    zones_of_units,
)
from pipeline.app.sections.apl import france_apl_label, unit_apl
from pipeline.app.sections.income_reasons import NOT_LOADED_METHOD, OUTSIDE_FIELD, OUTSIDE_FIELD_METHOD, why_unpublished
from pipeline.geography import arrondissements_of, city_of_arrondissement, france_label
from pipeline.model.profile import AgeNeedSection, IncomeSection, TerritoryTypeSection
from pipeline.store.queries import characteristics as queries

#: The workbook's APL of year N uses the populations of year N - 2 (« Population standardisée 2021 » on
#: the sheet « APL 2023 »).
APL_POPULATION_LAG = 2

ZONES_INCOME_METHOD = (
    "approximation sur les communes de chaque zone (les fichiers Filosofi chargés n'ont pas de ligne "
    "départementale, régionale ni nationale) : moyenne des valeurs communales pondérée par le nombre de "
    "personnes des ménages"
)
#: Where the national reference of the income table comes from: the file's field, not the whole of France.
FRANCE_INCOME_FIELD = "champ de Filosofi : métropole, Martinique, La Réunion"
RURAL_NOTE = (
    "Hors unité urbaine : commune rurale au sens de l'INSEE avant 2020 (définition remplacée en 2020 par la "
    "grille communale de densité, que ces données ne permettent pas de reproduire)."
)


# --------------------------------------------------------------------------- age-related need


def age_need_section(official_apl: pd.DataFrame, units: pd.DataFrame, zones: pd.DataFrame) -> AgeNeedSection:
    """Age-related need index per unit, for the territory and for each compared area.

    ``official_apl`` is :func:`pipeline.store.queries.apl.apl_current` (current
    geography, arrondissement rows for Paris, Lyon and Marseille).
    """
    year = int(official_apl["annee"].max()) if len(official_apl) else 2023
    rows = official_apl[official_apl["annee"] == year]
    own = unit_apl(rows, units)
    by_unit = age_need_by_unit(own) if len(own) else pd.DataFrame(
        columns=["code", "population_standardisee", "population_totale", "indice_besoin_age"])
    per_unit = units[["unit_code"]].merge(by_unit.rename(columns={"code": "unit_code"}), on="unit_code", how="left")
    communes = rows[rows["niveau"] == "commune"]
    out = []
    for zone in zones.itertuples():
        if zone.niveau == "territoire":
            need = age_need_of(own, units["unit_code"])
        else:
            if zone.niveau == "departement":
                area = communes[communes["departement"] == zone.code]
            elif zone.niveau == "region":
                area = communes[communes["region"] == zone.code]
            else:
                area = communes[communes["region"].notna()]
            need = age_need_of(area, area["code"])
        # No row at all (Mayotte, absent from the workbook): the populations are unknown, not 0.
        known = need.index == need.index
        label = france_apl_label(zone.departements) if zone.niveau == "france" else zone.libelle
        out.append({"libelle": label, "niveau": zone.niveau, "code": zone.code,
                    "indice_besoin_age": need.index,
                    "population_standardisee": need.population_standardisee if known else np.nan,
                    "population_totale": need.population_totale if known else np.nan,
                    # Counted for the territory only: a zone's communes absent from the workbook are not
                    # known here (« non disponible », not 0).
                    "unites_sans_donnee": len(need.units_missing) if zone.niveau == "territoire" else pd.NA})
    missing = sorted(per_unit.loc[per_unit["indice_besoin_age"].isna(), "unit_code"])
    zones_frame = pd.DataFrame(out).astype({"unites_sans_donnee": "Int64"})
    return AgeNeedSection(year=year, population_year=year - APL_POPULATION_LAG, explanation=AGE_NEED_EXPLANATION,
                          per_unit=per_unit, zones=zones_frame, missing=missing)


# --------------------------------------------------------------------------- income


def zone_income(rows: pd.DataFrame) -> pd.DataFrame:
    """Approximate income of départements, régions and France from their communes' rows, in one pass.

    The same figure as :func:`pipeline.analysis.population.income.approximate_income`
    (mean of the published communal values weighted by the persons of the
    households; secret values left out), computed for every zone at once.

    Parameters
    ----------
    rows
        :func:`pipeline.store.queries.characteristics.filosofi_zone_rows`.

    Returns
    -------
    DataFrame
        ``niveau`` (``departement``, ``region``, ``france``), ``code``, one
        column per indicator (NaN when no row of the zone has the value), and
        ``part_personnes_deciles_pct`` (share of the zone's persons in
        communes whose deciles are published: the others are under statistical
        secrecy), ``lignes`` / ``commune``: the zone's number of commune rows and the first.
    """
    frame = rows.assign(france="")
    weights = pd.to_numeric(frame["personnes"], errors="coerce").astype("float64")
    secret = frame["secret"].fillna(False).astype(bool)
    out = []
    for level, column in (("departement", "departement"), ("region", "region"), ("france", "france")):
        figures = {}
        for indicator in INCOME_INDICATORS:
            values = pd.to_numeric(frame[indicator], errors="coerce").astype("float64")
            if indicator != "mediane":
                values = values.mask(secret)
            usable = values.notna() & (weights > 0)
            grouped = pd.DataFrame({"zone": frame.loc[usable, column], "wv": (values * weights)[usable],
                                    "w": weights[usable]}).groupby("zone")[["wv", "w"]].sum()
            figures[indicator] = grouped["wv"] / grouped["w"]
            if indicator == "d1":  # the persons the deciles rest on (a review: a third of the Meuse's)
                known = weights.where(weights > 0).groupby(frame[column]).sum()
                figures["part_personnes_deciles_pct"] = grouped["w"].reindex(known.index).fillna(0) / known * 100
        table = pd.DataFrame(figures)
        # A zone of one commune row (Paris: the département is the commune 75056) has the file's own figures.
        rows_of = frame.groupby(column)["commune"].agg(["size", "first"])
        table = table.assign(lignes=rows_of["size"].reindex(table.index),
                             commune=rows_of["first"].reindex(table.index).astype(object))
        out.append(table.rename_axis("code").reset_index().assign(niveau=level))
    return pd.concat(out, ignore_index=True)[["niveau", "code", *INCOME_INDICATORS, "part_personnes_deciles_pct",
                                              "lignes", "commune"]]


def _exact_commune(
    con: duckdb.DuckDBPyConnection, rows: pd.DataFrame, codes: list[str], recreated: pd.DataFrame
) -> tuple[str, pd.Series] | None:
    """The file's own row when the territory is one commune of the file's geography (one row, the commune was
    one commune then and nothing was re-created out of it since, or the territory is that commune and all the
    communes re-created out of it), or every arrondissement of a city.

    A review: Porte-de-Benauge (33008) absorbed Saint-Genis-du-Bois (33409, 86 inhabitants, not diffused) in 2025;
    the row of 33008 describes it without them, not « la valeur exacte de la commune ». Another: the row of
    Essarts-en-Bocage (85084) describes it with L'Oie and Sainte-Florence, re-created in 2024.
    """
    if len(rows) == 1:
        holder = str(rows["unite"].iloc[0])
        if set(codes) == {holder, *recreated.loc[recreated["code"].astype(str) == holder, "autre"].astype(str)}:
            then = queries.communes_of_the_filosofi_geography(con, holder)
            if then <= set(rows["code_source"].astype(str)) or not then:
                return holder, rows.iloc[0]
            return None
    cities = {city_of_arrondissement(c) for c in codes}
    if len(cities) == 1 and None not in cities:
        city = str(next(iter(cities)))
        if set(codes) == set(arrondissements_of(city)):
            whole = queries.filosofi_of_units(con, [city])
            if len(whole) == 1:
                return city, whole.iloc[0]
    return None


def _recreated_note(recreated: pd.DataFrame, codes: list[str]) -> str:
    """What the approximation's rows hold beyond the territory, or lack: communes re-created since 2021 on one
    side of its border, the commune of 2021 that held them on the other (its row describes them together)."""
    inside = set(codes)
    parts = []
    for holder, group in recreated.groupby(recreated["code"].astype(str)):
        others = sorted(set(group["autre"].astype(str)))
        beyond = [c for c in others if c not in inside]
        if holder in inside and beyond:
            parts.append(f"la ligne de {holder} décrit aussi {', '.join(beyond)}, hors du territoire")
        elif holder not in inside and (within := [c for c in others if c in inside]):
            described = "décrite" if len(within) == 1 else "décrites"
            parts.append(f"{', '.join(within)}, {described} par la ligne de {holder} hors du territoire, sans "
                         "valeur propre")
    return "" if not parts else " ; communes rétablies depuis la géographie de Filosofi (2021) : " + " ; ".join(parts)


#: Below this share of a zone's persons, its deciles say on whom they rest.
DECILES_SAID_BELOW_PCT = 95.0


def _deciles_coverage(share: object) -> str:
    """« ; déciles … : X % des personnes » when the zone's deciles rest on part of its persons only (the other
    communes' are under statistical secrecy): a review compared a territory with the Meuse's D1 and D9, which
    rest on 36 % of its persons, without a word."""
    value = pd.to_numeric(pd.Series([share]), errors="coerce").iloc[0]
    if pd.isna(value) or value >= DECILES_SAID_BELOW_PCT:
        return ""
    return (f" ; déciles et part des minima sociaux calculés sur les communes qui les publient, "
            f"{value:.0f} % des personnes que Filosofi recense dans la zone (secret statistique ailleurs)")


def _territory_deciles_coverage(result: TerritoryIncome, units: pd.DataFrame, per_unit: pd.DataFrame,
                                covered: Collection[str] = ()) -> str:
    """As :func:`_deciles_coverage`, for the territory's approximation, on its inhabitants (a review: Verdon's D1
    and D9 rest on 2 of its 15 communes, said in the report's text but not in the table's row that is passed on)."""
    figure = result.figures.get("d1")
    total = float(pd.to_numeric(units["population"], errors="coerce").sum())
    if result.method != "approximation" or figure is None or not figure.n_non_diffusees or total <= 0:
        return ""
    why = why_unpublished(per_unit, covered)
    # Where the others are: under secrecy, absent from the file, outside its field (a review read « secret
    # statistique ailleurs » of Mayotte's communes and of one the file does not hold).
    elsewhere = "secret statistique ailleurs" if why == "secret statistique" else f"ailleurs : {why}"
    if pd.isna(figure.population_non_diffusee):
        return (" ; déciles et part des minima sociaux calculés sur les communes qui les publient "
                f"({figure.n_communes - figure.n_non_diffusees} unités sur {figure.n_communes} ; {elsewhere})")
    share = 100 * (1 - figure.population_non_diffusee / total)
    if share >= DECILES_SAID_BELOW_PCT:
        return ""
    if figure.value != figure.value:  # no unit publishes them (a review read « 0 % » beside empty cells)
        return (" ; déciles et part des minima sociaux non disponibles : aucune commune du territoire ne les publie "
                f"({why})")
    return (f" ; déciles et part des minima sociaux calculés sur les communes qui les publient, {share:.0f} % des "
            f"habitants du territoire ({elsewhere})")


def income_references(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Filosofi figures of every département, région and France (:func:`zone_income`), indexed by
    ``niveau, code``: the same for every territory, so that a batch computes them once."""
    return zone_income(queries.filosofi_zone_rows(con)).set_index(["niveau", "code"])


def income_section(con: duckdb.DuckDBPyConnection, units: pd.DataFrame, zones: pd.DataFrame,
                   references: Callable[[], pd.DataFrame] | None = None) -> IncomeSection:
    """Filosofi 2019 figures of the territory, of its units and of the areas compared.

    ``references``: gives :func:`income_references` (read here when None).
    """
    codes = [str(c) for c in units["unit_code"]]
    if not queries.filosofi_loaded(con):
        reason = "revenus non disponibles : Filosofi 2019 n'est pas chargé (lancez « make data »)"
        empty = pd.DataFrame()
        return IncomeSection(available=False, method="", label="", epci=None, territory=empty, zones=empty,
                             per_unit=empty, zones_method="", unavailable=reason)
    rows = queries.filosofi_of_units(con, codes)
    territory = pd.DataFrame({"code": codes, "population": units["population"].to_numpy()})
    recreated = queries.filosofi_recreated(con, units["commune_code"].astype(str))
    # A commune re-created since the file, beside the commune whose row holds its households: covered by that row.
    inside = set(codes)
    covered_by = {str(r.autre): str(r.code) for r in recreated.itertuples() if str(r.code) in inside}
    # The communes of 2021 a unit is made of that the file does not publish (too few households): their persons,
    # taken as their population of 2021, are hidden from its row's figures (a review: Porte-de-Benauge's median
    # was said of the whole commune, Saint-Genis-du-Bois's 86 inhabitants left out without a word).
    gaps = queries.filosofi_geography_gaps(con, [c for c in codes if c in set(units["commune_code"].astype(str))])
    with_gaps = rows if gaps.empty else pd.concat([rows, gaps.rename(columns={"population": "personnes"}).assign(
        commune=gaps["unite"], personnes=pd.to_numeric(gaps["population"], errors="coerce"))], ignore_index=True)
    result = territory_income(with_gaps, territory, queries.filosofi_epci(con),
                              queries.filosofi_epci_members(con, units["commune_code"].astype(str)),
                              code_column="unite", covered_by=covered_by)
    exact = _exact_commune(con, rows, codes, recreated)
    if exact is not None and result.method != "epci":
        code, row = exact
        today = "" if codes == [code] else f" (commune de 2021, aujourd'hui {', '.join(codes)})"
        result = replace(epci_income(row, territory, code), method="commune", epci=None,
                         label=f"valeur exacte de la commune {code}{today} (Filosofi)")
    elif result.method == "approximation":
        result = replace(result, label=result.label + _recreated_note(recreated, codes))
    # Guadeloupe, Guyane and Mayotte are outside the INSEE commune file's field (no row at all), not « too small »;
    # another département without a row in the database is one its Filosofi load lacks.
    covered = queries.filosofi_departements(con)
    departements = units["departement"].astype(str)
    uncovered = ~departements.isin(covered)
    outside = set(units.loc[uncovered & departements.isin(OUTSIDE_FIELD), "unit_code"].astype(str))
    # A département the file holds but this database's Filosofi load does not (a download refused on a load that
    # added it): not « hors du champ » (a re-check: Aix-en-Provence), and its zones say so.
    not_loaded = set(units.loc[uncovered & ~departements.isin(OUTSIDE_FIELD), "unit_code"].astype(str))
    per_unit = unit_income(rows, codes, outside_field=outside, recreated=recreated, not_loaded=not_loaded)
    references_of_zones = income_references(con) if references is None else references()
    out = []
    coverage_notes = []  # the zones whose deciles rest on part of their persons, for the note under the table
    for zone in zones.itertuples():
        held = str(zone.departements).split(",")
        label = (france_label(held, FRANCE_INCOME_FIELD, (set(held) & OUTSIDE_FIELD) - set(covered), "de Filosofi")
                 if zone.niveau == "france" else zone.libelle)
        missing = sorted(set(held) - set(covered) - OUTSIDE_FIELD)
        record: dict[str, object] = {"libelle": label, "niveau": zone.niveau, "code": zone.code}
        if zone.niveau == "territoire":
            record.update({key: figure.value for key, figure in result.figures.items()})
            own = "son département" if units["departement"].nunique() == 1 else "ses départements"
            nothing = not_loaded and outside | not_loaded >= set(codes)
            record["methode"] = (NOT_LOADED_METHOD.format(which=own) if nothing
                                 else OUTSIDE_FIELD_METHOD.format(which=own) if outside >= set(codes)
                                 else result.label + _territory_deciles_coverage(result, units, per_unit,
                                                                                 covered_by))
        else:
            key = (zone.niveau, "" if zone.niveau == "france" else zone.code)
            values = references_of_zones.loc[key] if key in references_of_zones.index else pd.Series(dtype="float64")
            record.update({indicator: float(values.get(indicator, np.nan)) for indicator in INCOME_INDICATORS})
            coverage = _deciles_coverage(values.get("part_personnes_deciles_pct"))
            record["methode"] = (f"valeur exacte de la commune {values.get('commune')} (Filosofi), seule commune de "
                                 "la zone" if values.get("lignes") == 1 else APPROXIMATION_LABEL + coverage)
            if zone.niveau != "france" and not set(held) & set(covered):
                record["methode"] = (NOT_LOADED_METHOD if missing else OUTSIDE_FIELD_METHOD).format(
                    which="son département" if len(held) == 1 else "ses départements")
            elif missing:  # figures of its other départements only: said (a re-check read PACA's as the 04's)
                which = "le département" if len(missing) == 1 else "les départements"
                record["methode"] = f"{record['methode']} ; sans {which} {', '.join(missing)} (Filosofi non chargé)"
            if coverage and values.get("lignes") != 1:
                coverage_notes.append(f" ; {label},{coverage.removeprefix(' ;')}")
        out.append(record)
    frame = pd.DataFrame(out, columns=["libelle", "niveau", "code", *INCOME_INDICATORS, "methode"])
    # Paris is a département of one commune: its figure is the file's own, not an approximation (a review).
    exact = frame[(frame["niveau"] != "territoire") & frame["methode"].str.startswith("valeur exacte")]
    zones_method = ZONES_INCOME_METHOD + "".join(
        f" ; {row.libelle}, {row.methode}" for row in exact.itertuples()) + "".join(coverage_notes)
    return IncomeSection(available=True, method=result.method, label=result.label, epci=result.epci,
                         territory=result.table(), zones=frame, per_unit=per_unit, zones_method=zones_method)


# --------------------------------------------------------------------------- territory type


def territory_type_section(con: duckdb.DuckDBPyConnection, units: pd.DataFrame,
                           land: float | None = None) -> TerritoryTypeSection:
    """Unité urbaine, aire d'attraction des villes and density of each unit, and population shares."""
    codes = [str(c) for c in units["unit_code"]]
    zoning = zones_of_units(queries.appartenance_of(con, units["commune_code"].astype(str)), codes)
    aires = sorted({str(a) for a in zoning["aav2020"].dropna()})
    labels = queries.zone_labels(con, "AAV2020").set_index("code")["libelle"]
    frame = pd.DataFrame({
        "code": codes, "population": units["population"].to_numpy(),
        "area_km2": units["surface_km2"].to_numpy(dtype="float64"),
        "uu2020": zoning["uu2020"].to_numpy(), "aav2020": zoning["aav2020"].to_numpy(),
    })
    by_unit = territory_type_by_unit(frame, queries.aire_populations(con, aires), labels)
    uu_labels = queries.zone_labels(con, "UU2020").set_index("code")["libelle"]
    by_unit.insert(list(by_unit.columns).index("hors_unite_urbaine"), "uu_libelle",
                   by_unit["uu2020"].map(uu_labels).astype("string"))
    by_unit = by_unit.rename(columns={"code": "unit_code"})
    notes = [RURAL_NOTE, DENSITY_NOTE[0].upper() + DENSITY_NOTE[1:] + "."]
    inherited = zoning[zoning["herite_de"].notna()]
    if not inherited.empty:
        notes.append("Communes créées ou rétablies depuis la table d'appartenance INSEE 2024 : zonages repris de "
                     "la ou des communes dont elles sont issues ("
                     + ", ".join(f"{code} de {source.replace(',', ', ')}"
                                 for code, source in zip(inherited["code"], inherited["herite_de"], strict=True))
                     + ").")
    unknown = by_unit.loc[by_unit["uu2020"].isna(), "unit_code"].tolist()
    if unknown:
        notes.append("Unités absentes de la table d'appartenance INSEE 2024 : "
                     + ", ".join(unknown) + " ; leur type est « non disponible ».")
    if by_unit["area_km2"].isna().any():
        notes.append("Surface inconnue pour " + ", ".join(by_unit.loc[by_unit["area_km2"].isna(), "unit_code"])
                     + " : densité non disponible.")
    by_unit["densite_hab_km2"] = by_unit["densite_hab_km2"].replace([np.inf, -np.inf], np.nan)
    return TerritoryTypeSection(per_unit=by_unit, shares=territory_type_shares(by_unit.rename(
        columns={"unit_code": "code"}), land), notes=notes)
