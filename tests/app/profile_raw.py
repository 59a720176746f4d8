"""Known answers of the profile sections, read from the raw mirror files without the pipeline.

Every function here parses an upstream file with the standard library (csv,
json, tarfile) or openpyxl, never with :mod:`pipeline`, so that the tests
compare the pipeline with an independent reading of the sources.
"""

from __future__ import annotations

import csv
import json
import re
import tarfile
from functools import cache
from pathlib import Path
from typing import Any

import openpyxl

from tests.conftest import mirror_path

#: Marseille 11e, 12e, 13e: the units of « CPTS Itinéraire Santé » in the PACA listing.
MARSEILLE_11_13 = ["13211", "13212", "13213"]
#: Their postal codes (the Annuaire Santé places Marseille practitioners by postal code).
MARSEILLE_POSTCODES = {"13011": "13211", "13012": "13212", "13013": "13213"}


@cache
def package(version: str, name: str) -> Any:
    """A data file of an Etalab decoupage-administratif package, read from its tarball."""
    path = mirror_path() / "decoupage-administratif" / f"etalab-decoupage-administratif-{version}.tgz"
    with tarfile.open(path) as tar:
        member = tar.extractfile(f"package/data/{name}.json")
        assert member is not None
        return json.load(member)


def populations(version: str) -> dict[str, int]:
    """Population of every commune and arrondissement of a package."""
    return {c["code"]: int(c.get("population") or 0) for c in package(version, "communes")
            if c["type"] in ("commune-actuelle", "arrondissement-municipal")}


def names(version: str) -> dict[str, str]:
    """Name of every commune and arrondissement of a package."""
    return {c["code"]: c["nom"] for c in package(version, "communes")
            if c["type"] in ("commune-actuelle", "arrondissement-municipal")}


def departement_codes(version: str, departement: str) -> list[str]:
    return sorted(c["code"] for c in package(version, "communes")
                  if c["type"] == "commune-actuelle" and c.get("departement") == departement)


def listing_units(cpts: str) -> list[str]:
    with open(mirror_path() / "cpts" / "paca-cpts-communes.csv", encoding="utf-8") as handle:
        return sorted(row["code_insee"] for row in csv.DictReader(handle) if row["cpts"] == cpts)


#: Former communes of the Hautes-Alpes that the PACA listing names beside the commune they are now part of (INSEE,
#: COG history): Montmorin and Sainte-Marie in Valdoule (commune nouvelle, 1 January 2013), Ristolas in
#: Abriès-Ristolas (1 January 2019), Vallouise in Vallouise-Pelvoux (2017), Les Costes and Saint-Eusèbe-en-Champsaur
#: in Saint-Bonnet-en-Champsaur (2013).
MERGED_05 = {"05088": "05024", "05150": "05024", "05120": "05001", "05175": "05101", "05043": "05039",
             "05141": "05039"}


def current_communes(codes: list[str]) -> set[str]:
    """The current communes of listed codes of the Hautes-Alpes (a former commune counts in its current one)."""
    return {MERGED_05.get(code, code) for code in codes}


# --------------------------------------------------------------------------- Filosofi


def _number(text: str) -> float | None:
    return float(text.replace(",", ".")) if text.strip() else None


@cache
def filosofi(level: str = "COM") -> dict[str, dict[str, Any]]:
    """Rows of FILO2019_DISP_<level>.csv by code: counts, median, deciles, share of minima sociaux."""
    path = mirror_path() / "filosofi" / f"FILO2019_DISP_{level}.csv"
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    return {r["CODGEO"]: {"libelle": r["LIBGEO"], "personnes": _number(r["NBPERS19"]), "mediane": _number(r["Q219"]),
                          "d1": _number(r["D119"]), "d9": _number(r["D919"]),
                          "part_minima_sociaux": _number(r["PPMINI19"])} for r in rows}


def weighted(codes: list[str], indicator: str) -> float:
    """Persons-weighted mean of the published values of ``codes`` (the approximation the report labels)."""
    rows = [filosofi()[c] for c in codes if c in filosofi() and filosofi()[c][indicator] is not None]
    return sum(r[indicator] * r["personnes"] for r in rows) / sum(r["personnes"] for r in rows)


