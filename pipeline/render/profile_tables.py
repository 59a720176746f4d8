"""The profile sections' tables for ``diagnostic.xlsx`` and the CSV files (one table per figure shown).

Column names are stable (snake_case, French); missing figures are empty
cells, never 0.
"""

from __future__ import annotations

import pandas as pd

from pipeline.model.diagnostic import Diagnostic
from pipeline.model.profile import DYNAMICS_COUNT_COLUMNS

#: Table name → sheet of ``diagnostic.xlsx`` (31 characters at most).
PROFILE_SHEETS: dict[str, str] = {
    "unites_profil": "Profil par commune",
    "zones_comparaison": "Zones comparées",
    "offre_par_zone": "Offre par zone",
    "apl_zones": "APL par zone",
    "besoin_age": "Besoin lié à l'âge",
    "revenus": "Revenus (Filosofi)",
    "type_territoire": "Type de territoire",
    "dynamique_territoire": "Dynamique - territoire",
    "dynamique_unites": "Dynamique - communes",
    "couverture_offre": "Couverture des fichiers",
    "representativite_trame": "Représentativité (Trame)",
    "adherents_rapproches": "Adhérents rapprochés",
}
#: Title of each table (workbook, documents).
PROFILE_TITLES: dict[str, str] = {
    "unites_profil": "Profil de chaque commune : année de population, APL, besoin lié à l'âge, revenus, type",
    "zones_comparaison": "Zones comparées : territoire, départements, régions, France",
    "offre_par_zone": "Densité de professionnels dans chaque département et région du territoire",
    "apl_zones": "APL (toutes et moins de 65 ans) et population sous le seuil de 2,5 par zone",
    "besoin_age": "Indice de besoin lié à l'âge par zone",
    "revenus": "Revenus (Filosofi 2019) par zone",
    "type_territoire": "Population par type de territoire",
    "dynamique_territoire": "Arrivées et départs de professionnels dans le territoire (tous modes d'exercice)",
    "dynamique_unites": "Arrivées et départs de professionnels par commune",
    "couverture_offre": "Départements couverts par les extractions chargées",
    "representativite_trame": "Représentativité : tableau de la Trame",
    "adherents_rapproches": "Adhérents rapprochés de l'Annuaire Santé par leur RPPS",
}
#: Source line of each table (French).
PROFILE_SOURCES: dict[str, str] = {
    "unites_profil": "INSEE (populations légales, Filosofi 2019, table d'appartenance 2024), DREES (APL 2023)",
    "zones_comparaison": "INSEE, populations légales (Etalab, découpage administratif)",
    "offre_par_zone": "Annuaire Santé (extraction RPPS/ADELI)",
    "apl_zones": "DREES, APL aux médecins généralistes 2022-2023",
    "besoin_age": "DREES, APL 2023 (populations 2021 standardisées)",
    "revenus": "INSEE, Filosofi 2019 (base communale et EPCI)",
    "type_territoire": "INSEE, table d'appartenance géographique des communes 2024 (UU2020, AAV2020)",
    "dynamique_territoire": "Annuaire Santé, extractions datées",
    "dynamique_unites": "Annuaire Santé, extractions datées",
    "couverture_offre": "Annuaire Santé et FINESS chargés ; populations légales INSEE",
    "representativite_trame": "Fichier des adhérents fourni (ADHERENTS=), Annuaire Santé, FINESS",
    "adherents_rapproches": "Fichier des adhérents fourni (ADHERENTS=), Annuaire Santé",
}
#: Columns of the dynamics tables, in French.
DYNAMICS_COLUMNS = {"present_start": "presents_debut", "present_end": "presents_fin", "arrivals": "arrivees",
                    "departures": "departs", "net_change": "solde"}
#: Of them, the tables also written as CSV.
PROFILE_CSV: tuple[str, ...] = tuple(PROFILE_SHEETS)
#: Tables built on the Annuaire Santé (marked « données fictives de démonstration » when it is).
REGISTRY_TABLES: tuple[str, ...] = ("offre_par_zone", "dynamique_territoire", "dynamique_unites",
                                    "couverture_offre", "representativite_trame", "adherents_rapproches")


