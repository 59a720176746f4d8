"""Report section « Flux de patients »."""

from __future__ import annotations

from typing import Any

from pipeline.model.diagnostic import Diagnostic, FlowsSection, residents_unknown
from pipeline.render.sections.common import (
    AMBULATORY_WORDS,
    DEMO_WARNING,
    REGISTRY_SOURCE,
    fmt,
    reservations,
    tables_place,
)

#: Rows of a flow table beyond which the report shows the main ones and says where the others are.
MAX_ROWS = 25

#: Flow-table columns as shown in the report.
FLOW_VOLUME_NOTE = (
    "Les volumes de recours sont des ordres de grandeur : ils reposent sur des taux nationaux de recours par "
    "habitant, dont celui des chirurgiens-dentistes est une hypothèse de travail non sourcée. Ce sont les parts "
    "(auto-confinement, attraction, part des recours des habitants) qui comptent pour juger du périmètre ; "
    "elles ne dépendent pas de ces taux."
)




def _decay_text(params: Any) -> str:
    if params is None:
        return "décroissance avec la distance"
    if params.decay == "power":
        return (f"décroissance en puissance de la distance, exposant {fmt(params.alpha, 1)} et distance minimale "
                f"{fmt(params.min_km, 1)} km")
    return f"décroissance exponentielle avec la distance, taux {fmt(params.beta_per_km, 2)} par km"


def _flow_method_paragraph(flows: FlowsSection) -> str:
    if flows.real:
        return (f"Origine des flux : {flows.origin}. Les indicateurs sont calculés directement sur les volumes "
                "de cette table origine-destination ; aucun modèle n'est appliqué.")
    return (f"Origine des flux : {flows.origin}. Les recours partent de chaque commune en proportion de sa "
            "population (taux nationaux de recours par profession) et se répartissent entre les communes où "
            f"exercent les professionnels en ambulatoire ({AMBULATORY_WORDS}) selon leur présence (parts de présence "
            "par lieu d'exercice) et la distance "
            f"(modèle de Huff, {_decay_text(flows.params)}).")


#: Why a bassin de vie's residents' figures are « non disponible » (:func:`pipeline.analysis.flow_indicators`),
#: modelled flows or a given table alike (a review: « ne sont pas modélisés » under a table, where no model runs).
BEYOND_THE_LOAD = ("« non disponible » : bassin de vie dont des communes sont hors des départements chargés dans la "
                   "base (make data DEPARTEMENTS=…) ; ses communes y sont comptées, mais pas les recours de leurs "
                   "habitants.")


#: Why they are « non disponible » for a profession whose residents' consultations a given table does not give.
RESIDENTS_UNKNOWN = ("« non disponible » : profession dont la table fournie ne donne pas les recours des habitants "
                     "du territoire (voir les réserves).")


def beyond_the_load(d: Diagnostic) -> bool:
    """Whether a bassin de vie of the flows section has residents beyond the loaded départements (its residents'
    figures unknown for a profession whose residents' consultations are known)."""
    if d.flows is None or d.flows.bassins_de_vie.empty:
        return False
    bv = d.flows.bassins_de_vie
    unknown = residents_unknown(d.flows.synthesis)
    return bool(bv.loc[~bv["groupe"].astype(str).isin(unknown), "recours_residents_bv"].isna().any())


def bassins_unknown_note(d: Diagnostic) -> str:
    """Why bassins de vie figures are « non disponible »: beyond the load, or a table without the residents'
    consultations (a review: a table lacking Bordeaux's rows was said to reach unloaded départements)."""
    if d.flows is None or d.flows.bassins_de_vie.empty:
        return ""
    bv = d.flows.bassins_de_vie
    notes = [BEYOND_THE_LOAD] if beyond_the_load(d) else []
    if bv["groupe"].astype(str).isin(residents_unknown(d.flows.synthesis)).any():
        notes.append(RESIDENTS_UNKNOWN)
    return " ".join(notes)


