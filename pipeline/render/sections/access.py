"""Report section « Accessibilité » (official APL, APL approchée and its what-if)."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from pipeline.geography import CITY_NAMES, arrondissement_label, city_of_arrondissement
from pipeline.model.diagnostic import Diagnostic
from pipeline.model.options import WhatIfChange
from pipeline.nomenclatures import GROUPE_MG
from pipeline.render.report import format_number
from pipeline.render.sections.common import (
    AMBULATORY_WORDS,
    DEMO_WARNING,
    REGISTRY_SOURCE,
    agree,
    enumeration,
    fmt,
    france_label,
    main_zones,
    plural,
    tables_place,
)
from pipeline.render.sections.display import MAX_LISTED_WHOLE, TOP_LISTED_WHOLE, bounded, shown


def _whole_cities_with_apl(d: Diagnostic) -> list[str]:
    codes = d.apl.per_unit.loc[d.apl.per_unit["apl_2023"].notna(), "unit_code"].astype(str)
    return sorted({CITY_NAMES[code] for code in codes if code in CITY_NAMES})


def _merged_with_apl(d: Diagnostic) -> list[tuple[str, str, str]]:
    """(name, code, workbook codes) of the units other than whole cities whose 2023 APL is the mean of several
    workbook rows: communes merged since the workbook's COG."""
    units = d.apl.per_unit
    if "codes_classeur_2023" not in units:
        return []
    rows = units[units["codes_classeur_2023"].notna() & ~units["unit_code"].astype(str).isin(CITY_NAMES)]
    return [(str(r.nom), str(r.unit_code), str(r.codes_classeur_2023)) for r in rows.itertuples()]


def apl_known_words(d: Diagnostic) -> str:
    """« dont l'APL est publiée », or « connue » where a city counted whole or a commune merged since the workbook
    has one: the DREES publishes the APL of Paris's, Lyon's and Marseille's arrondissements, not of the cities (a
    review read « publiée » for Paris), and of the communes of its own COG."""
    return "dont l'APL est connue" if _whole_cities_with_apl(d) or _merged_with_apl(d) else "dont l'APL est publiée"


def _merged_sentence(d: Diagnostic) -> str:
    """How the APL of a commune merged since the workbook is made (empty when the territory holds none)."""
    merged = _merged_with_apl(d)
    if not merged:
        return ""
    named = " ; ".join(f"{name} ({code}) : lignes {rows}" for name, code, rows in merged)
    which = "d'une commune fusionnée" if len(merged) == 1 else "des communes fusionnées"
    return (f" L'APL 2023 {which} depuis la publication du classeur de la DREES est la moyenne des APL publiées "
            f"des communes qui {agree(len(merged), 'la', 'les')} composent, pondérée par leur population standardisée "
            f"({named}).")


def _apl_city_sentence(d: Diagnostic) -> str:
    """How the APL of a city counted whole is made (empty when the territory holds none)."""
    cities = _whole_cities_with_apl(d)
    if not cities:
        return ""
    counted, whose = ("comptée entière", "ses") if len(cities) == 1 else ("comptées entières", "leurs")
    return (f" Pour {enumeration(cities)}, {counted}, l'APL est la moyenne des APL publiées de {whose} "
            "arrondissements, pondérée par leur population standardisée.")


