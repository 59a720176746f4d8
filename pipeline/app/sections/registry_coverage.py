"""Partial registries: which départements the loaded Annuaire Santé and FINESS cover, and what that withholds.

ARS analysts often load a regional extraction. Its practitioners with a
secondary site across the border make a few stray rows elsewhere; densities
of the région's neighbours, or of France, computed on such a file are
meaningless (« France 0,18 médecin généraliste pour 10 000 habitants »).
:func:`pipeline.analysis.registry_coverage.registry_coverage` decides, from
per-département counts, which départements the file covers; densities are
then given only for areas whose every département is covered, and « non
disponible (extraction limitée aux départements …) » elsewhere. The counts
are activity lines per département (an order of magnitude is all the decision
needs; one scan of the table serves every dated extraction).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from pipeline.analysis.registry_coverage import RegistryCoverage, area_coverage, registry_coverage
from pipeline.app.sections.areas import zone_departements
from pipeline.model.diagnostic import SupplySection
from pipeline.model.profile import AreasSection, RegistryCoverageSection
from pipeline.render.report import format_number
from pipeline.store.queries import registry_history

#: Share of the reference density a département must reach to be covered. Stray practitioners of a
#: regional file are at most a few hundredths of a normal density; the lowest real density of all
#: professions together (Mayotte, about a quarter of the national one) must stay covered in a national
#: file: a tenth sits between the two with a wide margin on both sides.
MIN_FRACTION = 0.1
CORE_SHARE = 0.5
#: Fewest activity lines in its core for an Annuaire Santé file to cover anything. The mirror's 22-line
#: sample counted the Ain as covered and gave it 0 general practitioners. The national extraction holds
#: about 204 lines per 10 000 inhabitants (the demonstration one of 2026: 1 406 209 for 68 952 941), so that
#: one of the smallest CPTS (5 000 inhabitants, about 100 lines) holds twice this.
MIN_CORE_ROWS = {"activites": 50}
#: Lowest density (per 10 000 inhabitants, pooled over its core) of MSP, centres de santé, EHPAD and SSIAD for a
#: FINESS file to cover anything. A count cannot tell a truncated file from a small département's complete
#: one: the mirror's 100-row sample (the first 100 establishments of the Ain, 679 344 inhabitants) made the
#: report show « MSP 0 » as a hard zero. The density of all establishments depends on which categories a file
#: holds (the demonstration extraction generates ten), so only these four groups, the ones the Trame counts or
#: nearby, are measured: about 2.2 per 10 000 at the national orders of magnitude the demonstration generator
#: uses (:mod:`pipeline.sources.demo.finess_file`; 1.5 to 3.3 per département in its extraction), 0.04 in the
#: sample (3 of them). A quarter of 2.2, 0.5, sits between with a wide margin on both sides; a file of Mayotte
#: alone (few EHPAD) may fall under it, which withholds figures rather than show false ones.
MIN_CORE_DENSITY = {"n": 0.5}


@dataclass(frozen=True)
class RegistryCounts:
    """Per-département counts the coverage decision reads: the same for every territory (whole tables).

    ``activities``: ``extraction, departement, activites``; ``establishments``: ``departement,
    etablissements``; ``departements``: ``departement, population`` and names. A batch reads them once
    (:meth:`pipeline.app.shared.SharedData.registry_counts`).
    """

    activities: pd.DataFrame
    establishments: pd.DataFrame
    departements: pd.DataFrame


def read_counts(con: duckdb.DuckDBPyConnection) -> RegistryCounts:
    """The :class:`RegistryCounts` of the database (one scan of ``ps_activites``)."""
    return RegistryCounts(registry_history.activities_by_departement(con),
                          registry_history.establishments_by_departement(con),
                          registry_history.departement_populations(con))


def _coverage(deps: pd.DataFrame, counts: pd.DataFrame, column: str) -> RegistryCoverage:
    frame = deps[["departement", "population"]].merge(counts, on="departement", how="left")
    frame = frame.assign(praticiens=frame[column].fillna(0).astype("int64"))
    kept = ["departement", "praticiens", "population"] + (["reperes"] if "reperes" in frame.columns else [])
    return registry_coverage(frame[kept], MIN_FRACTION, CORE_SHARE, MIN_CORE_ROWS.get(column, 0),
                             MIN_CORE_DENSITY.get(column, 0.0))


def extraction_coverage(coverage: RegistryCoverageSection, extraction: date, departements: list[str]) -> bool:
    """Whether one dated Annuaire Santé extraction covers every département of ``departements``."""
    counts = coverage.extraction_counts
    if counts.empty:
        return False
    # DuckDB gives DATE columns as timestamps: compare calendar days.
    days = pd.to_datetime(counts["extraction"]).dt.date
    own = counts[days == extraction][["departement", "activites"]]
    return area_coverage(_coverage(coverage.populations, own, "activites"), departements).complete


def registry_missing(read: RegistryCounts, departements: list[str]) -> list[str]:
    """The départements of ``departements`` the newest Annuaire Santé extraction does not cover (the rule of
    :func:`coverage_section`); empty when it covers them all, or when none is loaded."""
    if read.activities.empty:
        return []
    latest = _latest(read.activities)[["departement", "activites"]]
    return list(area_coverage(_coverage(read.departements, latest, "activites"), departements).missing)


def _latest(counts: pd.DataFrame) -> pd.DataFrame:
    """The rows of :attr:`RegistryCounts.activities` of the newest extraction."""
    days = pd.to_datetime(counts["extraction"])
    return counts[days == days.max()]


def coverage_section(areas: AreasSection, read: RegistryCounts) -> RegistryCoverageSection | None:
    """Coverage of the loaded registries, per compared area, from ``read`` (:func:`read_counts`, which a
    batch reads once); None when no registry is loaded."""
    counts, establishments, deps = read.activities, read.establishments, read.departements
    if counts.empty and establishments.empty:
        return None
    latest = _latest(counts) if len(counts) else counts
    practitioners = latest[["departement", "activites"]]
    registry = _coverage(deps, practitioners, "activites")
    finess = _coverage(deps, establishments.rename(columns={"etablissements": "n"}), "n")
    finess_table = finess.table.rename(columns={"praticiens": "etablissements"})
    rows = []
    for label, codes in zone_departements(areas.zones).items():
        own = area_coverage(registry, codes)
        fin = area_coverage(finess, codes)
        rows.append({"libelle": label, "annuaire": own.complete, "finess": fin.complete,
                     "non_couverts": ",".join(own.missing), "finess_non_couverts": ",".join(fin.missing)})
    zones = pd.DataFrame(rows)
    zones = areas.zones[["libelle", "niveau", "code"]].merge(zones, on="libelle", how="left")
    covered = sorted(registry.covered)
    finess_covered = sorted(finess.covered)
    complete = bool(zones["annuaire"].all()) and (establishments.empty or bool(zones["finess"].all()))
    note = None
    if not complete:
        parts = []
        if not practitioners.empty and not zones["annuaire"].all():
            parts.append("l'extraction de l'Annuaire Santé chargée ne couvre "
                         + _departements(covered, registry.too_small))
        if not establishments.empty and not zones["finess"].all():
            parts.append("l'extraction FINESS chargée ne couvre " + _departements(
                finess_covered, finess.too_small, _too_few_establishments(finess)))
        note = ("Couverture des fichiers : " + " ; ".join(parts) + ". Les effectifs et densités des zones "
                "qu'elles ne couvrent pas sont « non disponibles » : calculés sur ce fichier, ils seraient "
                "faussement bas. Les flux modélisés et l'APL approchée ne voient pas non plus l'offre des "
                "départements non couverts.")
    return RegistryCoverageSection(
        departements=covered, finess_departements=finess_covered, complete=complete,
        registry=registry.table.rename(columns={"praticiens": "activites"}), finess=finess_table, zones=zones,
        note=note, extraction_counts=counts, populations=deps[["departement", "population"]],
    )


def _too_few_establishments(finess: RegistryCoverage) -> str:
    """Why a FINESS file too small covers nothing: its density, against a complete extraction's."""
    density = format_number(finess.core_density, 2)
    return (f"trop peu d'établissements pour la population de leurs départements : {density} MSP, centres de "
            f"santé, EHPAD et SSIAD pour 10 000 habitants, moins de {format_number(MIN_CORE_DENSITY['n'], 1)} ; "
            "une extraction complète en compte environ 2 : extrait ou fichier tronqué ?")