# --------------------------------------------------------------------------- DREES APL


@cache
def apl_sheet(year: int) -> list[dict[str, Any]]:
    """Rows of the sheet « APL <year> » of the DREES workbook (header row 9, data from row 11)."""
    book = openpyxl.load_workbook(mirror_path() / "apl" / "drees-apl-medecins-generalistes-2022-2023.xlsx",
                                  read_only=True)
    out = []
    for i, row in enumerate(book[f"APL {year}"].iter_rows(values_only=True)):
        if i < 10 or row[0] is None:
            continue
        out.append({"code": str(row[0]), "apl": row[2], "apl_moins_65": row[3], "std": row[4], "total": row[5]})
    book.close()
    return out


def apl_rows(year: int, codes: list[str]) -> list[dict[str, Any]]:
    wanted = set(codes)
    return [r for r in apl_sheet(year) if r["code"] in wanted]


def apl_weighted(rows: list[dict[str, Any]], column: str) -> float:
    """« L'APL communal doit être pondéré par la population standardisée » (the workbook's note)."""
    usable = [r for r in rows if r[column] is not None]
    return sum(r[column] * r["std"] for r in usable) / sum(r["std"] for r in usable)


def population_under(rows: list[dict[str, Any]], column: str, threshold: float = 2.5) -> float:
    """« Pour comptabiliser la population sous un seuil d'APL […], la population non standardisée doit être
    utilisée » (the workbook's note)."""
    return float(sum(r["total"] for r in rows if r[column] is not None and r[column] < threshold))


# --------------------------------------------------------------------------- INSEE zonings


@cache
def appartenance() -> dict[str, dict[str, str]]:
    with open(mirror_path() / "insee" / "table-appartenance-geographique-2024.csv", encoding="utf-8") as handle:
        return {r["CODGEO"]: r for r in csv.DictReader(handle)}


@cache
def zone_labels() -> dict[tuple[str, str], dict[str, str]]:
    with open(mirror_path() / "insee" / "libelles-zonages-supracommunaux-2024.csv", encoding="utf-8") as handle:
        return {(r["NIVGEO"], r["CODGEO"]): r for r in csv.DictReader(handle)}


def epcis_labelled(label: str) -> dict[str, list[str]]:
    """The EPCI the INSEE labels file names ``label`` (« Communauté de communes des Deux Vallées »), each with the
    départements of its members in the COG 2026 package."""
    members = {e["code"]: e["membres"] for e in package("6.0.0", "epci")}
    return {code: sorted({m["code"][:2] for m in members[code]}) for (level, code), r in zone_labels().items()
            if level == "EPCI" and r["LIBGEO"] == label}


# --------------------------------------------------------------------------- Annuaire Santé files


def extraction_presence(path: Path, communes: set[str], postcodes: dict[str, str] | None = None,
                        city: str | None = None) -> set[str]:
    """National identifiers (« Identification nationale PP ») with an activity in ``communes``.

    With ``city`` and ``postcodes``, activities coded with the whole city's
    code count when their postal code names one of the wanted arrondissements.
    """
    found = set()
    with open(path, encoding="utf-8", newline="") as handle:
        header = handle.readline().rstrip("\n").split("|")
        ident = header.index("Identification nationale PP")
        code = header.index("Code commune (coord. structure)")
        postcode = header.index("Code postal (coord. structure)")
        for line in handle:
            fields = line.rstrip("\n").split("|")
            if fields[code] in communes or (city is not None and postcodes is not None
                                            and fields[code] == city and fields[postcode] in postcodes):
                found.add(fields[ident])
    return found


def demo_extractions(data_dir: Path) -> dict[str, Path]:
    """The demonstration extractions of a data folder, by date (``AAAA-MM-JJ``)."""
    out = {}
    for path in sorted((data_dir / "raw" / "demo").glob("PS_LibreAcces_Personne_activite_*_DEMO.txt")):
        stamp = re.search(r"_(\d{8})\d{4}_DEMO", path.name)
        assert stamp is not None
        day = stamp.group(1)
        out[f"{day[:4]}-{day[4:6]}-{day[6:]}"] = path
    return out
