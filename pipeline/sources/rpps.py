"""Annuaire Santé (RPPS / ex-ADELI) public extraction: download, validate, load.

The Agence du Numérique en Santé publishes every day a zip of pipe-separated
UTF-8 text files ("extraction PS_LibreAcces", Licence Ouverte 2.0):

``PS_LibreAcces_Personne_activite_<AAAAMMJJhhmm>.txt``
    one row per practitioner × activity (a practitioner working on two sites
    has two rows), with a header line. Values are not quoted.
``PS_LibreAcces_SavoirFaire_<AAAAMMJJhhmm>.txt``
    one row per practitioner × savoir-faire (ordinal specialties ``S``,
    compétences ``C``...), joined on « Identification nationale PP ».
``PS_LibreAcces_Dipl_AutExerc_<AAAAMMJJhhmm>.txt``
    diplomas (not used here).

Column layout (:data:`COLONNES_ACTIVITE`): 56 columns, in this order, as
listed in the ANS extraction and cross-checked against two independent
public parsers of the file (column positions 1-3, 8-11, 17, 25, 33, 36, 38,
41 and 44 agree); older extractions stop after « Libellé section tableau
pharmaciens » (52 columns) and every line ends with a trailing ``|``. Only
the columns in :data:`COLONNES_REQUISES` are required, so both layouts load.

Download URL: :data:`RPPS_EXTRACTION_URL`, the ANS web service that the
annuaire.sante.fr « extractions publiques » page links to.

Nomenclatures (see :mod:`pipeline.nomenclatures`): profession TRE_G15,
specialty TRE_R38, mode d'exercice TRE_R23, secteur d'activité TRE_R02.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import struct
import tempfile
import time
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import requests

from pipeline import nomenclatures
from pipeline.errors import DataError, DownloadError, PipelineError
from pipeline.store.connection import transaction
from pipeline.store.load import Provenance, record_source

#: Official public extraction (zip of the three PS_LibreAcces files).
RPPS_EXTRACTION_URL = (
    "https://service.annuaire.sante.fr/annuaire-sante-webservices/V300/services/extraction/PS_LibreAcces"
)

#: Source name recorded in the ``sources`` provenance table.
SOURCE_NAME = "annuaire-sante"
# 2: per-activity recours (ambulatory settings only), cadre kept in offre_commune, poids over kept rows.
LOADER_VERSION = "2"

#: Label written in provenance notes for generated data.
DEMO_NOTE = "données fictives de démonstration"

#: Columns of ``PS_LibreAcces_Personne_activite`` (56-column layout, in order).
COLONNES_ACTIVITE: tuple[str, ...] = (
    "Type d'identifiant PP",
    "Identifiant PP",
    "Identification nationale PP",
    "Code civilité d'exercice",
    "Libellé civilité d'exercice",
    "Code civilité",
    "Libellé civilité",
    "Nom d'exercice",
    "Prénom d'exercice",
    "Code profession",
    "Libellé profession",
    "Code catégorie professionnelle",
    "Libellé catégorie professionnelle",
    "Code type savoir-faire",
    "Libellé type savoir-faire",
    "Code savoir-faire",
    "Libellé savoir-faire",
    "Code mode exercice",
    "Libellé mode exercice",
    "Numéro SIRET site",
    "Numéro SIREN site",
    "Numéro FINESS site",
    "Numéro FINESS établissement juridique",
    "Identifiant technique de la structure",
    "Raison sociale site",
    "Enseigne commerciale site",
    "Complément destinataire (coord. structure)",
    "Complément point géographique (coord. structure)",
    "Numéro Voie (coord. structure)",
    "Indice répétition voie (coord. structure)",
    "Code type de voie (coord. structure)",
    "Libellé type de voie (coord. structure)",
    "Libellé Voie (coord. structure)",
    "Mention distribution (coord. structure)",
    "Bureau cedex (coord. structure)",
    "Code postal (coord. structure)",
    "Code commune (coord. structure)",
    "Libellé commune (coord. structure)",
    "Code pays (coord. structure)",
    "Libellé pays (coord. structure)",
    "Téléphone (coord. structure)",
    "Téléphone 2 (coord. structure)",
    "Télécopie (coord. structure)",
    "Adresse e-mail (coord. structure)",
    "Code Département (structure)",
    "Libellé Département (structure)",
    "Ancien identifiant de la structure",
    "Autorité d'enregistrement",
    "Code secteur d'activité",
    "Libellé secteur d'activité",
    "Code section tableau pharmaciens",
    "Libellé section tableau pharmaciens",
    "Code rôle",
    "Libellé rôle",
    "Code genre activité",
    "Libellé genre activité",
)

#: Columns of ``PS_LibreAcces_SavoirFaire`` (13 columns, in order).
COLONNES_SAVOIR_FAIRE: tuple[str, ...] = (
    "Type d'identifiant PP",
    "Identifiant PP",
    "Identification nationale PP",
    "Nom d'exercice",
    "Prénom d'exercice",
    "Code profession",
    "Libellé profession",
    "Code catégorie professionnelle",
    "Libellé catégorie professionnelle",
    "Code type savoir-faire",
    "Libellé type savoir-faire",
    "Code savoir-faire",
    "Libellé savoir-faire",
)

#: Columns the loader needs in the activity file.
COLONNES_REQUISES: tuple[str, ...] = (
    "Identification nationale PP",
    "Code profession",
    "Libellé profession",
    "Code mode exercice",
    "Code secteur d'activité",
    "Identifiant technique de la structure",
    "Code commune (coord. structure)",
)

#: Savoir-faire columns: inline in the activity file, or from the separate file.
COLONNES_SAVOIR_FAIRE_INLINE: tuple[str, ...] = (
    "Code type savoir-faire",
    "Code savoir-faire",
    "Libellé savoir-faire",
)

#: Columns used when present.
COLONNES_FACULTATIVES: tuple[str, ...] = (
    "Type d'identifiant PP",
    "Code catégorie professionnelle",
    "Libellé secteur d'activité",
    "Numéro FINESS site",
    "Code section tableau pharmaciens",
)

COLONNES_SAVOIR_FAIRE_REQUISES: tuple[str, ...] = (
    "Identification nationale PP",
    "Code type savoir-faire",
    "Code savoir-faire",
    "Libellé savoir-faire",
)

_ACTIVITE_PATTERN = "PS_LibreAcces_Personne_activite"
_SAVOIR_FAIRE_PATTERN = "PS_LibreAcces_SavoirFaire"


# --------------------------------------------------------------------------- #
# File helpers (shared with pipeline.sources.finess)
# --------------------------------------------------------------------------- #


def sha256_file(path: Path, chunk: int = 8 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def extraction_digest(path: Path, savoir_faire_path: Path | None = None) -> str:
    """Checksum recorded for an extraction: the activity file's, combined with a separate savoir-faire file's."""
    digest = sha256_file(path)
    if savoir_faire_path is not None:
        digest = hashlib.sha256((digest + sha256_file(savoir_faire_path)).encode()).hexdigest()
    return digest


def _truncated_zip_line(path: Path) -> int | None:
    """Line reached when decompressing the first member of a damaged zip.

    A zip cut short loses its central directory, so :mod:`zipfile` cannot
    open it. The first local file header is still at offset 0: inflate its
    data as far as it goes and count the complete lines (PKWARE APPNOTE
    §4.3.7 for the header layout).
    """
    with open(path, "rb") as handle:
        head = handle.read(30)
        if len(head) < 30 or head[:4] != b"PK\x03\x04":
            return None
        method = struct.unpack("<H", head[8:10])[0]
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        handle.seek(30 + name_len + extra_len)
        if method not in (0, 8):
            return None
        inflater = zlib.decompressobj(-15) if method == 8 else None
        newlines = 0
        while block := handle.read(1 << 20):
            try:
                data = inflater.decompress(block) if inflater is not None else block
            except zlib.error:
                break
            newlines += data.count(b"\n")
        return newlines + 1


def materialize(path: Path, pattern: str, workdir: Path) -> tuple[Path, str | None]:
    """Return a plain text file for ``path``, extracting it from a zip if needed.

    Parameters
    ----------
    path
        A ``.txt``/``.csv`` file, or a zip holding one.
    pattern
        Substring identifying the wanted member in a multi-file zip.
    workdir
        Temporary folder receiving the extracted member.

    Returns
    -------
    tuple
        ``(text_path, member_name)``; ``member_name`` is None for a plain file.

    Raises
    ------
    DataError
        Missing or empty file, unreadable or truncated zip (with the line
        where the readable content stops), zip without a matching member.
    """
    path = Path(path)
    if not path.exists():
        raise DataError("Fichier introuvable", path)
    if path.stat().st_size == 0:
        raise DataError("Le fichier est vide (0 octet)", path, 1)
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if magic[:2] != b"PK" and path.suffix.lower() != ".zip":
        return path, None
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        line = _truncated_zip_line(path)
        where = f" ; contenu lisible jusqu'à la ligne {line}" if line else ""
        raise DataError(
            f"Archive ZIP illisible ou tronquée (téléchargement interrompu ?){where} : téléchargez-la à nouveau",
            path,
            line,
        ) from exc
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        chosen = [m for m in members if pattern.lower() in m.filename.lower()]
        if not chosen:
            texts = [m for m in members if m.filename.lower().endswith((".txt", ".csv"))]
            chosen = texts if len(texts) == 1 else []
        if len(chosen) != 1:
            names = ", ".join(m.filename for m in members) or "aucun fichier"
            raise DataError(f"L'archive ne contient pas un et un seul fichier « {pattern}* » (contenu : {names})", path)
        member = chosen[0]
        target = workdir / Path(member.filename).name
        newlines = 0
        try:
            with archive.open(member) as src, open(target, "wb") as dst:
                while block := src.read(8 << 20):
                    newlines += block.count(b"\n")
                    dst.write(block)
        except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as exc:
            raise DataError(
                f"Archive ZIP corrompue ou tronquée dans « {member.filename} » "
                f"(contenu lisible jusqu'à la ligne {newlines + 1}) : téléchargez-la à nouveau",
                path,
                newlines + 1,
            ) from exc
        return target, member.filename


def zip_members(path: Path) -> list[str]:
    """Names of the members of a zip, or [] for a plain or unreadable file."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return []