def flows_section(d: Diagnostic) -> dict[str, Any]:
    if d.flows is None:
        return {"title": "Flux de patients", "paragraphs": ["Pas d'offre de soins chargée : flux non calculés."]}
    if not d.flows.available:
        reason = d.flows.unavailable or "flux non calculés"
        return {"title": "Flux de patients", "paragraphs": [reason[0].upper() + reason[1:] + "."]}
    real = d.flows.real
    volumes = "Recours annuels" if real else "Recours annuels modélisés"
    syn = d.flows.synthesis.copy()
    for col in ("auto_confinement", "attraction"):
        syn[col] = syn[col] * 100
    syn = syn.rename(columns={"groupe": "Profession", "recours_residents": "Recours des habitants",
                              "recours_internes": "dont dans le territoire", "auto_confinement": "Auto-confinement (%)",
                              "fuites": "Recours hors territoire",
                              "recours_realises": "Recours réalisés dans le territoire",
                              "recours_exterieurs_entrants": "dont par des non-résidents",
                              "attraction": "Attraction (%)", "non_affecte": "Non affectés"})
    pct = {"Auto-confinement (%)": 1, "Attraction (%)": 1}
    tables = [{"title": "Auto-confinement et attraction", "data": syn,
               "decimals": {c: pct.get(c, 0) for c in syn.columns if c != "Profession"}}]
    dest = d.flows.external_destinations
    if not dest.empty:
        dest = dest.assign(part_des_residents=dest["part_des_residents"] * 100)
        if "nom" not in dest:
            dest = dest.assign(nom=None)
        dest = dest[["groupe", "destination", "nom", "volume", "part_des_residents"]].rename(columns={
            "groupe": "Profession", "destination": "Code INSEE", "nom": "Commune", "volume": volumes,
            "part_des_residents": "Part des recours des habitants (%)"})
        note = None
        if len(dest) > MAX_ROWS:
            # The general practitioners' ten main destinations, five for each other profession.
            rank = dest.groupby("Profession").cumcount()
            keep = (dest["Profession"] == "Médecins généralistes") & (rank < 10) | (rank < 5)
            note = (f"{int((~keep).sum())} autres destinations dans "
                    + tables_place(d, "flux_destinations.csv", "Flux - destinations") + ".")
            dest = dest[keep]
        tables.append({"title": "Principales destinations hors du territoire", "data": dest,
                       "decimals": {volumes: 0, "Part des recours des habitants (%)": 1}, "note": note})
    if not d.flows.bassins_de_vie.empty:
        bv = d.flows.bassins_de_vie.copy()
        for col in ("part_residents_dans_territoire", "auto_confinement_bv"):
            bv[col] = bv[col] * 100
        bv["coupe"] = bv["coupe"].map({True: "oui", False: "non"})
        if "bassin_de_vie_nom" not in bv:
            bv.insert(1, "bassin_de_vie_nom", None)
        bv = bv.rename(columns={
            "bassin_de_vie": "Code BV2022", "bassin_de_vie_nom": "Bassin de vie", "groupe": "Profession",
            "n_communes": "Unités du bassin", "n_communes_dans_territoire": "dont dans le territoire",
            "coupe": "Coupé par le périmètre", "recours_residents_bv": "Recours des habitants du bassin",
            "part_residents_dans_territoire": "Part des recours émis dans le territoire (%)",
            "auto_confinement_bv": "Auto-confinement du bassin (%)",
            "flux_interieur_vers_exterieur": "Flux de la partie intérieure vers l'extérieure",
            "flux_exterieur_vers_interieur": "Flux de la partie extérieure vers l'intérieure"})
        shares = ("Part des recours émis dans le territoire (%)", "Auto-confinement du bassin (%)")
        where = ""
        if len(bv) > MAX_ROWS:
            # Many bassins de vie: the general practitioners' rows (the other professions in the tables).
            bv = bv[bv["Profession"] == "Médecins généralistes"]
            where = (" Médecins généralistes seulement ; toutes les professions dans "
                     + tables_place(d, "flux_bassins_de_vie.csv", "Flux - bassins de vie") + ".")
        tables.append({"title": "Bassins de vie 2022 touchés par le périmètre", "data": bv,
                       "decimals": {c: 1 if c in shares else 0 for c in bv.columns
                                    if c not in ("Code BV2022", "Bassin de vie", "Profession",
                                                 "Coupé par le périmètre")},
                       "note": "Unités : communes, et arrondissements à Paris, Lyon et Marseille (un bassin qui "
                               "en contient les compte un par un). Flux intérieur/extérieur : "
                               "recours entre les unités du bassin situées dans le périmètre et celles situées hors "
                               "du périmètre." + where
                               + (" " + note if (note := bassins_unknown_note(d)) else "")})
    paragraphs = [
        _flow_method_paragraph(d.flows),
        *reservations(d.flows.caveats),
        "L'auto-confinement est la part des recours des habitants réalisés dans le territoire ; un périmètre qui "
        "suit le « territoire vécu » a un auto-confinement élevé.",
    ]
    if not real:
        paragraphs.append(FLOW_VOLUME_NOTE)
    return {"title": "Flux de patients", "paragraphs": paragraphs, "tables": tables,
            "notes": [DEMO_WARNING] if d.is_demo(REGISTRY_SOURCE) and not real else []}
