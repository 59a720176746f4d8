"""Supply dynamics: arrivals and departures between the latest dated Annuaire Santé extractions.

The ARS guide (seed 000) asks for « installations n-1, n-2 » and « prévisions
de départ ». Between the two latest extractions kept in ``ps_activites``, and
the one before when there are three, practitioners are matched on their
national identifier (whatever the layout of each year's file), per profession
and per unit of the territory (:mod:`pipeline.analysis.dynamics`). The public
extraction has no birth date: departures are observed, never forecast.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from pipeline.analysis.dynamics import NO_FORECAST_NOTE, supply_dynamics
from pipeline.app.sections.registry_coverage import extraction_coverage
from pipeline.model.profile import DynamicsPeriod, DynamicsSection, RegistryCoverageSection
from pipeline.nomenclatures import GROUPES_TRAME
from pipeline.render.sections.common import plural
from pipeline.store.queries import registry_history

#: Extractions compared: the latest three (n-2, n-1, n).
MAX_EXTRACTIONS = 3
#: Group of the row that counts every practitioner once, whatever their profession.
TOTAL = "Ensemble des professionnels"


def _order(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    rank = {g: i for i, g in enumerate([*GROUPES_TRAME, TOTAL])}
    return frame.assign(_r=frame["groupe"].map(rank).fillna(len(rank))).sort_values([*keys[:-1], "_r"]) \
        .drop(columns="_r").reset_index(drop=True)


def identifier_switches(start: pd.DataFrame, end: pd.DataFrame) -> list[str]:
    """Per profession, a caveat where an ADELI identifier (the national identifier « 0… ») left a unit of the
    territory while an RPPS one (« 8… ») arrived in the same unit: a practitioner whose ADELI number was replaced
    by an RPPS one is a departure and an arrival, the two numbers being unlinked in the extraction (a review: an
    infirmier whose identifier changed, same place, read « 1 arrivée, 1 départ »). Counted per unit, the
    smaller of the two, so that turnover elsewhere raises no alarm."""
    def present(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.dropna(subset=["rpps", "groupe", "unite"]).astype({"rpps": str, "unite": str})[
            ["rpps", "groupe", "unite"]].drop_duplicates()

    before, after = present(start), present(end)
    left = before[before["rpps"].str.startswith("0") & ~before["rpps"].isin(set(after["rpps"]))]
    came = after[after["rpps"].str.startswith("8") & ~after["rpps"].isin(set(before["rpps"]))]
    pairs = (left.groupby(["groupe", "unite"]).size().to_frame("adeli")
             .join(came.groupby(["groupe", "unite"]).size().to_frame("rpps"), how="inner"))
    possible = pairs.min(axis=1).groupby(level="groupe").sum()
    notes = []
    for groupe, count in possible.items():
        notes.append(f"{groupe} : {plural(int(count), 'départ')} d'un identifiant ADELI et autant d'arrivées d'un "
                     "identifiant RPPS dans les mêmes communes entre les deux extractions ; un professionnel passé "
                     "de l'ADELI au RPPS compte comme un départ et une arrivée (ses deux numéros ne sont pas reliés "
                     "dans l'extraction) : arrivées et départs peut-être surestimés")
    return notes


def _every_profession(territory: pd.DataFrame) -> pd.DataFrame:
    """``territory`` with a row of zeros for each profession of the Trame present in neither extraction, as the
    supply table lists them (a review: no « Biologistes » row beside « Biologistes : 0 » in the supply)."""
    absent = [g for g in GROUPES_TRAME if g not in set(territory["groupe"])]
    if not absent:
        return territory
    zeros = pd.DataFrame({"groupe": absent, **{c: 0 for c in territory.columns if c != "groupe"}})
    return pd.concat([territory, zeros.astype(territory.dtypes.to_dict())], ignore_index=True)


def dynamics_section(
    con: duckdb.DuckDBPyConnection, units: pd.DataFrame, coverage: RegistryCoverageSection | None
) -> DynamicsSection:
    """Arrivals, departures and net change between the latest extractions, for the territory and per unit.

    ``coverage`` tells which départements each extraction covers: a pair of
    extractions that does not both cover the territory is withheld.
    """
    dates = registry_history.extraction_dates(con)
    if len(dates) < 2:
        reason = ("une seule extraction de l'Annuaire Santé est chargée" if dates else
                  "aucune extraction de l'Annuaire Santé n'est chargée")
        return DynamicsSection(extractions=dates, periods=[], forecast_note=NO_FORECAST_NOTE,
                               unavailable=f"Dynamique de l'offre non disponible : {reason} (il en faut deux, "
                                           "datées, pour observer des arrivées et des départs).")
    kept = dates[-MAX_EXTRACTIONS:]
    arrondissement = units["type"] == "arrondissement-municipal"
    communes = units.loc[~arrondissement, "unit_code"].astype(str).tolist()
    arrondissements = units.loc[arrondissement, "unit_code"].astype(str).tolist()
    codes = [str(c) for c in units["unit_code"]]
    departements = sorted(set(units["departement"].dropna().astype(str)))
    frames: dict[date, pd.DataFrame] = {}
    for day in kept:
        found = registry_history.territory_activities(con, day, communes, arrondissements)
        # The analysis places activities in ``unite``: the territory's unit holding each one.
        frames[day] = found.assign(unite=found["lieu"])[["rpps", "groupe", "unite", "commune"]]
    covers = {day: coverage is None or extraction_coverage(coverage, day, departements) for day in kept}
    periods = []
    for change in supply_dynamics([(day, frames[day]) for day in kept], territory_units=codes, everyone=TOTAL):
        assert change.territory is not None  # a territory was given
        territory = _order(_every_profession(change.territory), ["groupe"])
        per_unit = _order(change.by_place.rename(columns={"unite": "lieu"}), ["lieu", "groupe"])
        withheld = None
        missing = [d for d in (change.start, change.end) if not covers[d]]
        if missing:
            # Each extraction with the départements it lacks (a review read « (04, 13) » where only the 04 was).
            said = []
            for day in missing:
                lacking = [d for d in departements
                           if coverage is not None and not extraction_coverage(coverage, day, [d])] or departements
                which = (f"le département {lacking[0]}" if len(lacking) == 1
                         else f"les départements {', '.join(lacking)}")
                said.append(f"l'extraction du {day.strftime('%d/%m/%Y')} ne couvre pas {which} du territoire")
            withheld = ("non disponible : " + " et ".join(said) + " ; comparer deux fichiers de champs différents "
                        "ferait des départs ou des arrivées fictifs")
        periods.append(DynamicsPeriod(start=change.start, end=change.end, territory=territory, per_unit=per_unit,
                                      rows_left_out=change.rows_left_out, withheld=withheld,
                                      identifier_switches=identifier_switches(frames[change.start],
                                                                              frames[change.end])))
    return DynamicsSection(extractions=kept, periods=periods, forecast_note=NO_FORECAST_NOTE)
