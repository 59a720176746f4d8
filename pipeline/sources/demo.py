"""Deterministic generator of fictitious supply registries for demos and benchmarks.

Writes, from a table of communes, an Annuaire Santé extraction and a FINESS
extraction in the official layouts (see :mod:`pipeline.sources.rpps` and
:mod:`pipeline.sources.finess`), so that the whole pipeline can run without
the real files. Everything it writes is labelled: file names contain
``DEMO`` and the loaders then record « données fictives de démonstration » in
the provenance notes; practitioners are named « FICTIF DEMO ».

Densities (practitioners per 100 000 inhabitants, all exercise modes) are
rounded national orders of magnitude from DREES, « Démographie des
professionnels de santé » (RPPS/Adeli, 1er janvier 2021-2023,
https://drees.solidarites-sante.gouv.fr): about 339 médecins per 100 000 in
2021 (≈150 généralistes, the rest specialists), about 1 100 infirmiers
(Adeli, which over-counts inactive nurses; 950 is used here), about 150
masseurs-kinésithérapeutes, 110 pharmaciens, 65 chirurgiens-dentistes,
35 sages-femmes. They are inputs of a simulation, not statistics: never
report them as observed figures.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from pyproj import Transformer

from pipeline import nomenclatures
from pipeline.sources import finess as finess_source
from pipeline.sources import rpps as rpps_source

#: Timestamp written in the demo file names (fixed for reproducibility).
DEMO_STAMP = "202601010000"

#: (profession code, label of the group in this table, per 100 000 inhabitants,
#: share libéral, population exponent of the placement weight).
DENSITES: tuple[tuple[str, str, float, float, float], ...] = (
    ("10", "generalistes", 150.0, 0.60, 1.05),
    ("10", "specialistes", 185.0, 0.45, 1.30),
    ("60", "infirmiers", 950.0, 0.20, 1.05),
    ("70", "kines", 150.0, 0.85, 1.05),
    ("21", "pharmaciens", 110.0, 0.40, 1.00),
    ("40", "dentistes", 65.0, 0.85, 1.10),
    ("50", "sages-femmes", 36.0, 0.35, 1.20),
    ("91", "orthophonistes", 39.0, 0.85, 1.10),
    ("92", "orthoptistes", 9.0, 0.70, 1.25),
    ("80", "podologues", 21.0, 0.95, 1.10),
    ("93", "psychologues", 110.0, 0.40, 1.20),
    ("94", "ergotherapeutes", 20.0, 0.15, 1.15),
    ("96", "psychomotriciens", 20.0, 0.30, 1.15),
    ("95", "dieteticiens", 20.0, 0.40, 1.15),
    ("98", "manipulateurs", 55.0, 0.05, 1.30),
)

#: Share of specialists per TRE_R38 code (rounded orders of magnitude).
SPECIALISTES: dict[str, float] = {
    "SM42": 12.0,
    "SM02": 9.0,
    "SM20": 6.0,
    "SM19": 1.0,
    "SM40": 6.0,
    "SM38": 5.5,
    "SM44": 7.0,
    "SM04": 6.0,
    "SM03": 3.0,
    "SM15": 3.0,
    "SM24": 3.0,
    "SM14": 3.0,
    "SM08": 4.0,
    "SM39": 2.5,
    "SM32": 2.5,
    "SM41": 2.5,
    "SM48": 2.0,
    "SM27": 2.0,
    "SM59": 5.0,
    "SM18": 2.0,
    "SM25": 4.0,
    "SM36": 1.5,
    "SM30": 1.5,
    "SM12": 1.5,
    "SM49": 1.0,
    "SM43": 1.0,
}
GENERALISTES: dict[str, float] = {"SM54": 70.0, "SM26": 25.0, "SM53": 5.0}

#: Share of practitioners with a second activity site.
PART_MULTI_SITES = 0.05

#: FINESS establishments per 100 000 inhabitants (orders of magnitude):
#: MSP ≈ 2 500, centres de santé ≈ 2 800, EHPAD ≈ 7 500, SSIAD ≈ 2 100,
#: CMP ≈ 3 000 nationally; one DAC per département.
ETABLISSEMENTS_PAR_100K: tuple[tuple[str, float, float], ...] = (
    ("603", 3.7, 1.0),
    ("124", 4.0, 1.3),
    ("500", 11.0, 1.0),
    ("354", 3.1, 1.0),
    ("156", 4.4, 1.2),
    ("365", 1.5, 1.4),
    ("109", 2.5, 1.2),
)

_DROM_FINESS = {"971": "9A", "972": "9B", "973": "9C", "974": "9D", "975": "9E", "976": "9F"}
_CRS_JETON = {
    "971": ("UTM_N20", 5490),
    "972": ("UTM_N20", 5490),
    "973": ("UTM_N22", 2972),
    "974": ("UTM_S40", 2975),
    "975": ("UTM_N21", 4467),
    "976": ("UTM_S38", 4471),
}


def _check_communes(communes: pd.DataFrame) -> pd.DataFrame:
    needed = ["code", "population", "departement", "lon", "lat"]
    missing = [c for c in needed if c not in communes.columns]
    if missing:
        raise ValueError("Colonnes manquantes dans la table des communes : " + ", ".join(missing))
    frame = communes[needed].copy()
    frame["code"] = frame["code"].astype(str)
    frame["departement"] = frame["departement"].astype(str)
    frame["population"] = pd.to_numeric(frame["population"], errors="coerce").fillna(0).clip(lower=0)
    frame = frame[frame["population"] > 0].sort_values("code").reset_index(drop=True)
    if frame.empty:
        raise ValueError("Aucune commune peuplée : impossible de générer des données de démonstration")
    return frame


def _weights(population: np.ndarray, exponent: float) -> np.ndarray:
    w = np.power(population.astype(float), exponent)
    return w / w.sum()


def _expected_rows(total_population: float) -> float:
    per_100k = sum(d[2] for d in DENSITES)
    return total_population / 100_000 * per_100k * (1 + PART_MULTI_SITES)


def _practitioners(communes: pd.DataFrame, rng: np.random.Generator, scale: float) -> pd.DataFrame:
    pop = communes["population"].to_numpy()
    total = pop.sum()
    blocks = []
    for code, kind, density, liberal, exponent in DENSITES:
        n = round(total / 100_000 * density * scale)
        if n == 0:
            continue
        site = rng.choice(len(communes), size=n, p=_weights(pop, exponent))
        liberal_draw = rng.random(n) < liberal
        block = pd.DataFrame({"profession": code, "kind": kind, "site": site, "liberal": liberal_draw})
        if kind == "generalistes":
            table = GENERALISTES
        elif kind == "specialistes":
            table = SPECIALISTES
        else:
            table = {}
        if table:
            codes = np.array(list(table))
            shares = np.array(list(table.values()))
            block["sf"] = codes[rng.choice(len(codes), size=n, p=shares / shares.sum())]
        else:
            block["sf"] = ""
        blocks.append(block)
    people = pd.concat(blocks, ignore_index=True)
    people["person"] = np.arange(len(people))
    return people


def _activity_rows(communes: pd.DataFrame, people: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    multi = rng.random(len(people)) < PART_MULTI_SITES
    second = people[multi].copy()
    deps = communes["departement"].to_numpy()
    pop = communes["population"].to_numpy()
    second_site = np.empty(len(second), dtype=np.int64)
    second_deps = deps[second["site"].to_numpy()]
    for dep in np.unique(second_deps):
        idx = np.flatnonzero(deps == dep)
        rows = np.flatnonzero(second_deps == dep)
        second_site[rows] = idx[rng.choice(len(idx), size=len(rows), p=_weights(pop[idx], 1.2))]
    second["site"] = second_site
    rows = pd.concat([people, second], ignore_index=True).sort_values(["person", "site"], kind="stable")
    rows = rows.reset_index(drop=True)
    n = len(rows)
    prof = rows["profession"].to_numpy()
    liberal = rows["liberal"].to_numpy()
    mode = np.where(liberal, "L", "S")
    volunteer = rng.random(n) < 0.005
    mode = np.where(volunteer, "B", mode)
    u = rng.random(n)
    cabinet = np.select([u < 0.45, u < 0.80, u < 0.90], ["SA07", "SA08", "SA09"], "SA52")
    salarie = np.select(
        [u < 0.55, u < 0.70, u < 0.78, u < 0.86, u < 0.96], ["SA01", "SA04", "SA03", "SA05", "SA17"], "SA16"
    )
    secteur = np.where(mode == "L", cabinet, salarie)
    pharma = prof == "21"
    secteur = np.where(pharma & (mode == "L"), "SA33", secteur)
    secteur = np.where(pharma & (mode != "L"), np.where(u < 0.7, "SA33", "SA01"), secteur)
    rows["mode"] = mode
    rows["secteur"] = secteur
    section = np.where(pharma, np.where(rng.random(n) < 0.09, "G", np.where(mode == "L", "A", "D")), "")
    rows["section"] = section
    return rows


def _write_annuaire(communes: pd.DataFrame, rows: pd.DataFrame, out_dir: Path) -> tuple[Path, Path]:
    prof = nomenclatures.professions().set_index("code")["libelle"]
    spec = nomenclatures.specialites().set_index("code")["libelle"]
    modes = nomenclatures.modes_exercice().set_index("code")["libelle"]
    secteurs = nomenclatures.secteurs_activite().set_index("code")["libelle"]
    site = rows["site"].to_numpy()
    rpps_professions = {"10", "21", "40", "50", "60", "70", "80"}
    is_rpps = rows["profession"].isin(rpps_professions).to_numpy()
    person = rows["person"].to_numpy()
    ident = np.where(is_rpps, person + 10_000_000_000, person + 100_000_000).astype(str)
    frame = pd.DataFrame(
        {
            "idx": np.arange(len(rows)),
            "type_id": np.where(is_rpps, "8", "0"),
            "ident": ident,
            "idnat": np.where(is_rpps, "8", "0") + ident,
            "prof": rows["profession"].to_numpy(),
            "prof_lib": rows["profession"].map(prof).fillna("").to_numpy(),
            "sf_type": np.where(rows["sf"].to_numpy() != "", "S", ""),
            "sf_type_lib": np.where(rows["sf"].to_numpy() != "", "Spécialité ordinale", ""),
            "sf": rows["sf"].to_numpy(),
            "sf_lib": rows["sf"].map(spec).fillna("").to_numpy(),
            "mode": rows["mode"].to_numpy(),
            "mode_lib": rows["mode"].map(modes).fillna("").to_numpy(),
            "structure": "DEMO" + pd.Series(site).astype(str).str.zfill(6).to_numpy() + rows["secteur"].to_numpy(),
            "commune": communes["code"].to_numpy()[site],
            "dep": communes["departement"].to_numpy()[site],
            "secteur": rows["secteur"].to_numpy(),
            "secteur_lib": rows["secteur"].map(secteurs).fillna("").to_numpy(),
            "section": rows["section"].to_numpy(),
        }
    )
    frame["cp"] = np.where(
        frame["commune"].str.startswith("2A") | frame["commune"].str.startswith("2B"),
        "20" + frame["commune"].str[2:],
        frame["commune"],
    )
    values = {
        "Type d'identifiant PP": "type_id",
        "Identifiant PP": "ident",
        "Identification nationale PP": "idnat",
        "Nom d'exercice": "'FICTIF'",
        "Prénom d'exercice": "'DEMO'",
        "Code profession": "prof",
        "Libellé profession": "prof_lib",
        "Code catégorie professionnelle": "'C'",
        "Libellé catégorie professionnelle": "'Civil'",
        "Code type savoir-faire": "sf_type",
        "Libellé type savoir-faire": "sf_type_lib",
        "Code savoir-faire": "sf",
        "Libellé savoir-faire": "sf_lib",
        "Code mode exercice": "mode",
        "Libellé mode exercice": "mode_lib",
        "Identifiant technique de la structure": "structure",
        "Raison sociale site": "'STRUCTURE FICTIVE DE DEMONSTRATION'",
        "Code postal (coord. structure)": "cp",
        "Code commune (coord. structure)": "commune",
        "Code pays (coord. structure)": "'99000'",
        "Libellé pays (coord. structure)": "'France'",
        "Code Département (structure)": "dep",
        "Code secteur d'activité": "secteur",
        "Libellé secteur d'activité": "secteur_lib",
        "Code section tableau pharmaciens": "section",
    }
    select = ", ".join(values.get(col, "''") for col in rpps_source.COLONNES_ACTIVITE) + ", ''"
    target = out_dir / f"PS_LibreAcces_Personne_activite_{DEMO_STAMP}_DEMO.txt"
    body = out_dir / (target.name + ".body")
    con = duckdb.connect()
    try:
        con.register("demo_rows", frame)
        con.execute(
            f"COPY (SELECT {select} FROM demo_rows ORDER BY idx) TO '{body}' "
            "(HEADER false, DELIMITER '|', QUOTE '', ESCAPE '', NULLSTR '')"
        )
        medecins = frame[frame["prof"] == "10"].drop_duplicates("idnat")
        con.register("demo_sf", medecins)
        sf_target = out_dir / f"PS_LibreAcces_SavoirFaire_{DEMO_STAMP}_DEMO.txt"
        sf_body = out_dir / (sf_target.name + ".body")
        # The savoir-faire file repeats the practitioner's identification columns of the activity file.
        sf_select = ", ".join(values[c] for c in rpps_source.COLONNES_SAVOIR_FAIRE) + ", ''"
        con.execute(
            f"COPY (SELECT {sf_select} FROM demo_sf ORDER BY idx) TO '{sf_body}' "
            "(HEADER false, DELIMITER '|', QUOTE '', ESCAPE '', NULLSTR '')"
        )
    finally:
        con.close()
    for final, part, columns in (
        (target, body, rpps_source.COLONNES_ACTIVITE),
        (sf_target, sf_body, rpps_source.COLONNES_SAVOIR_FAIRE),
    ):
        with open(final, "wb") as dst:
            dst.write(("|".join(columns) + "|\n").encode("utf-8"))
            with open(part, "rb") as src:
                shutil.copyfileobj(src, dst, 8 << 20)
        part.unlink()
    return target, sf_target


def _finess_rows(communes: pd.DataFrame, rng: np.random.Generator) -> list[dict[str, Any]]:
    cats = nomenclatures.finess_categories().set_index("code")["libelle"]
    pop = communes["population"].to_numpy()
    total = pop.sum()
    chosen: list[tuple[str, int]] = []
    for code, density, exponent in ETABLISSEMENTS_PAR_100K:
        n = max(1, round(total / 100_000 * density))
        for site in rng.choice(len(communes), size=n, p=_weights(pop, exponent)):
            chosen.append((code, int(site)))
    # One centre hospitalier in the largest commune of each département, a CHR
    # in communes above 150 000 inhabitants, one DAC per département.
    for _dep, group in communes.groupby("departement", sort=True):
        biggest = int(group["population"].idxmax())
        chosen.append(("355", biggest))
        chosen.append(("606", biggest))
    for index in communes.index[communes["population"] >= 150_000]:
        chosen.append(("101", int(index)))
    records = []
    for number, (code, site) in enumerate(chosen, start=1):
        commune = communes.iloc[site]
        records.append(
            {
                "code": code,
                "libelle": cats.get(code, ""),
                "commune": str(commune["code"]),
                "departement": str(commune["departement"]),
                "lon": float(commune["lon"]) + rng.uniform(-0.01, 0.01),
                "lat": float(commune["lat"]) + rng.uniform(-0.01, 0.01),
                "numero": number,
                "public": code in {"355", "101", "156"},
            }
        )
    return records


def _write_finess(communes: pd.DataFrame, rng: np.random.Generator, out_dir: Path) -> Path:
    records = _finess_rows(communes, rng)
    target = out_dir / f"etalab-cs1100507-stock-{DEMO_STAMP[:8]}-{DEMO_STAMP[8:]}-DEMO.csv"
    transformers: dict[int, Transformer] = {}
    with open(target, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        handle.write(f"finess;etalab;0;{DEMO_STAMP[:4]}-{DEMO_STAMP[4:6]}-{DEMO_STAMP[6:8]}\n")
        geo_lines = []
        for rec in records:
            commune = str(rec["commune"])
            prefix3 = commune[:3]
            if prefix3 in _DROM_FINESS:
                dep_finess = _DROM_FINESS[prefix3]
                jeton, epsg = _CRS_JETON[prefix3]
            else:
                dep_finess = str(rec["departement"])
                jeton, epsg = "L93_METROPOLE", 2154
            # FINESS numbers start with the département (« 97 » overseas, 2A/2B in Corsica).
            prefix = "97" if prefix3 in _DROM_FINESS else str(rec["departement"])[:2]
            nofinesset = f"{prefix}{rec['numero']:07d}"
            nofinessej = f"{prefix}{rec['numero'] + 5_000_000:07d}"
            sph_code, sph_lib = ("1", "Etablissement public de santé") if rec["public"] else ("0", "Non concerné")
            nom = f"{rec['libelle']} FICTIF DEMO {rec['numero']}".upper()
            fields = {name: "" for name in finess_source.CHAMPS_STRUCTUREET}
            fields.update(
                {
                    "nofinesset": nofinesset,
                    "nofinessej": nofinessej,
                    "rs": nom[:38],
                    "rslongue": nom,
                    "numvoie": str(rec["numero"] % 90 + 1),
                    "typvoie": "R",
                    "voie": "DE LA DEMONSTRATION",
                    "commune": commune[-3:],
                    "departement": dep_finess,
                    "libdepartement": "",
                    "ligneacheminement": f"{commune} COMMUNE FICTIVE",
                    "categetab": str(rec["code"]),
                    "libcategetab": str(rec["libelle"]),
                    "codesph": sph_code,
                    "libsph": sph_lib,
                    "dateouv": "2020-01-01",
                    "dateautor": "2020-01-01",
                    "datemaj": "2025-12-31",
                }
            )
            writer.writerow(["structureet", *[fields[n] for n in finess_source.CHAMPS_STRUCTUREET]])
            if epsg not in transformers:
                transformers[epsg] = Transformer.from_crs(4326, epsg, always_xy=True)
            x, y = transformers[epsg].transform(rec["lon"], rec["lat"])
            geo_lines.append(
                ["geolocalisation", nofinesset, f"{x:.1f}", f"{y:.1f}", f"1,ATLASANTE,100,DEMO,{jeton}", "2025-12-31"]
            )
        writer.writerows(geo_lines)
    return target


def write_demo_extractions(
    communes: pd.DataFrame, out_dir: Path, seed: int = 2026, rows_target: int | None = None
) -> dict[str, Path]:
    """Write fictitious Annuaire Santé and FINESS extractions in the official layouts.

    Parameters
    ----------
    communes
        One row per commune with ``code``, ``population``, ``departement``,
        ``lon``, ``lat`` (WGS84).
    out_dir
        Destination folder (created).
    seed
        Seed of the random generator: same inputs and seed give byte-identical files.
    rows_target
        Approximate number of activity rows wanted (the benchmark asks for
        2 000 000); by default the national densities of :data:`DENSITES`.

    Returns
    -------
    dict
        ``{"annuaire": ..., "savoir_faire": ..., "finess": ...}`` paths. File
        names contain ``DEMO``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    frame = _check_communes(communes)
    rng = np.random.default_rng(seed)
    scale = 1.0
    if rows_target is not None:
        scale = rows_target / max(_expected_rows(float(frame["population"].sum())), 1.0)
    people = _practitioners(frame, rng, scale)
    rows = _activity_rows(frame, people, rng)
    annuaire, savoir_faire = _write_annuaire(frame, rows, out_dir)
    finess = _write_finess(frame, np.random.default_rng(seed + 1), out_dir)
    return {"annuaire": annuaire, "savoir_faire": savoir_faire, "finess": finess}
