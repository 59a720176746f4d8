"""Report section « Caractéristiques de la population et du territoire »: age-related need, income, type."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.model.diagnostic import Diagnostic
from pipeline.render.sections.common import agree, fmt, plural
from pipeline.render.sections.display import NOT_AVAILABLE, bounded, cell, shown

INCOME_LABELS = {
    "mediane": "Revenu médian (€/UC)", "d1": "1er décile (€/UC)", "d9": "9e décile (€/UC)",
    "part_minima_sociaux": "Part des minima sociaux dans le revenu disponible (%)",
}
AAV_NOTE = (
    "Taille de l'aire : classes de l'INSEE, calculées ici sur la population légale des communes de l'aire (l'INSEE "
    "classe les aires sur leur population de 2017) ; une aire transfrontalière n'est classée que si sa partie "
    "française suffit à la placer dans la classe la plus haute."
)
SECRET = "non diffusé"
INCOME_DECIMALS = {"mediane": 0, "d1": 0, "d9": 0, "part_minima_sociaux": 1}


def _names(d: Diagnostic) -> pd.Series:
    return d.units.set_index("unit_code")["nom"]


def age_need_part(d: Diagnostic) -> dict[str, Any]:
    a = d.age_need
    if a is None:
        return {"title": "Besoin de soins lié à l'âge", "paragraphs": ["Non disponible."]}
    territory = a.zones.iloc[0]
    paragraphs = [
        a.explanation,
        f"Indice du territoire : {cell(territory['indice_besoin_age'], 3)} (source : DREES, classeur APL "
        f"{a.year}, populations {a.population_year} standardisées selon la consommation de soins de médecine "
        "générale par tranche d'âge).",
    ]
    if a.missing:
        absent = agree(len(a.missing), "absente", "absentes")
        mayotte = " (Mayotte n'y figure pas)" if all(str(c).startswith("976") for c in a.missing) else ""
        paragraphs.append(f"Indice {NOT_AVAILABLE} pour {plural(len(a.missing), 'unité')} {absent} du classeur de la "
                          f"DREES{mayotte} : " + ", ".join(a.missing) + ".")
    zones = shown(a.zones[["libelle", "indice_besoin_age", "population_standardisee", "population_totale"]],
                  {"indice_besoin_age": 3}, labels={"libelle": "Zone",
                                                   "indice_besoin_age": "Indice de besoin lié à l'âge",
                                                   "population_standardisee": "Population standardisée",
                                                   "population_totale": "Population totale"})
    per_unit = a.per_unit.assign(nom=a.per_unit["unit_code"].map(_names(d)))
    per_unit = shown(per_unit[["unit_code", "nom", "indice_besoin_age", "population_standardisee",
                               "population_totale"]], {"indice_besoin_age": 3},
                     labels={"unit_code": "Code INSEE", "nom": "Commune", "indice_besoin_age": "Indice",
                             "population_standardisee": "Population standardisée",
                             "population_totale": "Population totale"})
    per_unit_table = bounded({"title": "Indice de besoin lié à l'âge par commune", "data": per_unit},
                             -a.per_unit["indice_besoin_age"], "au besoin lié à l'âge le plus élevé")
    return {"title": "Besoin de soins lié à l'âge", "paragraphs": paragraphs, "tables": [
        {"title": "Indice de besoin lié à l'âge : territoire et références", "data": zones}, per_unit_table]}


def _unit_income_table(d: Diagnostic) -> pd.DataFrame:
    """Per-unit figures: « non diffusé » for secret cells, « non disponible » for units absent from the file."""
    assert d.income is not None
    i = d.income.per_unit.assign(nom=d.income.per_unit["unit_code"].map(_names(d)))
    columns = ["unit_code", "nom", "mediane", *(["mediane_approchee"] if i["fusion"].any() else []), "d1", "d9",
               "part_minima_sociaux", "statut"]
    table = shown(i[columns], {**INCOME_DECIMALS, "mediane_approchee": 0})
    for column in ("d1", "d9", "part_minima_sociaux"):
        table.loc[i["secret"].to_numpy(), column] = SECRET
    return table.rename(columns={"unit_code": "Code INSEE", "nom": "Commune",
                                 "mediane_approchee": "Médiane approchée (€/UC)", "statut": "Diffusion",
                                 **INCOME_LABELS})


def _median_sentence(median: pd.Series) -> str:
    if median["valeur"] != median["valeur"]:
        return ("Revenu médian : non disponible (aucune unité du territoire n'a de valeur dans Filosofi 2019, qui "
                "ne couvre ni la Guadeloupe, ni la Guyane, ni Mayotte, et omet les plus petites communes).")
    missing = int(median["n_non_diffusees"])
    # In whole or in part: a commune merged since the file may have a row for some of its former communes only
    # (a review: Porte-de-Benauge's median said of the whole commune, 86 of its inhabitants left out).
    hidden = median["population_non_diffusee"]
    people = "" if hidden != hidden else f", soit {cell(round(float(hidden)))} habitants"
    return (f"Revenu médian : {cell(median['valeur'], 0, unit='€')} par UC et par an"
            + (f" ({plural(missing, 'unité')} sur {int(median['n_communes'])} sans valeur publiée, en tout ou en "
               f"partie{people})" if missing else "") + ".")



def income_outside_field(d: Diagnostic) -> tuple[pd.Series, int]:
    """Which of the income section's units lie outside Filosofi's field (a département without any row in the
    file: Guadeloupe, Guyane, Mayotte), aligned on ``per_unit``, and their population: outside the field, not
    under statistical secrecy (report, Trame and summary.json say so alike)."""
    per_unit = d.income.per_unit if d.income is not None else pd.DataFrame()
    if per_unit.empty:
        return pd.Series(dtype=bool), 0
    outside = per_unit["hors_champ"].astype(bool)
    population = d.units.set_index("unit_code")["population"].reindex(per_unit.loc[outside, "unit_code"])
    return outside, int(population.fillna(0).sum())

def income_coverage_paragraphs(d: Diagnostic) -> list[str]:
    """The units outside Filosofi's field and those whose deciles are « non diffusés » (report and Trame)."""
    i = d.income
    if i is None or not i.available:
        return []
    paragraphs = []
    outside, outside_population = income_outside_field(d)
    if outside.any():
        paragraphs.append(
            f"{plural(int(outside.sum()), 'unité')} sur {len(outside)}, soit {cell(outside_population)} habitants, "
            "hors du champ de Filosofi (aucune commune de leur département dans le fichier : Guadeloupe, Guyane, "
            "Mayotte)" + (" : les chiffres du territoire ne sont pas disponibles." if outside.all()
                          else " : les chiffres du territoire portent sur les autres unités."))
    # Under statistical secrecy: units whose deciles are hidden but whose median is published (the file publishes
    # the median of every commune it holds). A commune absent from the file lacks both: it is among the median's
    # « sans valeur publiée », not « non diffusé » (a review: Saint-Laurent-du-Verdon counted in both).
    figures = i.territory.set_index("indicateur")
    secret, median = figures.loc["d1"], figures.loc["mediane"]
    hidden = int(secret["n_non_diffusees"]) - int(median["n_non_diffusees"])
    if hidden > 0 and secret["valeur"] == secret["valeur"]:
        paragraphs.append(
            f"Déciles et part des minima sociaux : « non diffusés » par l'INSEE (secret statistique) pour "
            f"{plural(hidden, 'unité')} sur {int(secret['n_communes'])}, soit "
            f"{cell(secret['population_non_diffusee'] - median['population_non_diffusee'])} habitants (en tout ou en "
            "partie : une commune fusionnée depuis 2019 dont une ancienne commune est sous secret compte pour la part "
            "de ses habitants qu'elle y avait) ; les valeurs données portent sur le reste de la population. Une "
            "valeur non diffusée n'est jamais comptée comme 0.")
    return paragraphs


