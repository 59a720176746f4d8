"""The diagnostic as the Word « Trame d'un projet de santé » (seed 002): Diagnostic → :class:`TrameDocument`.

:func:`trame_document` maps a computed :class:`~pipeline.model.diagnostic.Diagnostic`
to the typed content of :mod:`pipeline.render.docx`: the « Diagnostic
territorial » part filled (communes with postal codes and particularities,
population and its legal year, the taille box, population characteristics,
supply with densities and comparisons, establishments, accessibility, flows,
neighbouring CPTS), the members table from ``ADHERENTS=`` and the mission
calendar from ``SIGNATURE=``; every table and figure carries its source and
year. The writer leaves the other parts of the Trame empty for the team.

The tables are the same :class:`~pipeline.render.table_spec.TableSpec` as the
workbook's (:func:`pipeline.render.tables.table_specs`), cut to the columns a
reader needs, so that a figure reads the same in both documents.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.model.diagnostic import Diagnostic
from pipeline.render import provenance as prov
from pipeline.render.docx import (
    Block,
    CalendarRow,
    CommuneRow,
    Figure,
    MembersRow,
    Paragraph,
    SubHeading,
    TrameDocument,
    trame_profession,
    write_trame_docx,
)
from pipeline.render.figures import StaticFigure
from pipeline.render.palette import establishment_order
from pipeline.render.report import format_number
from pipeline.render.sections.access import apl_france_label, apl_known_words, computed_apl_sentences
from pipeline.render.sections.common import CATEGORIES, establishments_uncovered, plural, region_label
from pipeline.render.sections.members import neighbours_unavailable
from pipeline.render.sections.pertinence import pertinence_section
from pipeline.render.sections.population import comparison_note, evolution_words, qpv_list_note, shortened_qpv
from pipeline.render.sections.supply import MAX_LISTED
from pipeline.render.sections.taille import population_scope, word_taille_note
from pipeline.render.table_spec import Column, TableSpec, is_missing
from pipeline.render.tables import table_specs
from pipeline.render.trame_characteristics import SpecsByKey, characteristics_blocks, subset
from pipeline.render.trame_zones import spans_several_areas, zone_apl_block, zone_supply_block

DOCX_FILE = "rapport.docx"
DEMO_WARNING = "Données fictives de démonstration : les effectifs de ce document ne décrivent pas le territoire réel."
#: Units listed with their APL in the Word file beyond which only those under the threshold are listed.
MAX_APL_ROWS = 40
#: Establishments of the territory listed by name in the Word file (the full list is in the workbook): those of
#: the report (a review: the Trame named 40, the report 30).
MAX_ESTABLISHMENTS = MAX_LISTED



def without_warning(spec: TableSpec) -> TableSpec:
    """``spec`` without its ``avertissement`` column: in Word, the line under the table says « Données fictives
    de démonstration » (and the page header too), a column repeating it on every row only takes room."""
    if not any(c.name == "avertissement" for c in spec.columns):
        return spec
    return subset(spec, [c.name for c in spec.columns if c.name != "avertissement"])


def _figure(figure: StaticFigure | None, width_cm: float = 16.0) -> list[Block]:
    if figure is None:
        return []
    # Most sources already end with the demonstration warning (registry and FINESS lines): said once.
    demo = figure.demo and prov.DEMO_SUFFIX.strip() not in figure.source
    return [Figure(figure.png, figure.caption, figure.source + (prov.DEMO_SUFFIX if demo else ""), width_cm)]


def communes_rows(d: Diagnostic) -> list[CommuneRow]:
    rows = []
    for unit in d.units.itertuples():
        postcodes = "" if unit.codes_postaux is None or unit.codes_postaux != unit.codes_postaux else \
            str(unit.codes_postaux).replace(",", ", ")
        # Marseille's 41 QPV made a 20 cm row: shortened as in the report (all are in communes.csv).
        particularities = "" if unit.particularites is None or unit.particularites != unit.particularites else \
            str(shortened_qpv(unit.particularites))
        rows.append(CommuneRow(commune=str(unit.nom), code_insee=str(unit.unit_code), codes_postaux=postcodes,
                               particularites=particularities))
    return rows


def population_blocks(d: Diagnostic, specs: SpecsByKey, figures: Mapping[str, StaticFigure]) -> list[Block]:
    """« Caractéristique de la population »: evolution, comparison, density, the territory map."""
    evo = d.population.evolution
    blocks: list[Block] = []
    communes = plural(len(d.territory.commune_codes), "commune")
    text = (f"Le territoire compte {plural(len(d.units), 'unité')} ({communes}) "
            f"et {format_number(d.population.total)} habitants (population municipale légale {d.population.year}).")
    if d.population.density == d.population.density:
        text += (f" Superficie : {format_number(d.population.area_km2, 2)} km², soit "
                 f"{format_number(d.population.density, 1)} habitants par km².")
    blocks.append(Paragraph(text))
    if len(evo) > 1 and not evo["evolution"].isna().all():  # Mayotte: its 2017 census in every vintage
        first, last = evo.iloc[0], evo.iloc[-1]
        blocks.append(Paragraph(
            f"Entre les populations légales {int(first['millesime'])} et {int(last['millesime'])}, la population "
            f"{evolution_words(last['evolution'], last['taux_annuel_pct'])}."))
    blocks.extend(_figure(figures.get("carte-territoire")))
    if "population" in specs:
        blocks.append(specs["population"])
    if "references" in specs:  # the zone's level, code and rate period serve machines (CSV, workbook)
        spec = specs["references"]
        blocks.append(dataclasses.replace(spec, columns=[c for c in spec.columns
                                                         if c.name not in ("niveau", "code", "periode_taux")]))
        if (note := comparison_note(d)) is not None:  # the period, as the report says it
            blocks.append(Paragraph(note))
    blocks.extend(characteristics_blocks(d, specs))
    return blocks


def supply_blocks(d: Diagnostic, specs: SpecsByKey, figures: Mapping[str, StaticFigure]) -> list[Block]:
    """« Identification et analyse de l'offre de soin »: professionals, establishments, accessibility, flows."""
    blocks: list[Block] = []
    if "offre" in specs:
        blocks.append(SubHeading("Professionnels de santé et structures d'exercice coordonné"))
        blocks.append(subset(specs["offre"], ["groupe", "praticiens", "dont_liberaux", "densite_10000",
                                              "densite_departement", "densite_region", "densite_france"],
                             title="Professionnels de santé du territoire et densités comparées"))
        blocks.extend(zone_supply_block(d, specs))
        if "recours" in specs:
            blocks.append(specs["recours"])
    else:
        blocks.append(Paragraph("Aucune extraction de l'Annuaire Santé n'est chargée : l'offre de professionnels "
                                "n'est pas décrite."))
    blocks.extend(_establishment_blocks(d, specs, figures))
    blocks.extend(_access_blocks(d, specs))
    blocks.extend(_flow_blocks(d, specs, figures))
    blocks.extend(_pertinence_blocks(d, specs))
    if "voisins" in specs and not d.neighbours.empty:
        blocks.append(SubHeading("CPTS voisines et chevauchements"))
        blocks.append(specs["voisins"])
    elif (unavailable := neighbours_unavailable(d)) is not None:  # « non disponible », never « none »
        blocks.append(SubHeading("CPTS voisines et chevauchements"))
        blocks.append(Paragraph(unavailable))
    return blocks