def read_header(path: Path, sep: str, encoding: str, shown: Path) -> list[str]:
    """Read and split the header line, with French errors naming ``shown``."""
    with open(path, "rb") as handle:
        raw = handle.readline()
    if not raw.strip():
        raise DataError("Le fichier est vide : la ligne d'en-tête est absente", shown, 1)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DataError(_encoding_message(encoding), shown, 1) from exc
    return [name.strip() for name in text.lstrip("\ufeff").rstrip("\r\n").split(sep)]


def _encoding_message(encoding: str) -> str:
    return (
        f"Le fichier n'est pas encodé en {encoding.upper()} (octets invalides, fichier enregistré en "
        "Latin-1/Windows-1252 ?) : réenregistrez-le en UTF-8 ou indiquez son encodage"
    )


def locate_problem(path: Path, sep: str, ncols: int, encoding: str) -> tuple[int, str] | None:
    """First line whose bytes do not decode or whose field count is wrong.

    Used only after DuckDB has rejected a file, to give an exact line number
    (DuckDB reports one too; this pass confirms it and phrases the cause).
    """
    sep_b = sep.encode()
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode(encoding)
            except UnicodeDecodeError:
                return number, _encoding_message(encoding)
            if number == 1:
                continue
            line = raw.rstrip(b"\r\n")
            if not line:
                continue
            found = line.count(sep_b) + 1
            if found != ncols:
                return number, (
                    f"Nombre de colonnes incorrect : {ncols} attendues, {found} trouvées "
                    "(ligne tronquée ou séparateur « | » dans une valeur ?)"
                )
    return None


