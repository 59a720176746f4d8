"""The diagnostic's tables: CSV files, the workbook, the GeoPackage and ``summary.json``.

Every table is described once, as a :class:`~pipeline.render.table_spec.TableSpec`
(:func:`table_specs`): machine column names (the CSV headers, stable from one
version to the next), French labels, kinds and decimals from
:mod:`pipeline.render.column_catalogue`, a French title, the source and year
of its figures, and whether it holds demonstration data. The same specs feed
the CSV files (:func:`pipeline.render.csv_files.write_csv_files`), the
workbook (:func:`pipeline.render.spreadsheet.write_workbook`) and the Word
Trame, so a figure reads the same everywhere.

To add a table: build its frame (machine names), give each new column a
presentation in the catalogue, and add one :class:`TableEntry` in
:func:`table_entries`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString

from pipeline.model.diagnostic import Diagnostic
from pipeline.render import provenance as prov
from pipeline.render.column_catalogue import catalogue_column, spec_from_catalogue
from pipeline.render.csv_files import write_csv_files
from pipeline.render.profile_tables import (
    PROFILE_SHEETS,
    PROFILE_SOURCES,
    PROFILE_TITLES,
    REGISTRY_TABLES,
    profile_tables,
)
from pipeline.render.sections.access import rounded_change
from pipeline.render.sections.common import france_label, region_label, reservations, scope_note
from pipeline.render.sections.coverage import STRUCTURES_NOTE, structures_not_applicable
from pipeline.render.sections.display import NOT_AVAILABLE
from pipeline.render.sections.flows import bassins_unknown_note
from pipeline.render.sections.members import neighbours_shown, neighbours_unavailable
from pipeline.render.sections.taille import calendar_title
from pipeline.render.spreadsheet import write_workbook
from pipeline.render.summary import summary as summary_json
from pipeline.render.table_spec import NO_DATA_TEXT, NOT_APPLICABLE, UNIT_TYPES, Column, ColumnKind, TableSpec

SHEETS = {
    "communes": "Communes",
    "population": "Population",
    "references": "Comparaisons",
    "financement": "Financement ACI",
    "offre": "Offre de soins",
    "etablissements": "Établissements",
    "apl": "APL",
    "voisins": "CPTS voisines",
    "representativite": "Représentativité",
    "calendrier": "Calendrier des missions",
    "recours": "Premier et second recours",
    "mode_exercice": "Mode d'exercice",
    "flux_synthese": "Flux - synthèse",
    "flux_destinations": "Flux - destinations",
    "flux_bassins_de_vie": "Flux - bassins de vie",
    "apl_approchee": "APL approchée",
    "simulation_apl": "Simulation APL approchée",
    "pertinence_candidats": "Pertinence - à ajouter",
    "pertinence_a_examiner": "Pertinence - à examiner",
    "pertinence_zones_coupees": "Pertinence - zones coupées",
    **PROFILE_SHEETS,
}
"""Sheet of each table in ``diagnostic.xlsx`` (Excel limits sheet names to 31 characters)."""

DEMO_TEXT = "données fictives de démonstration"
#: Tables whose rows come from each source that may be demonstration data (they get an ``avertissement``).
DEMO_TABLES = {
    "annuaire-sante": ("offre", "representativite", "recours", "mode_exercice", "flux_synthese",
                       "flux_destinations", "flux_bassins_de_vie", "apl_approchee", "simulation_apl",
                       "pertinence_candidats", "pertinence_a_examiner", *REGISTRY_TABLES),
    "finess": ("etablissements",),
}
WORKBOOK = "diagnostic.xlsx"

_ESTABLISHMENT_COLUMNS = {
    "nom": Column("nom", "Établissement", "text"),
    "groupe": Column("groupe", "Groupe d'établissements", "text"),
    "commune": Column("commune", "Commune (code INSEE)", "code"),
    "unite": Column("unite", "Unité (code INSEE, arrondissement à Paris, Lyon, Marseille)", "code"),
}


@dataclass(frozen=True)
class TableEntry:
    """One table of the diagnostic before it becomes a :class:`TableSpec`."""

    key: str
    title: str
    frame: pd.DataFrame
    source: str
    note: str = ""
    overrides: Mapping[str, Column] = field(default_factory=dict)
    #: The line of the table without rows (« aucune donnée » when empty).
    empty: str = ""


def communes_table(d: Diagnostic) -> pd.DataFrame:
    u = d.units
    return pd.DataFrame({
        "code_insee": u["unit_code"],
        "commune": u["nom"],
        "type": u["type"].map(dict(UNIT_TYPES)),
        "commune_de_rattachement": u["commune_code"],
        "codes_postaux": u["codes_postaux"],
        f"population_{d.population.year}": u["population"],
        "surface_km2": u["surface_km2"],
        "densite_hab_km2": u["densite_hab_km2"],
        "particularites_qpv_zip_zac": u["particularites"],
        "epci": u["epci"],
        "epci_nom": u["epci_nom"],
        "bassin_de_vie_2022": u["bv2022"],
        "bassin_de_vie_2022_nom": u["bv2022_nom"],
        "apl_mg_2022": u["apl_2022"],
        "apl_mg_2023": u["apl_2023"],
    })


def flow_lines(d: Diagnostic) -> gpd.GeoDataFrame | None:
    """The general practitioners' main flows as lines, with the names of both ends (for the flow maps)."""
    if d.flows is None or d.flows.lines.empty:
        return None
    lines = d.flows.lines.dropna(subset=["lon_o", "lat_o", "lon_d", "lat_d"])
    lines = lines[lines["groupe"].str.lower() == "médecins généralistes"]
    if lines.empty:
        return None
    geometry = [LineString([(r.lon_o, r.lat_o), (r.lon_d, r.lat_d)]) for r in lines.itertuples()]

    def names(column: str) -> list[object]:
        return lines[column].tolist() if column in lines else [None] * len(lines)

    return gpd.GeoDataFrame(
        {"volume": lines["volume"].round(0).to_numpy(), "sens": lines["sens"].to_numpy(),
         "origine": lines["origin"].astype(str).to_numpy(), "destination": lines["destination"].astype(str).to_numpy(),
         "nom_origine": names("nom_origine"), "nom_destination": names("nom_destination"),
         "groupe": lines["groupe"].to_numpy()},
        geometry=geometry, crs=4326)


