"""Shapes of the pertinence map layer (:mod:`pipeline.render.maps.pertinence`): candidates and units to examine."""

from __future__ import annotations

from typing import Any

import duckdb
import geopandas as gpd
import pandas as pd

from pipeline.model.coverage import unknown_coverage_why
from pipeline.model.diagnostic import PertinenceSection
from pipeline.render.report import format_number
from pipeline.store.queries import geography


def _claims_words(claimed: object) -> str:
    """« revendiquée par CPTS A, CPTS B », « revendiquée par aucune CPTS », or its CPTS « non disponibles »."""
    if not isinstance(claimed, str):
        return f"CPTS qui la revendiquent non disponibles ({unknown_coverage_why()})"  # as the tables say it
    return f"revendiquée par {claimed.replace('; ', ', ')}" if claimed else "revendiquée par aucune CPTS"


def _destination_words(row: Any) -> str:
    """« ; destination principale : Manosque (61,5 %) » (its code when its name is unknown: a commune outside the
    load), or nothing without one."""
    if not isinstance(row.main_destination, str) or not row.main_destination:
        return ""
    name = row.main_destination_nom if isinstance(row.main_destination_nom, str) and row.main_destination_nom \
        else row.main_destination
    return f" ; destination principale : {name} ({format_number(100 * row.main_destination_share, 1, '%')})"


def pertinence_shapes(con: duckdb.DuckDBPyConnection, section: PertinenceSection) -> gpd.GeoDataFrame | None:
    """The map layer's units: candidates to add and units to examine, with their tooltip line (French)."""
    # The tooltip says what the tables say (a review: neither the CPTS claiming a candidate nor where the residents
    # of a unit to examine consult).
    roles = [(row.code, row.nom, "candidat",
              f"Candidate à l'ajout : {format_number(100 * row.share_into_perimeter, 1, '%')} des recours de ses "
              f"habitants vers le territoire ; {_claims_words(row.claimed_by)}")
             for row in section.candidates.itertuples()]
    roles += [(row.code, row.nom, "a_examiner",
               f"À examiner : {format_number(100 * row.share_inside, 1, '%')} des recours de ses habitants dans le "
               "territoire" + _destination_words(row))
              for row in section.to_examine.itertuples()]
    if not roles:
        return None
    frame = pd.DataFrame(roles, columns=["code", "nom", "role", "info"]).astype({"code": str})
    polygons = geography.unit_polygons_for(con, sorted(set(frame["code"])))
    if polygons.empty:
        return None
    shapes = polygons[["code", "geometry"]].merge(frame, on="code", how="inner")
    return gpd.GeoDataFrame(shapes, geometry="geometry", crs=4326)
