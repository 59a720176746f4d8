"""Staging of ``@etalab/decoupage-administratif`` tarballs (one per COG vintage).

Only renames and types: each vintage gives communes (current communes and
arrondissements municipaux with their legal population), départements,
régions, EPCI membership, and the *edges* of the COG history found in that
vintage (commune déléguée/associée → chef-lieu, ``anciensCodes`` → commune,
arrondissement → commune, and the INSEE history file of the 2019 package).
Chaining those edges to the current geography is :mod:`pipeline.sources.cog`.
"""

from __future__ import annotations

import gzip
import json
import tarfile
import zlib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.errors import DataError
from pipeline.sources import staged_cache

COMMUNE_COLUMNS = [
    "vintage", "code", "nom", "type", "parent", "departement", "region", "zone",
    "epci", "codes_postaux", "population",
]
EDGE_COLUMNS = ["vintage", "code", "target", "kind", "nom"]
#: Communes of the INSEE history file that ended (``date``: ISO day), to know the geography of a past day.
ENDING_COLUMNS = ["code", "date"]
#: Communes déléguées and associées with their names, those that keep their commune nouvelle's code included
#: (Meyronnes, 04120, in Val d'Oronaye): the names users still write.
FORMER_NAME_COLUMNS = ["code", "nom", "kind", "chef_lieu", "departement"]


@dataclass
class Vintage:
    """Everything staged from one tarball."""

    vintage: int
    communes: pd.DataFrame
    edges: pd.DataFrame
    departements: pd.DataFrame
    regions: pd.DataFrame
    epci: pd.DataFrame
    epci_membres: pd.DataFrame
    #: The communes the package's history file says ended, and when (empty without a history file): a
    #: package's legal populations are established on an earlier geography than its COG (see
    #: :func:`pipeline.sources.cog.population_gaps`).
    endings: pd.DataFrame
    #: Communes déléguées and associées (:data:`FORMER_NAME_COLUMNS`).
    former_names: pd.DataFrame


#: What to do with a damaged tarball: read in place from a mirror, or kept in data/raw/ by a download.
_REMEDY = "recopiez le fichier depuis le miroir ou supprimez-le pour le télécharger à nouveau"


def _read_members(path: Path) -> dict[str, Any]:
    wanted = {"communes.json", "departements.json", "regions.json", "epci.json", "historique-communes.json"}
    raw: dict[str, tuple[str, bytes]] = {}
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                name = member.name.rsplit("/", 1)[-1]
                if member.name.startswith("package/data/") and name in wanted:
                    handle = tar.extractfile(member)
                    if handle is None:
                        continue
                    raw[name] = (member.name, handle.read())
            # The tar's entries end before the gzip trailer: read to it, so that its CRC and length are checked.
            # Without it a tarball with bytes changed in its middle read as « Contenu JSON invalide », without a
            # word of what to do (a review).
            if tar.fileobj is not None:
                while tar.fileobj.read(1 << 20):
                    pass
    except (EOFError, zlib.error, tarfile.ReadError, gzip.BadGzipFile) as exc:
        if isinstance(exc, zlib.error | gzip.BadGzipFile) or (
                isinstance(exc, tarfile.ReadError) and "end of data" not in str(exc)):
            what = "corrompue (contenu compressé altéré)" if isinstance(exc, zlib.error | gzip.BadGzipFile) \
                else "illisible (ce n'est pas une archive .tgz valide)"
            raise DataError(f"Archive du découpage administratif {what} : {_REMEDY}", path) from exc
        raise DataError(
            "Archive du découpage administratif tronquée (fin de fichier inattendue) : copie ou téléchargement "
            f"interrompu ? {_REMEDY[0].upper()}{_REMEDY[1:]}",
            path,
        ) from exc
    except (tarfile.TarError, OSError) as exc:
        raise DataError(
            f"Archive du découpage administratif illisible (ce n'est pas une archive .tgz valide) : {_REMEDY}",
            path,
        ) from exc
    found: dict[str, Any] = {}
    for name, (member_name, data) in raw.items():
        try:
            found[name] = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            where = f"ligne {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else f"octet {exc.start}"
            raise DataError(f"Contenu JSON invalide dans l'archive ({member_name}, {where}) : fichier altéré ? "
                            f"{_REMEDY[0].upper()}{_REMEDY[1:]}", path) from exc
    missing = {"communes.json", "departements.json", "regions.json", "epci.json"} - found.keys()
    if missing:
        raise DataError(
            "Archive incomplète, fichiers absents : " + ", ".join(sorted(missing)), path
        )
    return found


