"""What a ``FLUX=`` table leaves unknown about the territory's residents, and what its left-out rows weigh.

A table may hold the consultations of some of the territory's units only (an extraction limited to a few
communes), none from elsewhere (an extraction of the residents only), or rows the COG check set aside. The
self-containment computed on the rest reads as a confident figure: these functions put the rows that can
still count back (a resident's consultation in a département not loaded is a leak, wherever it went) and say
how much of the residents' consultations the others hide, with the range they leave.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from pipeline.analysis.flow_indicators import RESIDENT_COLUMNS
from pipeline.geography import arrondissements_of, city_of_arrondissement
from pipeline.model import Territory
from pipeline.model.diagnostic import residents_unknown
from pipeline.render.report import format_number
from pipeline.render.sections.common import agree, fmt, plural
from pipeline.sources import od_table
from pipeline.sources.od_notes import OUT_OF_LOAD

#: Below this share of the territory's inhabitants in the table's origins, the residents' figures are not given.
MIN_COVERED_SHARE = 0.5
#: Consultations per inhabitant and per year beyond which a unit's rows are implausible (about 4 to 5 GP
#: consultations per inhabitant and per year in France, some 20 for every profession together).
MAX_PER_INHABITANT = 100


def resident_rows_left_out(raw: od_table.StagedOD, staged: od_table.StagedOD, inside: set[str],
                           to_current: Mapping[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows the COG check left out whose origin is a unit of the territory (``inside``: unit or commune
    codes), split in two: those going to a commune of a département not loaded (leaks, certainly: the
    territory is loaded) and those going to a code the COG does not know, or to a malformed or missing
    destination (anywhere: :attr:`~pipeline.sources.od_table.StagedOD.unplaced`)."""
    out = raw.table[~raw.table["ligne"].isin(staged.table["ligne"])]
    origin = out["origine"].astype(str)
    current = origin.map(lambda c: to_current.get(c, c))
    resident = out[origin.isin(inside) | current.isin(inside)]
    problems = staged.problems[staged.problems["ecartee"] & (staged.problems["colonne"] == "destination")]
    outside = set(problems.loc[problems["probleme"].str.contains(OUT_OF_LOAD, regex=False), "ligne"])
    unknown = set(problems["ligne"]) - outside
    unplaced = raw.unplaced[raw.unplaced["origine"].astype(str).map(lambda c: to_current.get(c, c)).isin(inside)
                            | raw.unplaced["origine"].astype(str).isin(inside)]
    return (resident[resident["ligne"].isin(outside)],
            pd.concat([resident[resident["ligne"].isin(unknown)], unplaced], ignore_index=True).sort_values("ligne"))


def leaks_note(leaks: pd.DataFrame) -> str:
    """« Table origine–destination : 15 lignes de recours des habitants vers des communes hors des départements
    chargés comptées comme fuites … » (French)."""
    lines = sorted(int(n) for n in leaks["ligne"])
    shown = ", ".join(str(n) for n in lines[:10]) + (" …" if len(lines) > 10 else "")
    return (f"Table origine–destination : {format_number(len(lines))} {agree(len(lines), 'ligne', 'lignes')} de "
            f"recours des habitants du territoire vers des communes {OUT_OF_LOAD} "
            f"({fmt(float(leaks['volume'].sum()))} recours) "
            f"{agree(len(lines), 'comptée comme fuite', 'comptées comme fuites')} (ces communes sont hors du "
            f"territoire) : lignes {shown}")


def percent(value: float, *others: float) -> str:
    """``value`` (in %) with as few decimals as tell it from ``others`` and from 0 (at most two): « 4 % », « 0,5 % »;
    99.5 and 100 written « 100 % » both said « entre 100 % et 100 % » (a review)."""
    for decimals in (0, 1, 2):
        shown = f"{value:.{decimals}f}"
        if all(shown != f"{other:.{decimals}f}" for other in others) and (float(shown) != 0 or value == 0):
            break
    if value > 0 and float(shown) == 0:
        return "moins de 0,01 %"
    return f"{shown} %".replace(".", ",")


