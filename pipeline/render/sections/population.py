"""Report section « Territoire et population »."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline import config
from pipeline.geography import OVERSEAS_COLLECTIVITIES
from pipeline.model.diagnostic import QPV_SEPARATOR, RATE_WITHOUT_MAYOTTE, Diagnostic
from pipeline.render import charts
from pipeline.render.column_catalogue import catalogue_column
from pipeline.render.report import format_number
from pipeline.render.sections.common import enumeration, fmt, plural
from pipeline.render.sections.display import MAX_LISTED_WHOLE, NOT_AVAILABLE, TOP_LISTED_WHOLE, bounded, shown
from pipeline.render.table_spec import NOT_APPLICABLE_TEXT


def evolution_words(change: float, rate_pct: float) -> str:
    """The population's change in words: « a augmenté de 1 234 habitants (+0,45 % par an) », « a diminué de
    1 habitant (−0,01 % par an) », « est restée stable (0,00 % par an) » (never « a évolué de 0 habitants »)."""
    shown = fmt(rate_pct, 2)  # the sign of the figure shown: « −0,00 » or « +0,00 » would read oddly
    rate = "" if rate_pct != rate_pct else f" ({'+' if round(rate_pct, 2) > 0 else ''}{shown} % par an)"
    if change != change:  # NaN: not measured
        return f"a évolué d'un nombre d'habitants {NOT_AVAILABLE}"
    if change == 0:
        return f"est restée stable{rate}"
    count = round(abs(float(change)))
    return f"a {'augmenté' if change > 0 else 'diminué'} de {plural(count, 'habitant')}{rate}"


def _evolution_paragraph(d: Diagnostic) -> str | None:
    evo = d.population.evolution
    excluded = d.population.evolution_excluded
    if len(evo) <= 1 or evo["evolution"].isna().all():
        return ("Évolution de la population : non disponible. La population légale de Mayotte est celle de son "
                "recensement de 2017 dans tous les millésimes publiés : aucune population légale plus récente ne "
                "permet d'en mesurer l'évolution.") if excluded else None
    first, last = evo.iloc[0], evo.iloc[-1]
    text = (f"Entre les populations légales {int(first['millesime'])} et {int(last['millesime'])}, la population "
            f"{evolution_words(last['evolution'], last['taux_annuel_pct'])}, calculée sur la géographie communale "
            "actuelle (les communes fusionnées sont additionnées).")
    if excluded:
        text += (f" Cette évolution ne porte pas sur {plural(len(excluded), 'unité')} de "
                 "Mayotte (population légale du "
                 "recensement de 2017 dans tous les millésimes : évolution non disponible).")
    return text


#: QPV listed by name in a row of the report's communes table; the others are counted (all are in the tables).
QPV_LISTED = 2


#: Where the QPV a shortened cell leaves out are, under the communes table of the report and of the Word Trame.
QPV_FULL_LIST = (f"au-delà de {QPV_LISTED} QPV dans une commune, la liste complète est dans le fichier communes.csv et "
                 "la feuille « Communes » du classeur diagnostic.xlsx")


def qpv_list_note(units: pd.DataFrame) -> str:
    """« ; au-delà de 2 QPV … » when a unit's QPV are shortened, else nothing (a review: the Word Trame, the
    document handed in, said « et 39 autres QPV » and never where they were)."""
    shortened = any(str(shortened_qpv(text)) != str(text) for text in units["particularites"].dropna())
    return f" ; {QPV_FULL_LIST}" if shortened else ""


def shortened_qpv(text: object) -> object:
    """A unit's QPV, at most :data:`QPV_LISTED` by name: Marseille's thirty made one table row a printed page."""
    if not isinstance(text, str) or text.count(QPV_SEPARATOR) < QPV_LISTED + 1:
        return text
    parts = text.split(QPV_SEPARATOR)
    return QPV_SEPARATOR.join([*parts[:QPV_LISTED], f"et {format_number(len(parts) - QPV_LISTED)} autres QPV"])


def _comparison(d: Diagnostic) -> tuple[pd.DataFrame, dict[str, int]]:
    # The period of each rate is said in the table's note when the rows differ (references.csv has it per row).
    refs = d.population.references.drop(columns=["niveau", "code", "periode_taux"], errors="ignore")
    first = [c for c in refs.columns if c.startswith("population_")]
    labels = {"zone": "Zone", "population": "Population", "annee_population": "Année de la population légale",
              "surface_km2": "Surface (km²)", "densite_hab_km2": "Densité (hab./km²)",
              "taux_annuel_pct": "Taux annuel moyen (%)"}
    labels.update({c: c.replace("population_", "Population ") for c in first})
    table = refs.assign(annee_population=refs["annee_population"].astype("Int64").astype(str))
    # The decimals of the tables (CSV, workbook, Word Trame): the same figure reads the same in every output.
    decimals = {name: column.decimals for name in ("surface_km2", "densite_hab_km2", "taux_annuel_pct")
                if (column := catalogue_column(name)) is not None}
    return shown(table, decimals, labels=labels), decimals


#: First legal-population year of the packages: the comparison's rates run from it.
FIRST_POPULATION_YEAR = min(config.POPULATION_YEAR.values())


def comparison_note(d: Diagnostic) -> str | None:
    """What the comparison's « non disponible » and rates mean when they are not those of 2016 to the last year.

    A commune created or re-created after 2016 (Sannerville, 14666, in 2019) has no 2016 population, nor has a
    commune nouvelle whose 2016 package lacks a commune it absorbed since (33008 without 33092): the row's rate
    then runs from its first complete legal population, and the other rows from 2016.
    """
    refs = d.population.references
    notes = []
    if "periode_taux" in refs:
        # Each row against the first legal population, not against the most common period: since the packages
        # that do not describe the current communes are left out, most départements start in 2019, and the
        # territory starting in 2016 was the odd one out, with a false reason (a review).
        periods = refs["periode_taux"].dropna().str.removesuffix(RATE_WITHOUT_MAYOTTE)
        late = periods[~periods.str.startswith(str(FIRST_POPULATION_YEAR))]
        for period, rows in late.groupby(late, sort=False):
            zones = enumeration([f"« {z} »" for z in refs.loc[rows.index, "zone"]])
            lines = "de la ligne" if len(rows) == 1 else "des lignes"
            others = periods.drop(late.index)
            which = "de l'autre ligne" if len(others) == 1 else "des autres lignes"
            rest = f", celui {which} de {others.iloc[0]}" if len(others) and others.nunique() == 1 else ""
            whose = "ses" if len(rows) == 1 else "leurs"
            notes.append(f"Taux annuel {lines} {zones} calculé de {period} (pas de population légale "
                         f"{FIRST_POPULATION_YEAR} pour toutes {whose} communes sur leur géographie actuelle : "
                         f"commune créée, fusionnée ou recréée depuis){rest}.")
        without_mayotte = refs.loc[refs["periode_taux"].fillna("").str.endswith(RATE_WITHOUT_MAYOTTE), "zone"].tolist()
        if without_mayotte:
            rows = enumeration([f"« {zone} »" for zone in without_mayotte])
            lines = "la ligne" if len(without_mayotte) == 1 else "les lignes"
            notes.append(f"Population {FIRST_POPULATION_YEAR} « {NOT_AVAILABLE} » et taux annuel calculé hors "
                         f"Mayotte pour {lines} {rows} (Mayotte est absente de la population légale "
                         f"{FIRST_POPULATION_YEAR}, puis garde celle d'un même recensement).")
        without_rate = refs[refs["taux_annuel_pct"].isna() & refs["periode_taux"].isna()]
        # A census repeated in every package (Mayotte's 2017) is no legal-population year of the packages.
        year = without_rate.get("annee_population", pd.Series("", index=without_rate.index)).astype(str)
        frozen = (year != "") & ~year.isin({str(y) for y in config.POPULATION_YEAR.values()})
        if frozen.any():
            notes.append(f"Taux annuel « {NOT_AVAILABLE} » : pas de population légale plus récente que le "
                         "recensement (Mayotte, 2017).")
        if (~frozen).any():
            # A single complete legal population (communes re-created since every earlier one): not Mayotte's case
            # (a review, 15141 Neussargues-Moissac).
            zones = enumeration([f"« {z} »" for z in without_rate.loc[~frozen, "zone"]])
            notes.append(f"Taux annuel « {NOT_AVAILABLE} » pour {zones} : une seule population légale complète sur "
                         "la géographie actuelle (communes fusionnées ou rétablies depuis les précédentes).")
    return " ".join(notes) or None


def _areas_table(d: Diagnostic) -> dict[str, Any] | None:
    """Population of every département and région of a territory that spans several."""
    if d.areas is None or len(d.areas.zones) <= 4:
        return None
    zones = d.areas.zones[d.areas.zones["niveau"].isin(["departement", "region"])]
    table = zones[["libelle", "population", "population_territoire"]].assign(
        part=zones["population_territoire"] / d.population.total * 100)
    return {"title": "Départements et régions du territoire", "data": shown(
        table, {"part": 1}, labels={"libelle": "Zone", "population": "Population de la zone",
                                    "population_territoire": "Habitants du territoire dans la zone",
                                    "part": "Part du territoire (%)"}),
            "note": "Le territoire est comparé à chacune de ces zones dans les sections suivantes."}


def ars_sentence(d: Diagnostic) -> str | None:
    """« ARS concernée : ARS Provence-Alpes-Côte d'Azur. » (every ARS when the territory spans several régions)."""
    if d.areas is None or not d.areas.ars:
        return None
    deps = d.areas.zones[d.areas.zones["niveau"] == "departement"]
    regions = d.areas.zones[d.areas.zones["niveau"] == "region"]
    if len(deps) > 1 or len(d.areas.ars) > 1:
        kind = ("département ou collectivité d'outre-mer", "départements ou collectivités d'outre-mer") \
            if deps["code"].isin(list(OVERSEAS_COLLECTIVITIES)).any() else ("département", "départements")
        where = f"{plural(len(deps), *kind)} (" + ", ".join(f"{r.nom} ({r.code})" for r in deps.itertuples()) + ")"
        if len(regions) > 1:
            where += f" dans {format_number(len(regions))} régions ({', '.join(regions['nom'])})"
        who = ("ARS concernées : " if len(d.areas.ars) > 1 else "ARS concernée : ") + ", ".join(d.areas.ars)
        compared = "chaque département et à chaque région" if len(regions) > 1 else "chaque département"
        return f"Le territoire s'étend sur {where} ; {who}. Il est comparé à {compared}."
    return f"ARS concernée : {d.areas.ars[0]}."