def unit_names(d: Diagnostic) -> pd.Series:
    """Unit code -> name, for the territory's units (communes and arrondissements)."""
    names = d.units.drop_duplicates("unit_code").set_index("unit_code")["nom"]
    extra = d.units.drop_duplicates("commune_code").set_index("commune_code")["nom"]
    return pd.concat([names, extra[~extra.index.isin(names.index)]])


def simulation_table(d: Diagnostic) -> pd.DataFrame | None:
    """The what-if per unit of the territory, named, machine column names (``avant``, ``apres``, ``ecart``)."""
    if d.access is None or d.access.simulation is None:
        return None
    sim = rounded_change(d.access.simulation, "before", "after", "delta").rename(
        columns={"before": "avant", "after": "apres", "delta": "ecart"})
    sim = sim.assign(nom=sim["code"].astype(str).map(unit_names(d)))
    # « groupe : +2 à code »: a scenario text starting with « + » or « - » would read as a formula in a spreadsheet.
    changes = "; ".join(f"{c.groupe} : {c.delta:+g} à {c.commune}" for c in d.access.changes)
    columns = ["code", "nom", "groupe", "avant", "apres", "ecart"]
    return sim[columns + [c for c in sim.columns if c not in columns]].assign(scenario=changes)


def _evolution_table(d: Diagnostic) -> pd.DataFrame:
    """The population's evolution, its first year's rate « sans objet » (the reference year has no rate; a
    review found it « n.d. » in the Word Trame beside the report's « sans objet »)."""
    evo = d.population.evolution
    if len(evo) == 1 and evo["population"].notna().all():
        # One legal population (Mayotte's 2017 census in every vintage): no evolution to give, which is not a
        # missing figure (a review found « non disponible » beside the other territories' « sans objet »).
        return evo.astype({"evolution": object, "taux_annuel_pct": object}).assign(
            evolution=[NOT_APPLICABLE], taux_annuel_pct=[NOT_APPLICABLE])
    if len(evo) < 2 or not evo["evolution"].notna().any():
        return evo
    evo = evo.astype({"taux_annuel_pct": object})
    evo.iloc[0, evo.columns.get_loc("taux_annuel_pct")] = NOT_APPLICABLE
    return evo