def _under_sentence(d: Diagnostic) -> str:
    """Units under 2.5 in 2023, or « non disponible » when the workbook has no figure for the territory."""
    known = d.apl.per_unit["apl_2023"].notna()
    if not known.any():
        # Mayotte is the workbook's only gap of a whole département; another unit lacks its own row.
        why = "le classeur exclut Mayotte" if d.apl.per_unit["unit_code"].astype(str).str.startswith("976").all() \
            else "aucune ligne du classeur pour ces unités"
        return (f"APL 2023 du territoire : non disponible (la DREES ne publie pas d'APL pour ces communes : {why}) ; "
                "leur situation par rapport au seuil de 2,5 est non disponible.")
    under = int(d.apl.per_unit["sous_dense"].fillna(False).astype(bool).sum())
    under_65 = int(d.apl.per_unit.get("sous_dense_moins_65", d.apl.per_unit["sous_dense"]).fillna(False)
                   .astype(bool).sum())
    text = (f"{plural(under, 'unité')} sur {format_number(int(known.sum()))} {apl_known_words(d)} "
            f"{agree(under, 'est', 'sont')} sous le seuil de 2,5 consultations "
            f"par an et par habitant en 2023 ({format_number(under_65)} avec l'APL aux médecins de moins de 65 ans).")
    if not known.all():
        text += f" {plural(int((~known).sum()), 'unité')} sans APL publiée : non disponible."
    return text + computed_apl_sentences(d)


def computed_apl_sentences(d: Diagnostic) -> str:
    """What the report and the Word Trame add after the units under the threshold for an APL the workbook does not
    publish as such: how a city counted whole and a commune merged since get theirs, and the city's
    arrondissements under 2.5 (empty when the territory holds neither)."""
    return _apl_city_sentence(d) + _merged_sentence(d) + _city_parts_sentence(d)


def _city_parts_sentence(d: Diagnostic) -> str:
    """« Marseille compte ici pour une unité … : son arrondissement Marseille 16e … est sous le seuil … » (empty
    when no city counted whole has an arrondissement under 2.5); said in the report and the Word Trame."""
    parts = d.apl.city_parts_under
    if parts is None or parts.empty:
        return ""
    sentences = []
    for city, rows in parts.groupby("ville", sort=True):
        named: list[tuple[str, str]] = []
        for row in rows.itertuples():
            variant = ("les deux APL" if row.sous_dense and row.sous_dense_moins_65 else
                       "l'APL tous médecins" if row.sous_dense else "l'APL aux médecins de moins de 65 ans")
            named.append((f"{arrondissement_label(str(row.code))} ({row.code} ; APL {fmt(row.apl, 2)}, moins de "
                          f"65 ans {fmt(row.apl_moins_65, 2)} ; {fmt(row.population_totale)} habitants)", variant))
        # The column its inhabitants are counted in: the variant it is under (a review named the wrong one).
        columns = [label for flag, label in (("sous_dense", "tous"), ("sous_dense_moins_65", "moins de 65 ans"))
                   if rows[flag].astype(bool).any()]
        one = len(named) == 1
        which = (f"son arrondissement {named[0][0]} est sous le seuil de 2,5 en 2023 avec {named[0][1]}" if one else
                 "ses arrondissements " + enumeration([f"{name}, avec {variant}" for name, variant in named])
                 + " sont sous le seuil de 2,5 en 2023")
        sentences.append(
            f" {CITY_NAMES.get(str(city), city)} compte ici pour une unité, dont l'APL est la moyenne pondérée de ses "
            f"arrondissements : {which} ; {'sa' if one else 'leur'} population est comptée dans la population du "
            f"classeur DREES sous 2,5 ({' et '.join(columns)}) des zones comparées.")
    return "".join(sentences)


