"""Representativeness (Trame, seed 002): members, governance, writing of the projet de santé; RPPS matching."""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.analysis.representativeness import (
    MATCH_STATUS,
    count_notes,
    identifier_label,
    match_members,
    national_identifier,
    trame_table,
)
from pipeline.model.profile import MembersSection
from pipeline.render.report import format_number
from pipeline.render.sections.common import agree
from pipeline.sources.adherents import TRAME_ROWS, adherent_notes
from pipeline.sources.files import first_listed
from pipeline.store.queries import registry_history

#: Columns of the professions' representativeness table (``Diagnostic.representativeness``: summary.json key
#: ``representativeness``, the Word Trame's members table).
#: ``adherents_hors_territoire`` (added) tells why a share can be below ``adherents`` / ``praticiens``: the members
#: the registry places elsewhere count in ``adherents`` but not in the share (a review read 184 / 1 310 « 100 % »).
LEGACY_COLUMNS = ["groupe", "praticiens", "adherents", "part_adherents_pct", "gouvernance", "elaboration",
                  "adherents_hors_territoire"]


def members_section(
    con: duckdb.DuckDBPyConnection, members: pd.DataFrame, supply_table: pd.DataFrame, units: pd.DataFrame,
    beyond_the_load: bool = False,
) -> MembersSection:
    """The Trame's three columns per row, and the members given with an RPPS matched to the registry.

    ``members`` is :func:`pipeline.sources.adherents.read_adherents`;
    ``supply_table`` the territory's supply table (professions and FINESS structures); ``beyond_the_load``: the
    territory reaches départements the database was not loaded for (a member practising there may be inside).
    """
    numbers = sorted({national_identifier(r) for r in members["rpps"].dropna().astype(str)})
    activities = registry_history.activities_of_rpps(con, numbers) if numbers else pd.DataFrame(
        columns=["rpps", "groupe", "profession_libelle", "unite", "commune", "commune_nom", "hors_chargement",
                 "commune_libelle_source"])
    arrondissement = units["type"] == "arrondissement-municipal"
    matches = match_members(members, activities, set(units.loc[~arrondissement, "unit_code"].astype(str)),
                            set(units.loc[arrondissement, "unit_code"].astype(str)), beyond_the_load)
    outside = members["ligne"].isin(matches.loc[matches["statut"] == MATCH_STATUS["outside"], "ligne"])
    table = trame_table(members, supply_table, TRAME_ROWS, outside)
    different = matches[matches["profession_differente"] & (matches["statut"] != MATCH_STATUS["absent"])]
    notes = adherent_notes(members) + count_notes(table, different.groupby("groupe").size().to_dict()) \
        + _others_note(members)
    identifier = identifier_label(members["rpps"].dropna())
    number = "le RPPS" if identifier == "RPPS" else "le numéro RPPS ou ADELI"
    for key, (one, several) in (
        ("outside", (f"adhérent dont {number} est dans l'Annuaire Santé mais qui n'exerce pas dans le territoire",
                     f"adhérents dont {number} est dans l'Annuaire Santé mais qui n'exercent pas dans le "
                     "territoire")),
        ("absent", (f"adhérent dont {number} est absent de l'extraction de l'Annuaire Santé chargée",
                    f"adhérents dont {number} est absent de l'extraction de l'Annuaire Santé chargée")),
        ("unlocated", (f"adhérent dont {number} est dans l'Annuaire Santé sans lieu d'exercice localisé (compté "
                       "dans les parts)", f"adhérents dont {number} est dans l'Annuaire Santé sans lieu d'exercice "
                                          "localisé (comptés dans les parts)")),
        ("beyond", (f"adhérent dont {number} est dans l'Annuaire Santé avec un exercice hors des départements "
                    "chargés, où le territoire s'étend aussi (compté dans les parts)",
                    f"adhérents dont {number} est dans l'Annuaire Santé avec un exercice hors des départements "
                    "chargés, où le territoire s'étend aussi (comptés dans les parts)")),
    ):
        found = matches[matches["statut"] == MATCH_STATUS[key]]
        if len(found):
            notes.append(f"{format_number(len(found))} {agree(len(found), one, several)} {_lines(found['ligne'])}")
    if len(different):
        declared = agree(len(different), "adhérent déclaré", "adhérents déclarés")
        notes.append(f"{format_number(len(different))} {declared} sous une autre profession que celle de "
                     "l'Annuaire Santé " + _lines(different["ligne"]))
    return MembersSection(table=table, matches=matches, notes=notes, identifier=identifier)


def _others_note(members: pd.DataFrame) -> list[str]:
    """The Trame's « Autres (précisez) »: the professions the file counts there, with their members (a review:
    « diététicien » appeared nowhere)."""
    others = members[members["groupe"] == "Autres"]
    if others.empty:
        return []
    counts = others.assign(p=others["profession"].str.strip()).groupby("p", sort=True)["nombre"].sum()
    return ["Autres (précisez) : " + first_listed([f"{p} ({format_number(int(n))})" for p, n in counts.items()])]


def _lines(numbers: pd.Series) -> str:
    """« (ligne 4) », « (lignes 4, 7) »: the lines of the members file concerned, the first fifty
    then « … » (a review: one note held 5 000 line numbers)."""
    return f"({agree(len(numbers), 'ligne', 'lignes')} {first_listed(list(numbers))})"


def legacy_table(section: MembersSection) -> pd.DataFrame:
    """The professions' part of the table in its earlier shape (``groupe, praticiens, adherents,
    part_adherents_pct``), with the governance and writing counts (``gouvernance``, ``elaboration``)."""
    professions = section.table[section.table["unite"] != "structures"]
    return professions.rename(columns={"professionnels_territoire": "praticiens"})[LEGACY_COLUMNS] \
        .reset_index(drop=True)