def _duckdb_line(exc: Exception) -> int | None:
    match = re.search(r"Line:\s*(\d+)", str(exc))
    return int(match.group(1)) if match else None


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _column_names(header: list[str]) -> list[str]:
    """Unique, non-empty names for DuckDB (the trailing ``|`` gives an empty one)."""
    seen: set[str] = set()
    names = []
    for index, name in enumerate(header):
        candidate = name or f"_colonne_vide_{index + 1}"
        while candidate in seen:
            candidate = f"{candidate}_{index + 1}"
        seen.add(candidate)
        names.append(candidate)
    return names


def read_csv_sql(path: Path, names: list[str], sep: str, encoding: str) -> str:
    """``read_csv`` call with explicit columns, no quoting and strict mode."""
    columns = "{" + ", ".join(f"{_sql_str(n)}: 'VARCHAR'" for n in names) + "}"
    # UTF-8 is DuckDB's native encoding (and still validated); naming it
    # explicitly sends the reader through its slower transcoding path.
    enc = "" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else f", encoding={_sql_str(encoding)}"
    return (
        f"read_csv({_sql_str(str(path))}, delim={_sql_str(sep)}, header=true, columns={columns}, "
        f"auto_detect=false, quote='', escape='', comment='', strict_mode=true{enc})"
    )


def vintage_from_name(name: str) -> str | None:
    """``AAAA-MM-JJ`` from the timestamp in an extraction file name."""
    match = re.search(r"(20\d{2})(\d{2})(\d{2})(\d{4})?", name)
    if not match:
        return None
    year, month, day = match.group(1), match.group(2), match.group(3)
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return None
    return f"{year}-{month}-{day}"


def _checked_header(path: Path, shown: Path, required: Iterable[str], sep: str, encoding: str, what: str) -> list[str]:
    header = read_header(path, sep, encoding, shown)
    if len(header) == 1:
        raise DataError(
            f"Une seule colonne lue dans l'en-tête du {what} : le séparateur attendu est « {sep} » "
            f"(en-tête lu : « {header[0][:80]} »)",
            shown,
            1,
        )
    missing = [c for c in required if c not in header]
    if missing:
        raise DataError(
            f"Colonnes obligatoires absentes du {what} : " + ", ".join(f"« {c} »" for c in missing),
            shown,
            1,
        )
    return header


def _stage(
    con: duckdb.DuckDBPyConnection,
    table: str,
    select: str,
    text_path: Path,
    header: list[str],
    shown: Path,
    sep: str,
    encoding: str,
) -> int:
    """``CREATE TEMP TABLE table AS SELECT select FROM read_csv(...)``; rows loaded."""
    names = _column_names(header)
    source = read_csv_sql(text_path, names, sep, encoding)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {select} FROM {source}")
    except (duckdb.InvalidInputException, duckdb.ConversionException) as exc:
        found = locate_problem(text_path, sep, len(names), encoding)
        if found is not None:
            raise DataError(found[1], shown, found[0]) from exc
        raise DataError(f"Lecture impossible : {str(exc).splitlines()[0]}", shown, _duckdb_line(exc)) from exc
    count = con.execute(f"SELECT count(*) FROM {table}").fetchall()
    rows = int(count[0][0]) if count else 0
    if rows == 0:
        raise DataError("Le fichier ne contient aucune ligne de données après l'en-tête", shown, 2)
    return rows