def _zones_table(d: Diagnostic) -> dict[str, Any] | None:
    zones = d.apl.zones
    if zones is None or zones.empty:
        return None
    latest = zones[zones["annee"] == zones["annee"].max()]
    table = shown(latest[["libelle", "apl", "apl_moins_65", "population_sous_seuil", "part_sous_seuil_pct",
                          "population_sous_seuil_moins_65", "part_sous_seuil_moins_65_pct"]],
                  {"apl": 2, "apl_moins_65": 2, "part_sous_seuil_pct": 1, "part_sous_seuil_moins_65_pct": 1},
                  labels={"libelle": "Zone", "apl": "APL tous médecins généralistes",
                          "apl_moins_65": "APL médecins de moins de 65 ans",
                          "population_sous_seuil": "Population du classeur DREES sous 2,5 (tous)",
                          "part_sous_seuil_pct": "Part sous 2,5 (%)",
                          "population_sous_seuil_moins_65": "Population du classeur DREES sous 2,5 (moins de 65 ans)",
                          "part_sous_seuil_moins_65_pct": "Part sous 2,5, moins de 65 ans (%)"})
    return {"title": f"APL {int(latest['annee'].iloc[0])} : toutes les APL et population sous le seuil de 2,5",
            "data": table,
            "note": "DREES, classeur APL 2022-2023. APL moyenne pondérée par la population standardisée ; population "
                    "sous le seuil comptée en population totale (non standardisée), comme le prescrit le classeur "
                    "(« Pour comptabiliser la population sous un seuil d'APL […], la population non standardisée "
                    "doit être utilisée »), sur les communes et arrondissements du classeur. L'APL aux médecins de "
                    "moins de 65 ans est celle qu'utilise le zonage des ARS."}


def apl_france_label(d: Diagnostic) -> str:
    """What the APL's « France » figure sums: the label of the compared areas' France row, which names the
    départements the DREES workbook has no row for (Mayotte); a review found « départements chargés : …, 976 »
    above a figure without 976."""
    zones = d.apl.zones
    if zones is not None and not zones.empty and "niveau" in zones and (zones["niveau"] == "france").any():
        return str(zones.loc[zones["niveau"] == "france", "libelle"].iloc[0])
    return france_label(d)


def access_unavailable(d: Diagnostic) -> str:
    """Why the diagnostic has no APL approchée (see the flows section's notes, which say it too)."""
    if d.flows is None:
        return "APL approchée non calculée : aucune extraction de l'Annuaire Santé n'est chargée"
    return d.flows.access_unavailable or "APL approchée non calculée"


