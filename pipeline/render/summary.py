"""``summary.json``: the diagnostic's key figures for scripts (keys may be added, never renamed)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from pipeline.model.diagnostic import Diagnostic, PertinenceSection
from pipeline.render.sections.access import access_unavailable, apl_france_label
from pipeline.render.sections.common import establishments_uncovered, france_label, main_zones
from pipeline.render.sections.members import neighbours_unavailable
from pipeline.render.summary_profile import city_parts_under, profile_summary


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, float | np.floating):
        # Six decimals: a share kept to four (0.8595 for 0.85947) read again to one decimal of a percentage gave
        # 86,0 where the report says 85,9 (a review).
        return None if math.isnan(value) else round(float(value), 6)
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def inhabitants(value: Any) -> int | None:
    """A population as a whole number (summed legal populations are whole even when held as floats)."""
    if value is None or value is pd.NA or (isinstance(value, float | np.floating) and math.isnan(value)):
        return None
    return round(float(value))


def _count(value: object) -> int | None:
    """A count of the tables, None where unknown (NA)."""
    return None if pd.isna(value) else int(value)  # type: ignore[call-overload]


def perimeter_parts_summary(p: PertinenceSection) -> dict[str, Any]:
    """Key ``pertinence.parties_du_perimetre``: ``nombre`` of parts (null when a unit has no polygon: its place is
    unknown, or when part of the perimeter is outside the loaded départements: ``hors_departements_charges`` says
    why), ``nombre_parties_dessinees`` (of the units with a polygon), the units outside part 1 and those
    without polygon."""
    if p.parts.empty:
        return {"nombre": None, "nombre_parties_dessinees": None, "hors_partie_principale": [],
                "unites_sans_contour": [], "hors_departements_charges": p.beyond_the_load}
    # Unknown continuity (part of the perimeter beyond the load): no unit is said to be apart.
    apart = p.parts[p.parts["part"].notna() & (p.parts["part"] > 1)] if p.beyond_the_load is None else p.parts.iloc[:0]
    return {"nombre": p.parts_count, "nombre_parties_dessinees": p.drawn_parts,
            "hors_partie_principale": [{"code": r.code, "nom": r.nom, "population": r.population, "partie": int(r.part)}
                                       for r in apart.itertuples()],
            "unites_sans_contour": [str(c) for c in p.parts.loc[p.parts["part"].isna(), "code"]],
            "hors_departements_charges": p.beyond_the_load}


def pertinence_summary(d: Diagnostic) -> dict[str, Any] | None:
    """Key ``pertinence``: self-containment, candidates, units to examine, zones cut (shares 0–1)."""
    p = d.pertinence
    if p is None:
        return None
    zones = [{"niveau": r.level, "code": r.zone, "nom": r.nom, "unites_dans": _count(r.n_units_in),
              "unites_hors": _count(r.n_units_out), "population_hors": inhabitants(r.population_out)}
             for r in p.cut_zones.itertuples()]
    parts = perimeter_parts_summary(p)
    if not p.available:  # the zones cut and the parts depend on the zonings and polygons only: given all the same
        # The population does not depend on the flows either (a review read « population »: null, though known).
        return {"indisponible": p.unavailable, "population": inhabitants(d.territory.population),
                "zones_coupees": zones, "parties_du_perimetre": parts}
    return {
        "origine": p.origin,
        "seuils": {"part_min_candidat": p.candidate_min_share, "part_max_a_examiner": p.examine_below_share},
        "auto_confinement": p.self_containment,
        "population": inhabitants(p.population),
        "auto_confinement_avec_candidats": p.self_containment_with_candidates,
        "population_avec_candidats": inhabitants(p.population_with_candidates),
        "candidats": [{"code": r.code, "nom": r.nom, "population": inhabitants(r.population),
                       "part_recours_vers_territoire": r.share_into_perimeter,
                       # None: no loaded listing covers the candidate's région (its CPTS are unknown)
                       "cpts": None if r.claimed_by is None or r.claimed_by != r.claimed_by
                       else [n for n in str(r.claimed_by).split("; ") if n]}
                      for r in p.candidates.itertuples()],
        # None, not « none », when the residents' leaks are unknown (``habitants_indisponible`` says why).
        "a_examiner": None if p.residents_unknown is not None else [
            {"code": r.code, "nom": r.nom, "population": inhabitants(r.population),
             "part_recours_dans_territoire": r.share_inside, "destination_principale": r.main_destination}
            for r in p.to_examine.itertuples()],
        "habitants_indisponible": p.residents_unknown,
        "zones_coupees": zones,
        "parties_du_perimetre": parts,
        "unites_sans_recours": p.units_without_flows,
        "reserves": p.caveats,
    }


def _calendar(d: Diagnostic) -> dict[str, Any] | None:
    """``signature`` and per mission its start and deadline (ISO days, None where not known); None without
    ``SIGNATURE=``."""
    t = d.taille
    if t.calendar is None or t.signature is None:
        return None

    def day(value: Any) -> str | None:
        return None if value is None or pd.isna(value) else value.isoformat()

    return {"signature": t.signature.isoformat(), "missions": [
        {"mission": row.mission, "categorie": row.categorie, "demarrage": day(row.demarrage),
         "deploiement": day(row.deploiement), "texte": row.texte, "remarque": row.remarque or None}
        for row in t.calendar.itertuples()]}


def establishments_summary(d: Diagnostic) -> dict[str, Any] | None:
    """The establishments' counts (a review: summary.json had none): per group, in the territory and nearby;
    ``None`` without FINESS, ``{"indisponible": why}`` where the loaded extraction does not cover the territory."""
    if d.establishments is None:
        return None
    if (why := establishments_uncovered(d)) is not None:
        return {"indisponible": why}
    e = d.establishments
    inside = e["dans_territoire"].astype(bool)
    contradicted = e.get("coordonnees_contradictoires", pd.Series(False, index=e.index)).fillna(False).astype(bool)
    return {"dans_territoire": int(inside.sum()), "a_proximite": int((~inside).sum()),
            "par_groupe": {str(g): int(n) for g, n in e[inside].groupby("groupe").size().items()},
            "coordonnees_contradictoires": int(contradicted.sum()),
            "extraction_demonstration": d.is_demo("finess")}


def summary(d: Diagnostic) -> dict[str, Any]:
    supply = None
    if d.supply is not None:
        supply = {
            row.groupe: {"praticiens": row.praticiens, "densite_10000": row.densite_10000,
                         "densite_departement": row.densite_departement, "densite_region": row.densite_region,
                         "densite_france": row.densite_france,
                         # « structures » (MSP, centres de santé: FINESS): their densities do not apply (null).
                         "unite": getattr(row, "unite", "professionnels")}
            for row in d.supply.table.itertuples()
        }
    apl = d.apl.synthesis.set_index("annee")
    flows = None
    if d.flows is not None and d.flows.available:
        syn = d.flows.synthesis.set_index("groupe")
        flows = {"origine": d.flows.origin,
                 "auto_confinement": syn["auto_confinement"].to_dict(), "attraction": syn["attraction"].to_dict(),
                 "reserves": d.flows.caveats,
                 "departements_non_charges_a_portee": list(d.flows.beyond_the_load)}
    elif d.flows is not None:
        flows = {"indisponible": d.flows.unavailable}
    access = None
    if d.access is not None:
        rho, n = d.access.spearman_territory
        rho_v, n_v = d.access.spearman_neighbourhood
        access = {"libelle": "APL approchée (pas l'APL officielle)", "spearman_apl_officielle_2023": rho,
                  "communes_comparees": n, "demande": d.access.demand,
                  # The report gives both correlations: the neighbourhood's was missing here (a review).
                  "spearman_apl_officielle_2023_voisinage": rho_v, "communes_comparees_voisinage": n_v}
    representativeness = None
    if d.representativeness is not None:
        representativeness = {
            row.groupe: {"praticiens": row.praticiens, "adherents": row.adherents,
                         "part_adherents_pct": row.part_adherents_pct,
                         "adherents_hors_territoire": row.adherents_hors_territoire}
            for row in d.representativeness.itertuples()
        }
    simulation = None
    if d.access is not None and d.access.simulation is not None:
        simulation = {
            "changements": [{"groupe": c.groupe, "variation": c.delta, "commune": c.commune}
                            for c in d.access.changes],
            "communes": d.access.simulation.to_dict("records"),
            "territoire": (None if d.access.simulation_territory is None
                           else d.access.simulation_territory.to_dict("records")),
        }
    return jsonable({
        "territory": d.territory.spec,
        # The comparison (make diagnostics) that wrote these outputs, null for a diagnostic of its own.
        "comparaison": d.comparison,
        "label": d.territory.label,
        "communes": len(d.territory.commune_codes),
        "unites": len(d.units),
        "population": d.population.total,
        "population_vintage": d.population.year,
        "cog_vintage": d.population.cog,
        "population_by_vintage": dict(zip(d.population.evolution["millesime"].astype(str),
                                          d.population.evolution["population"],
                                          strict=True)),
        "surface_km2": d.population.area_km2,
        "densite_hab_km2": d.population.density,
        "taille": d.taille.label,
        # The band as a number, None when not known; then the band the loaded communes reach, which the whole
        # territory reaches at least (a review: scripts had only the label « non disponible »).
        "taille_classe": d.taille.band,
        "taille_minimale": d.taille.lower_bound,
        # Part of the territory beyond the load: the whole population its taille is established on (the COG's).
        "population_territoire_entier": d.taille.whole_population,
        # The professionals counted for « 4++ » (« Autres » left out), shown in the report and the Word Trame.
        "taille_professionnels": d.taille.professionals,
        "financement_aci": {"total_possible": d.taille.total_possible,
                            "volet_supplementaire": d.taille.volet_supplementaire, "maximum": d.taille.maximum,
                            "version_aci": d.taille.version,
                            "complet": d.taille.total_possible is not None and not d.taille.missions_without_amount,
                            "missions_sans_montant": d.taille.missions_without_amount},
        # The mission calendar of SIGNATURE= (a review: the report and the Trame gave it, the JSON did not).
        "calendrier_aci": _calendar(d),
        "supply": supply,
        # What the « département », « région » and « France » figures of supply and apl sum (a database of some
        # départements sums those only; the DREES workbook has no Mayotte): the JSON alone misread them (a review).
        "zones_de_reference": {"departement": main_zones(d)[0], "region": main_zones(d)[1],
                               "france": france_label(d), "france_apl": apl_france_label(d)},
        "apl": {"2022": apl.loc[2022].to_dict(), "2023": apl.loc[2023].to_dict(),
                "communes_sous_2_5": d.apl.per_unit.loc[d.apl.per_unit["sous_dense"].fillna(False).astype(bool),
                                                          "unit_code"].tolist(),
                # The arrondissements under 2.5 of a city the territory counts as one unit (not in the list above).
                "arrondissements_sous_2_5": city_parts_under(d, "sous_dense")},
        # None (« non disponible »), not an empty list (« none »), when no listing lets them be searched.
        "overlaps": None if neighbours_unavailable(d) else d.neighbours.to_dict("records"),
        "overlaps_non_disponibles": neighbours_unavailable(d),
        # Régions of the territory or touching it without any loaded listing: not searched (names).
        "overlaps_regions_sans_liste": d.regions_without_listing,
        "overlaps_departements_sans_liste": d.departements_without_listing,
        # Neighbours whose listing reports a near-duplicate name (perhaps one CPTS counted twice).
        "overlaps_noms_proches": d.near_duplicate_neighbours,
        "anomalies_liste": [] if d.listing_anomalies is None else [
            {"type": r.kind, "code": r.code, "ligne": r.line, "detail": r.detail_fr}
            for r in d.listing_anomalies.itertuples(index=False)],
        "flows": flows,
        "access": access,
        # Why ``access`` is null, in French (a review: null without a reason when the registry does not cover the
        # territory); null when it is given.
        "access_indisponible": None if d.access is not None else access_unavailable(d),
        "representativeness": representativeness,
        "simulation": simulation,
        "pertinence": pertinence_summary(d),
        "etablissements": establishments_summary(d),
        "sources": d.sources[["source", "vintage", "origin", "sha256"]].to_dict("records"),
        "demo_data": d.demo_data,
        "demo_sources": d.demo_sources,
        "notes": d.notes,
        "timings_s": {k: round(v, 2) for k, v in d.timings.items()},
        **profile_summary(d),
    })