def _departements(codes: list[str], too_small: bool = False,
                  reason: str = "trop peu de lignes pour mesurer une zone entière") -> str:
    """« que le département 04 », « que les départements 04, 13 », « aucun département (…) »."""
    if not codes:
        return "aucun département" + (f" ({reason})" if too_small else " chargé dans la base")
    return ("que le département " if len(codes) == 1 else "que les départements ") + ", ".join(codes)


def _covered(coverage: RegistryCoverageSection, level: str, column: str = "annuaire") -> bool:
    rows = coverage.zones[coverage.zones["niveau"] == level]
    return bool(len(rows)) and bool(rows[column].iloc[0])


def _main_covered(coverage: RegistryCoverageSection, areas: AreasSection, level: str) -> bool:
    main = areas.zones[(areas.zones["niveau"] == level) & areas.zones["principal"]]
    if main.empty:
        return False
    rows = coverage.zones[coverage.zones["libelle"] == main["libelle"].iloc[0]]
    return bool(len(rows)) and bool(rows["annuaire"].iloc[0])


def mask_supply(supply: SupplySection, coverage: RegistryCoverageSection, areas: AreasSection) -> SupplySection:
    """The supply table with the figures of uncovered areas set to NA (« non disponible »).

    The territory's own counts and density are withheld when the Annuaire Santé
    does not cover its départements, and the MSP / centres de santé counts when
    FINESS does not; each reference density when its area is not covered.
    """
    table = supply.table.copy()
    professions = table["unite"] != "structures"
    if not _covered(coverage, "territoire"):
        for column in ("praticiens", "dont_liberaux"):
            table[column] = table[column].astype("Int64").mask(professions)
        table["praticiens_etp"] = table["praticiens_etp"].mask(professions)
        table["densite_10000"] = np.nan
        # The splits by recours and by mode count the same few stray practitioners: withheld alike.
        supply.by_recours = _withheld(supply.by_recours)
        supply.by_mode = _withheld(supply.by_mode)
    if not _covered(coverage, "territoire", "finess"):
        table["praticiens"] = table["praticiens"].astype("Int64").mask(~professions)
    for column, level in (("densite_departement", "departement"), ("densite_region", "region")):
        if not _main_covered(coverage, areas, level):
            table[column] = np.nan
    if not _covered(coverage, "france"):
        table["densite_france"] = np.nan
    supply.table = table
    return supply


