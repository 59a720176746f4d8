"""The diagnostic's French report and maps, built from a computed :class:`Diagnostic`.

Sections follow the « Trame d'un projet de santé » (seed 002). Renderers only
read the diagnostic; nothing is computed here but presentation.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pandas as pd

from pipeline.model.diagnostic import Diagnostic, FlowsSection
from pipeline.render import charts, maps, report
from pipeline.render.report import format_number

DEMO_WARNING = (
    "Les effectifs de professionnels de ce diagnostic proviennent de données fictives de démonstration "
    "générées par l'outil : ils ne décrivent pas l'offre réelle du territoire."
)
ESTABLISHMENTS_DEMO_WARNING = (
    "Les établissements de ce diagnostic proviennent de données fictives de démonstration générées par "
    "l'outil : ils ne décrivent pas les établissements réels du territoire."
)
#: Source names (table ``sources``) of the practitioners' registry and of FINESS.
REGISTRY_SOURCE = "annuaire-sante"
FINESS_SOURCE = "finess"
GROUP_DISPLAY = ["Médecins généralistes", "Infirmiers", "Masseurs-kinésithérapeutes", "Pharmaciens",
                 "Chirurgiens-dentistes", "Sages-femmes"]


#: French labels of the supply table's columns (for reports and spreadsheets).
LIBELLES: dict[str, str] = {
    "groupe": "Profession ou structure",
    "praticiens": "Professionnels (effectif distinct)",
    "praticiens_etp": "Professionnels (part des sites)",
    "dont_liberaux": "dont libéraux",
    "unite": "Unité",
    "source": "Source",
    "densite_10000": "Densité territoire (pour 10 000 hab.)",
    "densite_departement": "Densité département",
    "densite_region": "Densité région",
    "densite_france": "Densité France",
}


CATEGORIES = {"fonctionnement": "fonctionnement", "socle": "mission socle",
              "complementaire": "mission complémentaire", "supplementaire": "volet supplémentaire"}


def _months(value: float) -> str:
    return "pas de délai particulier" if pd.isna(value) else f"{int(value)} mois"


def _day(value: date | None) -> str:
    return "—" if value is None or pd.isna(value) else value.strftime("%d/%m/%Y")


def _fmt(value: float, decimals: int = 0) -> str:
    return format_number(value, decimals)


def _population_section(d: Diagnostic) -> dict[str, Any]:
    evo = d.population.evolution
    first, last = evo.iloc[0], evo.iloc[-1]
    paragraphs = [
        f"Le territoire « {d.territory.label} » compte {len(d.units)} unité(s) "
        f"({len(d.territory.commune_codes)} commune(s)) et {_fmt(d.population.total)} habitants "
        f"(population municipale légale {d.population.year} de l'INSEE, en vigueur à partir du 1er janvier "
        f"{d.population.year + 3}, sur la géographie communale au 1er janvier {d.population.cog}).",
    ]
    if d.population.density == d.population.density:
        paragraphs.append(
            f"Superficie : {_fmt(d.population.area_km2, 1)} km², soit "
            f"{_fmt(d.population.density, 1)} habitants par km²."
        )
    if len(evo) > 1:
        paragraphs.append(
            f"Entre les populations légales {int(first['millesime'])} et {int(last['millesime'])}, la population a "
            "évolué de "
            f"{_fmt(last['evolution'])} habitants ({_fmt(last['taux_annuel_pct'], 2)} % par an), calculée sur "
            "la géographie communale actuelle (les communes fusionnées sont additionnées)."
        )
    chart = charts.population_chart(
        list(evo["millesime"]), list(evo["population"]), title="Population du territoire par année de population légale"
    )
    evolution = evo.assign(millesime=evo["millesime"].astype(str)).rename(columns={
                                    "millesime": "Population légale", "population": "Population",
                                    "evolution": "Évolution depuis la première année",
                                    "taux_annuel_pct": "Taux annuel moyen (%)"})
    refs = d.population.references.rename(columns={"zone": "Zone", "population": "Population",
                                                   "surface_km2": "Surface (km²)",
                                        "densite_hab_km2": "Densité (hab./km²)",
                                        "taux_annuel_pct": "Taux annuel moyen (%)"})
    refs.columns = [c.replace("population_", "Population ") if c.startswith("population_") else c
                    for c in refs.columns]
    communes = d.units[["unit_code", "nom", "codes_postaux", "population", "particularites", "epci_nom",
                        "bv2022_nom"]].rename(columns={
        "unit_code": "Code INSEE", "nom": "Commune", "codes_postaux": "Codes postaux",
        "population": f"Population {d.population.year}", "particularites": "Particularités (QPV, ZIP, ZAC)",
        "epci_nom": "EPCI", "bv2022_nom": "Bassin de vie 2022"})
    return {
        "title": "Territoire et population",
        "paragraphs": paragraphs,
        "tables": [
            {"title": "Communes du territoire", "data": communes,
             "note": "Particularités : zonage ARS des médecins généralistes par QPV (ZIP, ZAC), millésime 2025, "
                     "connu pour la région PACA seulement ; « non renseigné » ailleurs."},
            {"title": "Évolution de la population", "data": evolution, "decimals": {"Taux annuel moyen (%)": 2}},
            {"title": "Comparaison avec le département, la région et la France", "data": refs,
             "decimals": {"Densité (hab./km²)": 1, "Taux annuel moyen (%)": 2, "Surface (km²)": 0}},
        ],
        "charts": [{"title": "Évolution de la population", "svg": chart}],
        "notes": d.notes,
    }


def _taille_section(d: Diagnostic) -> dict[str, Any]:
    t = d.taille
    paragraphs = [
        f"Taille ACI : {t.label} ({t.bounds}). Bornes de l'ACI du 20 juin 2019 : taille 1 moins de "
        "40 000 habitants, taille 2 de 40 000 à 80 000, taille 3 de 80 000 à 175 000, taille 4 au-delà "
        "(une population d'exactement 40 000 habitants relève de la taille 2).",
        f"Financement annuel possible ({t.version_label}) : {_fmt(t.total_possible)} € (volets fixes et "
        f"variables), jusqu'à {_fmt(t.maximum)} € avec le volet supplémentaire de soins non programmés "
        f"({_fmt(t.volet_supplementaire)} €).",
    ]
    if t.missions_without_amount:
        paragraphs.append(
            "Ces montants sont ceux du tableau de financement de l'ACI du 20 juin 2019 ; ils ne comprennent pas "
            "le financement "
            "de : " + ", ".join(f"« {m} »" for m in t.missions_without_amount)
            + " (montant non renseigné dans les sources du projet) : le financement possible est donc au moins "
            "celui indiqué."
        )
    if t.professionals is not None and t.band == 4:
        paragraphs.append(f"Taille 4++ si plus de 100 professionnels de santé : {_fmt(t.professionals)} "
                          "professionnels recensés.")
    funding = t.funding.assign(categorie=t.funding["categorie"].map(CATEGORIES))
    tables = [{"title": "Financement ACI par mission (montants annuels)", "data": funding.rename(columns={
        "mission": "Mission", "categorie": "Catégorie", "volet": "Volet", "montant_eur": "Montant (€)",
        "remarque": "Remarque"}).fillna({"Remarque": ""})}]
    if t.calendar is not None:
        calendar = t.calendar.assign(
            categorie=t.calendar["categorie"].map(CATEGORIES),
            demarrage_mois=t.calendar["demarrage_mois"].map(_months),
            deploiement_mois=t.calendar["deploiement_mois"].map(_months),
            demarrage=t.calendar["demarrage"].map(_day),
            deploiement=t.calendar["deploiement"].map(_day),
        )
        tables.append({"title": "Calendrier des missions après signature", "data": calendar.rename(columns={
            "mission": "Mission", "categorie": "Catégorie", "texte": "Texte", "remarque": "Remarque",
            "demarrage_mois": "Démarrage (mois)",
            "deploiement_mois": "Déploiement (mois)", "demarrage": "Démarrage au plus tard",
            "deploiement": "Déploiement au plus tard"}),
            "note": "Missions complémentaires : pas de délai particulier."})
    else:
        paragraphs.append("Calendrier des missions : indiquez SIGNATURE=AAAA-MM-JJ pour le calculer.")
    return {"title": "Taille et financement ACI", "paragraphs": paragraphs, "tables": tables}


def _supply_section(d: Diagnostic) -> dict[str, Any]:
    if d.supply is None:
        return {"title": "Offre de soins", "paragraphs": [
            "Aucune extraction de l'Annuaire Santé n'est chargée : lancez « make data REGISTRY=… » avec "
            "l'extraction PS_LibreAcces, ou « make data » avec l'option de démonstration."]}
    table = d.supply.table.rename(columns=LIBELLES)
    chart_data = {
        g: {"Territoire": r.densite_10000, "Département": r.densite_departement, "Région": r.densite_region,
            "France": r.densite_france}
        for g, r in d.supply.table.set_index("groupe").iterrows() if g in GROUP_DISPLAY
    }
    tables = [{"title": "Professionnels et structures d'exercice coordonné (densité pour 10 000 habitants)",
               "data": table, "decimals": {LIBELLES["praticiens_etp"]: 1, LIBELLES["densite_10000"]: 1,
                                           LIBELLES["densite_departement"]: 1, LIBELLES["densite_region"]: 1,
                                           LIBELLES["densite_france"]: 1},
               "note": "Effectif distinct : chaque professionnel ayant au moins un lieu d'exercice dans le territoire "
                       "compte une fois ; « part des sites » répartit un professionnel exerçant sur n lieux (1/n par "
                       "lieu). Densités sur les effectifs distincts. MSP et centres de santé : FINESS. Source : "
                       "Annuaire Santé (extraction RPPS/ADELI)."}]
    for title, split in (("Premier et second recours", d.supply.by_recours), ("Mode d'exercice", d.supply.by_mode)):
        if split is not None and not split.empty:
            tables.append({"title": title, "data": split.reset_index().rename(columns={"groupe": "Profession"}),
                           "decimals": 0, "note": "Effectifs distincts de professionnels."})
    notes = [DEMO_WARNING] if d.is_demo(REGISTRY_SOURCE) else []
    return {"title": "Offre de soins", "tables": tables, "notes": notes, "charts": [
        {"title": "Densité de professionnels comparée", "svg": charts.grouped_supply_chart(chart_data)}]}


def _establishments_section(d: Diagnostic) -> dict[str, Any]:
    if d.establishments is None:
        return {"title": "Établissements", "paragraphs": ["Aucune extraction FINESS n'est chargée."]}
    e = d.establishments
    counts = e.groupby(["groupe", "dans_territoire"]).size().unstack(fill_value=0)
    counts = counts.rename(columns={True: "Dans le territoire", False: "À moins de 10 km"}).reset_index()
    columns = [c for c in ("nom", "groupe", "categorie_libelle", "commune", "dans_territoire", "distance_km")
               if c in e.columns]
    listing = e[columns].rename(columns={"nom": "Établissement", "groupe": "Groupe",
                                         "categorie_libelle": "Catégorie FINESS", "commune": "Commune",
                                         "dans_territoire": "Dans le territoire", "distance_km": "Distance (km)"})
    listing["Dans le territoire"] = listing["Dans le territoire"].map({True: "oui", False: "non"})
    return {"title": "Établissements", "tables": [
        {"title": "Établissements par groupe", "data": counts.rename(columns={"groupe": "Groupe"})},
        {"title": "Liste des établissements", "data": listing, "decimals": 1}],
        "notes": [ESTABLISHMENTS_DEMO_WARNING] if d.is_demo(FINESS_SOURCE) else []}


def _access_section(d: Diagnostic) -> dict[str, Any]:
    syn = d.apl.synthesis
    syn = syn.assign(annee=syn["annee"].astype(str)).rename(columns={"annee": "Année", "territoire": "Territoire",
                                            "departement": "Département", "region": "Région", "france": "France"})
    communes = d.apl.per_unit.rename(columns={"unit_code": "Code INSEE", "nom": "Commune",
                                                 "population": "Population", "apl_2022": "APL 2022",
                                                 "apl_2023": "APL 2023", "sous_dense": "APL 2023 < 2,5"})
    communes = communes.drop(columns=["commune_code"])
    communes["APL 2023 < 2,5"] = communes["APL 2023 < 2,5"].map({True: "oui", False: "non"}).fillna("non disponible")
    under = int(d.apl.per_unit["sous_dense"].fillna(False).astype(bool).sum())
    paragraphs = [
        "APL officielle de la DREES aux médecins généralistes (consultations et visites accessibles par habitant "
        "standardisé et par an), moyenne du territoire pondérée par la population des communes.",
        f"{under} commune(s) du territoire sous le seuil de 2,5 consultations par an et par habitant en 2023.",
    ]
    if d.apl.missing:
        paragraphs.append("Communes sans APL publiée (non disponible) : " + ", ".join(d.apl.missing))
    tables = [{"title": "APL aux médecins généralistes : territoire et références", "data": syn, "decimals": 2},
              {"title": "APL par commune", "data": communes, "decimals": 2}]
    subsections = []
    if d.access is not None:
        rho, n = d.access.spearman_territory
        rho_v, n_v = d.access.spearman_neighbourhood
        names = d.units.drop_duplicates("commune_code").set_index("commune_code")["nom"]
        approx = d.access.communes
        approx = approx.assign(nom=approx["code"].map(names))[["code", "nom", "apl_approchee", "apl_officielle_2023"]]
        approx = approx.rename(columns={"code": "Code INSEE", "nom": "Commune", "apl_approchee": "APL approchée",
                                                      "apl_officielle_2023": "APL officielle 2023"})
        sub: dict[str, Any] = {
            "title": "APL approchée (modèle de l'outil, pas l'APL officielle)",
            "paragraphs": [
                "L'APL approchée est une accessibilité à deux étapes (E2SFCA, bibliothèque pysal access) avec les "
                "paliers de distance de la DREES appliqués à des distances à vol d'oiseau corrigées d'un facteur "
                "de détour, et une offre en parts de présence des professionnels de l'Annuaire Santé (un "
                "professionnel exerçant sur n lieux compte 1/n dans chacun ; ce n'est pas un temps de travail "
                f"mesuré). Unité : {d.access.unit}. Ce n'est pas l'APL officielle de la DREES.",
                f"Corrélation de rang (Spearman) avec l'APL officielle 2023 : {_fmt(rho, 2)} sur {n} communes du "
                f"territoire, {_fmt(rho_v, 2)} sur {n_v} communes du voisinage.",
            ],
            "tables": [{"title": "APL approchée et APL officielle par commune", "data": approx, "decimals": 2}],
        }
        if d.access.simulation is not None:
            sim = d.access.simulation.rename(columns={"code": "Code INSEE", "groupe": "Profession",
                                                         "before": "Avant", "after": "Après", "delta": "Écart"})
            changes = "; ".join(f"{c.delta:+g} {c.groupe} à {c.commune}" for c in d.access.changes)
            sub["tables"].append({"title": f"Simulation : {changes}", "data": sim, "decimals": 2})
        if d.is_demo(REGISTRY_SOURCE):
            sub["notes"] = [DEMO_WARNING]
        subsections.append(sub)
    return {"title": "Accessibilité", "paragraphs": paragraphs, "tables": tables, "subsections": subsections}


def _representativeness_section(d: Diagnostic) -> dict[str, Any]:
    if d.representativeness is None:
        return {"title": "Représentativité", "paragraphs": [
            "Donnez ADHERENTS=chemin.csv (colonnes profession et, si possible, rpps) pour calculer la part des "
            "professionnels du territoire qui adhèrent à la CPTS (tableau de la Trame)."]}
    table = d.representativeness.rename(columns={"groupe": "Profession", "praticiens": "Professionnels du territoire",
                                                 "adherents": "Adhérents", "part_adherents_pct": "Part (%)"})
    return {"title": "Représentativité", "tables": [{"title": "Adhérents par profession", "data": table,
                                                      "decimals": 1}],
            "notes": [DEMO_WARNING] if d.is_demo(REGISTRY_SOURCE) else []}


def _neighbours_section(d: Diagnostic) -> dict[str, Any]:
    if d.neighbours.empty:
        return {"title": "Chevauchements et voisins",
                "paragraphs": ["Aucune autre CPTS des listes chargées ne partage ou ne jouxte ce territoire."]}
    n = d.neighbours.rename(columns={"liste": "Liste", "cpts": "CPTS", "unites_communes": "Unités partagées",
                                     "population_commune": "Population partagée", "limitrophe": "Limitrophe"})
    n["Limitrophe"] = n["Limitrophe"].map({True: "oui", False: "non"})
    shared = d.neighbours[d.neighbours["unites_communes"] != ""]
    paragraphs = [f"{len(shared)} CPTS partagent des communes avec ce territoire ; "
                  f"{int(d.neighbours['limitrophe'].sum())} sont limitrophes. L'instruction DGOS/CNAM rappelle "
                  "qu'un territoire ne relève que d'une seule CPTS."]
    return {"title": "Chevauchements et voisins", "paragraphs": paragraphs, "tables": [{"data": n}]}


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
        return (f"décroissance en puissance de la distance, exposant {_fmt(params.alpha, 1)} et distance minimale "
                f"{_fmt(params.min_km, 1)} km")
    return f"décroissance exponentielle avec la distance, taux {_fmt(params.beta_per_km, 2)} par km"


def _flow_method_paragraph(flows: FlowsSection) -> str:
    if flows.real:
        return (f"Origine des flux : {flows.origin}. Les indicateurs sont calculés directement sur les volumes "
                "de cette table origine-destination ; aucun modèle n'est appliqué.")
    return (f"Origine des flux : {flows.origin}. Les recours partent de chaque commune en proportion de sa "
            "population (taux nationaux de recours par profession) et se répartissent entre les communes où "
            "exercent les professionnels selon leur présence (parts d'activité par lieu d'exercice) et la distance "
            f"(modèle de Huff, {_decay_text(flows.params)}).")


def _flows_section(d: Diagnostic) -> dict[str, Any]:
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
        tables.append({"title": "Principales destinations hors du territoire", "data": dest,
                       "decimals": {volumes: 0, "Part des recours des habitants (%)": 1}})
    if not d.flows.bassins_de_vie.empty:
        bv = d.flows.bassins_de_vie.copy()
        for col in ("part_residents_dans_territoire", "auto_confinement_bv"):
            bv[col] = bv[col] * 100
        bv["coupe"] = bv["coupe"].map({True: "oui", False: "non"})
        if "bassin_de_vie_nom" not in bv:
            bv.insert(1, "bassin_de_vie_nom", None)
        bv = bv.rename(columns={
            "bassin_de_vie": "Code BV2022", "bassin_de_vie_nom": "Bassin de vie", "groupe": "Profession",
            "n_communes": "Communes du bassin", "n_communes_dans_territoire": "dont dans le territoire",
            "coupe": "Coupé par le périmètre", "recours_residents_bv": "Recours des habitants du bassin",
            "part_residents_dans_territoire": "Part des recours émis dans le territoire (%)",
            "auto_confinement_bv": "Auto-confinement du bassin (%)",
            "flux_interieur_vers_exterieur": "Flux de la partie intérieure vers l'extérieure",
            "flux_exterieur_vers_interieur": "Flux de la partie extérieure vers l'intérieure"})
        shares = ("Part des recours émis dans le territoire (%)", "Auto-confinement du bassin (%)")
        tables.append({"title": "Bassins de vie 2022 touchés par le périmètre", "data": bv,
                       "decimals": {c: 1 if c in shares else 0 for c in bv.columns
                                    if c not in ("Code BV2022", "Bassin de vie", "Profession",
                                                 "Coupé par le périmètre")},
                       "note": "Flux intérieur/extérieur : recours entre les communes du bassin situées dans le "
                               "périmètre et celles situées hors du périmètre."})
    paragraphs = [
        _flow_method_paragraph(d.flows),
        "L'auto-confinement est la part des recours des habitants réalisés dans le territoire ; un périmètre qui "
        "suit le « territoire vécu » a un auto-confinement élevé.",
    ]
    if not real:
        paragraphs.append(FLOW_VOLUME_NOTE)
    return {"title": "Flux de patients", "paragraphs": paragraphs, "tables": tables,
            "notes": [DEMO_WARNING] if d.is_demo(REGISTRY_SOURCE) else []}


def _sources(d: Diagnostic) -> list[dict[str, Any]]:
    out = []
    for row in d.sources.itertuples():
        out.append({"nom": row.source, "millesime": row.vintage, "url": row.origin,
                    "telechargement": str(row.loaded_at)[:10], "note": row.notes})
    return out


def context(d: Diagnostic) -> dict[str, Any]:
    key = [
        {"label": "Population", "value": d.population.total},
        {"label": "Communes", "value": len(d.territory.commune_codes)},
        {"label": "Taille ACI", "value": d.taille.label},
        {"label": "APL 2023 (territoire)", "value": format_number(d.apl.synthesis.iloc[-1]["territoire"], 2)},
    ]
    return {
        "title": f"Diagnostic territorial – {d.territory.label}",
        "subtitle": "Éléments de diagnostic pour le projet de santé (Trame d'un projet de santé)",
        "territory": d.territory.spec,
        "generated": d.generated,
        "demo_data": d.demo_data,
        "key_figures": key,
        "sections": [_population_section(d), _taille_section(d), _supply_section(d), _establishments_section(d),
                     _access_section(d), _representativeness_section(d), _neighbours_section(d),
                     _flows_section(d)],
        "sources": _sources(d),
    }


def write(d: Diagnostic, path: Path) -> Path:
    return report.write_report(context(d), path)


def territory_map(d: Diagnostic, flows: gpd.GeoDataFrame | None) -> folium.Map:
    communes = d.communes_geo.copy()
    indicators = {"population": "Population municipale", "densite_hab_km2": "Densité (hab./km²)",
                  "apl_2023": "APL médecins généralistes 2023 (DREES)"}
    if "densite_mg_10000" in communes:
        indicators["densite_mg_10000"] = "Médecins généralistes pour 10 000 hab."
    establishments = None
    if d.establishments is not None and not d.establishments.empty:
        e = d.establishments.dropna(subset=["lon", "lat"])
        establishments = gpd.GeoDataFrame(
            {"nom": e["nom"], "groupe": e["groupe"], "categorie": e.get("categorie_libelle", e["groupe"])},
            geometry=gpd.points_from_xy(e["lon"], e["lat"]), crs=4326)
    professionals = None
    if d.supply is not None:
        professionals = d.supply.per_unit.assign(effectif=d.supply.per_unit["effectif"].round(1))
    return maps.territory_map(
        d.perimeter, communes, indicators, neighbours=d.neighbour_shapes, establishments=establishments,
        professionals=professionals, flows=flows, title=f"Diagnostic – {d.territory.label}", demo_data=d.demo_data,
        source=_source_line(d))


def flows_map_title(d: Diagnostic) -> str:
    """Title of ``flux.html``: « modélisés » only when the flows come from the model."""
    if d.flows is not None and d.flows.real:
        return (f"Flux de recours aux médecins généralistes (table origine-destination fournie) – "
                f"{d.territory.label}")
    return f"Flux modélisés de recours aux médecins généralistes – {d.territory.label}"


def flows_map(d: Diagnostic, flows: gpd.GeoDataFrame) -> folium.Map:
    return maps.flow_map(flows, perimeter=d.perimeter, communes=d.communes_geo[["code", "nom", "geometry"]],
                         title=flows_map_title(d), demo_data=d.demo_data, source=_source_line(d))


def _source_line(d: Diagnostic) -> str:
    parts = ["Insee/Etalab (COG et populations)", "IGN Admin Express COG 2018", "DREES (APL 2022-2023)"]
    if d.supply is not None:
        parts.append("Annuaire Santé" + (" (données fictives de démonstration)" if d.is_demo(REGISTRY_SOURCE) else ""))
    if d.establishments is not None:
        parts.append("FINESS" + (" (données fictives de démonstration)" if d.is_demo(FINESS_SOURCE) else ""))
    return "Sources : " + ", ".join(parts) + "."