def table_entries(d: Diagnostic) -> list[TableEntry]:
    """Every table the diagnostic has, in the order of the report (machine frames, French titles, sources)."""
    registry, pop = prov.registry_line(d), prov.population_line(d)
    scope = scope_note(d) or ""
    entries = [
        TableEntry("communes", "Communes du territoire", communes_table(d),
                   prov.join(pop, prov.contours_line(d), prov.qpv_line(d), prov.appartenance_line(d),
                             prov.apl_line(d)),
                   "Particularités : zonage ARS des médecins généralistes par QPV (ZIP, ZAC), connu pour la région "
                   "PACA seulement ; « non renseigné » ailleurs."),
        TableEntry("population", "Évolution de la population du territoire", _evolution_table(d),
                   prov.evolution_line(d)),
        TableEntry("references", "Population comparée : territoire, ses départements et régions, France",
                   d.population.references, prov.join(prov.evolution_line(d), prov.contours_line(d)), scope),
        # The taille and the text the amounts belong to, on every line: the CSV is read apart from the report.
        TableEntry("financement", "Financement ACI par mission (montants annuels)",
                   # The band as a number (a review: « '4 », text, in the workbook), empty when unknown.
                   d.taille.funding.assign(taille=pd.array([d.taille.band] * len(d.taille.funding), dtype="Int64"),
                                           texte=d.taille.version_label),
                   prov.aci_line(d), f"Taille non disponible : {d.taille.unknown_reason}." if d.taille.unknown_reason
                   else ""),
    ]
    if d.supply is not None:
        entries.append(TableEntry(
            "offre", "Professionnels de santé et structures d'exercice coordonné",
            structures_not_applicable(d.supply.table),
            prov.join(registry, prov.finess_line(d) + " (MSP, centres de santé)", pop),
            "Effectif distinct : chaque professionnel ayant au moins un lieu d'exercice dans le territoire compte "
            "une fois ; « part des sites » répartit un professionnel exerçant sur n lieux (1/n par lieu). "
            + STRUCTURES_NOTE + (" " + scope if scope else ""),
            {column: Column(column, f"Densité {level}", "decimal", 1, "pour 10 000 hab.")
             for column, level in (("densite_departement", f"département ({d.population.departement_name})"),
                                   ("densite_region", f"région ({region_label(d)})"),
                                   ("densite_france", france_label(d)))}))
    if d.establishments is not None:
        entries.append(TableEntry(
            "etablissements", "Établissements du territoire et des environs", d.establishments,
            prov.finess_line(d), "Distance : au territoire, à vol d'oiseau (0 dans le territoire).",
            _ESTABLISHMENT_COLUMNS))
    entries.append(TableEntry("apl", "APL aux médecins généralistes par commune", d.apl.per_unit,
                              prov.apl_line(d)))
    entries.append(TableEntry("voisins", "CPTS voisines et communes partagées", neighbours_shown(d),
                              prov.listings_line(d),
                              note=neighbours_unavailable(d) or "",
                              # Not searched is not « none »: the one line says why (a review found « aucune
                              # donnée », the line of a searched region without neighbours).
                              empty=f"non disponible : {why[:1].lower()}{why[1:]}" if (why := neighbours_unavailable(d))
                              else ""))
    if d.representativeness is not None:
        entries.append(TableEntry("representativite", "Représentativité : adhérents par profession",
                                  d.representativeness, prov.join("Fichier des adhérents fourni (ADHERENTS=)",
                                                                  registry)))
    if d.taille.calendar is not None:
        entries.append(TableEntry("calendrier", calendar_title(d.taille.calendar),
                                  d.taille.calendar.reset_index(drop=True), prov.aci_line(d),
                                  "Missions complémentaires : pas de délai particulier."))
    if d.supply is not None:
        for key, title, split in (("recours", "Premier et second recours", d.supply.by_recours),
                                  ("mode_exercice", "Mode d'exercice", d.supply.by_mode)):
            if not split.empty:
                entries.append(TableEntry(key, title, split.reset_index(), registry,
                                          "Effectifs distincts de professionnels."))
    if d.flows is not None and d.flows.available:
        origin, source = d.flows.origin, prov.model_line(d)
        entries.append(TableEntry("flux_synthese", "Flux de patients : auto-confinement et attraction",
                                  d.flows.synthesis.assign(origine_des_flux=origin), source,
                                  " ".join(reservations(d.flows.caveats))))
        if not d.flows.external_destinations.empty:
            entries.append(TableEntry(
                "flux_destinations", "Flux de patients : principales destinations hors du territoire",
                d.flows.external_destinations.assign(origine_des_flux=origin), source,
                overrides={"nom": Column("nom", "Commune de destination", "text")}))
        if not d.flows.bassins_de_vie.empty:
            entries.append(TableEntry("flux_bassins_de_vie", "Flux de patients : bassins de vie touchés",
                                      d.flows.bassins_de_vie.assign(origine_des_flux=origin), source,
                                      note=bassins_unknown_note(d)))
    if d.access is not None:
        entries.append(TableEntry(
            "apl_approchee", "APL approchée (modèle de l'outil) et APL officielle par commune",
            d.access.communes.assign(unite=d.access.unit,
                                     avertissement_apl="APL approchée calculée par l'outil, pas l'APL officielle"),
            prov.join(prov.access_line(d), prov.apl_line(d))))
        simulation = simulation_table(d)
        if simulation is not None:
            entries.append(TableEntry("simulation_apl", "Simulation : APL approchée avant et après le scénario",
                                      simulation, prov.access_line(d),
                                      overrides={"nom": Column("nom", "Commune", "text")}))
    entries.extend(pertinence_entries(d))
    entries.extend(TableEntry(key, PROFILE_TITLES[key], frame, PROFILE_SOURCES[key],
                              overrides=PROFILE_OVERRIDES.get(key, {}), empty=PROFILE_EMPTY.get(key, ""))
                   for key, frame in profile_tables(d).items())
    return entries