# --------------------------------------------------------------------------- #
# Load
# --------------------------------------------------------------------------- #


@dataclass
class RppsLoadReport:
    """Outcome of :func:`load_rpps`.

    Attributes
    ----------
    path
        The file loaded (zip or text).
    vintage
        Extraction date ``AAAA-MM-JJ`` (from the file name) or given.
    rows
        Activity rows loaded into ``ps_activites``.
    practitioners
        Distinct practitioners (« Identification nationale PP »).
    unknown_professions
        Profession code -> rows, for codes absent from the nomenclature (the
        rows are kept, in group « Autres »).
    unmapped_communes
        Commune code -> rows, for codes that ``cog_mapping`` does not know.
    rows_without_commune
        Rows whose commune code is empty (no address published).
    medecins_without_specialty
        Médecin rows with no (or an unknown) ordinal specialty.
    savoir_faire_source
        ``"colonnes"`` (inline) or ``"fichier"`` (separate SavoirFaire file).
    """

    path: Path
    vintage: str
    sha256: str
    rows: int
    practitioners: int
    communes: int
    unknown_professions: dict[str, int]
    unmapped_communes: dict[str, int]
    rows_without_commune: int
    medecins_without_specialty: int
    savoir_faire_source: str
    demo: bool
    elapsed_s: float
    anomalies: pd.DataFrame = field(repr=False)

    def summary_fr(self) -> str:
        """One French paragraph for logs and the CLI."""
        text = (
            f"Annuaire Santé {self.vintage} : {self.rows} activités, {self.practitioners} professionnels, "
            f"{self.communes} communes d'exercice."
        )
        if self.unknown_professions:
            text += f" Codes profession inconnus : {', '.join(sorted(self.unknown_professions))}."
        if self.unmapped_communes:
            text += f" {sum(self.unmapped_communes.values())} activités dans une commune inconnue du COG."
        if self.rows_without_commune:
            text += f" {self.rows_without_commune} activités sans commune renseignée."
        if self.demo:
            text += f" ({DEMO_NOTE})"
        return text


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    rows = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchall()
    return bool(rows and rows[0][0])


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple:
    """First row of a query, fetching everything (DuckDB 2 keeps partial results open)."""
    rows = con.execute(sql).fetchall()
    return rows[0] if rows else ()


def _register_nomenclatures(con: duckdb.DuckDBPyConnection) -> list[str]:
    frames = {
        "_nom_professions": nomenclatures.professions(),
        "_nom_specialites": nomenclatures.specialites(),
        "_nom_modes": nomenclatures.modes_exercice(),
        "_nom_secteurs": nomenclatures.secteurs_activite(),
    }
    for name, frame in frames.items():
        con.register(name, frame)
    return list(frames)


def _opt(header: list[str], column: str) -> str:
    return f"nullif(trim({_ident(column)}), '')" if column in header else "CAST(NULL AS VARCHAR)"


