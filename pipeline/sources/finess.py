"""FINESS establishments extraction (Etalab ``etalab-cs1100507-stock-*.csv``).

Layout (data.gouv.fr, « FINESS Extraction du Fichier des établissements »,
geolocated stock file), ``;``-separated, values quoted with ``"`` only when
needed:

* first line: ``finess;etalab;<version>;<AAAA-MM-JJ>`` (extraction date);
* ``structureet`` records: the type then the 31 fields of
  :data:`CHAMPS_STRUCTUREET` (``numuai`` may be empty);
* ``geolocalisation`` records: the type then :data:`CHAMPS_GEOLOCALISATION`.

``commune`` holds the last three characters of the INSEE code and
``departement`` the département, written ``9A``..``9F`` overseas
(Guadeloupe 971 … Mayotte 976) and ``9J`` etc. for the collectivités 98x:
the INSEE code is ``departement + commune`` in metropolitan France (incl.
2A/2B) and ``97``/``98`` + ``commune`` overseas.

Coordinates: ``sourcecoordet`` ends with the projection, ``LAMBERT_93`` or
``L93_METROPOLE`` for metropolitan France (EPSG:2154) and ``UTM_N20``
(Guadeloupe, Martinique: RGAF09 / UTM 20N, EPSG:5490), ``UTM_N21``
(Saint-Pierre-et-Miquelon: RGSPM06 / UTM 21N, EPSG:4467), ``UTM_N22``
(Guyane: RGFG95 / UTM 22N, EPSG:2972), ``UTM_S40`` (La Réunion: RGR92 /
UTM 40S, EPSG:2975), ``UTM_S38`` (Mayotte: RGM04 / UTM 38S, EPSG:4471)
overseas; when the token is missing or unknown the département decides.
These local frames coincide with WGS84 to well under a metre.

Emergency services (« service d'urgences ») are *not* in this extraction:
FINESS publishes activity authorisations in other files; this module does
not pretend otherwise and classifies establishments by category only.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from pyproj import Transformer

from pipeline import nomenclatures
from pipeline.errors import DataError, PipelineError
from pipeline.sources.rpps import DEMO_NOTE, materialize, sha256_file, vintage_from_name
from pipeline.store.connection import transaction
from pipeline.store.load import Provenance, record_source

SOURCE_NAME = "finess"

#: Fields of a ``structureet`` record after the record type, in order.
CHAMPS_STRUCTUREET: tuple[str, ...] = (
    "nofinesset", "nofinessej", "rs", "rslongue", "complrs", "compldistrib", "numvoie", "typvoie",
    "voie", "compvoie", "lieuditbp", "commune", "departement", "libdepartement", "ligneacheminement",
    "telephone", "telecopie", "categetab", "libcategetab", "categagretab", "libcategagretab", "siret",
    "codeape", "codemft", "libmft", "codesph", "libsph", "dateouv", "dateautor", "datemaj", "numuai",
)  # fmt: skip

#: Fields of a ``geolocalisation`` record after the record type, in order.
CHAMPS_GEOLOCALISATION: tuple[str, ...] = ("nofinesset", "coordxet", "coordyet", "sourcecoordet", "datemaj")

#: Projection token at the end of ``sourcecoordet`` -> EPSG code.
EPSG_PAR_JETON: dict[str, int] = {
    "LAMBERT_93": 2154,
    "L93_METROPOLE": 2154,
    "UTM_N20": 5490,
    "UTM_N21": 4467,
    "UTM_N22": 2972,
    "UTM_S38": 4471,
    "UTM_S40": 2975,
}
#: UTM zone -> EPSG of the official local frame, for tokens written differently.
_EPSG_PAR_ZONE = {20: 5490, 21: 4467, 22: 2972, 38: 4471, 40: 2975}
#: FINESS département code overseas -> (INSEE prefix, EPSG of its local frame).
DEPARTEMENTS_OUTRE_MER: dict[str, tuple[str, int | None]] = {
    "9A": ("971", 5490),
    "9B": ("972", 5490),
    "9C": ("973", 2972),
    "9D": ("974", 2975),
    "9E": ("975", 4467),
    "9F": ("976", 4471),
}

_MIN_STRUCTUREET = len(CHAMPS_STRUCTUREET)  # fields after the type, numuai included
_CODES_HOPITAL_PUBLIC_SPH = {"1"}


def insee_code(departement: str, commune: str) -> str | None:
    """INSEE commune code from the FINESS ``departement`` and ``commune`` fields.

    Examples
    --------
    >>> insee_code("01", "451"), insee_code("2A", "004"), insee_code("9D", "411"), insee_code("9J", "613")
    ('01451', '2A004', '97411', '98613')
    """
    dep = (departement or "").strip().upper()
    com = (commune or "").strip()
    if not dep or not com:
        return None
    com = com.zfill(3)[-3:]
    if dep.startswith("9") and len(dep) == 2 and dep[1].isalpha():
        # 9A..9F: DROM (971..976, "97" + 3 digits); 9G and beyond: COM 98x.
        return ("97" if dep[1] <= "F" else "98") + com
    return dep.zfill(2)[-2:] + com


def epsg_for(sourcecoordet: str | None, departement: str | None) -> tuple[int | None, bool]:
    """EPSG of a geolocation record, and whether the token itself told it."""
    token = (sourcecoordet or "").strip().rsplit(",", 1)[-1].strip().upper()
    if token in EPSG_PAR_JETON:
        return EPSG_PAR_JETON[token], True
    if "L93" in token or "LAMBERT" in token:
        return 2154, True
    match = re.search(r"UTM_?[NS]?_?(\d{2})", token)
    if match and int(match.group(1)) in _EPSG_PAR_ZONE:
        return _EPSG_PAR_ZONE[int(match.group(1))], True
    dep = (departement or "").strip().upper()
    if dep in DEPARTEMENTS_OUTRE_MER:
        return DEPARTEMENTS_OUTRE_MER[dep][1], False
    if dep and not dep.startswith("9"):
        return 2154, False
    return None, False


def to_wgs84(x: np.ndarray, y: np.ndarray, epsg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project coordinates to WGS84 longitude/latitude, one transformer per EPSG."""
    lon = np.full(len(x), np.nan)
    lat = np.full(len(x), np.nan)
    for code in pd.unique(epsg[~pd.isna(epsg)]):
        mask = (epsg == code) & ~np.isnan(x) & ~np.isnan(y)
        if mask.any():
            transformer = Transformer.from_crs(int(code), 4326, always_xy=True)
            lon[mask], lat[mask] = transformer.transform(x[mask], y[mask])
    return lon, lat