#: The line of a profile table without rows, when « aucune donnée » would not say why.
PROFILE_EMPTY = {"adherents_rapproches": "aucun numéro RPPS ou ADELI valide dans le fichier des adhérents"}
#: Profile columns that mean something else than the catalogue's (the density of each compared zone).
PROFILE_OVERRIDES = {"offre_par_zone": {
    "densite_10000": Column("densite_10000", "Densité de la zone", "decimal", 1, "pour 10 000 hab.")},
    # « commune » holds a code there (the city of an arrondissement): labelled « Commune », it read as a name.
    "dynamique_unites": {"commune": Column("commune", "Code INSEE de la commune", "code"),
                         "nom": Column("nom", "Commune", "text")}}


def pertinence_entries(d: Diagnostic) -> list[TableEntry]:
    """Candidates to add, units to examine and zones cut, written even when empty (« none » is an answer) and
    when the consultations are missing (the zones cut, from the zonings alone, are still known; the other two say
    « non disponible » and why)."""
    p = d.pertinence
    if p is None:
        return []
    source, origin = prov.model_line(d), {"origine_des_flux": p.origin}
    caveats = " ".join(reservations(p.caveats))
    missing = f"{NOT_AVAILABLE} : {p.unavailable}" if p.unavailable else ""
    return [
        # Claimed by no other CPTS (« aucune ») and claims unknown, no listing covering its région (« non
        # disponible »): two answers a spreadsheet must tell apart (an empty cell and a missing one did not).
        TableEntry("pertinence_candidats", "Pertinence : communes à ajouter (elles consultent surtout dans le "
                   "territoire)", p.candidates.assign(**origin, claimed_by=p.candidates["claimed_by"].replace(
                       "", "aucune").fillna(NOT_AVAILABLE)) if len(p.candidates) else p.candidates.assign(**origin),
                   source, caveats,
                   empty=missing or "aucune commune candidate à l'ajout"),
        TableEntry("pertinence_a_examiner", "Pertinence : communes du territoire qui consultent surtout ailleurs",
                   p.to_examine.assign(**origin), source, caveats, empty=missing or (
                       f"{NOT_AVAILABLE} : {p.residents_unknown}" if p.residents_unknown else
                       "aucune commune à examiner")),
        # From the zonings and the populations alone: no flow column, no flow source, no demonstration warning
        # (a review found all three on it).
        TableEntry("pertinence_zones_coupees", "Pertinence : bassins de vie et EPCI traversés par le périmètre",
                   p.cut_zones, prov.join(prov.appartenance_line(d), prov.population_line(d)),
                   overrides={"zone": Column("zone", "Zone (code)", "code")},
                   empty="aucun bassin de vie ni EPCI traversé"),
    ]