def uncertain_share(part: float, total: float) -> str:
    """« 4 % des recours des habitants », what the uncertain consultations weigh (« 0,5 % », never « 0 % »)."""
    return f"{percent(part / total * 100)} des recours des habitants"


def containment_range(groupe: str, weight: str, low: float, high: float) -> str:
    """« Médecins généralistes : 4 % des recours des habitants, auto-confinement réel entre 64 % et 68 % » (low and
    high in %; ``weight``: what the uncertain consultations weigh)."""
    return f"{groupe} : {weight}, auto-confinement réel entre {percent(low, high)} et {percent(high, low)}"


def unknown_destinations_caveat(table: pd.DataFrame, unknown: pd.DataFrame, inside: set[str]) -> str | None:
    """What the residents' consultations to unknown codes weigh, and the self-containment between its two
    extremes (all of them outside the territory, or all inside), per group (``table``: the flow table kept;
    ``unknown``: the rows left out, in the same shape)."""
    if unknown.empty:
        return None
    parts = []
    for groupe, rows in unknown.groupby("groupe", sort=True):
        lost = float(rows["volume"].sum())
        kept = table[(table["groupe"] == groupe) & table["origin"].isin(inside)]
        total = float(kept["volume"].sum()) + lost
        if not lost > 0 or not total > 0:
            continue
        internal = float(kept.loc[kept["destination"].isin(inside), "volume"].sum())
        parts.append(containment_range(str(groupe), uncertain_share(lost, total), internal / total * 100,
                                       (internal + lost) / total * 100))
    if not parts:
        return None
    return ("Table origine–destination : des recours des habitants du territoire vont vers des codes communes "
            "inconnus du code officiel géographique, mal formés ou absents, et sont écartés ; l'auto-confinement est "
            "calculé sans eux ("
            + " ; ".join(parts) + ")")


