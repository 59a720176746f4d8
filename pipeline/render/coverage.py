"""Outputs of a coverage analysis: CSV tables, workbook, GeoPackage, ``summary.json`` and the map, swapped in together.

The tables are written by the same writers as the diagnostic's
(:mod:`pipeline.render.csv_files`, :mod:`pipeline.render.spreadsheet`): UTF-8
with BOM, codes quoted, a header even when a table is empty (and one line
« aucune donnée »), French labels in ``couverture.xlsx``, and any text that a
spreadsheet could run as a formula (a CPTS name from a listing starting with
``=``…) neutralised.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import config
from pipeline.model.coverage import UNKNOWN_ZONE_WHY, Coverage, unknown_coverage_why
from pipeline.render import maps
from pipeline.render.column_catalogue import spec_from_catalogue
from pipeline.render.csv_files import write_csv_files
from pipeline.render.listing_anomalies import ANOMALY_LABELS
from pipeline.render.outputs import atomic_dirs
from pipeline.render.sections.common import agree, plural
from pipeline.render.spreadsheet import write_workbook
from pipeline.render.table_spec import NO_DATA_TEXT, UNIT_TYPES, Column, ColumnKind, TableSpec

WORKBOOK = "couverture.xlsx"
#: Year of the legal populations and COG vintage every coverage figure is computed on (config.POPULATION_YEAR),
#: except in a département whose figure is an older census (Mayotte: :mod:`pipeline.analysis.population.legal_year`).
POPULATION_YEAR = config.POPULATION_YEAR[config.CURRENT_VINTAGE]


def source_line(c: Coverage) -> str:
    """The sources of the coverage tables."""
    return (f"Listes de CPTS chargées ; Insee/Etalab, découpage administratif au 1er janvier "
            f"{config.CURRENT_VINTAGE} et {c.population_years_label} ; IGN Admin Express (contours)")


def _col(name: str, label: str, kind: ColumnKind, decimals: int = 0, unit: str = "") -> Column:
    return Column(name, label, kind, decimals, unit)


_UNIT = [_col("unit_code", "Code INSEE", "code"), _col("nom", "Commune", "text"),
         Column("type", "Type d'unité", "text", values=UNIT_TYPES),
         _col("departement", "Département (code)", "code"), _col("region", "Région (code)", "code"),
         _col("population", "Population municipale", "integer", unit="hab.")]
_PAIR = [_col("cpts_id_a", "CPTS A (identifiant)", "text"), _col("cpts_a", "CPTS A", "text"),
         _col("cpts_id_b", "CPTS B (identifiant)", "text"), _col("cpts_b", "CPTS B", "text")]
_STATUTS = [_col("statut_a", "Statut de la CPTS A", "text"), _col("date_a", "Date du statut de la CPTS A", "date"),
            _col("statut_b", "Statut de la CPTS B", "text"), _col("date_b", "Date du statut de la CPTS B", "date")]
_AREA = [_col("territoire", "Territoire", "text"), _col("communes", "Communes (codes INSEE)", "text"),
         _col("n_communes", "Nombre de communes", "integer"),
         _col("population", "Population municipale", "integer", unit="hab."), _col("taille", "Taille ACI", "integer"),
         _col("bassins_vie", "Bassins de vie 2022 (codes)", "text"),
         _col("n_bassins_vie", "Nombre de bassins de vie", "integer")]
#: Each coverage table: key -> (French title, its columns in order). A column the analysis adds later is
#: written too, presented from its name; an empty table keeps its header.
TABLES: dict[str, tuple[str, list[Column]]] = {
    "communes": ("Unités de la zone et CPTS qui les revendiquent", [
        *_UNIT, _col("cpts", "CPTS", "text"), _col("cpts_ids", "Identifiants des CPTS", "text"),
        _col("n_cpts", "Nombre de CPTS", "integer")]),
    "chevauchements": ("Chevauchements entre CPTS (communes revendiquées par deux CPTS)", [
        *_PAIR,
        # The listing's statut and date (seed 003: one approved project per territory): a signed/signed conflict is
        # not a project overlapping a signed CPTS.
        *_STATUTS,
        _col("shared_units", "Unités partagées", "text"),
        _col("n_shared", "Nombre d'unités partagées", "integer"),
        _col("shared_population", "Population partagée", "integer", unit="hab."),
        _col("n_units_a", "Unités de la CPTS A", "integer"), _col("n_units_b", "Unités de la CPTS B", "integer"),
        _col("population_a", "Population de la CPTS A", "integer", unit="hab."),
        _col("population_b", "Population de la CPTS B", "integer", unit="hab."),
        # Six decimals: 204 inhabitants shared by a CPTS of 5 million is 0.00004, which three decimals wrote 0.000.
        _col("share_count_a", "Part des unités de A partagées (de 0 à 1)", "decimal", 6),
        _col("share_count_b", "Part des unités de B partagées (de 0 à 1)", "decimal", 6),
        _col("share_pop_a", "Part de la population de A partagée (de 0 à 1)", "decimal", 6),
        _col("share_pop_b", "Part de la population de B partagée (de 0 à 1)", "decimal", 6),
        _col("surface_partagee_km2", "Surface partagée", "decimal", 2, "km²"),
        _col("part_surface_a", "Part de la surface de A partagée (de 0 à 1)", "decimal", 6),
        _col("part_surface_b", "Part de la surface de B partagée (de 0 à 1)", "decimal", 6)]),
    "chevauchements_geometriques": ("Chevauchements entre périmètres donnés en polygones", [
        *_PAIR, *_STATUTS,
        _col("shared_area_m2", "Surface partagée", "decimal", 0, "m²"),
        _col("area_a_m2", "Surface de A", "decimal", 0, "m²"), _col("area_b_m2", "Surface de B", "decimal", 0, "m²"),
        _col("share_a", "Part de A partagée (de 0 à 1)", "decimal", 6),
        _col("share_b", "Part de B partagée (de 0 à 1)", "decimal", 6)]),
    "zones_blanches": ("Zones blanches : unités revendiquées par aucune CPTS", _UNIT),
    "territoires_atones": ("Territoires atones : ensembles contigus de zones blanches", [
        _AREA[0], _col("rang", "Rang (population décroissante)", "integer"), *_AREA[1:]]),
    "propositions": ("Périmètres proposés (propositions de méthode, pas des décisions)", [
        _AREA[0], _col("proposition", "Proposition", "text"), _col("statut", "Statut", "text"), *_AREA[1:],
        _col("methode", "Méthode", "text"), _col("note", "Note", "text")]),
    "anomalies_listes": ("Anomalies des listes de CPTS", [
        # People read the kind in French (the workbook); the CSV keeps its machine name (a review).
        _col("listing", "Liste", "text"),
        Column("kind", "Type d'anomalie", "text", values=tuple(ANOMALY_LABELS.items())), _col("cpts", "CPTS", "text"),
        _col("code", "Code indiqué", "code"), _col("line", "Ligne du fichier", "integer"),
        _col("detail_fr", "Détail", "text")]),
}


@dataclass(frozen=True)
class CoverageOutputs:
    tables: Path
    map: Path


#: Tooltip of a unit of a département no loaded listing speaks for.
UNKNOWN_COVERAGE = f"non connue : {unknown_coverage_why()}"


def speaks_for(c: Coverage) -> bool:
    """Whether a loaded listing speaks for some unit of the zone (else its coverage is not known at all)."""
    return c.known_units is None or bool(c.claims["unit_code"].astype(str).isin(c.known_units).any())


def claims_known(c: Coverage) -> bool:
    """Whether what the loaded CPTS claim, share and cover in the zone is known: where a listing speaks, or where
    some CPTS claims a unit (a fact even where no listing speaks); else unknown, not 0 (a review read 0)."""
    return speaks_for(c) or bool((c.claims["n_cpts"] > 0).any())


def white_communes(c: Coverage) -> int:
    """Communes of the zone in no CPTS: all of their analysis units (the commune, or its arrondissements) white."""
    if c.white.empty:
        return 0
    parents = c.units.dropna(subset=["parent"]) if {"code", "parent"} <= set(c.units.columns) else None
    city = {} if parents is None else dict(zip(parents["code"].astype(str), parents["parent"].astype(str),
                                              strict=True))
    codes = c.claims["unit_code"].astype(str)
    commune = codes.map(lambda code: city.get(code, code))
    white = codes.isin(set(c.white["unit_code"].astype(str)))
    return int(white.groupby(commune).all().sum())


def summary(c: Coverage) -> dict[str, Any]:
    population = int(c.claims["population"].fillna(0).sum())
    white_pop = int(c.white["population"].fillna(0).sum())
    # White zones are known only where the listings speak: « non disponible » (null) for a zone with no unit there,
    # and so are the atone territories (white zones). What the loaded CPTS claim, share and cover is a fact where
    # they claim something; where they claim nothing and no listing speaks, it is unknown too (a review read 0).
    speaks, claimed = speaks_for(c), claims_known(c)

    def known(value: int) -> int | None:
        return value if speaks else None

    def told(value: int) -> int | None:
        return value if claimed else None

    return {
        "zone": c.zone,
        "libelle": c.label,
        "population_vintage": c.population_year,
        "population_libelle_annees": c.population_years_label,
        "cog_vintage": config.CURRENT_VINTAGE,
        "communes": int((c.units["type"] == "commune-actuelle").sum()),
        "unites": len(c.claims),
        "population": population,
        "cpts": int(c.claims["cpts_ids"].explode().dropna().nunique()),
        "population_covered": told(int(c.claims.loc[c.claims["n_cpts"] > 0, "population"].fillna(0).sum())),
        # Communes, as « communes »: a city is in no CPTS when none of its arrondissements is claimed (a review:
        # Paris with arrondissements 1–16 claimed gave « communes » 1 and 4 « communes_in_no_cpts »);
        # « units_in_no_cpts » counts the analysis units (arrondissements one by one), as « unites ».
        "communes_in_no_cpts": known(white_communes(c)),
        "units_in_no_cpts": known(len(c.white)),
        "population_in_no_cpts": known(white_pop),
        "units_in_several_cpts": told(int((c.claims["n_cpts"] > 1).sum())),
        "units_outside_listings": 0 if c.outside_listings is None else len(c.outside_listings),
        "overlapping_pairs": told(len(c.overlaps)),
        "polygon_overlapping_pairs": told(len(c.polygon_overlaps)),
        "atone_territories": known(len(c.atone)),
        "candidate_perimeters": known(len(c.candidates)),
        "unresolved_codes": int(c.quality["kind"].isin(["code_inconnu", "code_invalide",
                                                        "code_sans_correspondance"]).sum()),
        "listing_issues": c.quality.groupby("kind").size().to_dict(),
        "notes": c.notes,
        "timings_s": {k: round(v, 2) for k, v in c.timings.items()},
    }


#: Sheet names of ``couverture.xlsx`` (Excel allows 31 characters: the titles were cut mid-phrase, « Unités de la
#: zone et CPTS qui »).
SHEETS = {"communes": "Unités et CPTS", "chevauchements": "Chevauchements",
          "chevauchements_geometriques": "Chevauchements (polygones)", "zones_blanches": "Zones blanches",
          "territoires_atones": "Territoires atones", "propositions": "Périmètres proposés",
          "anomalies_listes": "Anomalies des listes"}


def _with_known_coverage(c: Coverage, units: pd.DataFrame) -> pd.DataFrame:
    """The GeoPackage's units with ``couverture_connue``, and ``n_cpts`` empty (not 0) where the loaded listings
    do not tell the coverage, as in ``communes.csv``: a review filtering ``n_cpts = 0`` in a GIS read the 3 357
    units of départements without a listing as white zones."""
    if c.known_units is None:
        return units.assign(couverture_connue=True)
    unknown = ~units["code"].astype(str).isin(c.known_units) & ~(units["n_cpts"] > 0)
    return units.assign(n_cpts=units["n_cpts"].astype("Int64").where(~unknown),  # an integer field, empty where unknown
                        cpts=units["cpts"].where(~unknown), couverture_connue=~unknown)


def _listify(frame: pd.DataFrame) -> pd.DataFrame:
    """List cells as text, items separated by « ; »; an item holding « ; » or « " » is quoted as a CSV field is
    (a review: « CPTS A;B » and « CPTS Aix » read as three names where ``n_cpts`` said 2)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].map(lambda v: isinstance(v, list)).any():
            out[column] = out[column].map(lambda v: ";".join(map(_item, v)) if isinstance(v, list) else v)
    return out