def load_rpps(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    savoir_faire_path: str | Path | None = None,
    vintage: str | None = None,
    demo: bool | None = None,
    encoding: str = "utf-8",
    memory_limit: str | None = None,
) -> RppsLoadReport:
    """Load an Annuaire Santé extraction into ``ps_activites``, ``offre_commune``, ``ps_anomalies``.

    ``ps_activites`` has one row per activity. ``poids`` is ``1 / n`` where
    ``n`` counts the practitioner's rows *kept* (current commune known); rows
    excluded for a missing or unknown commune have a NULL ``poids``.
    ``recours_profession`` is the seed-000 class of the profession
    (``premier``, ``second`` or NULL); ``recours`` is that of the activity:
    ``premier`` only in an ambulatory setting (cabinet, centre de santé, or
    officine for pharmaciens, see :data:`pipeline.nomenclatures.CADRES_AMBULATOIRES`),
    otherwise ``hors ambulatoire`` for a premier-recours profession.
    ``offre_commune`` aggregates the kept rows per commune × groupe ×
    specialty × recours × mode × cadre.

    Parameters
    ----------
    con
        Read-write DuckDB connection; must hold ``cog_mapping(code, current_code, ...)``.
    path
        ``PS_LibreAcces_Personne_activite_*.txt`` or a zip containing it (the
        official zip holds the SavoirFaire file too).
    savoir_faire_path
        ``PS_LibreAcces_SavoirFaire_*.txt`` (or zip). When given, the
        specialties come from it (joined on « Identification nationale PP »);
        otherwise from the savoir-faire columns of the activity file, or from
        the SavoirFaire member of the same zip when those columns are absent.
    vintage
        Extraction date; by default read from the file name.
    demo
        Mark the load as fictitious demo data; by default True when the file
        name contains ``DEMO``.
    encoding
        Text encoding of the files (the ANS publishes UTF-8).
    memory_limit
        Optional DuckDB memory limit for the load (``"1GB"``); the previous
        setting is restored afterwards.

    Returns
    -------
    RppsLoadReport

    Raises
    ------
    DataError
        Malformed input (missing columns, wrong separator, bad encoding,
        truncated zip, empty file), naming the file and line. Nothing is
        changed in the database in that case (one transaction).
    """
    started = time.perf_counter()
    path = Path(path)
    if not _table_exists(con, "cog_mapping"):
        raise PipelineError(
            "La table « cog_mapping » est absente : chargez d'abord le COG (« make data ») avant l'Annuaire Santé."
        )
    if demo is None:
        demo = "demo" in path.name.lower()
    with tempfile.TemporaryDirectory(prefix="cpts-rpps-") as tmp:
        workdir = Path(tmp)
        text_path, member = materialize(path, _ACTIVITE_PATTERN, workdir)
        shown = path if member is None else Path(f"{path}!{member}")
        header = read_header(text_path, "|", encoding, shown)
        inline_sf = all(c in header for c in COLONNES_SAVOIR_FAIRE_INLINE)
        sf_path: Path | None = Path(savoir_faire_path) if savoir_faire_path is not None else None
        sf_from_zip = False
        if (
            sf_path is None
            and not inline_sf
            and member is not None
            and any(_SAVOIR_FAIRE_PATTERN.lower() in m.lower() for m in zip_members(path))
        ):
            sf_path, sf_from_zip = path, True
        required = list(COLONNES_REQUISES)
        if sf_path is None:
            required += list(COLONNES_SAVOIR_FAIRE_INLINE)
        header = _checked_header(text_path, shown, required, "|", encoding, "fichier des activités")

        sf_text: Path | None = None
        sf_shown: Path | None = None
        sf_header: list[str] = []
        if sf_path is not None:
            sf_text, sf_member = materialize(sf_path, _SAVOIR_FAIRE_PATTERN, workdir)
            sf_shown = sf_path if sf_member is None else Path(f"{sf_path}!{sf_member}")
            sf_header = _checked_header(
                sf_text, sf_shown, COLONNES_SAVOIR_FAIRE_REQUISES, "|", encoding, "fichier des savoir-faire"
            )
        digest = extraction_digest(path, None if sf_from_zip else sf_path)
        vintage = (
            vintage
            or vintage_from_name(member or path.name)
            or datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).strftime("%Y-%m-%d")
        )

        registered = _register_nomenclatures(con)
        previous = {
            name: _one(con, f"SELECT current_setting('{name}')")[0]
            for name in ("preserve_insertion_order", "memory_limit")
        }
        if memory_limit is not None:
            con.execute(f"SET memory_limit = {_sql_str(memory_limit)}")
        try:
            with transaction(con):
                report = _load_in_transaction(
                    con, path, text_path, shown, header, sf_text, sf_shown, sf_header, encoding
                )
                notes = f"{report['rows']} activités ; savoir-faire : {report['sf_source']}"
                if member:
                    notes += f" ; membre {member}"
                if demo:
                    notes = f"{DEMO_NOTE} ; " + notes
                record_source(
                    con,
                    Provenance(
                        source=SOURCE_NAME,
                        vintage=vintage,
                        origin=str(path),
                        sha256=digest,
                        row_count=int(report["rows"]),
                        notes=notes,
                        loader_version=LOADER_VERSION,
                        demo=bool(demo),
                    ),
                )
        finally:
            for name, value in previous.items():
                con.execute(f"SET {name} = {_sql_str(str(value))}")
            for name in registered:
                con.unregister(name)
            for table in ("_ps_raw", "_sf_raw", "_sf"):
                con.execute(f"DROP TABLE IF EXISTS {table}")
    anomalies = con.execute("SELECT * FROM ps_anomalies ORDER BY type, code").df()

    def _counts(kind: str) -> dict[str, int]:
        sub = anomalies[anomalies["type"] == kind]
        return {str(c): int(n) for c, n in zip(sub["code"], sub["nb_lignes"], strict=True)}

    return RppsLoadReport(
        path=path,
        vintage=vintage,
        sha256=digest,
        rows=int(report["rows"]),
        practitioners=int(report["practitioners"]),
        communes=int(report["communes"]),
        unknown_professions=_counts("profession_inconnue"),
        unmapped_communes=_counts("commune_inconnue"),
        rows_without_commune=sum(_counts("commune_non_renseignee").values()),
        medecins_without_specialty=sum(_counts("medecin_sans_specialite").values())
        + sum(_counts("specialite_inconnue").values()),
        savoir_faire_source=str(report["sf_source"]),
        demo=bool(demo),
        elapsed_s=time.perf_counter() - started,
        anomalies=anomalies,
    )