def access_section(d: Diagnostic) -> dict[str, Any]:
    syn = d.apl.synthesis
    syn = shown(syn.assign(annee=syn["annee"].astype(str)), {c: 2 for c in syn.columns if c != "annee"},
                labels={"annee": "Année", "territoire": "Territoire",
                        "departement": f"Département ({main_zones(d)[0]})", "region": f"Région ({main_zones(d)[1]})",
                        "france": apl_france_label(d)})
    per_unit = d.apl.per_unit.drop(columns=["commune_code"])
    columns = [c for c in ("unit_code", "nom", "population", "apl_2022", "apl_2023", "apl_moins_65_2023",
                           "sous_dense", "sous_dense_moins_65") if c in per_unit.columns]
    communes = shown(per_unit[columns], {"apl_2022": 2, "apl_2023": 2, "apl_moins_65_2023": 2},
                     labels={"unit_code": "Code INSEE", "nom": "Commune",
                        # The legal population, not the workbook's (a review summed it against the zones' figure).
                        "population": f"Population légale {d.population.year}",
                             "apl_2022": "APL 2022", "apl_2023": "APL 2023",
                             "apl_moins_65_2023": "APL 2023 moins de 65 ans", "sous_dense": "APL 2023 < 2,5",
                             "sous_dense_moins_65": "APL 2023 moins de 65 ans < 2,5"})
    paragraphs = [
        "APL officielle de la DREES aux médecins généralistes (consultations et visites accessibles par habitant "
        "standardisé et par an). La valeur du territoire, du département, de la région et de la France est la "
        "moyenne des communes pondérée par leur population standardisée (population corrigée de la structure par "
        "âge des besoins de soins, publiée par la DREES avec l'APL), comme le fait la DREES. La variante "
        "« médecins généralistes de moins de 65 ans », celle du zonage des ARS, est à côté.",
        _under_sentence(d),
    ]
    if d.apl.missing and len(d.apl.missing) < len(d.apl.per_unit):
        paragraphs.append("Communes sans APL publiée (non disponible) : " + ", ".join(d.apl.missing))
    apl_table: dict[str, Any] = {"title": "APL par commune", "data": communes}
    if len(communes) > MAX_UNITS_LISTED:
        # A large territory: the units under the threshold (or without APL) are named, the others counted.
        flagged = communes[communes["APL 2023 < 2,5"] != "non"]
        apl_table = {"title": f"Unités sous le seuil de 2,5 ou sans APL publiée ({format_number(len(flagged))} sur "
                              f"{format_number(len(communes))})",
                     "data": flagged.reset_index(drop=True),
                     "note": "L'APL de toutes les unités est dans " + tables_place(d, "apl.csv", "APL") + "."}
        # A région's hundreds of them are bounded too (a review: 322 rows, most of its 102 printed pages), the
        # lowest APL first, the units without one last.
        lowest = pd.to_numeric(per_unit["apl_2023"], errors="coerce")[(communes["APL 2023 < 2,5"] != "non").to_numpy()]
        apl_table = bounded(apl_table, lowest, "à l'APL 2023 la plus basse", tables_place(d, "apl.csv", "APL"),
                            limit=MAX_LISTED_WHOLE, top=TOP_LISTED_WHOLE)
    tables = [{"title": "APL aux médecins généralistes : territoire et références", "data": syn}]
    zones = _zones_table(d)
    if zones is not None:
        tables.append(zones)
    tables.append(apl_table)
    subsections = []
    if d.access is not None:
        rho, n = d.access.spearman_territory
        rho_v, n_v = d.access.spearman_neighbourhood
        approx = d.access.communes
        if "nom" not in approx:
            approx = approx.assign(nom=approx["code"].map(d.units.set_index("unit_code")["nom"]))
        approx = approx[["code", "nom", "apl_approchee", "apl_officielle_2023"]]
        approx = approx.rename(columns={"code": "Code INSEE", "nom": "Commune", "apl_approchee": "APL approchée",
                                                      "apl_officielle_2023": "APL officielle 2023"})
        sub: dict[str, Any] = {
            "title": "APL approchée (modèle de l'outil, pas l'APL officielle)",
            "paragraphs": [
                "L'APL approchée est une accessibilité à deux étapes (E2SFCA, bibliothèque pysal access) avec les "
                "paliers de distance de la DREES appliqués à des distances à vol d'oiseau corrigées d'un facteur "
                "de détour, et une offre en parts de présence des professionnels de l'Annuaire Santé (un "
                "professionnel exerçant sur n lieux compte 1/n dans chacun ; ce n'est pas un temps de travail "
                f"mesuré) exerçant en ambulatoire : {AMBULATORY_WORDS}. Unité : {d.access.unit}. Ce n'est pas "
                "l'APL officielle de la DREES."
                + (f" {d.access.demand}." if d.access.demand else ""),
                f"Corrélation de rang (Spearman) avec l'APL officielle 2023 : {fmt(rho, 2)} sur {fmt(n)} "
                f"{_units_word(d, n)} du territoire{correlation_caveat(n)}, {fmt(rho_v, 2)} sur {fmt(n_v)} "
                f"{_units_word(d, n_v)} du voisinage{correlation_caveat(n_v)}{_split_cities_note(d)}.",
            ],
            "tables": [_approx_table(d, approx)],
        }
        if d.access.simulation is not None:
            sub["tables"].extend(simulation_tables(d))
            sub["paragraphs"].extend(simulation_paragraphs(d))
        if d.is_demo(REGISTRY_SOURCE):
            sub["notes"] = [DEMO_WARNING]
        subsections.append(sub)
    elif d.supply is not None:  # said, not left out without a word
        paragraphs.append(access_unavailable(d) + ".")
    return {"title": "Accessibilité", "paragraphs": paragraphs, "tables": tables, "subsections": subsections}


#: Beyond this many units, per-unit tables name the units that matter and say where the full table is.
MAX_UNITS_LISTED = 40