def population_section(d: Diagnostic) -> dict[str, Any]:
    evo = d.population.evolution
    years = d.population.years_label or f"population municipale légale {d.population.year}"
    paragraphs = [
        f"Le territoire « {d.territory.label} » compte {plural(len(d.units), 'unité')} "
        f"({plural(len(d.territory.commune_codes), 'commune')}) et {fmt(d.population.total)} habitants "
        f"(INSEE, {years}, sur la géographie communale au 1er janvier {d.population.cog}).",
    ]
    if d.population.density == d.population.density:
        paragraphs.append(
            f"Superficie : {fmt(d.population.area_km2, 2)} km², soit "
            f"{fmt(d.population.density, 1)} habitants par km²."
        )
    evolution_text = _evolution_paragraph(d)
    if evolution_text:
        paragraphs.append(evolution_text)
    ars = ars_sentence(d)
    if ars:
        paragraphs.append(ars)
    charts_out = []
    if evo["evolution"].notna().any() and len(evo) > 1:
        charts_out.append({"title": "Évolution de la population", "svg": charts.population_chart(
            list(evo["millesime"]), list(evo["population"]),
            title="Population du territoire par année de population légale")})
    evolution = shown(evo.assign(millesime=evo["millesime"].astype(str)), {"taux_annuel_pct": 2}, labels={
        "millesime": "Population légale", "population": "Population",
        "evolution": "Évolution depuis la première année", "taux_annuel_pct": "Taux annuel moyen (%)"})
    if len(evo) > 1 and evo["evolution"].notna().any():
        evolution.iloc[0, 3] = NOT_APPLICABLE_TEXT  # the first year is the reference: no rate, no missing figure
    elif len(evo) == 1 and evo["population"].notna().all():  # one legal population (Mayotte): nothing to compare
        evolution.iloc[0, 2] = evolution.iloc[0, 3] = NOT_APPLICABLE_TEXT
    refs, _ = _comparison(d)
    units = d.units
    if len(d.population.legal_years):
        units = units.merge(d.population.legal_years, on="unit_code", how="left")
    else:
        units = units.assign(annee_population=d.population.year)
    communes = units[["unit_code", "nom", "codes_postaux", "population", "annee_population", "particularites",
                      "epci_nom", "bv2022_nom"]].assign(particularites=units["particularites"].map(shortened_qpv))
    communes = shown(communes.assign(annee_population=communes["annee_population"].astype("Int64").astype(str)),
                     labels={"unit_code": "Code INSEE", "nom": "Commune", "codes_postaux": "Codes postaux",
                             "population": "Population légale", "annee_population": "Année",
                             "particularites": "Particularités (QPV, ZIP, ZAC)", "epci_nom": "EPCI",
                             "bv2022_nom": "Bassin de vie 2022"})
    # A département's or a région's hundreds of communes: the most populated are listed, all are in the tables (a
    # review: the 947 rows of a région, with the units under 2,5, made most of its 102 printed pages).
    listed = bounded(
        {"title": "Communes du territoire", "data": communes,
         "note": "Particularités : zonage ARS des médecins généralistes par QPV (ZIP, ZAC), millésime 2025, "
                 "connu pour la région PACA seulement ; « non renseigné » ailleurs ; « aucun QPV zoné » ne dit "
                 "rien du zonage ZIP/ZAC de la commune elle-même, que le fichier ne donne pas (non disponible) ; "
                 f"{QPV_FULL_LIST}. Année : année de la population légale (2017 à Mayotte, dernier recensement)."},
        -pd.to_numeric(units["population"], errors="coerce").reset_index(drop=True), "les plus peuplées",
        "le fichier communes.csv et la feuille « Communes » du classeur diagnostic.xlsx", limit=MAX_LISTED_WHOLE,
        top=TOP_LISTED_WHOLE)
    tables = [
        listed,
        {"title": "Évolution de la population", "data": evolution},
        {"title": "Comparaison avec le département, la région et la France" if len(refs) <= 4 else
         "Comparaison avec chaque département et chaque région du territoire, et la France", "data": refs,
         "note": comparison_note(d)},
    ]
    areas = _areas_table(d)
    if areas is not None:
        tables.append(areas)
    return {
        "title": "Territoire et population",
        "paragraphs": paragraphs,
        "tables": tables,
        "charts": charts_out,
        "notes": d.notes,
    }