def _establishment_blocks(d: Diagnostic, specs: SpecsByKey, figures: Mapping[str, StaticFigure]) -> list[Block]:
    if d.establishments is None or "etablissements" not in specs:
        return []
    uncovered = establishments_uncovered(d)
    if uncovered is not None:  # no count; the establishments the file holds are still named (below)
        heading: list[Block] = [SubHeading("Établissements de santé et médico-sociaux"),
                                Paragraph(uncovered[0].upper() + uncovered[1:] + ".")]
        return heading + _establishment_list(d, specs["etablissements"], "Établissements du territoire présents dans "
                                            "l'extraction (liste non exhaustive)")
    e = d.establishments
    inside = e[e["dans_territoire"].astype(bool)]
    blocks: list[Block] = [SubHeading("Établissements de santé et médico-sociaux"), Paragraph(
        f"{plural(len(inside), 'établissement')} dans le territoire et {plural(len(e) - len(inside), 'établissement')} "
        "à proximité dans l'extraction FINESS ; la liste complète est dans le classeur diagnostic.xlsx (feuille "
        "« Établissements »).")]
    blocks.extend(_figure(figures.get("graphique-etablissements"), 14.0))
    blocks.extend(_figure(figures.get("carte-etablissements")))
    return blocks + _establishment_list(d, specs["etablissements"], "Établissements du territoire")