def _inferred(name: str, series: pd.Series) -> Column:
    """A presentation for a column the catalogue does not know yet (its machine name as label)."""
    label = name.replace("_", " ").strip().capitalize() or name
    kind: ColumnKind = "text"
    decimals = 0
    if pd.api.types.is_bool_dtype(series):
        kind = "boolean"
    elif pd.api.types.is_integer_dtype(series):
        kind = "integer"
    elif pd.api.types.is_float_dtype(series):
        kind, decimals = "decimal", 2
    elif pd.api.types.is_datetime64_any_dtype(series):
        kind = "date"
    return Column(name, label, kind, decimals)


def uncatalogued(entry: TableEntry) -> list[str]:
    """Columns of ``entry`` with neither a catalogue presentation nor an override (tests keep this empty)."""
    return [str(c) for c in entry.frame.columns if str(c) not in entry.overrides and catalogue_column(str(c)) is None]


def to_spec(entry: TableEntry, demo: bool) -> TableSpec:
    """The :class:`TableSpec` of ``entry``; a column missing from the catalogue is presented from its name
    and type rather than failing the whole diagnostic (:func:`uncatalogued` lists them for the tests)."""
    frame = entry.frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    if demo:
        frame = frame.assign(avertissement=DEMO_TEXT)
    overrides = dict(entry.overrides)
    for name in frame.columns:
        if name not in overrides and catalogue_column(name) is None:
            overrides[name] = _inferred(name, frame[name])
    for name in frame.columns:
        column = overrides.get(name) or catalogue_column(name)
        if column is not None and column.kind == "code":
            # Codes are text: a code column read as numbers would lose its leading zeros.
            frame[name] = frame[name].map(lambda v: v if v is None or v != v else str(v)).astype(object)
    return spec_from_catalogue(entry.key, entry.title, frame, entry.source, note=entry.note,
                               sheet=SHEETS.get(entry.key, ""), demo=demo, overrides=overrides,
                               empty=entry.empty or NO_DATA_TEXT)


def table_specs(d: Diagnostic) -> list[TableSpec]:
    """Every table of the diagnostic as a :class:`TableSpec` (report order)."""
    demo_keys = {key for source, keys in DEMO_TABLES.items() if d.is_demo(source) for key in keys}
    # Consultations read from a FLUX= table owe nothing to the demonstration registry (flux.html says so too).
    if d.flows is not None and d.flows.real:
        demo_keys -= {"flux_synthese", "flux_destinations", "flux_bassins_de_vie"}
    if d.pertinence is not None and d.pertinence.kind == "table":
        demo_keys -= {"pertinence_candidats", "pertinence_a_examiner"}
    return [to_spec(entry, entry.key in demo_keys) for entry in table_entries(d)]


def demo_warning(d: Diagnostic) -> str | None:
    if not d.demo_data:
        return None
    what = " et ".join(w for w, s in (("les professionnels de santé", "annuaire-sante"),
                                       ("les établissements", "finess")) if d.is_demo(s)) or "certaines données"
    return (f"Données fictives de démonstration : {what} de ce classeur sont générés par l'outil et ne décrivent "
            "pas le territoire réel.")


def write_tables(d: Diagnostic, folder: Path) -> list[TableSpec]:
    """Write the CSV files, ``diagnostic.xlsx``, ``territoire.gpkg`` and ``summary.json`` into ``folder``."""
    specs = table_specs(d)
    write_csv_files(specs, folder)
    write_workbook(specs, folder / WORKBOOK, title=f"Diagnostic territorial – {d.territory.label}",
                   territory=f"{d.territory.label} ({d.territory.spec})", generated=d.generated,
                   demo_warning=demo_warning(d), notes=d.notes)
    perimeter = d.perimeter.assign(territoire=d.territory.spec, population=d.population.total,
                                   taille=d.taille.label)
    perimeter.to_file(folder / "territoire.gpkg", layer="perimetre", driver="GPKG")
    communes = d.communes_geo[["code", "nom", "population", "area_km2", "densite_hab_km2", "apl_2023", "geometry"]]
    communes.to_file(folder / "territoire.gpkg", layer="communes", driver="GPKG")
    (folder / "summary.json").write_text(json.dumps(summary_json(d), ensure_ascii=False, indent=2), encoding="utf-8")
    return specs
