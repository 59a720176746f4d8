"""The diagnostic's machine column names and their French presentation, declared once.

The tables written by the diagnostic (``communes``, ``offre``,
``etablissements``…) share column names; :data:`CATALOGUE` gives each one its
:class:`~pipeline.render.table_spec.Column` (label, kind, decimals, unit) so
that a column reads the same in every sheet and document.
:func:`spec_from_catalogue` builds a :class:`TableSpec` from a frame with these
names; :func:`pipeline.render.table_spec.columns_markdown` turns specs into the
README's correspondence table.

Names ending with a four-digit year (``population_2022``) are resolved by
pattern (:data:`PATTERNS`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from pipeline.render.table_spec import (
    KIND_LABELS,
    NO_DATA_TEXT,
    UNIT_TYPES,
    Column,
    ColumnKind,
    TableSpec,
)

#: The categories of the ACI's funding and missions as people read them; the CSV keeps the codes (a review found
#: « complementaire » in the workbook beside the report's « mission complémentaire »).
ACI_CATEGORIES = (("fonctionnement", "fonctionnement"), ("socle", "mission socle"),
                  ("complementaire", "mission complémentaire"), ("supplementaire", "volet supplémentaire"))


def _c(name: str, label: str, kind: ColumnKind, decimals: int = 0, unit: str = "") -> Column:
    return Column(name, label, kind, decimals, unit)


_DENSITY = "pour 10 000 hab."
_COLUMNS = [
    # Communes and units
    _c("code_insee", "Code INSEE", "code"),
    _c("unit_code", "Code INSEE", "code"),
    _c("commune_code", "Code INSEE de la commune", "code"),
    _c("commune_de_rattachement", "Commune de rattachement (code INSEE)", "code"),
    _c("code", "Code INSEE", "code"),
    _c("commune", "Commune", "text"),
    Column("type", "Type d'unité", "text", values=UNIT_TYPES),
    _c("codes_postaux", "Codes postaux", "code"),
    _c("surface_km2", "Surface", "decimal", 2, "km²"),
    _c("densite_hab_km2", "Densité de population", "decimal", 1, "hab./km²"),
    _c("particularites_qpv_zip_zac", "Particularités du territoire (QPV, ZIP, ZAC)", "text"),
    _c("epci", "EPCI (SIREN)", "code"),
    _c("epci_nom", "EPCI", "text"),
    _c("departement", "Département (code)", "code"),
    _c("zone", "Zone", "text"),
    _c("nom", "Nom", "text"),
    # Population
    _c("millesime", "Population légale (millésime)", "text"),
    _c("population", "Population municipale", "integer", unit="hab."),
    _c("evolution", "Évolution depuis la première année", "integer", unit="hab."),
    _c("taux_annuel_pct", "Taux d'évolution annuel moyen", "percent", 2),
    _c("periode_taux", "Période du taux annuel (populations légales)", "text"),
    # ACI
    _c("taille", "Taille ACI", "integer"),
    _c("mission", "Mission", "text"),
    # The ACI's funding and calendar categories are worded for people; other tables' categories are kept as they are.
    Column("categorie", "Catégorie", "text", values=ACI_CATEGORIES),
    _c("volet", "Volet", "text"),
    _c("montant_eur", "Montant annuel", "integer", unit="€"),
    _c("remarque", "Remarque", "text"),
    _c("texte", "Texte de référence", "text"),
    _c("demarrage_mois", "Démarrage (mois après signature)", "integer"),
    _c("deploiement_mois", "Déploiement (mois après signature)", "integer"),
    _c("demarrage", "Démarrage au plus tard", "date"),
    _c("deploiement", "Déploiement au plus tard", "date"),
    # APL
    _c("apl_2022", "APL médecins généralistes 2022", "decimal", 3),
    _c("apl_2023", "APL médecins généralistes 2023", "decimal", 3),
    _c("apl_mg_2022", "APL médecins généralistes 2022", "decimal", 3),
    _c("apl_mg_2023", "APL médecins généralistes 2023", "decimal", 3),
    _c("sous_dense", "APL 2023 inférieure à 2,5", "boolean"),
    _c("codes_classeur_2022", "APL 2022 calculée : moyenne des lignes du classeur DREES (codes), pondérée par leur "
       "population standardisée", "text"),
    _c("codes_classeur_2023", "APL 2023 calculée : moyenne des lignes du classeur DREES (codes), pondérée par leur "
       "population standardisée", "text"),
    _c("apl_approchee", "APL approchée (modèle de l'outil)", "decimal", 2),
    _c("apl_officielle_2023", "APL officielle 2023", "decimal", 3),
    _c("avertissement_apl", "Avertissement APL", "text"),
    _c("avant", "Avant", "decimal", 2),
    _c("apres", "Après", "decimal", 2),
    _c("ecart", "Écart", "decimal", 2),
    _c("scenario", "Scénario", "text"),
    # Neighbours
    _c("liste", "Liste de CPTS", "text"),
    _c("cpts", "CPTS", "text"),
    _c("unites_communes", "Unités partagées", "text"),
    _c("population_commune", "Population partagée", "integer", unit="hab."),
    _c("part_population_territoire", "Part de la population du territoire partagée", "share", 3),
    _c("part_population_cpts", "Part de la population de l'autre CPTS partagée", "share", 3),
    _c("limitrophe", "Limitrophe", "boolean"),
    # Supply and representativeness
    _c("groupe", "Profession ou structure", "text"),
    _c("praticiens", "Professionnels (effectif distinct)", "integer"),
    _c("praticiens_etp", "Professionnels (part des sites)", "decimal", 1),
    _c("dont_liberaux", "dont libéraux", "integer"),
    _c("unite", "Unité", "text"),
    _c("source", "Source", "text"),
    _c("densite_10000", "Densité territoire", "decimal", 1, _DENSITY),
    _c("densite_departement", "Densité département", "decimal", 1, _DENSITY),
    _c("densite_region", "Densité région", "decimal", 1, _DENSITY),
    _c("densite_france", "Densité France", "decimal", 1, _DENSITY),
    _c("premier", "Premier recours", "integer"),
    _c("second", "Second recours", "integer"),
    _c("hors ambulatoire", "Hors ambulatoire", "integer"),
    _c("non classé", "Non classé", "integer"),
    _c("non renseigné", "Non renseigné", "integer"),
    _c("libéral", "Libéral", "integer"),
    _c("salarié", "Salarié", "integer"),
    _c("bénévole", "Bénévole", "integer"),
    _c("adherents", "Adhérents de la CPTS", "integer"),
    _c("part_adherents_pct", "Part des professionnels adhérents", "percent", 1),
    _c("adherents_hors_territoire", "Adhérents exerçant hors du territoire (hors des parts)", "integer"),
    # Establishments (FINESS)
    _c("finess", "N° FINESS de l'établissement", "code"),
    _c("finess_ej", "N° FINESS de l'entité juridique", "code"),
    _c("categorie_code", "Catégorie FINESS (code)", "code"),
    _c("categorie_libelle", "Catégorie FINESS", "text"),
    _c("categorie_agregat_code", "Agrégat de catégories (code)", "code"),
    _c("categorie_agregat_libelle", "Agrégat de catégories", "text"),
    _c("statut_sph", "Statut SPH", "text"),
    _c("commune_source", "Commune dans FINESS (code INSEE)", "code"),
    _c("adresse", "Adresse", "text"),
    _c("code_postal", "Code postal", "code"),
    _c("extraction", "Date de l'extraction FINESS", "date"),
    _c("lon", "Longitude (WGS 84)", "decimal", 6),
    _c("lat", "Latitude (WGS 84)", "decimal", 6),
    _c("x", "X (projection d'origine)", "decimal", 2),
    _c("y", "Y (projection d'origine)", "decimal", 2),
    _c("epsg", "Projection (EPSG)", "text"),
    _c("source_coord", "Source des coordonnées", "text"),
    _c("date_ouverture", "Date d'ouverture", "date"),
    _c("ligne", "Ligne du fichier FINESS", "integer"),
    _c("dans_territoire", "Dans le territoire", "boolean"),
    _c("distance_km", "Distance au territoire", "decimal", 1, "km"),
    _c("coordonnees_dans_le_territoire", "Coordonnées dans le territoire", "boolean"),
    _c("coordonnees_contradictoires", "Commune hors du territoire, coordonnées à plus de 1 km dedans", "boolean"),
    # Flows (modelled or real origin-destination tables)
    _c("recours_residents", "Recours des résidents", "integer"),
    _c("recours_internes", "Recours dans le territoire", "integer"),
    _c("auto_confinement", "Auto-confinement", "share", 3),
    _c("fuites", "Fuites hors du territoire", "integer"),
    _c("recours_realises", "Recours réalisés dans le territoire", "integer"),
    _c("recours_exterieurs_entrants", "Recours entrants de l'extérieur", "integer"),
    _c("attraction", "Attraction", "share", 3),
    _c("non_affecte", "Recours non affectés", "integer"),
    _c("origine_des_flux", "Origine des flux", "text"),
    _c("destination", "Destination (code INSEE)", "code"),
    _c("volume", "Volume de recours", "integer"),
    _c("part_des_residents", "Part des résidents", "share", 3),
    _c("bassin_de_vie", "Bassin de vie (code)", "code"),
    _c("bassin_de_vie_nom", "Bassin de vie", "text"),
    _c("n_communes", "Unités du bassin de vie (communes ; arrondissements à Paris, Lyon, Marseille)", "integer"),
    _c("n_communes_dans_territoire", "dont dans le territoire", "integer"),
    _c("coupe", "Bassin coupé par le périmètre", "boolean"),
    _c("recours_residents_bv", "Recours des résidents du bassin", "integer"),
    _c("part_residents_dans_territoire", "Part des résidents dans le territoire", "share", 3),
    _c("auto_confinement_bv", "Auto-confinement du bassin", "share", 3),
    _c("flux_interieur_vers_exterieur", "Flux du territoire vers l'extérieur", "integer"),
    _c("flux_exterieur_vers_interieur", "Flux de l'extérieur vers le territoire", "integer"),
    # Pertinence of the perimeter (seed 003 §6.1)
    _c("share_into_perimeter", "Part des recours de ses habitants faits dans le territoire", "share", 3),
    _c("volume_into_perimeter", "Recours de ses habitants faits dans le territoire", "integer"),
    _c("claimed_by", "Revendiquée par (autres CPTS)", "text"),
    _c("share_inside", "Part des recours de ses habitants restant dans le territoire", "share", 3),
    _c("main_destination", "Principale destination hors du territoire (code INSEE)", "code"),
    _c("main_destination_nom", "Principale destination hors du territoire", "text"),
    _c("main_destination_share", "Part des recours vers cette destination", "share", 3),
    _c("level", "Zonage", "text"),
    _c("n_units_in", "Unités dans le territoire", "integer"),
    _c("n_units_out", "Unités hors du territoire", "integer"),
    _c("population_in", "Population dans le territoire", "integer", unit="hab."),
    _c("population_out", "Population hors du territoire", "integer", unit="hab."),
    _c("units_out", "Unités hors du territoire (codes)", "text"),
    # Profile sections: population years, areas, APL variants, need, income, type, dynamics, coverage, members
    _c("annee_population", "Année de la population légale", "code"),
    _c("niveau", "Niveau de la zone", "text"),
    _c("libelle", "Zone", "text"),
    _c("principal", "Zone principale", "boolean"),
    _c("population_territoire", "Habitants du territoire dans la zone", "integer", unit="hab."),
    _c("departements", "Départements (codes)", "code"),
    _c("ars", "ARS concernées", "text"),
    _c("annee", "Année", "code"),
    _c("apl", "APL médecins généralistes", "decimal", 3),
    _c("apl_moins_65", "APL médecins généralistes de moins de 65 ans", "decimal", 3),
    _c("apl_moins_65_2022", "APL médecins généralistes de moins de 65 ans 2022", "decimal", 3),
    _c("apl_moins_65_2023", "APL médecins généralistes de moins de 65 ans 2023", "decimal", 3),
    _c("sous_dense_moins_65", "APL 2023 moins de 65 ans inférieure à 2,5", "boolean"),
    _c("population_totale", "Population totale (DREES)", "integer", unit="hab."),
    _c("population_sous_seuil", "Population sous une APL de 2,5", "integer", unit="hab."),
    _c("part_sous_seuil_pct", "Part de la population sous une APL de 2,5", "percent", 1),
    _c("population_sous_seuil_moins_65", "Population sous une APL (moins de 65 ans) de 2,5", "integer",
       unit="hab."),
    _c("part_sous_seuil_moins_65_pct", "Part de la population sous une APL (moins de 65 ans) de 2,5", "percent", 1),
    _c("indice_besoin_age", "Indice de besoin lié à l'âge", "decimal", 3),
    _c("population_standardisee", "Population standardisée (DREES)", "decimal", 0, "hab."),
    _c("unites_sans_donnee", "Unités sans donnée", "integer"),
    _c("annee_apl", "Année de l'APL", "code"),
    _c("mediane", "Revenu disponible médian par UC", "integer", unit="€"),
    _c("d1", "1er décile du revenu disponible par UC", "integer", unit="€"),
    _c("d9", "9e décile du revenu disponible par UC", "integer", unit="€"),
    _c("part_minima_sociaux", "Part des minima sociaux dans le revenu disponible", "percent", 1),
    _c("revenu_median", "Revenu disponible médian par UC", "integer", unit="€"),
    _c("revenu_median_approche", "Revenu médian approché (communes fusionnées)", "integer", unit="€"),
    _c("revenu_d1", "1er décile du revenu disponible par UC", "integer", unit="€"),
    _c("revenu_d9", "9e décile du revenu disponible par UC", "integer", unit="€"),
    _c("filosofi_diffusion", "Diffusion Filosofi", "text"),
    _c("methode", "Méthode", "text"),
    _c("uu2020", "Unité urbaine 2020 (code)", "code"),
    _c("uu_libelle", "Unité urbaine 2020", "text"),
    _c("hors_unite_urbaine", "Hors unité urbaine", "boolean"),
    _c("aav2020", "Aire d'attraction des villes 2020 (code)", "code"),
    _c("aav_libelle", "Aire d'attraction des villes 2020", "text"),
    _c("aav_classe", "Classe de l'aire (0 à 5)", "integer"),
    _c("aav_classe_libelle", "Taille de l'aire", "text"),
    _c("dimension", "Zonage", "text"),
    _c("n_unites", "Unités", "integer"),
    _c("part_population", "Part de la population", "share", 3),
    _c("valeur", "Valeur", "decimal", 1),
    _c("lieu", "Unité (code INSEE)", "code"),
    _c("presents_debut", "Présents au début", "integer"),
    _c("presents_fin", "Présents à la fin", "integer"),
    _c("arrivees", "Arrivées", "integer"),
    _c("departs", "Départs", "integer"),
    _c("solde", "Solde (arrivées − départs)", "integer"),
    # Dates, as every date of the tables (a review found them text in the workbook).
    _c("debut", "Extraction de début", "date"),
    _c("fin", "Extraction de fin", "date"),
    _c("indisponible", "Non disponible (raison)", "text"),
    _c("effectif", "Effectif", "integer"),
    _c("rapport_reference", "Rapport à la densité de référence", "decimal", 3),
    _c("noyau", "Noyau du fichier", "boolean"),
    _c("couvert", "Couvert par le fichier", "boolean"),
    _c("fichier", "Fichier", "text"),
    _c("professionnels_territoire", "Professionnels (ou structures) du territoire", "integer"),
    _c("gouvernance", "Participant à la gouvernance", "integer"),
    _c("part_gouvernance_pct", "Part participant à la gouvernance", "percent", 1),
    _c("gouvernance_non_renseigne", "Gouvernance non renseignée", "integer"),
    _c("elaboration", "Ayant participé à l'élaboration du projet de santé", "integer"),
    _c("part_elaboration_pct", "Part ayant participé à l'élaboration", "percent", 1),
    _c("elaboration_non_renseigne", "Élaboration non renseignée", "integer"),
    _c("gouvernance_hors_territoire", "Participant à la gouvernance, exerçant hors du territoire (hors des parts)",
       "integer"),
    _c("elaboration_hors_territoire", "Ayant participé à l'élaboration, exerçant hors du territoire (hors des "
       "parts)", "integer"),
    _c("ligne_adherents", "Ligne du fichier des adhérents", "integer"),
    _c("rpps", "N° RPPS ou ADELI", "code"),
    _c("statut", "Rapprochement avec l'Annuaire Santé", "text"),
    _c("groupe_annuaire", "Profession dans l'Annuaire Santé", "text"),
    _c("lieux", "Communes d'exercice", "text"),
    _c("profession_differente", "Profession différente de l'Annuaire", "boolean"),
    # Warnings
    _c("avertissement", "Avertissement", "text"),
]

#: Machine name -> presentation, for every column the diagnostic's tables use.
CATALOGUE: dict[str, Column] = {c.name: c for c in _COLUMNS}

#: Names carrying a year, resolved by pattern: regex -> builder from the match.
PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], Column]]] = [
    (re.compile(r"population_(\d{4})"),
     lambda m: _c(m.group(0), f"Population municipale {m.group(1)}", "integer", unit="hab.")),
    (re.compile(r"bassin_de_vie_(\d{4})"), lambda m: _c(m.group(0), f"Bassin de vie {m.group(1)} (code)", "code")),
    (re.compile(r"bassin_de_vie_(\d{4})_nom"), lambda m: _c(m.group(0), f"Bassin de vie {m.group(1)}", "text")),
    (re.compile(r"apl_mg_(\d{4})"),
     lambda m: _c(m.group(0), f"APL médecins généralistes {m.group(1)}", "decimal", 3)),
]


def catalogue_column(name: str) -> Column | None:
    """The catalogued presentation of machine column ``name``, or ``None`` when unknown."""
    if name in CATALOGUE:
        return CATALOGUE[name]
    for pattern, build in PATTERNS:
        match = pattern.fullmatch(name)
        if match:
            return build(match)
    return None


def spec_from_catalogue(
    key: str,
    title: str,
    frame: pd.DataFrame,
    source: str,
    *,
    note: str = "",
    sheet: str = "",
    demo: bool = False,
    columns: Sequence[str] | None = None,
    overrides: Mapping[str, Column] | None = None,
    empty: str = NO_DATA_TEXT,
) -> TableSpec:
    """A :class:`TableSpec` whose columns come from :data:`CATALOGUE`.

    Parameters
    ----------
    key, title, frame, source, note, sheet, demo, empty
        As in :class:`TableSpec`.
    columns
        Machine names to write, in order (all of ``frame``'s columns by default).
    overrides
        Presentations that replace the catalogue's for this table (e.g. ``nom``
        labelled « Établissement »).

    Raises
    ------
    ValueError
        Some column is neither in the catalogue nor in ``overrides`` (all of
        them are named), or the spec itself is invalid.
    """
    names = [str(c) for c in (columns if columns is not None else frame.columns)]
    chosen: list[Column] = []
    unknown: list[str] = []
    for name in names:
        column = (overrides or {}).get(name) or catalogue_column(name)
        if column is None:
            unknown.append(name)
        else:
            chosen.append(column)
    if unknown:
        raise ValueError(f"table {key!r}: no presentation for columns {unknown}; add them to the catalogue "
                         "or pass overrides")
    return TableSpec(key=key, title=title, frame=frame, columns=chosen, source=source, note=note, sheet=sheet,
                     demo=demo, empty=empty)


def catalogue_markdown() -> str:
    """Markdown table of the whole catalogue (machine name, French label, kind, unit), for the README."""
    lines = ["| Colonne (CSV) | Libellé (XLSX, DOCX) | Type | Unité |", "|---|---|---|---|"]
    for column in sorted(CATALOGUE.values(), key=lambda c: c.name):
        unit = column.unit or ("%" if column.kind == "percent" else "")
        lines.append(f"| `{column.name}` | {column.label} | {KIND_LABELS[column.kind]} | {unit} |")
    lines.append("| `population_AAAA` | Population municipale AAAA | nombre entier | hab. |")
    lines.append("| `bassin_de_vie_AAAA`, `bassin_de_vie_AAAA_nom` | Bassin de vie AAAA (code), nom | code, texte | |")
    lines.append("| `apl_mg_AAAA` | APL médecins généralistes AAAA | nombre décimal | |")
    return "\n".join(lines) + "\n"


__all__ = ["CATALOGUE", "PATTERNS", "catalogue_column", "catalogue_markdown", "spec_from_catalogue"]