def _establishment_list(d: Diagnostic, spec: TableSpec, title: str) -> list[Block]:
    """The establishments of the territory, by group (the first :data:`MAX_ESTABLISHMENTS`)."""
    blocks: list[Block] = []
    inside = spec.frame[spec.frame["dans_territoire"].astype(bool)]
    order = {g: i for i, g in enumerate(establishment_order(inside["groupe"]))}
    listed = inside.assign(_rang=inside["groupe"].map(order)).sort_values(["_rang", "nom"], kind="stable")
    note = spec.note
    if len(listed) > MAX_ESTABLISHMENTS:
        note = (f"Les {MAX_ESTABLISHMENTS} premiers des {format_number(len(listed))} établissements du territoire, "
                "par groupe ; la liste complète est dans le classeur diagnostic.xlsx (feuille « Établissements »).")
        listed = listed.head(MAX_ESTABLISHMENTS)
    if len(listed):
        names = {**d.place_names, **dict(zip(d.units["unit_code"], d.units["nom"], strict=True))}
        place = listed["unite"] if "unite" in listed else listed["commune"]
        listed = listed.assign(lieu=[f"{names[c]} ({c})" if c in names else str(c) for c in place.astype(str)])
        columns = [c for c in spec.columns if c.name in ("nom", "groupe", "categorie_libelle")]
        blocks.append(TableSpec(key=spec.key, title=title, frame=listed,
                                columns=[*columns, Column("lieu", "Commune", "text")], source=spec.source,
                                note=note, demo=spec.demo))
    return blocks


def _apl_france(d: Diagnostic) -> str:
    """The APL's France, as its table's heading names it, which says the DREES workbook has no Mayotte; « hors
    Mayotte » added where a label without it would include Mayotte."""
    label = apl_france_label(d)
    if "classeur DREES" in label or (d.loaded_departements and "976" not in d.loaded_departements):
        return label
    return label + " hors Mayotte (absente du classeur DREES)"


def _access_blocks(d: Diagnostic, specs: SpecsByKey) -> list[Block]:
    syn = d.apl.synthesis
    blocks: list[Block] = [SubHeading("Accessibilité aux médecins généralistes (APL)")]
    latest = syn.iloc[-1] if len(syn) else None
    under = d.apl.per_unit["sous_dense"]
    known = int(under.notna().sum())
    text = ("APL officielle de la DREES : consultations et visites de médecins généralistes accessibles par habitant "
            "standardisé et par an ; la valeur d'un ensemble de communes est leur moyenne pondérée par la population "
            "standardisée.")
    if latest is not None:
        text += (f" En {int(latest['annee'])} : {format_number(latest['territoire'], 2)} pour le territoire, "
                 f"{format_number(latest['departement'], 2)} pour le département"
                 f"{' principal' if spans_several_areas(d) else ''} ({d.population.departement_name}), "
                 f"{format_number(latest['region'], 2)} pour la région ({region_label(d)}) et "
                 f"{format_number(latest['france'], 2)} pour la {_apl_france(d)}.")
    if known:
        under_65 = int(d.apl.per_unit.get("sous_dense_moins_65", under).fillna(False).astype(bool).sum())
        text += (f" {plural(int(under.fillna(False).astype(bool).sum()), 'unité')} sous le seuil de "
                 f"{format_number(d.apl.threshold, 1)} sur {format_number(known)} {apl_known_words(d)} "
                 f"({format_number(under_65)} avec l'APL aux médecins de moins de 65 ans).") + computed_apl_sentences(d)
    else:
        text += " Aucune APL n'est publiée pour les unités du territoire (non disponible)."
    blocks.append(Paragraph(text))
    frame = syn.assign(annee=syn["annee"].astype(str))
    blocks.append(TableSpec(
        key="apl_synthese", title="APL aux médecins généralistes : territoire et références", frame=frame,
        columns=[Column("annee", "Année", "text"), Column("territoire", "Territoire", "decimal", 2),
                 Column("departement", f"Département ({d.population.departement_name})", "decimal", 2),
                 Column("region", f"Région ({region_label(d)})", "decimal", 2),
                 Column("france", apl_france_label(d), "decimal", 2)], source=prov.apl_line(d)))
    blocks.extend(zone_apl_block(d, specs))
    if "apl" in specs:
        spec = specs["apl"]
        frame = spec.frame
        title = "APL par commune"
        if len(frame) > MAX_APL_ROWS:
            frame = frame[frame["sous_dense"].fillna(False).astype(bool)]
            title = f"Unités dont l'APL 2023 est inférieure à {format_number(d.apl.threshold, 1)}"
        # The report's two decimals, and the under-65 APL the ARS zoning uses (a review: three decimals, no under-65).
        table = subset(spec, ["unit_code", "nom", "population", "apl_2022", "apl_2023", "apl_moins_65_2023"],
                       title=title, frame=frame)
        blocks.append(dataclasses.replace(table, columns=[
            dataclasses.replace(c, decimals=2) if c.name.startswith("apl") else c for c in table.columns]))
    return blocks