@dataclass
class FinessLoadReport:
    """Outcome of :func:`load_finess`."""

    path: Path
    vintage: str
    sha256: str
    etablissements: int
    geolocalises: int
    groupes: dict[str, int]
    unmapped_communes: dict[str, int]
    demo: bool
    elapsed_s: float
    anomalies: pd.DataFrame = field(repr=False)

    def summary_fr(self) -> str:
        text = f"FINESS {self.vintage} : {self.etablissements} établissements, dont {self.geolocalises} géolocalisés."
        if self.unmapped_communes:
            text += f" {sum(self.unmapped_communes.values())} établissements dans une commune inconnue du COG."
        if self.demo:
            text += f" ({DEMO_NOTE})"
        return text


def _decode(raw: bytes, encoding: str, shown: Path) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            f"Le fichier n'est pas encodé en {encoding.upper()} (octets invalides, fichier enregistré en "
            "Latin-1/Windows-1252 ?) : réenregistrez-le en UTF-8 ou indiquez encoding='latin-1'",
            shown,
            line,
        ) from exc


def parse_finess(path: Path, shown: Path, encoding: str = "utf-8") -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Parse the extraction into structure and geolocation frames.

    Returns
    -------
    tuple
        ``(structures, geoloc, meta)``; frames hold the raw fields as strings
        plus ``ligne`` (1-based line of the record); ``meta`` has the header
        fields and the counts of unknown record types.
    """
    text = _decode(Path(path).read_bytes(), encoding, shown).lstrip("\ufeff")
    first = text.split("\n", 1)[0].rstrip("\r")
    if not first.strip():
        raise DataError("Le fichier est vide", shown, 1)
    if ";" not in first:
        raise DataError(
            f"Une seule colonne lue en ligne 1 : le séparateur attendu est « ; » (ligne lue : « {first[:80]} »)",
            shown,
            1,
        )
    reader = csv.reader(io.StringIO(text), delimiter=";", quotechar='"')
    structures: list[list[str]] = []
    geoloc: list[list[str]] = []
    meta: dict[str, object] = {"entete": None, "types_inconnus": {}}
    unknown: dict[str, int] = {}
    start = reader.line_num
    for row in reader:
        line = start + 1
        start = reader.line_num
        if not row or not any(cell.strip() for cell in row):
            continue
        kind = row[0].strip().lower()
        if line == 1 and kind == "finess":
            meta["entete"] = row
            continue
        if kind == "structureet":
            if len(row) - 1 < _MIN_STRUCTUREET - 1:
                missing = CHAMPS_STRUCTUREET[len(row) - 1 :]
                raise DataError(
                    "Enregistrement « structureet » incomplet : champs absents "
                    + ", ".join(f"« {m} »" for m in missing)
                    + f" ({len(row) - 1} champs lus sur {_MIN_STRUCTUREET})",
                    shown,
                    line,
                )
            values = [cell.strip() for cell in row[1 : _MIN_STRUCTUREET + 1]]
            values += [""] * (_MIN_STRUCTUREET - len(values))
            structures.append([*values, str(line)])
        elif kind == "geolocalisation":
            if len(row) - 1 < 3:
                missing = CHAMPS_GEOLOCALISATION[len(row) - 1 :]
                raise DataError(
                    "Enregistrement « geolocalisation » incomplet : champs absents "
                    + ", ".join(f"« {m} »" for m in missing),
                    shown,
                    line,
                )
            values = [cell.strip() for cell in row[1 : len(CHAMPS_GEOLOCALISATION) + 1]]
            values += [""] * (len(CHAMPS_GEOLOCALISATION) - len(values))
            geoloc.append([*values, str(line)])
        elif line == 1:
            raise DataError(f"En-tête « finess;etalab;… » absent : la ligne 1 commence par « {row[0][:40]} »", shown, 1)
        else:
            unknown[kind] = unknown.get(kind, 0) + 1
    if not structures:
        raise DataError("Aucun enregistrement « structureet » dans le fichier", shown, max(start, 2))
    meta["types_inconnus"] = unknown
    s_frame = pd.DataFrame(structures, columns=[*CHAMPS_STRUCTUREET, "ligne"])
    g_frame = pd.DataFrame(geoloc, columns=[*CHAMPS_GEOLOCALISATION, "ligne"])
    for frame in (s_frame, g_frame):
        frame["ligne"] = frame["ligne"].astype("int64")
    return s_frame, g_frame, meta


def _number(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series.str.replace(",", ".", regex=False), errors="coerce").to_numpy(dtype=float)


def build_etablissements(structures: pd.DataFrame, geoloc: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Classify, locate and project; returns the table and anomaly rows."""
    cats = nomenclatures.finess_categories().set_index("code")
    frame = structures.copy()
    frame["commune_source"] = [insee_code(d, c) for d, c in zip(frame["departement"], frame["commune"], strict=True)]
    groupe = frame["categetab"].map(cats["groupe"]).fillna("Autre")
    hopital = groupe == "Hôpital"
    public = frame["codesph"].isin(_CODES_HOPITAL_PUBLIC_SPH)
    groupe = groupe.mask(hopital & public, "Hôpital public").mask(hopital & ~public, "Hôpital privé")
    frame["groupe"] = groupe
    frame["categorie_libelle"] = frame["libcategetab"].where(
        frame["libcategetab"] != "", frame["categetab"].map(cats["libelle"])
    )
    geo = geoloc.drop_duplicates("nofinesset", keep="last").set_index("nofinesset")
    frame["x"] = _number(frame["nofinesset"].map(geo["coordxet"]).fillna(""))
    frame["y"] = _number(frame["nofinesset"].map(geo["coordyet"]).fillna(""))
    frame["source_coord"] = frame["nofinesset"].map(geo["sourcecoordet"])
    epsg_told = [epsg_for(s, d) for s, d in zip(frame["source_coord"].fillna(""), frame["departement"], strict=True)]
    frame["epsg"] = pd.array([e for e, _ in epsg_told], dtype="Int64")
    has_xy = ~np.isnan(frame["x"].to_numpy()) & ~np.isnan(frame["y"].to_numpy())
    epsg_values = frame["epsg"].to_numpy(dtype=float, na_value=np.nan)
    lon, lat = to_wgs84(frame["x"].to_numpy(), frame["y"].to_numpy(), epsg_values)
    frame["lon"], frame["lat"] = lon, lat
    parts = [frame[c] for c in ("numvoie", "typvoie", "voie", "lieuditbp", "ligneacheminement")]
    frame["adresse"] = [" ".join(p for p in values if p).strip() or None for values in zip(*parts, strict=True)]
    anomalies: list[dict] = []
    no_xy = frame[~has_xy]
    if len(no_xy):
        anomalies.append(
            {
                "type": "sans_coordonnees",
                "code": None,
                "nb_lignes": len(no_xy),
                "premiere_ligne": int(no_xy["ligne"].min()),
                "message": "Établissement sans géolocalisation : lon/lat vides",
            }
        )
    guessed = frame[has_xy & np.array([not told for _, told in epsg_told])]
    if len(guessed):
        anomalies.append(
            {
                "type": "projection_deduite",
                "code": None,
                "nb_lignes": len(guessed),
                "premiere_ligne": int(guessed["ligne"].min()),
                "message": "Projection absente de « sourcecoordet » : déduite du département",
            }
        )
    orphans = geoloc[~geoloc["nofinesset"].isin(frame["nofinesset"])]
    if len(orphans):
        anomalies.append(
            {
                "type": "geolocalisation_orpheline",
                "code": None,
                "nb_lignes": len(orphans),
                "premiere_ligne": int(orphans["ligne"].min()),
                "message": "Géolocalisation d'un établissement absent des enregistrements « structureet »",
            }
        )
    out = pd.DataFrame(
        {
            "finess": frame["nofinesset"],
            "finess_ej": frame["nofinessej"].replace("", None),
            "nom": frame["rslongue"].where(frame["rslongue"] != "", frame["rs"]),
            "categorie_code": frame["categetab"],
            "categorie_libelle": frame["categorie_libelle"],
            "categorie_agregat_code": frame["categagretab"].replace("", None),
            "categorie_agregat_libelle": frame["libcategagretab"].replace("", None),
            "groupe": frame["groupe"],
            "statut_sph": frame["libsph"].replace("", None),
            "departement": frame["departement"],
            "commune_source": frame["commune_source"],
            "adresse": frame["adresse"],
            "lon": frame["lon"],
            "lat": frame["lat"],
            "x": frame["x"],
            "y": frame["y"],
            "epsg": frame["epsg"],
            "source_coord": frame["source_coord"],
            "date_ouverture": frame["dateouv"].replace("", None),
            "ligne": frame["ligne"],
        }
    )
    return out, anomalies


