"""Keys of ``summary.json`` added by the profile sections (documented in the README; never renamed).

Missing figures are ``null`` (never 0); dates are ISO strings.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.model.diagnostic import Diagnostic
from pipeline.render.sections.characteristics import POVERTY_RATE_WHY, income_outside_field


def _records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    if frame is None or frame.empty:
        return []
    return [{str(k): (None if v is pd.NA else v) for k, v in row.items()} for row in frame.to_dict("records")]


def _population(d: Diagnostic) -> dict[str, Any]:
    years = d.population.legal_years
    by_year: dict[str, Any] = {}
    if len(years):
        merged = years.merge(d.units[["unit_code", "population"]], on="unit_code", how="left")
        for year, group in merged.groupby("annee_population"):
            by_year[str(int(year))] = {"unites": len(group), "population": int(group["population"].fillna(0).sum())}
    evolution = d.population.evolution
    return {
        "population_annees": by_year,
        "population_libelle_annees": d.population.years_label,
        "evolution_population": {
            "disponible": bool(len(evolution) > 1 and evolution["evolution"].notna().any()),
            "unites_exclues": d.population.evolution_excluded,
        },
    }


def _areas(d: Diagnostic) -> dict[str, Any]:
    if d.areas is None:
        return {}
    zones = d.areas.zones[["niveau", "code", "nom", "population", "population_territoire", "principal"]]
    out: dict[str, Any] = {"zones_comparaison": _records(zones), "ars_concernees": d.areas.ars}
    if d.areas.supply is not None:
        out["offre_par_zone"] = _records(d.areas.supply)
    return out


def city_parts_under(d: Diagnostic, flag: str) -> list[str]:
    """Codes of the arrondissements under 2.5 (``flag``: the variant) of the cities counted as one unit."""
    parts = d.apl.city_parts_under
    return [] if parts is None or parts.empty else parts.loc[parts[flag].astype(bool), "code"].astype(str).tolist()


def _apl(d: Diagnostic) -> dict[str, Any]:
    zones = d.apl.zones
    per_unit = d.apl.per_unit
    under_65 = per_unit.get("sous_dense_moins_65")
    return {
        "apl_zones": _records(zones),
        "apl_moins_65_communes_sous_2_5": [] if under_65 is None else
        per_unit.loc[under_65.fillna(False).astype(bool), "unit_code"].tolist(),
        "apl_unites_sans_donnee": d.apl.missing,
        "apl_moins_65_arrondissements_sous_2_5": city_parts_under(d, "sous_dense_moins_65"),
    }


def _age_need(d: Diagnostic) -> dict[str, Any]:
    a = d.age_need
    if a is None:
        return {}
    return {"besoin_age": {
        "annee_apl": a.year, "annee_population": a.population_year,
        "territoire": a.zones.iloc[0]["indice_besoin_age"],
        "zones": _records(a.zones[["niveau", "code", "libelle", "indice_besoin_age"]]),
        "unites_sans_donnee": a.missing,
        "unites": _records(a.per_unit[["unit_code", "indice_besoin_age"]]),
    }}


def _income(d: Diagnostic) -> dict[str, Any]:
    i = d.income
    if i is None:
        return {}
    if not i.available:
        return {"revenus": {"disponible": False, "raison": i.unavailable}}
    # Units outside the file's field (Guadeloupe, Guyane, Mayotte) have no row at all: not « non diffusées »
    # (statistical secrecy), as the report says (a review found them counted so here only).
    outside, outside_population = income_outside_field(d)
    count = int(outside.sum())
    territory = {
        row.indicateur: {"valeur": row.valeur, "unites": row.n_communes,
                         "unites_non_diffusees": max(int(row.n_non_diffusees) - count, 0),
                         "population_non_diffusee": max(row.population_non_diffusee - outside_population, 0),
                         "unites_hors_champ": count, "population_hors_champ": outside_population}
        for row in i.territory.itertuples()
    }
    return {"revenus": {
        "disponible": True, "source": "INSEE, Filosofi 2019", "methode": i.method, "libelle_methode": i.label,
        "epci": i.epci, "territoire": territory,
        "zones": _records(i.zones.drop(columns="methode")), "methode_zones": i.zones_method,
        "unites": _records(i.per_unit[["unit_code", "mediane", "mediane_approchee", "d1", "d9",
                                       "part_minima_sociaux", "secret", "fusion", "statut"]]),
        # As the report says it: « non disponible » (null) and why, not a key left for the reader to look for.
        "taux_pauvrete": {"valeur": None, "raison": POVERTY_RATE_WHY},
    }}


def _territory_type(d: Diagnostic) -> dict[str, Any]:
    t = d.territory_type
    if t is None:
        return {}
    density = t.shares.loc[t.shares["dimension"] == "densité", "valeur"]
    return {"type_territoire": {
        "parts": _records(t.shares[t.shares["dimension"] != "densité"][
            ["dimension", "categorie", "n_unites", "population", "part_population"]]),
        "densite_hab_km2": density.iloc[0] if len(density) else None,
        "unites": _records(t.per_unit[["unit_code", "uu2020", "hors_unite_urbaine", "aav2020", "aav_classe",
                                       "aav_classe_libelle", "densite_hab_km2"]]),
    }}


def _dynamics(d: Diagnostic) -> dict[str, Any]:
    dyn = d.dynamics
    if dyn is None:
        return {"dynamique_offre": None}
    periods = []
    for p in dyn.periods:
        territory = {row.groupe: {"presents_debut": row.present_start, "presents_fin": row.present_end,
                                  "arrivees": row.arrivals, "departs": row.departures, "solde": row.net_change}
                     for row in p.territory.itertuples()}
        periods.append({"debut": p.start.isoformat(), "fin": p.end.isoformat(), "indisponible": p.withheld,
                        "territoire": None if p.withheld else territory,
                        "lignes_non_suivies": p.rows_left_out,
                        # The report's caveat, for the scripts reading the figures (a review: in the report only).
                        "changements_identifiant": list(p.identifier_switches)})
    return {"dynamique_offre": {"extractions": [day.isoformat() for day in dyn.extractions], "periodes": periods,
                                "indisponible": dyn.unavailable, "previsions_de_depart": dyn.forecast_note}}


def _coverage(d: Diagnostic) -> dict[str, Any]:
    c = d.registry_coverage
    if c is None:
        return {"offre_couverture": None}
    return {"offre_couverture": {
        "departements": c.departements, "finess_departements": c.finess_departements, "complet": c.complete,
        "zones": _records(c.zones), "note": c.note,
    }}


def _members(d: Diagnostic) -> dict[str, Any]:
    m = d.members
    if m is None:
        return {}
    return {"representativite_trame": _records(m.table), "adherents_rapproches": _records(m.matches),
            "adherents_notes": list(m.notes)}


def profile_summary(d: Diagnostic) -> dict[str, Any]:
    """The profile keys of ``summary.json`` (see the README, « summary.json »)."""
    out: dict[str, Any] = {}
    for part in (_population, _areas, _apl, _age_need, _income, _territory_type, _dynamics, _coverage, _members):
        out.update(part(d))
    return out