def _history_edges(history: list[dict[str, Any]], vintage: int) -> list[dict[str, Any]]:
    """Edges from the INSEE history file: a commune that ended → its successor."""
    edges = []
    for record in history:
        pole = str(record.get("pole") or "")
        if record.get("type") in {"COMP", "COMD", "COMA"} and pole.startswith("COM-") and record.get("dateDebut"):
            # A commune absorbed into another lives on as its « partie » (COMP), whose pole is the commune it
            # joined: the only record naming many old codes (04002 Ainac, 05043 Les Costes).
            target = pole[4:].split("@", 1)[0]
            if target and target != record.get("code"):
                edges.append({"vintage": vintage, "code": record["code"], "target": target, "kind": "historique",
                              "nom": record.get("nom"), "date": record["dateDebut"]})
            continue
        successor = record.get("successeur")
        if not successor or not record.get("dateFin") or record.get("type") != "COM":
            continue
        kind, _, rest = successor.partition("-")
        target = rest.split("@", 1)[0]
        if target and target != record["code"] and kind in {"COM", "COMD", "COMA", "COMP"}:
            edges.append(
                {"vintage": vintage, "code": record["code"], "target": target,
                 "kind": "historique", "nom": record.get("nom"), "date": record["dateFin"]}
            )
    if not edges:
        return []
    # Keep, per code, the most recent end of life (a code can end several times).
    frame = pd.DataFrame(edges).sort_values("date").drop_duplicates("code", keep="last")
    return frame.drop(columns="date").to_dict("records")