def _flow_blocks(d: Diagnostic, specs: SpecsByKey, figures: Mapping[str, StaticFigure]) -> list[Block]:
    if d.flows is None or not d.flows.available or "flux_synthese" not in specs:
        return []
    blocks: list[Block] = [SubHeading("Recours et flux de patients"), Paragraph(
        f"Origine des flux : {d.flows.origin}. L'auto-confinement est la part des recours des habitants réalisés "
        "dans le territoire ; l'attraction, la part des recours réalisés dans le territoire par des non-résidents.")]
    blocks.append(subset(specs["flux_synthese"], ["groupe", "recours_residents", "auto_confinement", "attraction"]))
    blocks.extend(_figure(figures.get("carte-flux")))
    if "flux_destinations" in specs:
        spec = specs["flux_destinations"]
        gp = spec.frame[spec.frame["groupe"].str.lower() == "médecins généralistes"]
        if len(gp):
            blocks.append(subset(spec, ["destination", "nom", "volume", "part_des_residents"], frame=gp,
                                 title="Principales destinations des habitants hors du territoire (médecins "
                                       "généralistes)"))
    return blocks


def _pertinence_blocks(d: Diagnostic, specs: SpecsByKey) -> list[Block]:
    """« Pertinence du périmètre » (seed 003, § 6.1), as the report words it, with its tables (a review: the Trame,
    the document a projet de santé is written in, had none of it)."""
    if d.pertinence is None:
        return []
    section = pertinence_section(d)
    blocks: list[Block] = [SubHeading(str(section["title"]))]
    if section.get("key_figures"):
        blocks.append(Paragraph(" ; ".join(f"{f['label']} : {f['value']}" for f in section["key_figures"]) + "."))
    blocks.extend(Paragraph(str(text)) for text in section["paragraphs"])
    blocks.extend(specs[key] for key in ("pertinence_candidats", "pertinence_a_examiner", "pertinence_zones_coupees")
                  if key in specs and not specs[key].frame.empty)
    return blocks


def _whole(value: object) -> int | None:
    """A count as an int, None when missing."""
    if is_missing(value) or not isinstance(value, int | float | np.integer | np.floating):
        return None
    return int(value)


def _share(value: object) -> float | None:
    if is_missing(value) or not isinstance(value, int | float | np.integer | np.floating):
        return None
    return float(value)


def members_rows(d: Diagnostic) -> list[MembersRow]:
    """Rows of the Trame's members table from ``ADHERENTS=`` (empty without it).

    Read from the table in full (``d.members.table``, the ``representativite_trame`` CSV): its MSP and
    centres de santé rows too, which the professions' table (``d.representativeness``) leaves out.
    """
    table = d.members.table if d.members is not None else d.representativeness
    if table is None:
        return []
    rows: dict[str, MembersRow] = {}
    for record in table.to_dict("records"):
        profession = trame_profession(str(record["groupe"]))
        if profession is None or profession in rows:
            continue
        rows[profession] = MembersRow(
            profession=profession, adherents=_whole(record.get("adherents")),
            part_adherents_pct=_share(record.get("part_adherents_pct")),
            gouvernance=_whole(record.get("gouvernance")), elaboration=_whole(record.get("elaboration")),
            adherents_away=_whole(record.get("adherents_hors_territoire")) or 0,
            part_gouvernance_pct=_share(record.get("part_gouvernance_pct")),
            part_elaboration_pct=_share(record.get("part_elaboration_pct")),
            gouvernance_away=_whole(record.get("gouvernance_hors_territoire")),
            elaboration_away=_whole(record.get("elaboration_hors_territoire")),
            gouvernance_unknown=_whole(record.get("gouvernance_non_renseigne")) or 0,
            elaboration_unknown=_whole(record.get("elaboration_non_renseigne")) or 0)
    return list(rows.values())


