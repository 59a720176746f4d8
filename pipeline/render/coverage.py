"""Outputs of a coverage analysis: CSV tables, GeoPackage, ``summary.json`` and the map, swapped in together."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import config
from pipeline.model.coverage import Coverage
from pipeline.render import maps
from pipeline.render.outputs import atomic_dirs


@dataclass(frozen=True)
class CoverageOutputs:
    tables: Path
    map: Path


def summary(c: Coverage) -> dict[str, Any]:
    population = int(c.claims["population"].fillna(0).sum())
    white_pop = int(c.white["population"].fillna(0).sum())
    return {
        "zone": c.zone,
        "libelle": c.label,
        "communes": int((c.units["type"] == "commune-actuelle").sum()),
        "unites": len(c.claims),
        "population": population,
        "cpts": int(c.claims["cpts_ids"].explode().dropna().nunique()),
        "population_covered": population - white_pop,
        "communes_in_no_cpts": len(c.white),
        "population_in_no_cpts": white_pop,
        "units_in_several_cpts": int((c.claims["n_cpts"] > 1).sum()),
        "units_outside_listings": 0 if c.outside_listings is None else len(c.outside_listings),
        "overlapping_pairs": len(c.overlaps),
        "polygon_overlapping_pairs": len(c.polygon_overlaps),
        "atone_territories": len(c.atone),
        "candidate_perimeters": len(c.candidates),
        "unresolved_codes": int(c.quality["kind"].isin(["code_inconnu", "code_invalide",
                                                        "code_sans_correspondance"]).sum()),
        "listing_issues": c.quality.groupby("kind").size().to_dict(),
        "notes": c.notes,
        "timings_s": {k: round(v, 2) for k, v in c.timings.items()},
    }


def _listify(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].map(lambda v: isinstance(v, list)).any():
            out[column] = out[column].map(lambda v: ";".join(map(str, v)) if isinstance(v, list) else v)
    return out


def write(c: Coverage) -> CoverageOutputs:
    tables = config.processed_dir() / "coverage" / c.zone
    map_folder = config.maps_dir() / f"couverture-{c.zone}"
    with atomic_dirs(tables, map_folder) as (tmp, map_tmp):
        for name, frame in (("communes", c.claims), ("chevauchements", c.overlaps),
                            ("chevauchements_geometriques", c.polygon_overlaps), ("zones_blanches", c.white),
                            ("territoires_atones", c.atone), ("propositions", c.candidates),
                            ("anomalies_listes", c.quality)):
            _listify(frame).to_csv(tmp / f"{name}.csv", index=False, encoding="utf-8")
        for layer, frame in c.geometries.items():
            if len(frame):
                _listify(frame).to_file(tmp / "couverture.gpkg", layer=layer, driver="GPKG")
        (tmp / "summary.json").write_text(json.dumps(summary(c), ensure_ascii=False, indent=2, default=str),
                                          encoding="utf-8")
        g = c.geometries
        units = g["units"]
        if c.outside_listings is not None and len(c.outside_listings):
            # Units of régions no listing covers carry no information: keep the map light.
            units = units[~units["code"].isin(set(c.outside_listings["unit_code"]))]
        m = maps.coverage_map(
            units, g["perimeters"], overlaps=g["overlaps"], white_zones=g["white"], atone=g["atone"],
            candidates=g["candidates"], title=f"Couverture par les CPTS – {c.label}", demo_data=c.demo_data,
            source="Sources : listes de CPTS chargées, Insee/Etalab (COG, populations), IGN Admin Express COG "
                   "2018. Les périmètres proposés sont des propositions de méthode, pas des décisions.")
        maps.save_map(m, map_tmp / "carte.html")
    return CoverageOutputs(tables, map_folder / "carte.html")


