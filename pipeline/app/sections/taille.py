"""Section « Taille et financement ACI »: the taille of the territory's population (seed 001) and its funding.

A CPTS of a listing, an EPCI, a bassin de vie or a région may lie partly outside the départements the database
was loaded for: its figures are those of its loaded communes. Its taille is that of its whole population, which
the national COG gives for every commune of France (a review: the Durance-Lubéron-Verdon EPCI, 63 751
inhabitants, was « non disponible (au moins 2) »). Where the whole is not known (a perimeter drawn over no loaded
commune), the taille is kept only when no missing commune can change it (taille 4 already: whether it is a 4++ is
then said in a note); otherwise it is « non disponible », with the lower bound said.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date

import duckdb
import pandas as pd

from pipeline.analysis import aci
from pipeline.geography import city_of_arrondissement
from pipeline.model import Territory
from pipeline.model.diagnostic import TailleSection
from pipeline.render.report import MISSING_WORDS, format_number
from pipeline.sources.cpts_listing import OUT_OF_SCOPE, codes_beyond_the_load
from pipeline.store.queries import beyond_the_load


def taille_section(population: int, professionals: int | None, signature: date | None) -> TailleSection:
    """Taille and funding of ``population`` (``professionals``: the health professionals counted, for 4++)."""
    band = aci.size_band(population)
    known = aci.known_funding(band)
    return TailleSection(
        band=band, label=aci.size_label(population, professionals), bounds=aci.band_description(band),
        professionals=professionals, total_possible=known["total_possible"],
        volet_supplementaire=known["volet_supplementaire"], maximum=known["maximum"], version=aci.DEFAULT_VERSION,
        version_label=aci.VERSION_LABELS[aci.DEFAULT_VERSION], funding=aci.funding_for(band),
        missions_without_amount=list(aci.funding_totals(band)["missions_sans_montant"]),
        calendar=None if signature is None else aci.mission_calendar(signature).assign(
            texte=lambda f: f["texte"].map(aci.TEXT_LABELS).fillna(f["texte"])),
        signature=signature,
    )


def whole_population(con: duckdb.DuckDBPyConnection, territory: Territory, anomalies: pd.DataFrame | None,
                     loaded: int) -> int | None:
    """The population of a territory partly beyond the load, its communes there included; None when unknown.

    ``anomalies``: its listing's (a listed CPTS's communes outside the load are there); ``loaded``: the population
    of its loaded communes.
    """
    if territory.whole_population is not None:  # a zone: the national COG's
        return territory.whole_population
    if anomalies is None or not len(beyond := codes_beyond_the_load(anomalies)):
        return None
    if ((anomalies["kind"] == OUT_OF_SCOPE) & anomalies["code"].isna()).any():
        return None  # a part drawn over no loaded commune: its communes are not known
    outside = beyond_the_load.population_of(con, population_units(beyond["code"], beyond["current_code"]))
    return None if outside is None else loaded + outside


def population_unit(code: object, current_code: object) -> str:
    """What a listed code beyond the load counts the population of: its current commune, but an arrondissement
    itself (a re-check: Lyon 1er, 69381, counted as the whole of Lyon, 519 127 inhabitants)."""
    return str(code) if city_of_arrondissement(str(code)) else str(current_code)


def population_units(codes: Iterable[object], current_codes: Iterable[object]) -> list[str]:
    """:func:`population_unit` of each listed code, an arrondissement left out when its city is listed too;
    distinct, sorted."""
    units = {population_unit(code, current) for code, current in zip(codes, current_codes, strict=True)}
    return sorted(u for u in units if (city_of_arrondissement(u) or "") not in units)


def claims_beyond(con: duckdb.DuckDBPyConnection, codes: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``codes`` (``cpts_id``, ``unit_code``: listed codes beyond the load, as
    :func:`pipeline.app.coverage_listings.outside_codes` gives them) as the units they count the population of
    (:func:`population_unit`: a code merged since is its current commune, counted once), and those units'
    ``code, departement, population`` (``population_france``): where a partly loaded CPTS is rooted is measured on
    its population, not on its number of units (a review: Périgueux and two small communes of the Gironde rooted a
    CPTS in the Gironde)."""
    current = beyond_the_load.current_communes(con, set(codes["unit_code"].astype(str)))
    # Each CPTS's codes as its whole population counts them (an arrondissement beside its listed city once).
    as_units = pd.DataFrame(
        [(cpts, unit) for cpts, group in codes.groupby("cpts_id", sort=False)
         for unit in population_units(group["unit_code"], [current.get(str(c), str(c)) for c in group["unit_code"]])],
        columns=["cpts_id", "unit_code"])
    people = beyond_the_load.units_with_regions(con, as_units["unit_code"].astype(str))
    return as_units, people[["code", "departement", "population"]]


def whole_territory_taille(taille: TailleSection, whole: int, loaded: int) -> tuple[TailleSection, str]:
    """``taille`` (that of ``whole``, the population of a territory partly beyond the load) saying what it is
    established on, and the diagnostic's note saying so."""
    basis = (f"population du territoire entier, {format_number(whole)} habitants, dont "
             f"{format_number(whole - loaded)} dans ses communes hors des départements chargés dans la base")
    return (replace(taille, bounds=f"{taille.bounds} ; {basis}", whole_population=whole),
            f"taille établie sur la {basis} (populations légales du COG)")


def unknown_when_partial(taille: TailleSection, population: int, missing: list[str]) -> TailleSection:
    """``taille`` of a territory whose population is only a lower bound: « non disponible » unless certain.

    ``missing``: the départements of its communes left out (empty for a drawn perimeter partly over no loaded
    commune).
    """
    # Taille 4 is the last band: more communes cannot change it, nor its funding (4++ has the same); whether
    # it is a 4++ is said apart (:func:`four_plus_plus_note`).
    if taille.band is None or taille.band == 4:
        return taille
    floor = taille.band
    where = f" ({', '.join(missing)})" if missing else ""
    # Every population is at least taille 1: « au moins en taille 1 » said nothing (a review).
    reach = (f"ses {format_number(population)} habitants chargés le placent au moins en taille {floor}" if floor > 1
             else f"ses {format_number(population)} habitants chargés n'en fixent pas la taille")
    reason = (f"population du territoire entier non connue : une partie de ses communes est hors des départements "
              f"chargés dans la base{where} ; {reach}")
    return replace(taille, band=None, label=MISSING_WORDS, bounds=reason, total_possible=None,
                   volet_supplementaire=None, maximum=None, funding=taille.funding.iloc[0:0],
                   missions_without_amount=[], unknown_reason=reason, lower_bound=floor)


def four_plus_plus_note(taille: TailleSection, four_plus_plus_possible: bool) -> str | None:
    """For a partial territory of taille 4 short of 4++: the professionals of its missing communes may make it one.

    ``four_plus_plus_possible``: a real registry counted its professionals (the demonstration supply never
    makes 4++, and without a registry nothing is counted).
    """
    if taille.band != 4 or taille.label == "4++" or not four_plus_plus_possible or taille.professionals is None:
        return None
    return (f"taille 4++ non établie : {format_number(taille.professionals)} professionnels de santé comptés dans les "
            "communes chargées, et ceux des communes hors des départements chargés pourraient en porter le nombre "
            f"au-delà de {aci.TAILLE_4PP_MIN_PROFESSIONALS}")