def _split_cities(d: Diagnostic) -> list[str]:
    """Names of the cities the territory holds whole that the APL approchée counts by arrondissement (Métropole du
    Grand Paris: 130 units, Paris one of them, and 149 analysis units)."""
    if d.access is None:
        return []
    units = set(d.units["unit_code"].astype(str))
    cities = {city for code in d.access.communes["code"].astype(str) if code not in units
              and (city := city_of_arrondissement(code)) is not None}
    return [CITY_NAMES.get(c, c) for c in sorted(cities)]


#: Below this many units a rank correlation takes a handful of values (±0.5 or ±1 on 3): not to be read.
MIN_UNITS_FOR_A_CORRELATION = 5


def correlation_caveat(n: int) -> str:
    """Said after a rank correlation on fewer than :data:`MIN_UNITS_FOR_A_CORRELATION` units."""
    return " (trop peu d'unités pour l'interpréter)" if 0 < n < MIN_UNITS_FOR_A_CORRELATION else ""


def _units_word(d: Diagnostic, n: int) -> str:
    word = "unité" if _split_cities(d) else "commune"
    return word if n < 2 else word + "s"


def _split_cities_note(d: Diagnostic) -> str:
    """« ; Paris y est comptée par arrondissement » (the cities the territory holds whole, named)."""
    names = _split_cities(d)
    if not names:
        return ""
    listed = enumeration(names)
    return f" ; {listed} y {'est comptée' if len(names) == 1 else 'sont comptées'} par arrondissement"


def _approx_table(d: Diagnostic, approx: Any) -> dict[str, Any]:
    if len(approx) <= MAX_UNITS_LISTED:
        return {"title": "APL approchée et APL officielle par commune", "data": approx, "decimals": 2}
    lowest = approx.sort_values("APL approchée", kind="stable").head(15)
    return {"title": f"Les 15 unités à l'APL approchée la plus faible (sur "
                     f"{format_number(len(approx))}{_split_cities_note(d)})",
            "data": lowest,
            "decimals": 2, "note": "Toutes les unités : " + tables_place(d, "apl_approchee.csv", "APL approchée") + "."}


def _change_text(d: Diagnostic) -> str:
    """The scenario in words: « +3 médecins généralistes à 75119 (Paris 19e Arrondissement) ; −2 infirmiers à … »."""
    if d.access is None:
        return ""
    # A change outside the territory is named too (a review: « +2 médecins généralistes à 69003 » was Albigny-sur-
    # Saône, not the Lyon 3e the user meant by its postal code, and the report never said it).
    names = {**d.access.change_names, **d.units.drop_duplicates("unit_code").set_index("unit_code")["nom"]}

    def one(change: WhatIfChange) -> str:
        decimals = len(f"{abs(change.delta):g}".partition(".")[2])
        amount = ("+" if change.delta > 0 else "") + fmt(change.delta, decimals)
        group = change.groupe[:1].lower() + change.groupe[1:]
        if abs(change.delta) < 2:  # « +1 médecin généraliste », « +0,5 infirmier »
            group = re.sub(r"s\b", "", group)
        place = f" ({names[change.commune]})" if change.commune in names else ""
        return f"{amount} {group} à {change.commune}{place}"

    return " ; ".join(one(c) for c in d.access.changes)


