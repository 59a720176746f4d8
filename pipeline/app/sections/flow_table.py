"""A ``FLUX=`` origin–destination table read for one territory: codes checked against the COG, the rows that
cannot count set aside and said, arrondissements kept or folded as the territory needs them.

The notes say what was set aside; the *caveats* are those of them that change the figures computed from the
table (a leak to a département not loaded, an arrondissement-less city row that cannot be split), so that the
flows and pertinence sections repeat them where their figures are shown.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.app import flow_model
from pipeline.app.sections import flow_gaps
from pipeline.app.sections.units import CITY_NAMES, flow_codes, split_cities
from pipeline.errors import DataError
from pipeline.geography import (
    arrondissement_from_postcode,
    arrondissement_label,
    arrondissements_of,
    city_of_arrondissement,
    commune_of_unit,
)
from pipeline.render.report import format_number
from pipeline.render.sections.common import agree, fmt
from pipeline.sources import od_table
from pipeline.sources.cpts_listing.postal import CITIES as POSTAL_CITIES
from pipeline.sources.files import first_listed
from pipeline.store.queries import geography, provenance

EMPTY_TABLE = ("flux non calculés : la table de flux fournie n'a aucune ligne utilisable (toutes écartées : codes "
               "communes invalides ou inconnus, ou communes hors des départements chargés dans la base)")


def staged_flow_table(con: duckdb.DuckDBPyConnection, path: object,
                      unit_codes: list[str] | None = None) -> od_table.StagedOD:
    """A ``FLUX=`` table, its codes checked against the COG: old codes moved to their current commune,
    arrondissement codes kept (the COG history would fold them into their city; ``to_flow_table`` folds them
    when asked), codes of départements not loaded reported as such.

    With ``unit_codes`` (the territory's), its residents' rows to a département not loaded are kept: they are
    leaks whatever commune they went to (a review: all of them set aside made the self-containment 100 %).
    """
    return _staged(con, path, unit_codes)[0]


def _staged(con: duckdb.DuckDBPyConnection, path: object, unit_codes: list[str] | None
            ) -> tuple[od_table.StagedOD, pd.DataFrame, pd.DataFrame]:
    """:func:`staged_flow_table`, the residents' rows put back as leaks and those still left out (unknown codes)."""
    mapping = geography.cog_mapping(con)
    current = mapping["current_code"].where(mapping["kind"] != "arrondissement", mapping["code"])
    to_current = dict(zip(mapping["code"], current, strict=True))
    raw = od_table.read_od_table(str(path))
    staged = od_table.filter_known_codes(raw, to_current, provenance.loaded_departements(con))
    if not unit_codes:
        return staged, raw.table.iloc[:0], raw.table.iloc[:0]
    inside = set(flow_codes(unit_codes))
    leaks, unknown = flow_gaps.resident_rows_left_out(raw, staged, inside, to_current)
    if len(leaks):
        leaks = leaks.assign(origine=leaks["origine"].map(lambda c: to_current.get(c, c)))
        leaks = leaks.assign(origine_commune=leaks["origine"].map(lambda c: city_of_arrondissement(c) or c))
        staged = od_table.StagedOD(
            pd.concat([staged.table, leaks[staged.table.columns]], ignore_index=True).sort_values("ligne"),
            staged.problems[~staged.problems["ligne"].isin(set(leaks["ligne"]))].reset_index(drop=True))
    return staged, leaks, unknown


def check_usable(con: duckdb.DuckDBPyConnection, path: object, unit_codes: list[str]) -> None:
    """Refuse a ``FLUX=`` table none of whose rows the COG check keeps (a review: 31 rows of « 4166.5 » codes
    ran to exit 0, replacing a good report with flows « non disponible »), naming the first values set aside.

    Read for the territory (``unit_codes``), as the flows section reads it: its residents' rows to a
    département not loaded are usable (leaks), and a table of only those gives a self-containment of 0 %.
    """
    staged = staged_flow_table(con, path, unit_codes)
    if len(staged.table):
        # A table none of whose rows starts or ends in the territory (or its city, for arrondissements) is another
        # territory's: it ran to exit 0 with every figure « non disponible » (a review).
        inside = set(flow_codes(unit_codes)) | {commune_of_unit(str(c)) for c in unit_codes}
        ends = staged.table[["origine", "destination", "origine_commune", "destination_commune"]]
        if not ends.isin(inside).to_numpy().any():
            raise DataError("Table origine–destination : aucune ligne n'a pour origine ni pour destination une unité "
                            "du territoire ; est-ce la table de ce territoire ?", str(path))
        return
    dropped = staged.problems[staged.problems["ecartee"]].head(3)
    shown = " ; ".join(f"ligne {row.ligne} : {row.probleme}" for row in dropped.itertuples())
    raise DataError(f"{EMPTY_TABLE[0].upper()}{EMPTY_TABLE[1:]}" + (f" ; par exemple {shown}" if shown else ""),
                    str(path))


def read_flow_table(
    con: duckdb.DuckDBPyConnection, path: object, unit_codes: list[str]
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """A ``FLUX=`` table on units (arrondissement or city codes), its French notes, and those of them that are
    reservations on the figures (rows left out that touch the territory's neighbourhood).

    Arrondissement codes stay arrondissements (the COG history would fold
    them into their city). A city code in a table read for a territory that
    holds only some of its arrondissements cannot be split between them:
    those rows are left out of the territory's indicators, and a note says
    so, rather than inventing a split.
    """
    staged, leaks, unknown = _staged(con, path, unit_codes)
    notes = od_table.problem_notes(staged)
    caveats = od_table.bias_notes(staged)
    if len(leaks):
        notes.append(flow_gaps.leaks_note(leaks))
    table = od_table.to_flow_table(staged, units=True)
    table, far_notes = _far_cities_whole(table, unit_codes)
    notes.extend(far_notes)
    lost = od_table.to_flow_table(od_table.StagedOD(unknown, staged.problems.iloc[:0]), units=True)
    if len(table) and (table["groupe"] == od_table.GROUPE_NON_PRECISE).all():
        # As the pertinence reads it: the flows' GP figures, their map and their table then exist.
        table = table.assign(groupe=od_table.GROUPE_MG)
        lost = lost.assign(groupe=lost["groupe"].replace(od_table.GROUPE_NON_PRECISE, od_table.GROUPE_MG))
        notes.append(flow_model.NO_PROFESSION_NOTE)
    split = split_cities(unit_codes)
    # On the consultations the figures keep: the rows of a split city are left out of them below (a review: these
    # bounds counted them as leaks, and excluded the headline figure they framed).
    kept = table[~table["origin"].isin(list(split)) & ~table["destination"].isin(list(split))]
    if bounds := flow_gaps.unknown_destinations_caveat(kept, lost, set(flow_codes(unit_codes))):
        caveats.append(bounds)
        notes.append(bounds)
    for city, held in split.items():
        rows = staged.table[(staged.table["origine"] == city) | (staged.table["destination"] == city)]
        if rows.empty:
            continue
        name = CITY_NAMES.get(city, city)
        caveats.append(
            f"Table origine–destination : {format_number(len(rows))} "
            f"{agree(len(rows), 'ligne donne', 'lignes donnent')} "
            f"{name} ({city}) sans arrondissement ; le "
            f"territoire ne compte que les arrondissements {', '.join(held)} et ces recours ne peuvent pas leur "
            "être répartis : ils sont écartés des indicateurs du territoire" + _containment_bounds(
                table, city, unit_codes, lost))
        notes.append(caveats[-1])
        table = table[(table["origin"] != city) & (table["destination"] != city)]
    territory_only = _territory_only_note(table, unit_codes)
    postal = _postal_codes_note(con, table, unit_codes)
    for caveat in (territory_only, postal):
        if caveat is not None:
            caveats.append(caveat)
            notes.append(caveat)
    return table.reset_index(drop=True), notes, caveats


def _postal_codes_note(con: duckdb.DuckDBPyConnection, table: pd.DataFrame, unit_codes: list[str]) -> str | None:
    """A caveat when the table, read for a territory of Lyon or Marseille, gives codes that are also the city's
    arrondissements' postal codes: 13001 is Aix-en-Provence's INSEE code and Marseille 1er's postal code.

    They are read as the communes their INSEE codes name (Aix-en-Provence is a real destination of Marseille's
    residents); where the table meant the arrondissements, their consultations count as leaving the territory (a
    review: a self-containment of 16 % for 100 %, the territory's units « à examiner », without a word).
    """
    cities = {commune_of_unit(str(code)) for code in unit_codes} & set(POSTAL_CITIES)
    named = set(table["origin"]) | set(table["destination"])
    # A table naming the city's other arrondissements by their INSEE codes names them so everywhere: there, 13001 is
    # Aix-en-Provence, a real destination of Marseille's residents (a review: every correct table got the Réserve).
    # A unit of the territory is one whichever the reading.
    cities = {city for city in cities if not (set(arrondissements_of(city)) - set(unit_codes)) & named}
    meant = {code: arrondissement for code in named - set(unit_codes) for city in cities
             if (arrondissement := arrondissement_from_postcode(city, code)) not in (None, code)}
    if not meant:
        return None
    rows = table[table["origin"].isin(list(meant)) | table["destination"].isin(list(meant))]
    names = geography.commune_names(con, set(meant))
    listed = first_listed([f"{code} ({names.get(code, code)}, pas {arrondissement_label(arrondissement)})"
                           for code, arrondissement in sorted(meant.items())], 5)
    city = " et ".join(CITY_NAMES.get(c, c) for c in sorted(cities))
    ranges = " et ".join(f"{arrondissements_of(c)[0]} à {arrondissements_of(c)[-1]}" for c in sorted(cities))
    return (f"Table origine–destination : {listed} : codes INSEE de ces communes, lus comme tels, et codes postaux "
            f"d'arrondissements de {city} ({fmt(len(rows))} {agree(len(rows), 'couple', 'couples')}, "
            f"{fmt(float(rows['volume'].sum()))} recours) ; si la table désigne ainsi des arrondissements, remplacez "
            f"ces codes par les codes INSEE des arrondissements ({ranges}), sans quoi leurs recours comptent hors du "
            "territoire")


def _territory_only_note(table: pd.DataFrame, unit_codes: list[str]) -> str | None:
    """A caveat when no unit outside the territory has a row to anywhere but the territory.

    A table of the flows touching the territory only (an extraction of the consultations *in* the territory)
    gives every neighbour a share of 100 % towards the territory, by construction: such shares would propose
    every neighbour as a candidate. A complete table gives some neighbour a consultation elsewhere.
    """
    inside = set(flow_codes(unit_codes))
    outside = table[~table["origin"].isin(inside)]
    if outside.empty or not outside["destination"].isin(inside).all():
        return None
    count = outside["origin"].nunique()
    subject = ("la seule unité hors du territoire qu'elle donne comme origine n'a aucun recours" if count == 1 else
               f"aucune des {fmt(count)} unités hors du territoire qu'elle donne comme origine n'a de recours")
    return (f"Table origine–destination : {subject} ailleurs que dans le territoire ; si la table ne contient que "
            "les flux touchant le territoire, la part de recours vers le territoire des unités voisines (100 % par "
            "construction) ne dit rien de leur bassin réel : "
            "communes candidates à vérifier avec une table complète")


def _far_cities_whole(table: pd.DataFrame, unit_codes: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Arrondissements of a city the territory holds nothing of, folded into the city (13201, 13206 → 13055): a
    destination is one place, not three rows of Marseille (the table may give the city, or some arrondissements).

    A pair given both to the city and to its arrondissements is added up and said (a review: an export giving
    the city's subtotal beside its arrondissements doubled it without a word).
    """
    inside = set(flow_codes(unit_codes))
    fold = {a: city for city in CITY_NAMES for a in arrondissements_of(city)
            if city not in inside and not inside & set(arrondissements_of(city))}
    if not fold or not (table["origin"].isin(list(fold)) | table["destination"].isin(list(fold))).any():
        return table, []
    folded = {side: table[side].astype(str).replace(fold) for side in ("origin", "destination")}
    pairs: dict[str, list[str]] = {}  # per city, the pairs given both ways, whatever the profession
    for side, other in (("origin", "destination"), ("destination", "origin")):
        frame = pd.DataFrame({"city": folded[side], "end": folded[other], "part": table[side].astype(str).isin(fold)})
        both = frame.groupby(["city", "end"])["part"].agg(["any", "all"])
        for whole, end in both.index[both["any"] & ~both["all"]]:
            pairs.setdefault(str(whole), []).append(f"{whole} → {end}" if side == "origin" else f"{end} → {whole}")
    notes = [f"Table origine–destination : {CITY_NAMES.get(city, city)} donnée à la fois entière ({city}) et par "
             f"arrondissements pour {agree(len(given), 'le couple', f'{len(given)} couples')} "
             f"{first_listed(given, 5)} : volumes additionnés ; vérifiez que la ligne de la ville n'est pas le total "
             "de ses arrondissements" for city, given in sorted(pairs.items())]
    table = table.assign(**folded)
    return table.groupby(["origin", "destination", "groupe"], as_index=False, sort=True)["volume"].sum(), notes


def _containment_bounds(table: pd.DataFrame, city: str, unit_codes: list[str], lost: pd.DataFrame) -> str:
    """What the left-out rows weigh in the residents' consultations, and the self-containment between its two
    extremes, per profession concerned.

    A row to the city (``destination`` 13055) may go inside the territory or not; a row from the city (``origin``
    13055) may be its residents' or not: every such consultation counted the way that lowers the self-containment
    gives its low end, the way that raises it its high end (a review: the range was missing for rows from the
    city). The residents' consultations to unknown codes (``lost``) count both ways too, so that the range holds
    every uncertainty at once (a review: two ranges, 85–88 % and 88–94 %, each ignoring the other's rows). Without
    them the self-containment is computed on the other consultations only.
    """
    inside = set(unit_codes)
    parts = []
    for groupe, rows in table.groupby("groupe", sort=True):
        residents = rows[rows["origin"].isin(inside)]
        elsewhere = float(lost.loc[(lost["groupe"] == groupe) & lost["origin"].isin(inside), "volume"].sum())
        total = float(residents["volume"].sum()) + elsewhere
        to_city = float(residents.loc[residents["destination"] == city, "volume"].sum())
        unknown = to_city + elsewhere
        internal = float(residents.loc[residents["destination"].isin(inside), "volume"].sum())
        from_city = rows[rows["origin"] == city]
        into = float(from_city.loc[from_city["destination"].isin(inside), "volume"].sum())
        within = float(from_city.loc[from_city["destination"] == city, "volume"].sum())
        away = float(from_city["volume"].sum()) - into - within
        low_total, high_total = total + away + within, total + into + within
        if not (to_city > 0 or into + within + away > 0) or not (low_total > 0 and high_total > 0):
            continue
        low, high = internal / low_total * 100, (internal + unknown + into + within) / high_total * 100
        weight = (flow_gaps.uncertain_share(unknown, total) if unknown > 0 and total > 0 else
                  f"{fmt(into + within + away)} recours venus de la ville entière")
        if elsewhere > 0:
            weight += ", avec ceux vers des codes inconnus"
        parts.append(flow_gaps.containment_range(str(groupe), weight, low, high))
    return (" (" + " ; ".join(parts) + ")") if parts else ""