def _load_in_transaction(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    text_path: Path,
    shown: Path,
    header: list[str],
    sf_text: Path | None,
    sf_shown: Path | None,
    sf_header: list[str],
    encoding: str,
) -> dict[str, Any]:
    """Stage the files and (re)build the three tables; runs inside the transaction."""
    sf_inline = sf_text is None
    select = ", ".join(
        [
            f"nullif(trim({_ident('Identification nationale PP')}), '') AS rpps",
            f"{_opt(header, 'Type d' + chr(39) + 'identifiant PP')} AS type_identifiant",
            f"{_opt(header, 'Code profession')} AS profession_code",
            f"{_opt(header, 'Libellé profession')} AS profession_libelle_src",
            f"{_opt(header, 'Code catégorie professionnelle')} AS categorie_code",
            f"{_opt(header, 'Code section tableau pharmaciens')} AS section_pharmaciens",
            f"{_opt(header, 'Code type savoir-faire') if sf_inline else 'CAST(NULL AS VARCHAR)'} AS sf_type",
            f"{_opt(header, 'Code savoir-faire') if sf_inline else 'CAST(NULL AS VARCHAR)'} AS sf_code",
            f"{_opt(header, 'Libellé savoir-faire') if sf_inline else 'CAST(NULL AS VARCHAR)'} AS sf_libelle",
            f"{_opt(header, 'Code mode exercice')} AS mode_code",
            f"{_opt(header, 'Code secteur d' + chr(39) + 'activité')} AS secteur_code",
            f"{_opt(header, 'Libellé secteur d' + chr(39) + 'activité')} AS secteur_libelle_src",
            f"{_opt(header, 'Identifiant technique de la structure')} AS structure_id",
            f"{_opt(header, 'Numéro FINESS site')} AS finess_site",
            f"{_opt(header, 'Code commune (coord. structure)')} AS commune_source",
        ]
    )
    rows = _stage(con, "_ps_raw", select, text_path, header, shown, "|", encoding)
    # Rows keep the file order (DuckDB preserves insertion order); temporary
    # tables number their rowids from an offset, hence the subtraction.
    first_rowid = int(_one(con, "SELECT min(rowid) FROM _ps_raw")[0])
    missing_id = _one(con, "SELECT min(rowid) FROM _ps_raw WHERE rpps IS NULL")
    if missing_id and missing_id[0] is not None:
        raise DataError("« Identification nationale PP » vide", shown, int(missing_id[0]) - first_rowid + 2)

    # Line numbers are now stored: later steps need not keep row order, which
    # lets DuckDB build and write the tables in parallel with less memory.
    con.execute("SET preserve_insertion_order = false")
    if sf_inline:
        sf_join = (
            "SELECT NULL::VARCHAR AS rpps, NULL::VARCHAR AS sf_type, NULL::VARCHAR AS sf_code, "
            "NULL::VARCHAR AS sf_libelle WHERE false"
        )
        sf_source = "colonnes du fichier des activités"
    else:
        assert sf_text is not None and sf_shown is not None
        sf_select = ", ".join(
            [
                f"nullif(trim({_ident('Identification nationale PP')}), '') AS rpps",
                f"{_opt(sf_header, 'Code type savoir-faire')} AS sf_type",
                f"{_opt(sf_header, 'Code savoir-faire')} AS sf_code",
                f"{_opt(sf_header, 'Libellé savoir-faire')} AS sf_libelle",
            ]
        )
        _stage(con, "_sf_raw", sf_select, sf_text, sf_header, sf_shown, "|", encoding)
        # One savoir-faire per practitioner: ordinal specialties (type S) first,
        # codes of the TRE_R38 table before others, then the smallest code, so
        # that the choice is deterministic.
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _sf AS
            SELECT rpps, sf_type, sf_code, sf_libelle FROM (
                SELECT r.*, row_number() OVER (
                    PARTITION BY r.rpps
                    ORDER BY (r.sf_type = 'S') DESC NULLS LAST, (s.code IS NOT NULL) DESC, r.sf_code
                ) AS rang
                FROM _sf_raw r LEFT JOIN _nom_specialites s ON s.code = r.sf_code
                WHERE r.rpps IS NOT NULL AND r.sf_code IS NOT NULL
            ) WHERE rang = 1
            """
        )
        sf_join = "SELECT rpps, sf_type, sf_code, sf_libelle FROM _sf"
        sf_source = "fichier PS_LibreAcces_SavoirFaire"

    # Recours of the profession (seed 000), then of the activity: premier recours requires « une
    # pratique en ambulatoire » (seed 000, footnote), i.e. a cabinet, a centre de santé or, for
    # pharmaciens, an officine; the same professions practising elsewhere are « hors ambulatoire ».
    recours_profession = f"""CASE
                WHEN b.profession_code = '{nomenclatures.CODE_MEDECIN}' THEN nullif(s.recours, '')
                WHEN b.profession_code = '{nomenclatures.CODE_PHARMACIEN}'
                     AND b.section_pharmaciens = '{nomenclatures.SECTION_PHARMACIENS_BIOLOGISTES}'
                     THEN 'second'
                ELSE nullif(p.recours, '')
            END"""
    cadres = ", ".join(_sql_str(c) for c in nomenclatures.CADRES_AMBULATOIRES)
    ambulatoire = (
        f"sa.cadre IN ({cadres}) OR (sa.cadre = {_sql_str(nomenclatures.CADRE_OFFICINE)} "
        f"AND b.profession_code = '{nomenclatures.CODE_PHARMACIEN}')"
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE ps_activites AS
        WITH base AS (
            SELECT r.rowid - {first_rowid} + 2 AS ligne, r.rpps, r.type_identifiant, r.profession_code,
                   r.profession_libelle_src, r.categorie_code, r.section_pharmaciens,
                   coalesce(f.sf_type, r.sf_type) AS sf_type,
                   coalesce(f.sf_code, r.sf_code) AS sf_code,
                   coalesce(f.sf_libelle, r.sf_libelle) AS sf_libelle,
                   r.mode_code, r.secteur_code, r.secteur_libelle_src, r.structure_id, r.finess_site,
                   r.commune_source
            FROM _ps_raw r LEFT JOIN ({sf_join}) f ON f.rpps = r.rpps
        ),
        cog AS (SELECT code, min(current_code) AS current_code FROM cog_mapping GROUP BY code),
        -- Sites kept: rows whose commune maps to a current commune. Rows excluded for a missing
        -- or unknown commune get no weight, so each kept practitioner's weights sum to one.
        sites AS (
            SELECT b.rpps, count(*) AS n FROM base b JOIN cog c ON c.code = b.commune_source GROUP BY b.rpps
        )
        SELECT
            b.ligne,
            b.rpps,
            b.type_identifiant,
            b.profession_code,
            coalesce(p.libelle, b.profession_libelle_src) AS profession_libelle,
            (p.code IS NOT NULL) AS profession_connue,
            CASE
                WHEN b.profession_code = '{nomenclatures.CODE_MEDECIN}' THEN coalesce(s.groupe, 'Autres')
                WHEN b.profession_code = '{nomenclatures.CODE_PHARMACIEN}'
                     AND b.section_pharmaciens = '{nomenclatures.SECTION_PHARMACIENS_BIOLOGISTES}'
                     THEN 'Biologistes'
                ELSE coalesce(p.groupe, 'Autres')
            END AS groupe,
            CASE WHEN b.profession_code = '{nomenclatures.CODE_MEDECIN}' THEN b.sf_code END AS specialite_code,
            CASE WHEN b.profession_code = '{nomenclatures.CODE_MEDECIN}'
                 THEN coalesce(s.libelle, b.sf_libelle) END AS specialite_libelle,
            {recours_profession} AS recours_profession,
            CASE
                WHEN ({recours_profession}) = 'premier' AND ({ambulatoire}) THEN 'premier'
                WHEN ({recours_profession}) = 'premier' THEN '{nomenclatures.RECOURS_HORS_AMBULATOIRE}'
                ELSE {recours_profession}
            END AS recours,
            nullif(s.acces_direct, '') AS acces_direct,
            b.sf_type AS savoir_faire_type,
            b.sf_code AS savoir_faire_code,
            b.sf_libelle AS savoir_faire_libelle,
            b.categorie_code,
            b.mode_code,
            coalesce(m.mode, 'non renseigné') AS mode,
            b.secteur_code,
            coalesce(sa.libelle, b.secteur_libelle_src) AS secteur_libelle,
            CASE WHEN b.secteur_code IS NULL THEN 'non renseigné' ELSE coalesce(sa.cadre, 'autre') END AS cadre,
            b.structure_id,
            b.finess_site,
            b.commune_source,
            c.current_code AS commune,
            CASE WHEN c.current_code IS NOT NULL THEN 1.0 / n.n END AS poids
        FROM base b
        LEFT JOIN sites n ON n.rpps = b.rpps
        LEFT JOIN _nom_professions p ON p.code = b.profession_code
        LEFT JOIN _nom_specialites s ON s.code = b.sf_code AND b.profession_code = '{nomenclatures.CODE_MEDECIN}'
        LEFT JOIN _nom_modes m ON m.code = b.mode_code
        LEFT JOIN _nom_secteurs sa ON sa.code = b.secteur_code
        LEFT JOIN cog c ON c.code = b.commune_source
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE offre_commune AS
        SELECT commune, groupe, specialite_code, any_value(specialite_libelle) AS specialite_libelle,
               recours, mode, cadre, count(DISTINCT rpps) AS effectif, sum(poids) AS etp_sites
        FROM ps_activites
        WHERE commune IS NOT NULL
        GROUP BY commune, groupe, specialite_code, recours, mode, cadre
        ORDER BY commune, groupe, specialite_code, recours, mode, cadre
        """
    )
    medecin = nomenclatures.CODE_MEDECIN
    con.execute(
        f"""
        CREATE OR REPLACE TABLE ps_anomalies AS
        SELECT 'profession_inconnue' AS type, profession_code AS code, any_value(profession_libelle) AS libelle,
               count(*) AS nb_lignes, min(ligne) AS premiere_ligne,
               'Code profession absent des nomenclatures TRE_G15/TRE_R95 : activités gardées dans « Autres »'
                   AS message
        FROM ps_activites WHERE NOT profession_connue GROUP BY profession_code
        UNION ALL
        SELECT 'commune_inconnue', commune_source, NULL, count(*), min(ligne),
               'Code commune inconnu du COG (table cog_mapping) : activités exclues de offre_commune'
        FROM ps_activites WHERE commune_source IS NOT NULL AND commune IS NULL GROUP BY commune_source
        UNION ALL
        SELECT 'commune_non_renseignee', NULL, NULL, count(*), min(ligne),
               'Commune d''exercice non renseignée : activités exclues de offre_commune'
        FROM ps_activites WHERE commune_source IS NULL HAVING count(*) > 0
        UNION ALL
        SELECT 'medecin_sans_specialite', NULL, NULL, count(*), min(ligne),
               'Médecin sans spécialité ordinale : compté dans « Autres », sans recours'
        FROM ps_activites WHERE profession_code = '{medecin}' AND savoir_faire_code IS NULL HAVING count(*) > 0
        UNION ALL
        SELECT 'specialite_inconnue', savoir_faire_code, any_value(savoir_faire_libelle), count(*), min(ligne),
               'Savoir-faire de médecin absent de TRE_R38 (codes SM) : compté dans « Autres », sans recours'
        FROM ps_activites
        WHERE profession_code = '{medecin}' AND savoir_faire_code IS NOT NULL AND groupe = 'Autres'
        GROUP BY savoir_faire_code
        """
    )
    con.execute(f"ALTER TABLE ps_anomalies ADD COLUMN fichier VARCHAR DEFAULT {_sql_str(str(shown))}")
    stats = _one(con, "SELECT count(*), count(DISTINCT rpps), count(DISTINCT commune) FROM ps_activites")
    return {
        "rows": rows,
        "practitioners": stats[1],
        "communes": stats[2],
        "sf_source": sf_source,
    }