def stage_vintage(path: Path, vintage: int) -> Vintage:
    """Parse one tarball into staging DataFrames (see module docstring)."""
    data = _read_members(path)
    communes = data["communes.json"]
    if not isinstance(communes, list) or not communes:
        raise DataError("communes.json est vide ou n'est pas une liste", path)

    epci_rows = []
    member_rows = []
    epci_of: dict[str, str] = {}  # built from the JSON, not from the frame (iterating Arrow strings is slow)
    for item in data["epci.json"]:
        epci_rows.append(
            {"vintage": vintage, "code": item["code"], "nom": item.get("nom"), "type": item.get("type"),
             "population": item.get("populationMunicipale")}
        )
        for member in item.get("membres", []):
            member_rows.append({"vintage": vintage, "epci": item["code"], "commune": member["code"]})
            epci_of[member["code"]] = item["code"]
    epci = pd.DataFrame(epci_rows, columns=["vintage", "code", "nom", "type", "population"])
    epci_membres = pd.DataFrame(member_rows, columns=["vintage", "epci", "commune"])

    rows: list[tuple[Any, ...]] = []
    edges: list[dict[str, Any]] = []
    former_names: list[tuple[Any, ...]] = []
    problems = []
    for index, item in enumerate(communes):
        code = item.get("code")
        kind = item.get("type")
        if not code or not kind:
            problems.append(f"enregistrement n°{index + 1} sans code ou sans type")
            continue
        if kind in ("commune-actuelle", "arrondissement-municipal"):
            population = item.get("population")
            if population is not None and population < 0:
                problems.append(f"population négative pour {code}")
            rows.append((  # in the order of COMMUNE_COLUMNS: tuples make the frame faster than dicts
                vintage, code, item.get("nom"), kind,
                item.get("commune") if kind == "arrondissement-municipal" else None,
                item.get("departement"), item.get("region"), item.get("zone") or _zone_of(item),
                epci_of.get(code), ",".join(item.get("codesPostaux", [])) or None, population,
            ))
            for old in item.get("anciensCodes", []) or []:
                if old != code:
                    edges.append({"vintage": vintage, "code": old, "target": code, "kind": "ancien", "nom": None})
            if kind == "arrondissement-municipal" and item.get("commune"):
                edges.append(
                    {"vintage": vintage, "code": code, "target": item["commune"], "kind": "arrondissement",
                     "nom": item.get("nom")}
                )
        elif kind in ("commune-deleguee", "commune-associee"):
            target = item.get("chefLieu")
            if not target:
                problems.append(f"{kind} {code} sans chefLieu")
                continue
            former_names.append((code, item.get("nom"), "deleguee" if kind == "commune-deleguee" else "associee",
                                 target, item.get("departement")))
            if target != code:
                edges.append(
                    {"vintage": vintage, "code": code, "target": target,
                     "kind": "deleguee" if kind == "commune-deleguee" else "associee", "nom": item.get("nom")}
                )
    if problems:
        raise DataError("communes.json incohérent : " + "; ".join(problems[:20]), path)
    endings = pd.DataFrame(columns=ENDING_COLUMNS)
    if "historique-communes.json" in data:
        edges.extend(_history_edges(data["historique-communes.json"], vintage))
        endings = pd.DataFrame(
            [(r["code"], r["dateFin"]) for r in data["historique-communes.json"]
             if r.get("type") == "COM" and r.get("code") and r.get("dateFin")], columns=ENDING_COLUMNS)

    frame = pd.DataFrame(rows, columns=COMMUNE_COLUMNS)
    frame["vintage"] = frame["vintage"].astype("int32")
    frame["population"] = frame["population"].astype("Int64")
    duplicated = frame["code"][frame["code"].duplicated()]
    if not duplicated.empty:
        raise DataError(
            "Codes commune en double : " + ", ".join(sorted(set(duplicated))[:20]), path
        )
    departements = pd.DataFrame(
        [{"vintage": vintage, "code": d["code"], "nom": d["nom"], "region": d.get("region")}
         for d in data["departements.json"]]
    )
    regions = pd.DataFrame(
        [{"vintage": vintage, "code": r["code"], "nom": r["nom"]} for r in data["regions.json"]]
    )
    return Vintage(
        vintage=vintage,
        communes=frame,
        edges=pd.DataFrame(edges, columns=EDGE_COLUMNS),
        endings=endings,
        former_names=pd.DataFrame(former_names, columns=FORMER_NAME_COLUMNS).dropna(subset=["nom"]),
        departements=departements,
        regions=regions,
        epci=epci,
        epci_membres=epci_membres,
    )


def staged_vintage(path: Path, vintage: int, sha256: str) -> Vintage:
    """:func:`stage_vintage` through :mod:`pipeline.sources.staged_cache` (``sha256``: the tarball's checksum)."""
    names = [f.name for f in fields(Vintage) if f.name != "vintage"]

    def stage() -> dict[str, pd.DataFrame]:
        parsed = stage_vintage(path, vintage)
        return {name: getattr(parsed, name) for name in names}

    return Vintage(vintage, **staged_cache.staged(f"decoupage-{vintage}", sha256, stage))


def _zone_of(item: dict[str, Any]) -> str:
    """Older vintages have no ``zone``: infer it from the département code."""
    dep = str(item.get("departement") or "")
    if item.get("collectiviteOutremer") or dep.startswith("98") or dep == "975" or dep == "977" or dep == "978":
        return "com"
    if dep.startswith("97"):
        return "drom"
    return "metro"