def uncovered_units(table: pd.DataFrame, units: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """The territory's units (``units``: ``code``, ``nom``, ``population``) the table gives no consultation from
    (neither by their code, nor by their arrondissements', nor by their city's), and the share of the territory's
    inhabitants they hold (0 when the population is unknown).

    Rows of volume 0 give none (a review: Digne-les-Bains, 91 % of a territory's inhabitants, whose only rows were
    of volume 0, counted as covered, and the self-containment of 100 % rested on the other 9 %).
    """
    if "volume" in table:
        table = table[table["volume"] > 0]
    origins = set(table["origin"].astype(str))

    def present(code: str) -> bool:
        return (code in origins or bool(origins & set(arrondissements_of(code)))
                or (city_of_arrondissement(code) or "") in origins)

    missing = units[~units["code"].astype(str).map(present)]
    total = float(units["population"].fillna(0).sum())
    share = float(missing["population"].fillna(0).sum()) / total if total > 0 else 0.0
    return missing, share


def uncovered_caveat(missing: pd.DataFrame, share: float, count: int, groupe: str | None = None) -> str:
    """« Table origine–destination : aucun recours d'habitants pour 13 des 15 unités du territoire (63,3 % de
    ses habitants) : … » (French; ``count``: the territory's units; ``groupe``: the profession concerned, named
    when the table holds several)."""
    names = ", ".join(f"{n} ({c})" for c, n in zip(missing["code"].head(10), missing["nom"].head(10), strict=True))
    more = f" et {plural(len(missing) - 10, 'autre')}" if len(missing) > 10 else ""
    figures = ("les indicateurs des habitants (auto-confinement, fuites), les recours réalisés dans le territoire "
               "et l'attraction ne sont pas calculés" if share > 1 - MIN_COVERED_SHARE else
               "les indicateurs des habitants (auto-confinement, fuites) ne portent que sur les autres unités, et les "
               "recours réalisés dans le territoire et l'attraction omettent ceux de leurs habitants")
    which = "" if groupe is None else f", {groupe}"
    return (f"Table origine–destination{which} : aucun recours d'habitants pour {fmt(len(missing))} des {fmt(count)} "
            f"unités du territoire ({fmt(share * 100, 1)} % de ses habitants) : {names}{more} ; la table ne les "
            f"couvre pas, {figures}")


#: Columns of the synthesis counting every consultation made in the territory: they miss the residents' own
#: when the table leaves out most of them, and the outsiders' when it has no row from outside.
MADE_INSIDE_COLUMNS = ("recours_realises", "attraction")

#: A table with no consultation of the territory's residents outside it (French; {which}: the profession).
NO_LEAKS = ("Table origine–destination{which} : aucun recours des habitants du territoire hors de celui-ci (la table "
            "ne semble donner que les recours réalisés dans le territoire) : leurs fuites ne sont pas connues, "
            "auto-confinement et fuites non disponibles")


def _unknown(synthesis: pd.DataFrame, groups: list[str], columns: tuple[str, ...]) -> pd.DataFrame:
    """``synthesis`` with ``columns`` NaN (« non disponible ») for ``groups``."""
    unknown = synthesis["groupe"].isin(groups)
    return synthesis.assign(**{c: synthesis[c].astype("float64").mask(unknown) for c in columns if c in synthesis})


def leaks_unknown(table: pd.DataFrame, inside: set[str]) -> bool:
    """Whether ``table`` (one profession's rows) has consultations of the residents (``inside``: unit codes) but
    none made outside the territory: their leaks are not known, not 0.

    The most likely table a CPTS builds (its own practitioners' patients by commune of residence) gave a
    self-containment of 100 % and no unit to examine (a review; 63,7 % on the complete table).
    """
    served = table[(table["volume"] > 0) & table["destination"].notna()]
    residents = served[served["origin"].astype(str).isin(inside)]
    return len(residents) > 0 and bool(residents["destination"].astype(str).isin(inside).all())


#: Why the pertinence's residents' figures are unknown with such a table (French).
NO_RESIDENT_LEAKS = ("la table de flux fournie n'a aucun recours de médecins généralistes des habitants du territoire "
                     "réalisé hors de celui-ci (elle ne semble donner que les recours réalisés dans le territoire) : "
                     "leurs fuites ne sont pas connues")
#: ... and why the candidates are unknown too when no unit outside has a consultation elsewhere either.
NOTHING_OUTSIDE = (" ; aucune commune hors du territoire n'y a non plus de recours ailleurs que dans le territoire : "
                   "leur part vers le territoire (100 % par construction) ne dit rien de leur bassin réel")


def pertinence_leaks(table: pd.DataFrame, inside: set[str]) -> tuple[str | None, str | None]:
    """Why a given table's GP rows (``table``) leave the residents' figures of the pertinence unknown, and why they
    leave the whole section unknown (None, None when they do not).

    No consultation of the residents outside the territory: their self-containment, the units to examine and the
    self-containment with the candidates are unknown. If no row at all goes outside the territory (the
    consultations made in it), the candidates' shares are 100 % by construction: nothing is computed.
    """
    if not leaks_unknown(table, inside):
        return None, None
    served = table[(table["volume"] > 0) & table["destination"].notna()]
    if served["destination"].astype(str).isin(inside).all():
        return NO_RESIDENT_LEAKS, NO_RESIDENT_LEAKS + NOTHING_OUTSIDE
    return NO_RESIDENT_LEAKS, None


def table_gaps(synthesis: pd.DataFrame, table: pd.DataFrame, territory: Territory,
                inside_codes: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """The synthesis of a given table with what it cannot tell « non disponible », and the caveats saying why.

    Units of the territory with no row as origin: a table of a few communes gave a confident self-containment
    (a review: 2 of the Verdon's 15 communes, « 60 % »): said with the share of inhabitants it leaves out, and
    the residents' figures, the consultations made in the territory and the attraction not given beyond half
    (they miss those units' own consultations). No row of the residents leaving the territory: their leaks are
    unknown (an extraction of the consultations made in it), not 0. No row from outside the territory: the
    attraction is not known (an extraction of the residents' consultations), not 0. All per profession: a table
    giving the GP consultations of 7 % of the inhabitants and the nurses' of the others read « 100 % » for the
    GPs (a review).
    """
    caveats = []
    units = territory.units.rename(columns={"unit_code": "code"})[["code", "nom", "population"]]
    groups = [str(g) for g in synthesis["groupe"]] if "groupe" in synthesis else []
    several = table["groupe"].nunique() > 1 if "groupe" in table else False
    inside = set(inside_codes)
    no_leaks = []
    for groupe in groups:
        rows = table[table["groupe"] == groupe]
        if rows.empty:  # no row of the group: its residents' figures are already unknown
            continue
        missing, share = uncovered_units(rows, units)
        if len(missing):
            caveats.append(uncovered_caveat(missing, share, len(units), groupe if several else None))
            if share > 1 - MIN_COVERED_SHARE:
                synthesis = _unknown(synthesis, [groupe], RESIDENT_COLUMNS + MADE_INSIDE_COLUMNS)
                continue
        if leaks_unknown(rows, inside):
            no_leaks.append(groupe)
    if no_leaks:
        synthesis = _unknown(synthesis, no_leaks, RESIDENT_COLUMNS)
    sent = table.groupby("origin")["volume"].sum()
    heavy = units.assign(volume=units["code"].astype(str).map(sent))
    heavy = heavy[heavy["volume"] > MAX_PER_INHABITANT * heavy["population"].fillna(0).clip(lower=1)]
    if len(heavy):
        # A review: 9e7 consultations for Riez (1 610 inhabitants) passed without a word.
        caveats.append("Table origine–destination : volumes invraisemblables, plus de "
                       f"{MAX_PER_INHABITANT} recours par habitant : " + ", ".join(
                           f"{r.nom} ({r.code}) {fmt(r.volume)} recours pour {fmt(r.population)} habitants"
                           for r in heavy.itertuples()) + " ; vérifiez l'unité et la période de la table")
    residents_only = [g for g in groups
                      if len(rows := table[table["groupe"] == g]) and rows["origin"].isin(inside).all()]
    if residents_only:
        # Without the outsiders' consultations, those made in the territory are the residents' only (a review: 0).
        synthesis = _unknown(synthesis, residents_only, ("recours_exterieurs_entrants", *MADE_INSIDE_COLUMNS))

    def which(names: list[str]) -> str:
        return "" if not several or len(names) == len(groups) else f" ({', '.join(names)})"

    # One caveat per case; a group in both (rows inside the territory only) gets one, not two that contradict.
    both = [g for g in no_leaks if g in residents_only]
    if leaks_only := [g for g in no_leaks if g not in both]:
        caveats.append(NO_LEAKS.format(which=which(leaks_only)))
    if outsiders_unknown := [g for g in residents_only if g not in both]:
        caveats.append(f"Table origine–destination{which(outsiders_unknown)} : aucun recours d'habitants d'autres "
                       "communes que celles du territoire (la table ne semble donner que ceux de ses habitants) : "
                       "recours réalisés dans le territoire et attraction non disponibles")
    if both:
        caveats.append(f"Table origine–destination{which(both)} : aucun recours hors du territoire ni d'habitants "
                       "d'autres communes (la table ne semble donner que les recours de ses habitants réalisés dans "
                       "le territoire) : auto-confinement, fuites, recours réalisés dans le territoire et attraction "
                       "non disponibles")
    return synthesis, caveats


def resident_shares_unknown(destinations: pd.DataFrame, bassins: pd.DataFrame,
                            synthesis: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The destinations' ``part_des_residents`` and the bassins de vie's residents' figures NaN for the groups
    whose residents' consultations are unknown (``recours_residents`` NaN in ``synthesis``, after
    :func:`table_gaps`): their denominator is (a review: Manosque « 100 % » of the nurses' consultations of a
    territory whose nurses' rows came from one commune); the bassins' ``flux_exterieur_vers_interieur`` NaN for
    the groups whose consultations from outside are unknown."""
    # The consultations from outside unknown (a table of the residents' only): the bassins de vie's flow from their
    # outside part is unknown too, not 0 (a review).
    incoming = (set(synthesis.loc[synthesis["recours_exterieurs_entrants"].isna(), "groupe"].astype(str))
                if "recours_exterieurs_entrants" in synthesis else set())
    if incoming and len(bassins) and "flux_exterieur_vers_interieur" in bassins:
        mask = bassins["groupe"].astype(str).isin(incoming)
        bassins = bassins.assign(flux_exterieur_vers_interieur=bassins["flux_exterieur_vers_interieur"]
                                 .astype("float64").mask(mask))
    unknown = residents_unknown(synthesis)
    if not unknown:
        return destinations, bassins
    if len(destinations):
        mask = destinations["groupe"].astype(str).isin(unknown)
        destinations = destinations.assign(part_des_residents=destinations["part_des_residents"].mask(mask))
    if len(bassins):
        mask = bassins["groupe"].astype(str).isin(unknown)
        bassins = bassins.assign(**{c: bassins[c].astype("float64").mask(mask) for c in BV_RESIDENT_COLUMNS
                                    if c in bassins})
    return destinations, bassins


#: Columns of the bassins de vie table that count the territory's residents' consultations.
BV_RESIDENT_COLUMNS = ("recours_residents_bv", "part_residents_dans_territoire", "auto_confinement_bv",
                       "flux_interieur_vers_exterieur")


#: Below this many consultations per inhabitant in a given table, an origin's rows are not all its residents'
#: (about 4 to 5 GP consultations per inhabitant and per year in France): its share cannot be known.
MIN_PER_INHABITANT = 1.0


def without_partial_origins(table: pd.DataFrame, inside: set[str], units: pd.DataFrame
                            ) -> tuple[pd.DataFrame, list[str]]:
    """A given table's GP rows without the outside origins it gives fewer than :data:`MIN_PER_INHABITANT`, or more
    than :data:`MAX_PER_INHABITANT`, consultations per inhabitant for, and the notes naming them.

    A table holding only the consultations into the territory gives each outside origin a share of 100 %: such
    an origin is no candidate to add (a review: Marseille, 886 040 inhabitants, proposed from 7 consultations).
    Nor is one of implausible volumes (a review: Majastres, 5 inhabitants, proposed from 1 000 consultations,
    where the same volume inside the territory was said implausible). ``units``: ``code``, ``nom``,
    ``population``. The residents' rows are kept whatever their volume (:func:`table_gaps` speaks of theirs).
    """
    served = table[table["destination"].notna()].groupby("origin")["volume"].sum()
    people = units.drop_duplicates("code").astype({"code": str}).set_index("code")
    population = people["population"].reindex(served.index.astype(str)).to_numpy(dtype="float64")
    outside = ~served.index.astype(str).isin(inside)
    sparse = served[outside & (population > 0) & (served.to_numpy() < MIN_PER_INHABITANT * population)]
    # An unknown population tells nothing (counted as one inhabitant, it named « non disponible » inhabitants).
    heavy = served[outside & np.isfinite(population)
                   & (served.to_numpy() > MAX_PER_INHABITANT * np.fmax(np.nan_to_num(population), 1))]

    def named(origins: pd.Series) -> str:
        listed = [f"{people['nom'].get(str(c), c)} ({c}) {fmt(v)} recours pour "
                  f"{fmt(people['population'].get(str(c)))} habitants" for c, v in origins.sort_values(
                      ascending=False).items()]
        return ", ".join(listed[:10]) + (f" et {plural(len(listed) - 10, 'autre')}" if len(listed) > 10 else "")

    def not_proposed(count: int) -> str:
        return agree(count, "elle n'est pas proposée", "elles ne sont pas proposées")

    notes = []
    if len(sparse):
        notes.append(f"Table origine–destination : moins d'{fmt(MIN_PER_INHABITANT)} recours par habitant pour "
                     f"{plural(len(sparse), 'commune')} hors du territoire ({named(sparse)}) : la table ne donne pas "
                     "tous les recours de leurs habitants, leur part vers le territoire n'est pas connue et "
                     f"{not_proposed(len(sparse))} à l'ajout")
    if len(heavy):
        notes.append(f"Table origine–destination : volumes invraisemblables, plus de {MAX_PER_INHABITANT} recours par "
                     f"habitant pour {plural(len(heavy), 'commune')} hors du territoire ({named(heavy)}) : "
                     f"{not_proposed(len(heavy))} à l'ajout ; "
                     "vérifiez l'unité et la période de la table")
    set_aside = set(sparse.index.astype(str)) | set(heavy.index.astype(str))
    return table[~table["origin"].astype(str).isin(set_aside)], notes
