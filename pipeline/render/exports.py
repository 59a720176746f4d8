"""Write a diagnostic's outputs atomically: tables, GeoPackage, summary, map, report.

Everything is first written into temporary folders next to the final ones,
then swapped in: a failure half-way leaves the previous outputs as they were,
and a folder that cannot be written is reported in French before anything
changes.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString

from pipeline import config
from pipeline.app.diagnostic import Diagnostic
from pipeline.errors import PipelineError, french_os_error

SHEETS = {
    "communes": "Communes",
    "population": "Population",
    "references": "Comparaisons",
    "financement": "Financement ACI",
    "offre": "Offre de soins",
    "etablissements": "Établissements",
    "apl": "APL",
    "voisins": "CPTS voisines",
    "representativite": "Représentativité",
    "calendrier": "Calendrier des missions",
    "recours": "Premier et second recours",
    "mode_exercice": "Mode d'exercice",
    "flux_synthese": "Flux - synthèse",
    "flux_destinations": "Flux - destinations",
    "flux_bassins_de_vie": "Flux - bassins de vie",
    "apl_approchee": "APL approchée",
    "simulation_apl": "Simulation APL approchée",
}
"""Sheet of each table in ``diagnostic.xlsx`` (Excel limits sheet names to 31 characters)."""

#: Tables written as CSV next to the workbook, when present.
CSV_TABLES = ("communes", "offre", "etablissements", "calendrier", "recours", "mode_exercice", "flux_synthese",
              "flux_destinations", "flux_bassins_de_vie", "apl_approchee", "simulation_apl")


def diagnostic_dir(slug: str) -> Path:
    return config.processed_dir() / "diagnostics" / slug


def map_dir(slug: str) -> Path:
    return config.maps_dir() / slug


def _check_writable(folder: Path) -> None:
    """Fail in French, before anything is written, when ``folder`` cannot receive outputs.

    ``folder`` may not exist yet: its nearest existing ancestor must then be a
    writable directory (it will be created). A path component that is a file,
    or a directory without write and search permission (``os.access``, which
    also reports read-only file systems), is an error.
    """
    probe = folder
    while not probe.exists() and not probe.is_symlink() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise PipelineError(
            "Dossier de sortie impossible à créer : ce chemin est un fichier, pas un dossier "
            f"(attendu un dossier pour {folder})",
            probe,
        )
    if not os.access(probe, os.W_OK | os.X_OK):
        raise PipelineError(
            "Dossier de sortie non accessible en écriture (droits ou système de fichiers en lecture seule) : "
            "les sorties précédentes sont conservées",
            probe,
        )


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@contextmanager
def atomic_dirs(*finals: Path) -> Iterator[list[Path]]:
    """Yield temporary folders that replace ``finals`` together, only if the block succeeds.

    Each swap renames the final folder aside and moves its new version in; if
    any move fails, the folders already swapped are put back, so the outputs
    of one run (tables and maps) never mix with those of another. File-system
    errors become French :class:`PipelineError` naming the folder.
    """
    for final in finals:
        _check_writable(final.parent)
    tmps: list[Path] = []
    try:
        for final in finals:
            final.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
            # mkdtemp creates the folder 0700; outputs are meant to be shared like any other folder.
            tmp.chmod(0o777 & ~_umask())
            tmps.append(tmp)
    except OSError as exc:
        for tmp in tmps:
            shutil.rmtree(tmp, ignore_errors=True)
        raise PipelineError(
            f"Impossible de créer le dossier de sortie ({french_os_error(exc)})", finals[len(tmps)].parent
        ) from exc
    try:
        yield tmps
    except BaseException:
        for tmp in tmps:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    swapped: list[tuple[Path, Path]] = []
    current = finals[0]
    try:
        for final, tmp in zip(finals, tmps, strict=True):
            current = final
            old = final.with_name(f".{final.name}.old")
            if old.exists():
                shutil.rmtree(old)
            if final.exists():
                final.rename(old)
            swapped.append((final, old))
            tmp.rename(final)
    except OSError as exc:
        for final, old in reversed(swapped):
            if old.exists():
                if final.exists():
                    shutil.rmtree(final, ignore_errors=True)
                old.rename(final)
        for tmp in tmps:
            shutil.rmtree(tmp, ignore_errors=True)
        raise PipelineError(
            f"Impossible de remplacer le dossier de sortie ({french_os_error(exc)}) : les sorties précédentes "
            "sont conservées",
            current,
        ) from exc
    for _, old in swapped:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def atomic_dir(final: Path) -> Iterator[Path]:
    """Yield a temporary folder that replaces ``final`` only if the block succeeds."""
    with atomic_dirs(final) as (tmp,):
        yield tmp


def communes_table(d: Diagnostic) -> pd.DataFrame:
    u = d.units
    return pd.DataFrame({
        "code_insee": u["unit_code"],
        "commune": u["nom"],
        "type": u["type"].map({"commune-actuelle": "commune", "arrondissement-municipal": "arrondissement municipal"}),
        "commune_de_rattachement": u["commune_code"],
        "codes_postaux": u["codes_postaux"],
        f"population_{d.population['millesime']}": u["population"],
        "surface_km2": u["surface_km2"].round(2),
        "densite_hab_km2": u["densite_hab_km2"].round(1),
        "particularites_qpv_zip_zac": u["particularites"],
        "epci": u["epci"],
        "epci_nom": u["epci_nom"],
        "bassin_de_vie_2022": u["bv2022"],
        "bassin_de_vie_2022_nom": u["bv2022_nom"],
        "apl_mg_2022": u["apl_2022"],
        "apl_mg_2023": u["apl_2023"],
    })


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else round(float(value), 4)
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def summary(d: Diagnostic) -> dict[str, Any]:
    supply = None
    if d.supply is not None:
        supply = {
            row.groupe: {"praticiens": row.praticiens, "densite_10000": row.densite_10000,
                         "densite_departement": row.densite_departement, "densite_region": row.densite_region,
                         "densite_france": row.densite_france}
            for row in d.supply.itertuples()
        }
    apl = d.apl["synthese"].set_index("annee")
    flows = None
    if d.flows is not None and "synthese" in d.flows:
        syn = d.flows["synthese"].set_index("groupe")
        flows = {"origine": d.flows["origine"],
                 "auto_confinement": syn["auto_confinement"].to_dict(), "attraction": syn["attraction"].to_dict()}
    elif d.flows is not None:
        flows = {"indisponible": d.flows.get("indisponible")}
    access = None
    if d.access is not None:
        rho, n = d.access["spearman_territoire"]
        access = {"libelle": "APL approchée (pas l'APL officielle)", "spearman_apl_officielle_2023": rho,
                  "communes_comparees": n}
    representativeness = None
    if d.representativeness is not None:
        representativeness = {
            row.groupe: {"praticiens": row.praticiens, "adherents": row.adherents,
                         "part_adherents_pct": row.part_adherents_pct}
            for row in d.representativeness.itertuples()
        }
    simulation = None
    if d.access is not None and d.access.get("simulation") is not None:
        simulation = {
            "changements": [{"groupe": c.groupe, "variation": c.delta, "commune": c.commune}
                            for c in d.access.get("changements", [])],
            "communes": d.access["simulation"].to_dict("records"),
        }
    return _jsonable({
        "territory": d.territory.spec,
        "label": d.territory.label,
        "communes": len(d.territory.commune_codes),
        "unites": len(d.units),
        "population": d.population["total"],
        "population_vintage": d.population["millesime"],
        "cog_vintage": d.population["cog"],
        "population_by_vintage": dict(zip(d.evolution["millesime"].astype(str), d.evolution["population"],
                                          strict=True)),
        "surface_km2": d.population["surface_km2"],
        "densite_hab_km2": d.population["densite"],
        "taille": d.taille["libelle"],
        "financement_aci": {k: d.taille[k] for k in ("total_possible", "volet_supplementaire", "maximum",
                                                     "version_aci")},
        "supply": supply,
        "apl": {"2022": apl.loc[2022].to_dict(), "2023": apl.loc[2023].to_dict(),
                "communes_sous_2_5": d.apl["communes"].loc[d.apl["communes"]["sous_dense"], "unit_code"].tolist()},
        "overlaps": d.neighbours.to_dict("records"),
        "flows": flows,
        "access": access,
        "representativeness": representativeness,
        "simulation": simulation,
        "sources": d.sources[["source", "vintage", "origin", "sha256"]].to_dict("records"),
        "demo_data": d.demo_data,
        "demo_sources": d.demo_sources,
        "notes": d.notes,
        "timings_s": {k: round(v, 2) for k, v in d.timings.items()},
    })


def flow_lines(d: Diagnostic) -> gpd.GeoDataFrame | None:
    if d.flows is None or "lignes" not in d.flows or d.flows["lignes"].empty:
        return None
    lines = d.flows["lignes"].dropna(subset=["lon_o", "lat_o", "lon_d", "lat_d"])
    lines = lines[lines["groupe"].str.lower() == "médecins généralistes"]
    if lines.empty:
        return None
    geometry = [LineString([(r.lon_o, r.lat_o), (r.lon_d, r.lat_d)]) for r in lines.itertuples()]
    return gpd.GeoDataFrame(
        {"volume": lines["volume"].round(0).to_numpy(), "sens": lines["sens"].to_numpy(),
         "origine": lines["origin"].astype(str).to_numpy(), "destination": lines["destination"].astype(str).to_numpy()},
        geometry=geometry, crs=4326)


def extra_tables(d: Diagnostic) -> dict[str, pd.DataFrame]:
    """Tables of the report beyond the base ones: calendar, supply splits, flows, APL approchée, what-if.

    Only the tables the diagnostic has are returned (the calendar needs
    ``--signature``, flows and APL approchée need the Annuaire Santé and a
    polygon, the what-if needs ``--ajout``).
    """
    out: dict[str, pd.DataFrame] = {}
    if d.calendar is not None:
        out["calendrier"] = d.calendar.reset_index(drop=True)
    for name, split in (("recours", d.supply_recours), ("mode_exercice", d.supply_mode)):
        if split is not None and not split.empty:
            out[name] = split.reset_index()
    if d.flows is not None and "synthese" in d.flows:
        origin = d.flows["origine"]
        out["flux_synthese"] = d.flows["synthese"].assign(origine_des_flux=origin)
        dest = d.flows["destinations_exterieures"]
        if not dest.empty:
            out["flux_destinations"] = dest.assign(origine_des_flux=origin)
        bv = d.flows.get("bassins_de_vie")
        if bv is not None and not bv.empty:
            out["flux_bassins_de_vie"] = bv.assign(origine_des_flux=origin)
    if d.access is not None:
        out["apl_approchee"] = d.access["communes"].assign(
            unite=d.access["unite"], avertissement_apl="APL approchée calculée par l'outil, pas l'APL officielle")
        if d.access.get("simulation") is not None:
            changes = "; ".join(f"{c.delta:+g} {c.groupe} à {c.commune}" for c in d.access.get("changements", []))
            out["simulation_apl"] = d.access["simulation"].rename(
                columns={"before": "avant", "after": "apres", "delta": "ecart"}).assign(scenario=changes)
    return out


def write_tables(d: Diagnostic, folder: Path) -> None:
    tables: dict[str, pd.DataFrame] = {
        "communes": communes_table(d),
        "population": d.evolution,
        "references": d.references,
        "financement": d.funding,
        "apl": d.apl["communes"],
        "voisins": d.neighbours,
    }
    if d.supply is not None:
        tables["offre"] = d.supply
    if d.establishments is not None:
        tables["etablissements"] = d.establishments
    if d.representativeness is not None:
        tables["representativite"] = d.representativeness
    tables.update(extra_tables(d))
    demo_tables = {"annuaire-sante": ("offre", "representativite", "recours", "mode_exercice", "flux_synthese",
                                      "flux_destinations", "flux_bassins_de_vie", "apl_approchee",
                                      "simulation_apl"),
                   "finess": ("etablissements",)}
    for source, names in demo_tables.items():
        if source not in d.demo_sources:
            continue
        for name in names:
            if name in tables:
                tables[name] = tables[name].assign(avertissement="données fictives de démonstration")
    for name in CSV_TABLES:
        if name in tables:
            tables[name].to_csv(folder / f"{name}.csv", index=False, encoding="utf-8")
    with pd.ExcelWriter(folder / "diagnostic.xlsx", engine="openpyxl") as writer:
        for name, frame in tables.items():
            frame.to_excel(writer, sheet_name=SHEETS[name][:31], index=False)
    perimeter = d.perimeter.assign(territoire=d.territory.spec, population=d.population["total"],
                                   taille=d.taille["libelle"])
    perimeter.to_file(folder / "territoire.gpkg", layer="perimetre", driver="GPKG")
    communes = d.communes_geo[["code", "nom", "population", "area_km2", "densite_hab_km2", "apl_2023", "geometry"]]
    communes.to_file(folder / "territoire.gpkg", layer="communes", driver="GPKG")
    (folder / "summary.json").write_text(json.dumps(summary(d), ensure_ascii=False, indent=2), encoding="utf-8")


def write_all(d: Diagnostic) -> dict[str, Path]:
    """Write every output of ``d``; returns the final paths."""
    from pipeline.render import diagnostic_report, maps

    slug = d.territory.slug
    tables_final, maps_final = diagnostic_dir(slug), map_dir(slug)
    _check_writable(tables_final.parent)
    _check_writable(maps_final.parent)
    with atomic_dirs(tables_final, maps_final) as (tables_tmp, maps_tmp):
        write_tables(d, tables_tmp)
        flows = flow_lines(d)
        maps.save_map(diagnostic_report.territory_map(d, flows), maps_tmp / "carte.html")
        if flows is not None:
            maps.save_map(diagnostic_report.flows_map(d, flows), maps_tmp / "flux.html")
        diagnostic_report.write(d, maps_tmp / "rapport.html")
    return {"tables": tables_final, "carte": maps_final / "carte.html", "rapport": maps_final / "rapport.html"}
