"""Report sections « Offre de soins » and « Établissements ».

The printed report is an annex of the projet de santé: long lists are
bounded (counts by group and category, the establishments of the territory
up to :data:`MAX_LISTED`, the nearest ones outside), and the report says
where the full list is (``etablissements.csv`` and the « Établissements »
sheet of ``diagnostic.xlsx``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.geography import CITY_NAMES
from pipeline.model.diagnostic import CONTRADICTION_KM, Diagnostic
from pipeline.render import charts
from pipeline.render.palette import establishment_order
from pipeline.render.report import MISSING
from pipeline.render.sections.common import (
    DEMO_WARNING,
    ESTABLISHMENTS_DEMO_WARNING,
    FINESS_SOURCE,
    GROUP_DISPLAY,
    LIBELLES,
    REGISTRY_SOURCE,
    establishments_uncovered,
    format_number,
    france_label,
    main_zones,
    plural,
    scope_note,
    tables_place,
)
from pipeline.render.sections.coverage import (
    DENSITY_COLUMNS,
    STRUCTURES_NOTE,
    coverage_display,
    coverage_notes,
    structures_display,
    zone_supply_tables,
)

#: Establishments of the territory listed by name in the report; the others are counted (full list in the tables).
MAX_LISTED = 30
#: Nearest establishments outside the territory listed by name.
MAX_NEAREST = 10


#: Names of the supply table's sources in the report (the CSV keeps the keys).
SOURCE_NAMES = {REGISTRY_SOURCE: "Annuaire Santé", FINESS_SOURCE: "FINESS"}


def supply_section(d: Diagnostic) -> dict[str, Any]:
    if d.supply is None:
        return {"title": "Offre de soins", "paragraphs": [
            "Aucune extraction de l'Annuaire Santé n'est chargée : lancez « make data REGISTRY=… » avec "
            "l'extraction PS_LibreAcces, ou « make data » avec l'option de démonstration."]}
    table = structures_display(coverage_display(d, d.supply.table),
                               {"praticiens_etp": 1, **{c: 1 for c in DENSITY_COLUMNS}})
    if "source" in table:  # the reader's names of the files, not their machine keys
        table = table.assign(source=table["source"].map(SOURCE_NAMES).fillna(table["source"]))
    table = table.rename(columns=LIBELLES)
    france = france_label(d)
    departement, region = main_zones(d)
    headers = {"densite_departement": f"Densité département ({departement})",
               "densite_region": f"Densité région ({region})", "densite_france": f"Densité {france}"}
    table = table.rename(columns={LIBELLES[k]: v for k, v in headers.items()})
    chart_data = {
        g: {"Territoire": r.densite_10000, f"Département ({departement})": r.densite_departement,
            f"Région ({region})": r.densite_region, france: r.densite_france}
        for g, r in d.supply.table.set_index("groupe").iterrows() if g in GROUP_DISPLAY
    }
    tables = [{"title": "Professionnels et structures d'exercice coordonné (densité pour 10 000 habitants)",
               "data": table, "decimals": {LIBELLES["praticiens_etp"]: 1, LIBELLES["densite_10000"]: 1,
                                           **{header: 1 for header in headers.values()}},
               "numeric": [*(LIBELLES[c] for c in ("praticiens", "praticiens_etp", "dont_liberaux", "densite_10000")),
                           *headers.values()],
               "note": "Effectif distinct : chaque professionnel ayant au moins un lieu d'exercice dans le territoire "
                       "compte une fois dans son groupe, quel que soit son mode d'exercice (libéral, salarié, à "
                       "l'hôpital : voir « Premier et second recours » et « Mode d'exercice ») ; un pharmacien "
                       "exerçant à la fois en biologie et en officine compte dans les deux groupes, aussi la somme "
                       "des groupes peut-elle dépasser le nombre de professionnels. « Part des sites » répartit un "
                       "professionnel exerçant sur n lieux (1/n par lieu). Densités sur les effectifs distincts. "
                       + STRUCTURES_NOTE + " Source : Annuaire Santé (extraction RPPS/ADELI)."}]
    for title, split in (("Premier et second recours", d.supply.by_recours), ("Mode d'exercice", d.supply.by_mode)):
        if split is not None and not split.empty:
            frame = split.reset_index().rename(columns={"groupe": "Profession"})
            frame.columns = [str(c)[:1].upper() + str(c)[1:] for c in frame.columns]
            tables.append({"title": title, "data": frame, "decimals": 0,
                           "note": "Effectifs distincts de professionnels."})
    tables.extend(zone_supply_tables(d))
    notes = coverage_notes(d) + ([DEMO_WARNING] if d.is_demo(REGISTRY_SOURCE) else [])
    counted = d.supply.table[(d.supply.table["unite"] != "structures") & d.supply.table["praticiens"].notna()]
    unknown_mode = counted.loc[counted["dont_liberaux"].isna(), "groupe"].tolist()
    if unknown_mode:
        notes.append(f"« Dont libéraux » non disponible ({', '.join(unknown_mode)}) : des professionnels y exercent "
                     "sans mode d'exercice connu (code absent ou inconnu de la nomenclature de l'Annuaire Santé, "
                     "voir « Mode d'exercice »).")
    if scope_note(d):
        notes.append(str(scope_note(d)))
    return {"title": "Offre de soins", "tables": tables, "notes": notes, "charts": [
        {"title": "Densité de professionnels comparée", "svg": charts.grouped_supply_chart(chart_data)}]}


def _place_names(d: Diagnostic) -> pd.Series:
    names = d.units.drop_duplicates("unit_code").set_index("unit_code")["nom"]
    # A commune named by its unit, except a city held by arrondissements: 13055 is not « Marseille 1er ».
    whole = d.units[d.units["unit_code"] == d.units["commune_code"]]
    communes = whole.drop_duplicates("commune_code").set_index("commune_code")["nom"]
    cities = pd.Series({code: f"{name}, arrondissement non déterminé" for code, name in CITY_NAMES.items()})
    communes = pd.concat([communes, cities[~cities.index.isin(communes.index)]])
    outside = pd.Series(d.place_names, dtype=object)
    names = pd.concat([names, communes[~communes.index.isin(names.index)]])
    return pd.concat([names, outside[~outside.index.isin(names.index)]])


def _place(row: pd.Series, names: pd.Series) -> str:
    """« Gréoux-les-Bains (04094) » (the code alone when no name is known)."""
    for column in ("unite", "commune"):
        code = row.get(column)
        if isinstance(code, str) and code:
            return f"{names[code]} ({code})" if code in names.index else code
    # A commune of a département outside the load: the database has no name for it, the file its code.
    source = row.get("commune_source")
    return source if isinstance(source, str) and source else MISSING


def _listing(frame: pd.DataFrame, names: pd.Series, with_distance: bool) -> pd.DataFrame:
    out = pd.DataFrame({
        "Établissement": frame["nom"],
        "Groupe": frame["groupe"],
        "Catégorie FINESS": frame["categorie_libelle"] if "categorie_libelle" in frame else frame["groupe"],
        "Commune": [_place(row, names) for _, row in frame.iterrows()],
    })
    if with_distance:
        out["Distance au territoire (km)"] = frame["distance_km"].to_numpy()
    return out


def _others(count: int, d: Diagnostic) -> str:
    """« Les 12 autres sont dans le fichier etablissements.csv … » (« L'autre est » for one)."""
    where = tables_place(d, "etablissements.csv", "Établissements")
    return f"L'autre est dans {where}." if count == 1 else f"Les {count} autres sont dans {where}."


def establishments_section(d: Diagnostic) -> dict[str, Any]:
    if d.establishments is None:
        return {"title": "Établissements", "paragraphs": ["Aucune extraction FINESS n'est chargée."]}
    e = d.establishments
    inside_mask = e["dans_territoire"].astype(bool)
    inside, outside = e[inside_mask], e[~inside_mask]
    uncovered = establishments_uncovered(d)
    if uncovered is not None:
        # No count (it would be falsely low), but the establishments the file does hold are real: named.
        content: dict[str, Any] = {"title": "Établissements",
                                   "paragraphs": [uncovered[0].upper() + uncovered[1:] + "."]}
        if len(inside):
            shown = f", {MAX_LISTED} premiers sur {format_number(len(inside))}" if len(inside) > MAX_LISTED else ""
            content["tables"] = [{"title": "Établissements du territoire présents dans l'extraction (liste non "
                                           f"exhaustive{shown})",
                                  "data": _listing(inside.sort_values("nom", kind="stable").head(MAX_LISTED),
                                                   _place_names(d), False),
                                  "note": _others(len(inside) - MAX_LISTED, d) if shown else None}]
        return content
    order = establishment_order(e["groupe"])
    counts = e.groupby(["groupe", "dans_territoire"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=[True, False], fill_value=0).reindex(order)
    counts = counts.rename(columns={True: "Dans le territoire", False: "À proximité (hors territoire)"})
    counts = counts.reset_index().rename(columns={"groupe": "Groupe"})
    by_category = (e.assign(cat=e["categorie_libelle"].fillna(e["groupe"]) if "categorie_libelle" in e
                            else e["groupe"])
                   .groupby(["groupe", "cat", "dans_territoire"]).size().unstack(fill_value=0)
                   .reindex(columns=[True, False], fill_value=0).reset_index())
    by_category["_order"] = by_category["groupe"].map({g: i for i, g in enumerate(order)})
    by_category = by_category.sort_values(["_order", True], ascending=[True, False]).drop(columns="_order")
    by_category.columns = ["Groupe", "Catégorie FINESS", "Dans le territoire", "À proximité (hors territoire)"]
    names = _place_names(d)
    rank = inside.assign(_order=inside["groupe"].map({g: i for i, g in enumerate(order)}))
    listed = rank.sort_values(["_order", "nom"], kind="stable").head(MAX_LISTED)
    contradicted = outside["coordonnees_contradictoires"].fillna(False).astype(bool) \
        if "coordonnees_contradictoires" in outside else pd.Series(False, index=outside.index)
    nearest = outside[~contradicted].sort_values(["distance_km", "nom"], kind="stable").head(MAX_NEAREST)
    where = tables_place(d, "etablissements.csv", "Établissements")
    paragraphs = [
        f"{plural(len(inside), 'établissement')} dans le territoire et {plural(len(outside), 'établissement')} "
        f"à proximité (hors du territoire) dans l'extraction FINESS. La liste complète, avec adresses, numéros "
        f"FINESS et coordonnées, est dans {where}.",
    ]
    tables: list[dict[str, Any]] = [
        {"title": "Établissements par groupe", "data": counts},
        {"title": "Établissements par catégorie FINESS", "data": by_category},
    ]
    if len(listed):
        title = "Établissements du territoire"
        note = None
        if len(inside) > len(listed):
            title += f" ({format_number(len(listed))} premiers sur {format_number(len(inside))}, par groupe)"
            note = _others(len(inside) - len(listed), d)
        tables.append({"title": title, "data": _listing(listed, names, False), "note": note})
    if len(nearest):
        shown = (f" ({format_number(len(nearest))} sur {format_number(len(outside))})"
                 if len(outside) > len(nearest) else "")
        tables.append({"title": f"Établissements les plus proches hors du territoire{shown}",
                       "data": _listing(nearest, names, True), "decimals": 1})
    if contradicted.any():
        count, one = int(contradicted.sum()), int(contradicted.sum()) == 1
        named = [f"{r['nom']} ({_place(r, names)})" for _, r in outside[contradicted].head(5).iterrows()]
        paragraphs.append(
            f"{plural(count, 'établissement')} hors du territoire par {'sa' if one else 'leur'} commune (ou sans "
            f"commune connue) {'a' if one else 'ont'} des coordonnées à plus de {format_number(CONTRADICTION_KM, 0)} "
            f"km à l'intérieur du territoire : commune ou coordonnées erronées dans FINESS. "
            f"{'Il n' if one else 'Ils ne'}'{'est' if one else 'sont'} pas {'compté' if one else 'comptés'} dans "
            f"le territoire et {'sa' if one else 'leur'} distance n'est pas donnée (colonne « Coordonnées dans le "
            f"territoire » du tableau des établissements : {where}) : {', '.join(named)}{'…' if count > 5 else ''}.")
    charts_ = []
    if len(inside):
        per_group = {str(k): int(v) for k, v in inside.groupby("groupe").size().items()}
        charts_.append({"title": "Établissements du territoire par groupe",
                        "svg": charts.establishments_chart(per_group)})
    return {"title": "Établissements", "paragraphs": paragraphs, "tables": tables, "charts": charts_,
            "notes": [ESTABLISHMENTS_DEMO_WARNING] if d.is_demo(FINESS_SOURCE) else []}