def _item(value: object) -> str:
    text = str(value)
    return '"' + text.replace('"', '""') + '"' if ";" in text or '"' in text else text


#: The line of a coverage table of a zone no loaded listing speaks for (« aucune donnée » read as « none »).
UNKNOWN_TABLE = f"non disponible : {UNKNOWN_ZONE_WHY}"


def _spec(key: str, frame: pd.DataFrame, source: str, empty: str = NO_DATA_TEXT) -> TableSpec:
    title, declared = TABLES[key]
    frame = _listify(frame).copy()
    frame.columns = [str(c) for c in frame.columns]
    names = [c.name for c in declared]
    for name in names:
        if name not in frame:
            frame[name] = pd.Series([None] * len(frame), dtype=object, index=frame.index)
    extra = [c for c in frame.columns if c not in names]
    columns = {c.name: c for c in declared}
    for name in extra:  # presented from its name until it is declared above
        columns[name] = Column(name, name.replace("_", " ").capitalize(), "text")
    for column in columns.values():
        if column.kind == "code":
            frame[column.name] = frame[column.name].map(lambda v: v if v is None or v != v else str(v)).astype(object)
    return spec_from_catalogue(key, title, frame, source, sheet=SHEETS[key], columns=[*names, *extra],
                               overrides=columns, empty=empty)