# --------------------------------------------------------------------------- #
# Download
# --------------------------------------------------------------------------- #


def _filename_from(response: requests.Response, url: str) -> str:
    disposition = response.headers.get("Content-Disposition", "")
    match = re.search(r'filename\*?=(?:UTF-8\'\')?"?([^";]+)"?', disposition)
    if match:
        return Path(match.group(1)).name
    tail = url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
    if tail.lower().endswith((".zip", ".txt")):
        return tail
    return f"PS_LibreAcces_{datetime.now(UTC).strftime('%Y%m%d%H%M')}.zip"


def download_rpps(
    dest_dir: str | Path,
    url: str = RPPS_EXTRACTION_URL,
    timeout: tuple[float, float] = (15.0, 120.0),
    session: requests.Session | None = None,
) -> Path:
    """Download the Annuaire Santé public extraction, streaming to disk.

    Parameters
    ----------
    dest_dir
        Folder receiving the file (created if needed).
    url
        Extraction URL; defaults to the official ANS web service.
    timeout
        ``(connect, read)`` timeouts in seconds.
    session
        Optional :class:`requests.Session` (tests, proxies).

    Returns
    -------
    pathlib.Path
        The downloaded file (a zip for the official URL).

    Raises
    ------
    DownloadError
        Offline, server unreachable, HTTP error or interrupted transfer; the
        partial file is removed.
    """
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    getter = session or requests
    try:
        response = getter.get(url, stream=True, timeout=timeout)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise DownloadError(
            "Téléchargement de l'extraction Annuaire Santé impossible (pas de réseau ou serveur "
            f"injoignable : {url}). Déposez le fichier PS_LibreAcces à la main dans {dest} et relancez.",
            url,
        ) from exc
    with response:
        if response.status_code != 200:
            raise DownloadError(
                f"Le serveur de l'Annuaire Santé a répondu « {response.status_code} {response.reason} » ; "
                "réessayez plus tard.",
                url,
            )
        target = dest / _filename_from(response, url)
        partial = target.with_name(target.name + ".part")
        written = 0
        try:
            with open(partial, "wb") as handle:
                for block in response.iter_content(chunk_size=1 << 20):
                    handle.write(block)
                    written += len(block)
        except (requests.RequestException, OSError) as exc:
            partial.unlink(missing_ok=True)
            raise DownloadError(f"Téléchargement interrompu après {written} octets ; réessayez.", url) from exc
        expected = response.headers.get("Content-Length")
        if expected is not None and expected.isdigit() and int(expected) != written:
            partial.unlink(missing_ok=True)
            raise DownloadError(
                f"Téléchargement incomplet : {written} octets reçus sur {expected} annoncés ; réessayez.", url
            )
        shutil.move(partial, target)
    return target