def _withheld(split: pd.DataFrame) -> pd.DataFrame:
    """``split`` (counts per group) with every count « non disponible »."""
    return pd.DataFrame(pd.NA, index=split.index, columns=split.columns, dtype="Int64")


def territory_uncovered(coverage: RegistryCoverageSection | None) -> str | None:
    """The French reason why the loaded Annuaire Santé cannot describe the territory's supply (it does not
    cover some of its départements: its few practitioners there are stray rows), else None."""
    if coverage is None or _covered(coverage, "territoire"):
        return None
    rows = coverage.zones[coverage.zones["niveau"] == "territoire"]
    missing = str(rows["non_couverts"].iloc[0]) if len(rows) and pd.notna(rows["non_couverts"].iloc[0]) else ""
    where = f" (départements non couverts : {missing.replace(',', ', ')})" if missing else ""
    return (f"l'extraction de l'Annuaire Santé chargée ne couvre pas le territoire{where} ; "
            "calculés sur ses seuls professionnels présents, les chiffres seraient faux")


def mask_zone_supply(table: pd.DataFrame, coverage: RegistryCoverageSection | None) -> pd.DataFrame:
    """Per-area supply of :func:`pipeline.app.sections.areas.supply_by_zone` with uncovered areas withheld."""
    if coverage is None or table.empty:
        return table
    covered = coverage.zones.set_index("libelle")["annuaire"]
    inside = table["libelle"].map(covered).fillna(False).astype(bool)
    return table.assign(praticiens=table["praticiens"].astype("Int64").mask(~inside),
                        densite_10000=table["densite_10000"].mask(~inside))
