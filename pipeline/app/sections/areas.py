"""The areas a territory is compared with: each of its départements and régions, and France.

A territory that spans two départements or régions is compared with each of
them (population, supply densities, APL, income), and the report names every
ARS concerned (one agence régionale de santé per région).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.analysis import indicators as ind
from pipeline.geography import OVERSEAS_COLLECTIVITIES, france_label, whole_france, zone_label
from pipeline.model import Territory
from pipeline.model.profile import AreasSection
from pipeline.store.queries import geography, registry_history
from pipeline.store.queries import supply as supply_queries

ZONE_COLUMNS = ["niveau", "code", "nom", "libelle", "principal", "population", "population_territoire",
                "departements"]


def ordered_zones(units: pd.DataFrame, column: str, main: str) -> list[tuple[str, int]]:
    """Codes of ``column`` with the territory's population in each, the main one first, then by population."""
    totals = units.assign(p=units["population"].fillna(0).astype("int64")).groupby(column)["p"].sum()
    ordered = sorted(totals.items(), key=lambda kv: (kv[0] != main, -kv[1], str(kv[0])))
    return [(str(code), int(pop)) for code, pop in ordered]


def areas_section(
    con: duckdb.DuckDBPyConnection, territory: Territory, main_departement: str, main_region: str
) -> AreasSection:
    """The territory, each of its départements and régions, and France, with their populations."""
    deps = registry_history.departement_populations(con)
    population = deps.set_index("departement")["population"]
    units = territory.units.dropna(subset=["departement"])
    rows: list[dict[str, object]] = []
    own = sorted(set(units["departement"].astype(str)))
    rows.append({"niveau": "territoire", "code": "", "nom": territory.label, "libelle": "Territoire",
                 "principal": True, "population": territory.population,
                 "population_territoire": territory.population, "departements": ",".join(own)})
    ordered = ordered_zones(units, "departement", main_departement)
    # The collectivités d'outre-mer are outside the départements' table: their population from their communes.
    outside = [code for code, _ in ordered if code not in population.index]
    if outside:
        latest = geography.reference_populations(con, [("departement", code) for code in outside]).iloc[-1]
        population = pd.concat([population, pd.Series({code: latest[f"departement:{code}"] for code in outside})])
    for code, inside in ordered:
        name = geography.departement_name(con, code) or code
        rows.append({"niveau": "departement", "code": code, "nom": name,
                     "libelle": zone_label("departement", code, name), "principal": code == main_departement,
                     "population": population.get(code, pd.NA), "population_territoire": inside,
                     "departements": code})
    ars = []
    whole = whole_france(deps["departement"])
    for code, inside in ordered_zones(units.dropna(subset=["region"]), "region", main_region):
        if code in OVERSEAS_COLLECTIVITIES:  # its own région in the COG: one row, as a collectivité, above
            if OVERSEAS_COLLECTIVITIES[code] not in ars:  # Saint-Martin with Guadeloupe: one ARS
                ars.append(OVERSEAS_COLLECTIVITIES[code])
            continue
        name = geography.region_name(con, code) or code
        members = sorted(deps.loc[deps["region"] == code, "departement"].astype(str))
        label = zone_label("region", code, name, () if whole else members)
        rows.append({"niveau": "region", "code": code, "nom": name, "libelle": label,
                     "principal": code == main_region,
                     "population": int(population.reindex(members).fillna(0).sum()),
                     "population_territoire": inside, "departements": ",".join(members)})
        if f"ARS {name}" not in ars:
            ars.append(f"ARS {name}")
    rows.append({"niveau": "france", "code": "", "nom": "France", "libelle": france_label(deps["departement"]),
                 "principal": True, "population": int(deps["population"].sum()), "population_territoire":
                 territory.population, "departements": ",".join(sorted(deps["departement"].astype(str)))})
    zones = pd.DataFrame(rows, columns=ZONE_COLUMNS).astype({"population": "Int64"})
    return AreasSection(zones=zones, ars=ars)


def zone_departements(zones: pd.DataFrame) -> dict[str, list[str]]:
    """Label of each compared area → its département codes."""
    return {str(r.libelle): [d for d in str(r.departements).split(",") if d] for r in zones.itertuples()}


def supply_by_zone(con: duckdb.DuckDBPyConnection, areas: AreasSection) -> pd.DataFrame:
    """Head counts and densities per Trame profession for each département and région of the territory.

    Densities divide distinct practitioners with a site in the area by the
    area's population, as for the main département (the registry's coverage
    is applied afterwards, :func:`pipeline.app.sections.registry_coverage.mask_zone_supply`).
    """
    frames = []
    for row in areas.zones.itertuples():
        if row.niveau not in ("departement", "region"):
            continue
        zone = {"departement": row.code} if row.niveau == "departement" else {"region": row.code}
        counts = supply_queries.effectifs_zone(con, **zone)
        table = ind.supply_by_group(counts, float(row.population))
        frames.append(table.assign(libelle=row.libelle, niveau=row.niveau, code=row.code))
    if not frames:
        return pd.DataFrame(columns=["libelle", "niveau", "code", "groupe", "praticiens", "densite_10000"])
    out = pd.concat(frames, ignore_index=True)
    return out[["libelle", "niveau", "code", "groupe", "praticiens", "densite_10000"]]