def unit_profile(d: Diagnostic) -> pd.DataFrame:
    """One row per unit: legal-population year and every per-unit figure of the profile sections."""
    u = d.units[["unit_code", "nom", "population"]].copy()
    if len(d.population.legal_years):
        u = u.merge(d.population.legal_years, on="unit_code", how="left")
    apl = [c for c in ("apl_2023", "apl_moins_65_2023", "sous_dense", "sous_dense_moins_65")
           if c in d.apl.per_unit.columns]
    u = u.merge(d.apl.per_unit[["unit_code", *apl]], on="unit_code", how="left")
    if d.age_need is not None:
        u = u.merge(d.age_need.per_unit[["unit_code", "indice_besoin_age"]], on="unit_code", how="left")
    if d.income is not None and d.income.available:
        income = d.income.per_unit[["unit_code", "mediane", "mediane_approchee", "d1", "d9", "part_minima_sociaux",
                                    "statut"]]
        u = u.merge(income.rename(columns={"mediane": "revenu_median", "mediane_approchee": "revenu_median_approche",
                                           "d1": "revenu_d1", "d9": "revenu_d9", "statut": "filosofi_diffusion"}),
                    on="unit_code", how="left")
    if d.territory_type is not None:
        kinds = d.territory_type.per_unit[["unit_code", "densite_hab_km2", "uu2020", "uu_libelle",
                                           "hors_unite_urbaine", "aav2020", "aav_libelle", "aav_classe",
                                           "aav_classe_libelle"]]
        u = u.merge(kinds, on="unit_code", how="left")
    return u.rename(columns={"unit_code": "code_insee", "nom": "commune"})


#: Columns of a period's territory table (:attr:`pipeline.model.profile.DynamicsPeriod.territory`), in order.
TERRITORY_DYNAMICS_COLUMNS = ("groupe", *DYNAMICS_COUNT_COLUMNS)


def _dynamics(d: Diagnostic) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    if d.dynamics is None or not d.dynamics.periods:
        return None, None
    territory, units = [], []
    names = d.units.set_index("unit_code")["nom"]
    for p in d.dynamics.periods:
        extra = {"debut": p.start.isoformat(), "fin": p.end.isoformat(), "indisponible": p.withheld}
        if p.withheld is None:
            territory.append(p.territory.assign(**extra))
            # The unit's name beside its code (« commune » is the code of its commune: the city of an arrondissement).
            per_unit = p.per_unit.assign(**extra)
            per_unit.insert(per_unit.columns.get_loc("lieu") + 1, "nom", per_unit["lieu"].map(names))
            units.append(per_unit)
        else:
            territory.append(pd.DataFrame([extra]))
    # The same columns in the same order whichever period is withheld (a review: a withheld first period put
    # « debut », « fin », « indisponible » first).
    frame = pd.concat(territory, ignore_index=True)
    ordered = [*TERRITORY_DYNAMICS_COLUMNS, *extra]
    return (frame.reindex(columns=ordered + [c for c in frame.columns if c not in ordered])
            .rename(columns=DYNAMICS_COLUMNS),
            pd.concat(units, ignore_index=True).rename(columns=DYNAMICS_COLUMNS) if units else None)


def profile_tables(d: Diagnostic) -> dict[str, pd.DataFrame]:
    """The profile tables the diagnostic has (names of :data:`PROFILE_SHEETS`)."""
    out: dict[str, pd.DataFrame | None] = {"unites_profil": unit_profile(d)}
    if d.areas is not None:
        out["zones_comparaison"] = d.areas.zones.assign(ars=", ".join(d.areas.ars))
        out["offre_par_zone"] = d.areas.supply
    out["apl_zones"] = d.apl.zones
    if d.age_need is not None:
        out["besoin_age"] = d.age_need.zones.assign(annee_apl=d.age_need.year,
                                                    annee_population=d.age_need.population_year)
    if d.income is not None and d.income.available:
        out["revenus"] = d.income.zones.assign(source="INSEE, Filosofi 2019")
    if d.territory_type is not None:
        out["type_territoire"] = d.territory_type.shares
    out["dynamique_territoire"], out["dynamique_unites"] = _dynamics(d)
    if d.registry_coverage is not None:
        c = d.registry_coverage
        out["couverture_offre"] = pd.concat([
            c.registry.rename(columns={"activites": "effectif"}).assign(fichier="Annuaire Santé (lignes d'activité)"),
            c.finess.rename(columns={"etablissements": "effectif"}).assign(fichier="FINESS (établissements)"),
        ], ignore_index=True)
    if d.members is not None:
        out["representativite_trame"] = d.members.table
        out["adherents_rapproches"] = d.members.matches.rename(columns={"ligne": "ligne_adherents"})
    # The members given, their matches are a table even without a row (no RPPS in the file): its header and one
    # line « aucune donnée », as the README says of every table (a review found no file).
    kept = {"adherents_rapproches"} if d.members is not None else set()
    return {name: frame for name, frame in out.items() if frame is not None and (not frame.empty or name in kept)}