#: The poverty rate is in another Filosofi file, not loaded: said, rather than left for the reader to look for under
#: a title that promises « précarité » (a review).
POVERTY_RATE_WHY = ("l'INSEE le publie dans un autre fichier de Filosofi 2019, « FILO2019_DISP_Pauvres_COM », que ce "
                    "diagnostic ne charge pas")
POVERTY_RATE = (f"Taux de pauvreté : {NOT_AVAILABLE} ({POVERTY_RATE_WHY}) ; la part des minima sociaux dans le "
                "revenu disponible en donne une indication.")


def income_part(d: Diagnostic) -> dict[str, Any]:
    i = d.income
    title = "Revenus et précarité (INSEE, Filosofi 2019)"
    if i is None or not i.available:
        return {"title": title, "paragraphs": [i.unavailable if i is not None and i.unavailable
                                               else f"Revenus : {NOT_AVAILABLE}."]}
    figures = i.territory.set_index("indicateur")
    median = figures.loc["mediane"]
    if i.method == "epci":
        intro = (f"Le territoire est exactement l'EPCI {i.epci} de la géographie de Filosofi (EPCI au 1er janvier "
                 f"2021) : ses chiffres sont les valeurs exactes de l'EPCI.")
    elif i.method == "commune":
        intro = f"Chiffres du territoire : {i.label}."
    else:
        intro = ("Chiffres du territoire : approximation. Une médiane ou un décile d'un territoire ne se déduit pas "
                 "de ceux de ses communes ; la valeur donnée est la moyenne des valeurs communales pondérée par le "
                 "nombre de personnes des ménages.")
    paragraphs = [
        "Revenu disponible par unité de consommation (UC) en 2019, source INSEE, dispositif Filosofi (base "
        "communale). " + intro,
        _median_sentence(median),
        *income_coverage_paragraphs(d),
        POVERTY_RATE,
    ]
    zones = i.zones[["libelle", *INCOME_LABELS]]
    zone_table = shown(zones, INCOME_DECIMALS, labels={"libelle": "Zone", **INCOME_LABELS})
    per_unit = _unit_income_table(d)
    return {"title": title, "paragraphs": paragraphs, "tables": [
        {"title": "Revenus : territoire et références", "data": zone_table,
         "note": f"Territoire : {i.label}. Département, région, France : {i.zones_method}."},
        bounded({"title": "Revenus par commune", "data": per_unit,
                 "note": "Filosofi couvre la France métropolitaine, la Martinique et La Réunion (aucune ligne "
                         "pour la Guadeloupe, la Guyane et Mayotte) ; les plus petites "
                         "communes sont absentes du fichier ; dans les petites communes seule la médiane est "
                         "diffusée. Géographie du fichier : communes de 2021 rattachées aux communes actuelles."},
                i.per_unit["mediane"].fillna(i.per_unit["mediane_approchee"]), "au revenu médian le plus bas")]}