def _day(value: object) -> dt.date | None:
    if is_missing(value):
        return None
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date()
    return value if isinstance(value, dt.date) else None


def calendar_rows(d: Diagnostic) -> list[CalendarRow]:
    calendar = d.taille.calendar
    if calendar is None:
        return []
    return [CalendarRow(mission=str(r["mission"]), categorie=CATEGORIES.get(str(r["categorie"]), str(r["categorie"])),
                        demarrage_mois=_whole(r["demarrage_mois"]), deploiement_mois=_whole(r["deploiement_mois"]),
                        demarrage=_day(r["demarrage"]), deploiement=_day(r["deploiement"]),
                        remarque=str(r.get("remarque") or ""))
            for r in calendar.to_dict("records")]


#: Builders of the free blocks, in the order they appear (other engineers may add their own).
PopulationBuilder = Callable[[Diagnostic, SpecsByKey, Mapping[str, StaticFigure]], list[Block]]


def trame_document(d: Diagnostic, figures: Mapping[str, StaticFigure] | None = None,
                   specs: Sequence[TableSpec] | None = None) -> TrameDocument:
    """The Word Trame's content for ``d`` (figures: the printed maps and charts of :mod:`pipeline.render.figures`)."""
    figures = figures or {}
    by_key = {spec.key: without_warning(spec) for spec in (specs if specs is not None else table_specs(d))}
    band = d.taille.band if d.taille.band in (1, 2, 3, 4) else None
    # The band the diagnostic retained: never 4++ from the demonstration supply, whose count is only shown.
    plus_plus = d.taille.label == "4++"
    return TrameDocument(
        cpts_name=d.territory.label,
        named=d.territory.cpts is not None or d.territory.name is not None,
        territory=d.territory.spec,
        generated=d.generated,
        communes=communes_rows(d),
        communes_source=prov.join(prov.population_line(d), prov.qpv_line(d) + " (région PACA seulement, « non "
                                  "renseigné » ailleurs ; le zonage ZIP/ZAC d'une commune hors QPV : non disponible)"
                                  + qpv_list_note(d.units)),
        population=d.population.total,
        population_year=d.population.year,
        population_source=prov.population_line(d),
        taille=band,
        taille_4_plus_plus=plus_plus,
        taille_note=word_taille_note(d),
        # A review: « 59 287 habitants » for an EPCI of which one commune is not loaded, read as its population.
        population_scope=population_scope(d),
        population_characteristics=population_blocks(d, by_key, figures),
        care_supply=supply_blocks(d, by_key, figures),
        members=members_rows(d),
        members_notes=[] if d.members is None else list(d.members.notes),
        members_source=prov.join("Fichier des adhérents fourni (ADHERENTS=)", prov.registry_line(d),
                                 prov.finess_line(d) + " (MSP, centres de santé)"),
        calendar=calendar_rows(d),
        calendar_source=prov.aci_line(d),
        signature=d.taille.signature,
        demo_warning=DEMO_WARNING if d.demo_data else None,
        # The Trame holds no simulation (rapport.html does): a review read « où le scénario place ses
        # professionnels » under « Remarques sur les données » of a document without a scenario.
        notes=[note for note in d.notes if d.access is None or note not in d.access.simulation_notes],
    )


def write_trame(d: Diagnostic, path: str | Path, figures: Mapping[str, StaticFigure] | None = None,
                specs: Sequence[TableSpec] | None = None) -> Path:
    """Write ``rapport.docx`` for ``d`` at ``path`` (replaced atomically)."""
    return write_trame_docx(trame_document(d, figures, specs), path)


__all__ = ["DOCX_FILE", "calendar_rows", "communes_rows", "members_rows", "trame_document", "write_trame"]