def load_finess(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    vintage: str | None = None,
    demo: bool | None = None,
    encoding: str = "utf-8",
) -> FinessLoadReport:
    """Load a FINESS geolocated stock extraction into ``etablissements`` and ``finess_anomalies``.

    Parameters
    ----------
    con
        Read-write DuckDB connection holding ``cog_mapping``.
    path
        ``etalab-cs1100507-stock-*.csv`` or a zip containing it.
    vintage
        Extraction date; by default the date of the header line or file name.
    demo
        Mark as fictitious demo data; by default True when the name contains ``DEMO``.
    encoding
        Text encoding (UTF-8 by default; pass ``"latin-1"`` for old extractions).

    Raises
    ------
    DataError
        Empty file, wrong separator, bad encoding, truncated zip, incomplete
        records — naming file and line; the database is left unchanged.
    """
    started = time.perf_counter()
    path = Path(path)
    rows = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'cog_mapping'").fetchall()
    if not rows or not rows[0][0]:
        raise PipelineError(
            "La table « cog_mapping » est absente : chargez d'abord le COG (« make data ») avant FINESS."
        )
    if demo is None:
        demo = "demo" in path.name.lower()
    with tempfile.TemporaryDirectory(prefix="cpts-finess-") as tmp:
        text_path, member = materialize(path, "etalab-cs1100507", Path(tmp))
        shown = path if member is None else Path(f"{path}!{member}")
        structures, geoloc, meta = parse_finess(text_path, shown, encoding)
    etab, anomalies = build_etablissements(structures, geoloc)
    header = meta.get("entete") or []
    header_date = header[3] if isinstance(header, list) and len(header) > 3 else ""
    vintage = vintage or (header_date if re.fullmatch(r"\d{4}-\d{2}-\d{2}", header_date) else None)
    vintage = vintage or vintage_from_name(member or path.name) or "inconnu"
    digest = sha256_file(path)
    unknown_types: dict[str, int] = meta["types_inconnus"]
    for kind, count in unknown_types.items():
        anomalies.append(
            {
                "type": "type_enregistrement_inconnu",
                "code": kind,
                "nb_lignes": count,
                "premiere_ligne": None,
                "message": "Type d'enregistrement ignoré (ni « structureet » ni « geolocalisation »)",
            }
        )
    anomalies_frame = pd.DataFrame(
        anomalies, columns=["type", "code", "nb_lignes", "premiere_ligne", "message"]
    ).astype({"code": "object", "premiere_ligne": "Int64"})
    anomalies_frame["fichier"] = str(shown)
    con.register("_finess_in", etab)
    con.register("_finess_anom", anomalies_frame)
    try:
        with transaction(con):
            con.execute(
                """
                CREATE OR REPLACE TABLE etablissements AS
                WITH cog AS (SELECT code, min(current_code) AS current_code FROM cog_mapping GROUP BY code)
                SELECT e.finess, e.finess_ej, e.nom, e.categorie_code, e.categorie_libelle,
                       e.categorie_agregat_code, e.categorie_agregat_libelle, e.groupe, e.statut_sph,
                       e.departement, e.commune_source, c.current_code AS commune, e.adresse,
                       e.lon, e.lat, e.x, e.y, CAST(e.epsg AS INTEGER) AS epsg, e.source_coord,
                       e.date_ouverture, e.ligne
                FROM _finess_in e LEFT JOIN cog c ON c.code = e.commune_source
                ORDER BY e.ligne
                """
            )
            con.execute(
                """
                CREATE OR REPLACE TABLE finess_anomalies AS
                SELECT type, code, CAST(nb_lignes AS BIGINT) AS nb_lignes,
                       CAST(premiere_ligne AS BIGINT) AS premiere_ligne, message, fichier
                FROM _finess_anom
                UNION ALL
                SELECT 'commune_inconnue', commune_source, count(*), min(ligne),
                       'Code commune inconnu du COG (table cog_mapping)', ?
                FROM etablissements WHERE commune IS NULL GROUP BY commune_source
                """,
                [str(shown)],
            )
            notes = f"{len(etab)} établissements"
            if demo:
                notes = f"{DEMO_NOTE} ; " + notes
            record_source(con, Provenance(
                source=SOURCE_NAME, vintage=vintage, origin=str(path), sha256=digest,
                row_count=len(etab), notes=notes, demo=bool(demo),
            ))  # fmt: skip
    finally:
        con.unregister("_finess_in")
        con.unregister("_finess_anom")
    table = con.execute("SELECT * FROM finess_anomalies ORDER BY type, code").df()
    unmapped = table[table["type"] == "commune_inconnue"]
    groups = con.execute("SELECT groupe, count(*) FROM etablissements GROUP BY groupe ORDER BY groupe").fetchall()
    return FinessLoadReport(
        path=path,
        vintage=vintage,
        sha256=digest,
        etablissements=len(etab),
        geolocalises=int(etab["lon"].notna().sum()),
        groupes={str(g): int(n) for g, n in groups},
        unmapped_communes={str(c): int(n) for c, n in zip(unmapped["code"], unmapped["nb_lignes"], strict=True)},
        demo=bool(demo),
        elapsed_s=time.perf_counter() - started,
        anomalies=table,
    )