def territory_type_part(d: Diagnostic) -> dict[str, Any]:
    t = d.territory_type
    title = "Type de territoire (unité urbaine, aire d'attraction des villes, densité)"
    if t is None:
        return {"title": title, "paragraphs": [f"{NOT_AVAILABLE}."]}
    shares = t.shares
    uu = shares[shares["dimension"] == "unité urbaine"].set_index("categorie")
    rural = uu["part_population"].get("hors unité urbaine", float("nan"))
    density = shares.loc[shares["dimension"] == "densité", "valeur"]
    source = "(INSEE, table d'appartenance géographique des communes 2024)"
    # A share of no inhabitant (Cumières, 0 inhabitants) is not a figure: « non disponible % » read as one.
    share = (f"{cell(rural * 100, 1)} % de la population du territoire vit hors de toute unité urbaine 2020 {source}"
             if rural == rural else f"Part de la population vivant hors de toute unité urbaine 2020 {source} : "
             f"{NOT_AVAILABLE} (population du territoire nulle ou inconnue)")
    paragraphs = [
        f"{share} ; densité de population : {cell(density.iloc[0] if len(density) else float('nan'), 1)} habitants "
        "par km².",
    ]
    table = shares[shares["dimension"] != "densité"].assign(part=lambda f: f["part_population"] * 100)
    table = shown(table[["dimension", "categorie", "n_unites", "population", "part"]], {"part": 1},
                  labels={"dimension": "Zonage", "categorie": "Catégorie", "n_unites": "Unités",
                          "population": "Population", "part": "Part de la population (%)"})
    per_unit = t.per_unit.assign(nom=t.per_unit["unit_code"].map(_names(d)),
                                 hors=t.per_unit["hors_unite_urbaine"].map(
                                     {True: "hors unité urbaine", False: "unité urbaine"}).astype(object))
    per_unit = shown(per_unit[["unit_code", "nom", "population", "densite_hab_km2", "hors", "uu_libelle",
                               "aav_libelle", "aav_classe_libelle"]], {"densite_hab_km2": 1},
                     labels={"unit_code": "Code INSEE", "nom": "Commune", "population": "Population",
                             "densite_hab_km2": "Densité (hab./km²)", "hors": "Unité urbaine 2020",
                             "uu_libelle": "Nom de l'unité urbaine", "aav_libelle": "Aire d'attraction des villes 2020",
                             "aav_classe_libelle": "Taille de l'aire"})
    return {"title": title, "paragraphs": paragraphs, "tables": [
        {"title": "Population par type de territoire", "data": table},
        bounded({"title": "Type de territoire par commune", "data": per_unit},
                -t.per_unit["densite_hab_km2"], "les plus denses")], "notes": [*t.notes, AAV_NOTE]}


def characteristics_section(d: Diagnostic) -> dict[str, Any]:
    """The three parts as subsections of one report section."""
    return {"title": "Caractéristiques de la population et du territoire",
            "intro": f"Qui vit sur le territoire ({fmt(d.population.total)} habitants) et de quel type de territoire "
                     "il s'agit, comparé au département, à la région et à la France.",
            "subsections": [age_need_part(d), income_part(d), territory_type_part(d)]}