def coverage_specs(c: Coverage) -> list[TableSpec]:
    """The coverage tables as :class:`TableSpec` (stable machine names for the CSV, French labels)."""
    claims = c.claims
    if c.known_units is not None:
        # A unit nobody claims where no listing speaks: its number of CPTS is not known, not 0.
        unknown = ~claims["unit_code"].astype(str).isin(c.known_units) & ~(claims["n_cpts"] > 0)
        claims = claims.assign(n_cpts=claims["n_cpts"].astype("float64").where(~unknown))
    frames = {"communes": claims, "chevauchements": c.overlaps, "chevauchements_geometriques": c.polygon_overlaps,
              "zones_blanches": c.white, "territoires_atones": c.atone, "propositions": c.candidates,
              "anomalies_listes": c.quality}
    # What white zones make (and, where nothing is claimed, what CPTS share) is unknown where no listing speaks.
    unknown_tables = set() if speaks_for(c) else {"zones_blanches", "territoires_atones", "propositions"} | (
        set() if claims_known(c) else {"chevauchements", "chevauchements_geometriques"})
    return [_spec(key, frame, source_line(c), UNKNOWN_TABLE if key in unknown_tables else NO_DATA_TEXT)
            for key, frame in frames.items()]


def write(c: Coverage) -> CoverageOutputs:
    tables = config.processed_dir() / "coverage" / c.zone
    map_folder = config.maps_dir() / f"couverture-{c.zone}"
    with atomic_dirs(tables, map_folder) as (tmp, map_tmp):
        specs = coverage_specs(c)
        write_csv_files(specs, tmp)
        write_workbook(specs, tmp / WORKBOOK, title=f"Couverture par les CPTS – {c.label}", territory=c.label,
                       generated=date.today())
        for layer, frame in c.geometries.items():
            if len(frame):
                frame = _with_known_coverage(c, frame) if layer == "units" else frame
                _listify(frame).to_file(tmp / "couverture.gpkg", layer=layer, driver="GPKG")
        (tmp / "summary.json").write_text(json.dumps(summary(c), ensure_ascii=False, indent=2, default=str),
                                          encoding="utf-8")
        g = c.geometries
        units = g["units"]
        left_out = ""
        unknown = units["code"].isin(set(c.outside_listings["unit_code"])) if c.outside_listings is not None \
            else pd.Series(False, index=units.index)
        # Counted as the summary counts them: units without a polygon are unknown too, never drawn (a review read
        # 3 357 on the map for 3 361 in summary.json).
        everywhere = len(set(c.outside_listings["unit_code"])) if c.outside_listings is not None else 0
        polygonless = max(everywhere - int(unknown.sum()), 0)
        if unknown.all() and len(units):
            # A zone no listing speaks for (a review found its map empty): its units, their coverage unknown.
            units = units.assign(n_cpts=float("nan"), couverture=UNKNOWN_COVERAGE)
            # Said on the page too, not only in each commune's tooltip (a review: a grey map, silent).
            left_out = (f"Couverture non connue dans toute la zone ({unknown_coverage_why(True)}) : ni zone blanche "
                        "ni chevauchement n'y est montré. ")
        elif unknown.any() and c.zone == "france":
            # Units of départements no listing speaks for carry no information: keep the map light (France), and say so.
            units = units[~unknown]
            shown = agree(everywhere, "n'est pas représentée", "ne sont pas représentées")
            left_out = (f"{plural(everywhere, 'unité')} dont la couverture n'est pas connue "
                        f"({unknown_coverage_why(everywhere > 1)}) {shown}. ")
        elif unknown.any():
            # A département or a région: every unit drawn (a review saw 3 of Mayotte's 17), grey, its coverage
            # unknown in its tooltip, and said on the page.
            units = units.assign(n_cpts=units["n_cpts"].astype("float64").where(~unknown),
                                 couverture=pd.Series(UNKNOWN_COVERAGE, index=units.index).where(unknown))
            count = int(unknown.sum())
            drawn = agree(count, "est dessinée en gris", "sont dessinées en gris")
            missing = (f" ; {plural(polygonless, 'autre')} sans contour communal, "
                       f"{agree(polygonless, 'non dessinée', 'non dessinées')}" if polygonless else "")
            left_out = (f"{plural(count, 'unité')} dont la couverture n'est pas connue "
                        f"({unknown_coverage_why(count > 1)}) {drawn}, jamais en zone blanche{missing}. ")
        m = maps.coverage_map(
            units, g["perimeters"], overlaps=g["overlaps"], white_zones=g["white"], atone=g["atone"],
            candidates=g["candidates"], title=f"Couverture par les CPTS – {c.label}", demo_data=c.demo_data,
            source=f"{left_out}Sources : listes de CPTS chargées, Insee/Etalab (COG {config.CURRENT_VINTAGE}, "
                   f"{c.population_years_label}), IGN Admin Express COG 2018."
                   + (" Les périmètres proposés sont des propositions de méthode, pas des décisions."
                      if len(g["candidates"]) else ""))
        maps.save_map(m, map_tmp / "carte.html")
    return CoverageOutputs(tables, map_folder / "carte.html")




def coverage_columns_markdown() -> str:
    """Markdown table of the coverage CSV files' columns and their French labels, for the README."""
    lines = ["| Fichier CSV | Colonne (CSV) | Libellé (couverture.xlsx) |", "|---|---|---|"]
    for key, (_, columns) in TABLES.items():
        for column in columns:
            lines.append(f"| `{key}.csv` | `{column.name}` | {column.heading} |")
    return "\n".join(lines) + "\n"