def simulation_paragraphs(d: Diagnostic) -> list[str]:
    """What the what-if changes, said in words: a scenario without effect on the territory is named as such.

    The simulation has one row per unit and profession: the units are counted, not the rows.
    """
    if d.access is None or d.access.simulation is None:
        return []
    sim = d.access.simulation
    codes = sim["code"].astype(str)
    moved = codes[sim["delta"].abs().fillna(0) > 0.005].nunique()
    outside = [c.commune for c in d.access.changes if c.commune not in set(d.units["unit_code"])]
    where = ""
    if outside:
        where = (" Les communes modifiées hors du territoire (" + ", ".join(outside) + ") sont prises en compte "
                 "avec leurs distances au territoire.")
    # The model is the GPs' (their age-standardised demand, their distance steps): another profession's figure
    # is an order of magnitude, said so (a review: « Kinés:2@04070 » read as the GPs' APL).
    others = sorted({c.groupe for c in d.access.changes} - {GROUPE_MG})
    named = enumeration(["les autres professions" if g == "Autres" else f"les {g.lower()}" for g in others]) \
        if others else ""
    caveat = ("" if not others else
              f" Pour {named}, l'APL approchée reprend la demande standardisée et les paliers de distance de l'APL "
              "aux médecins généralistes : un ordre de grandeur, qui n'est pas une accessibilité propre à ces "
              "professions.")
    if not moved:
        # Changes in the territory that move no unit by 0.005 are too small there (a review: a change on Riez, a
        # member, was said « trop loin »); changes outside it only are beyond the model's distance steps.
        why = ("les changements sont trop faibles pour modifier de 0,01 l'APL approchée d'une de ses communes"
               if len(outside) < len(d.access.changes) else
               "les changements sont trop loin des communes du territoire (au-delà des paliers de distance du "
               "modèle) pour que leurs habitants y aient accès")
        return ["Simulation : le scénario ne modifie l'APL approchée d'aucune commune du territoire : " + why + "."
                + where + caveat]
    communes = plural(int(moved), "commune")
    return [f"Simulation : le scénario modifie l'APL approchée de {communes} du territoire sur "
            f"{fmt(codes.nunique())}." + where + caveat]


def rounded_change(frame: pd.DataFrame, before: str, after: str, change: str) -> pd.DataFrame:
    """``frame`` with its before and after at the two decimals shown and the change their difference: rounded on its
    own, the change disagreed with them by 0,01 (a review: 108,86 → 111,78, écart 2,93)."""
    first, then = frame[before].astype("float64").round(2), frame[after].astype("float64").round(2)
    return frame.assign(**{before: first, after: then, change: (then - first).round(2)})


def simulation_tables(d: Diagnostic) -> list[dict[str, Any]]:
    """The territory's before/after, then the units the scenario changes (named), for the report."""
    if d.access is None or d.access.simulation is None:
        return []
    changes = _change_text(d)
    tables: list[dict[str, Any]] = []
    if d.access.simulation_territory is not None and not d.access.simulation_territory.empty:
        territory = rounded_change(d.access.simulation_territory, "avant", "apres", "ecart").rename(columns={
            "groupe": "Profession", "avant": "Avant", "apres": "Après", "ecart": "Écart"})
        tables.append({"title": f"Simulation : {changes} — APL approchée du territoire", "data": territory,
                       "decimals": 2, "note": "Moyenne des communes du territoire pondérée par la demande du "
                                              "modèle (leur population standardisée de la DREES, ou leur population "
                                              "totale là où le classeur n'en donne pas)."})
    sim = rounded_change(d.access.simulation, "before", "after", "delta")
    names = d.units.drop_duplicates("unit_code").set_index("unit_code")["nom"]
    moved = sim[sim["delta"].abs().fillna(0) > 0.005]
    if moved.empty:
        return tables
    table = moved.assign(nom=moved["code"].astype(str).map(names))[["code", "nom", "groupe", "before", "after",
                                                                     "delta"]]
    table = table.rename(columns={"code": "Code INSEE", "nom": "Commune", "groupe": "Profession",
                                  "before": "Avant", "after": "Après", "delta": "Écart"})
    note = None
    unchanged = sim["code"].astype(str).nunique() - moved["code"].astype(str).nunique()
    if unchanged:
        others = agree(unchanged, "L'autre commune du territoire ne change", f"Les {fmt(unchanged)} autres communes "
                                                                                  "du territoire ne changent")
        note = f"{others} pas."
    tables.append({"title": f"Simulation : {changes} — communes dont l'APL approchée change", "data": table,
                   "decimals": 2, "note": note})
    return tables
