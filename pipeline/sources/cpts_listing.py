"""CPTS listings: the project's own format for CPTS perimeters.

A *listing* is one file describing CPTS perimeters, as an ARS or a mapping
project publishes them. Several listings coexist; each has a name (by default
the file stem) that travels with every row derived from it.

Two forms are accepted:

* **CSV**, one row per (CPTS, commune): columns ``cpts`` (name) and
  ``code_insee`` (code of a commune or of an arrondissement municipal) are
  required; ``cpts_id``, ``statut`` and ``date`` (``YYYY-MM-DD``) are
  optional. UTF-8 (with or without BOM); ``,``, ``;`` or tab separated.
* **GeoJSON**, one feature per CPTS perimeter (Polygon or MultiPolygon) with
  the same properties except ``code_insee``.

Structural defects (missing column, bad status, bad date, bad encoding,
invalid or empty geometry) make the file unusable: they are all collected and
raised at once as one :class:`~pipeline.errors.DataError`. Content defects
(unknown codes, old codes, duplicated claims, near-duplicate names, CPTS
across départements or régions) do not stop the pipeline: they are returned
as rows of ``ListingResult.issues`` so that an analyst can send them back to
whoever maintains the listing.

Codes are resolved against the current COG: arrondissements municipaux of
Paris, Lyon and Marseille stay the unit (two CPTS sharing Marseille at
arrondissement level do not overlap on 13055); a code of a city with
arrondissements (13055, 69123, 75056) is expanded to its arrondissements;
codes of communes déléguées, associées or merged communes map to the current
commune, with a note.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import shape
from shapely.validation import explain_validity

from pipeline.errors import DataError
from pipeline.geography import slugify

STATUTS: tuple[str, ...] = ("projet", "lettre d'intention validée", "projet de santé validé", "ACI signé")
REQUIRED_COLUMNS: tuple[str, ...] = ("cpts", "code_insee")
OPTIONAL_COLUMNS: tuple[str, ...] = ("cpts_id", "statut", "date")

MEMBER_COLUMNS: list[str] = [
    "listing",
    "cpts",
    "cpts_id",
    "statut",
    "date",
    "code_source",
    "unit_code",
    "commune_code",
    "unit_type",
    "note",
    "line",
]
ISSUE_COLUMNS: list[str] = ["listing", "kind", "cpts", "code", "line", "detail_fr"]
PERIMETER_COLUMNS: list[str] = ["listing", "cpts", "cpts_id", "statut", "date", "feature", "geometry"]

#: Small words ignored when comparing CPTS names.
ARTICLES: frozenset[str] = frozenset({"du", "de", "des", "d", "la", "le", "les", "l"})
#: Short words that legitimately appear in names and must not be taken for typos.
SHORT_WORDS: frozenset[str] = ARTICLES | {"et", "en", "au", "aux", "sur", "ou", "st", "ste", "es", "a"}
#: difflib ratio above which two normalised names are reported as near-duplicates.
NAME_SIMILARITY = 0.92

_CODE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_ERRORS_SHOWN = 50


@dataclass(frozen=True)
class ListingResult:
    """A parsed and resolved listing (or several, see :func:`combine`).

    Attributes
    ----------
    members
        One row per (listing, CPTS, unit): columns of :data:`MEMBER_COLUMNS`.
        ``unit_code`` is the commune, or the arrondissement municipal for
        Paris, Lyon and Marseille; ``commune_code`` is the current commune
        (the city for an arrondissement). ``line`` is the source line.
    issues
        Content defects, one row each: columns of :data:`ISSUE_COLUMNS`.
    perimeters
        For GeoJSON listings, one row per CPTS perimeter (WGS84 unless the
        file declared another CRS), else None.
    """

    members: pd.DataFrame
    issues: pd.DataFrame
    perimeters: gpd.GeoDataFrame | None = field(default=None)


# --------------------------------------------------------------------------- helpers


def _tokens(name: str) -> list[str]:
    """Lower-case ASCII word tokens of a name, without the leading "CPTS"."""
    text = name.replace("œ", "oe").replace("Œ", "Oe")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    tokens = re.findall(r"[a-z0-9]+", text)
    while tokens and tokens[0] == "cpts":
        tokens = tokens[1:]
    return tokens


def name_key(name: str) -> str:
    """Comparison key of a CPTS name: no accents, case, punctuation, articles or "CPTS"."""
    return " ".join(t for t in _tokens(name) if t not in ARTICLES)


def _loose_key(name: str) -> str:
    """:func:`name_key` without any one- or two-letter word (catches "su" for "du")."""
    return " ".join(t for t in _tokens(name) if t not in ARTICLES and not (len(t) <= 2 and t.isalpha()))


def _suspect_words(name: str) -> list[str]:
    """Two-letter words one letter away from an article ("su", "di"), likely typos."""
    out = []
    for tok in _tokens(name):
        if len(tok) == 2 and tok.isalpha() and tok not in SHORT_WORDS:
            for art in ("du", "de", "la", "le"):
                if sum(a != b for a, b in zip(tok, art, strict=True)) == 1:
                    out.append(tok)
                    break
    return out


def near_duplicate_names(names: list[str]) -> list[tuple[str, str, str]]:
    """Pairs of distinct names that probably denote the same CPTS.

    Two names are paired when their :func:`name_key` are equal, when they are
    equal once one- and two-letter words are dropped (typo "su" for "du"), or
    when their keys are at least :data:`NAME_SIMILARITY` similar (difflib
    ratio: doubled or missing letters, "Colines"/"Collines").

    Returns
    -------
    list of (name_a, name_b, reason_fr), name_a < name_b.
    """
    uniq = sorted(set(names))
    keys = {n: name_key(n) for n in uniq}
    loose = {n: _loose_key(n) for n in uniq}
    pairs = []
    for a, b in combinations(uniq, 2):
        if keys[a] == keys[b]:
            reason = "identiques aux accents, majuscules, articles et ponctuation près"
        elif loose[a] and loose[a] == loose[b]:
            reason = "identiques aux mots d'une ou deux lettres près (faute de frappe probable)"
        else:
            ratio = difflib.SequenceMatcher(None, keys[a], keys[b]).ratio()
            if ratio < NAME_SIMILARITY:
                continue
            reason = f"très proches (similarité {ratio:.2f})"
        pairs.append((a, b, reason))
    return pairs


def _issue(listing: str, kind: str, cpts: Any, code: Any, line: Any, detail: str) -> dict[str, Any]:
    return {"listing": listing, "kind": kind, "cpts": cpts, "code": code, "line": line, "detail_fr": detail}


def _raise_collected(errors: list[tuple[int | None, str]], header: str, path: str | Path | None) -> None:
    """Raise one DataError listing every (line, message); its ``line`` is the first one."""
    if not errors:
        return
    lines = [f"ligne {ln} : {msg}" if ln is not None else msg for ln, msg in errors]
    shown = lines[:MAX_ERRORS_SHOWN]
    more = f"\n  … et {len(lines) - MAX_ERRORS_SHOWN} autres" if len(lines) > MAX_ERRORS_SHOWN else ""
    first_line = next((ln for ln, _ in errors if ln is not None), None)
    raise DataError(header + "\n  - " + "\n  - ".join(shown) + more, path, first_line)


def _canonical_statut(value: str) -> str | None:
    """The canonical status for ``value`` (case and accent insensitive), or None."""

    def fold(s: str) -> str:
        s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")
        return re.sub(r"\s+", " ", s.replace("’", "'").strip().lower())

    table = {fold(s): s for s in STATUTS}
    return table.get(fold(value))


def _check_fields(cpts: str, statut: str, day: str, where: str) -> tuple[list[str], str | None, str | None]:
    """Validate the name, status and date of one row or feature."""
    errors = []
    if not cpts:
        errors.append(f"{where}nom de CPTS (« cpts ») vide")
    canon = None
    if statut:
        canon = _canonical_statut(statut)
        if canon is None:
            errors.append(
                f"{where}statut « {statut} » inconnu (attendu : " + ", ".join(f"« {s} »" for s in STATUTS) + ")"
            )
    iso = None
    if day:
        ok = bool(_DATE_RE.match(day))
        if ok:
            try:
                date.fromisoformat(day)
            except ValueError:
                ok = False
        if ok:
            iso = day
        else:
            errors.append(f"{where}date « {day} » invalide (format attendu AAAA-MM-JJ)")
    return errors, canon, iso


# --------------------------------------------------------------------------- parsing


def decode_utf8(data: bytes, path: str | Path | None = None) -> str:
    """Decode a file's bytes as UTF-8 (BOM tolerated), naming every bad line.

    Raises
    ------
    DataError
        When some lines are not valid UTF-8 (typically a Windows-1252 export).
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    errors: list[tuple[int | None, str]] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = raw[exc.start : exc.start + 1].hex()
            errors.append((number, f"octet 0x{bad} invalide en UTF-8 (colonne {exc.start + 1})"))
    _raise_collected(
        errors,
        "Le fichier n'est pas encodé en UTF-8 (export Excel en Windows-1252 ?) ; réenregistrez-le en « CSV UTF-8 » :",
        path,
    )
    raise AssertionError("unreachable")  # pragma: no cover


def parse_listing_csv(text: str, path: str | Path | None = None) -> pd.DataFrame:
    """Parse and validate the text of a CSV listing.

    Parameters
    ----------
    text
        Decoded file content.
    path
        File name, for error messages only.

    Returns
    -------
    DataFrame
        Columns cpts, code_insee, cpts_id, statut, date, line (strings, empty
        optional values as None; ``line`` is the 1-based physical line).

    Raises
    ------
    DataError
        Listing every structural problem: missing columns, wrong number of
        fields, empty name or code, unknown status, invalid date.
    """
    first = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise DataError("Le fichier de CPTS est vide.", path, 1) from None
    columns = [h.strip().lstrip("\ufeff").lower() for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise DataError(
            "Colonnes obligatoires absentes : "
            + ", ".join(f"« {c} »" for c in missing)
            + f" (colonnes lues : {', '.join(columns)} ; séparateur « {delimiter} »)",
            path,
            1,
        )
    index = {c: columns.index(c) for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if c in columns}
    errors: list[tuple[int | None, str]] = []
    rows = []
    line = reader.line_num
    for record in reader:
        line_start = line + 1
        line = reader.line_num
        if not any(v.strip() for v in record):
            continue
        if len(record) != len(columns):
            errors.append((line_start, f"{len(record)} champs au lieu de {len(columns)}"))
            continue

        def get(col: str, rec: list[str] = record) -> str:
            return rec[index[col]].strip() if col in index else ""

        cpts, code = get("cpts"), get("code_insee")
        row_errors, statut, day = _check_fields(cpts, get("statut"), get("date"), "")
        if not code:
            row_errors.append("code INSEE (« code_insee ») vide")
        errors.extend((line_start, e) for e in row_errors)
        rows.append(
            {
                "cpts": cpts,
                "code_insee": code,
                "cpts_id": get("cpts_id") or None,
                "statut": statut,
                "date": day,
                "line": line_start,
            }
        )
    _raise_collected(errors, "Liste de CPTS invalide :", path)
    return pd.DataFrame(rows, columns=["cpts", "code_insee", "cpts_id", "statut", "date", "line"])


def _declared_crs(obj: dict[str, Any]) -> str:
    """CRS of a GeoJSON object: the legacy ``crs`` member if any, else WGS84 (RFC 7946)."""
    crs = obj.get("crs")
    if isinstance(crs, dict):
        name = (crs.get("properties") or {}).get("name", "")
        match = re.search(r"EPSG:+(\d+)", str(name))
        if match:
            return f"EPSG:{match.group(1)}"
    return "EPSG:4326"


def parse_listing_geojson(obj: Any, path: str | Path | None = None) -> gpd.GeoDataFrame:
    """Validate a GeoJSON listing of CPTS perimeters (already loaded as a dict).

    Returns
    -------
    GeoDataFrame
        Columns cpts, cpts_id, statut, date, feature (0-based index), geometry.

    Raises
    ------
    DataError
        Listing every problem with its feature index: not a FeatureCollection,
        missing ``cpts``, bad status or date, missing, empty, non-polygonal or
        invalid geometry.
    """
    if not isinstance(obj, dict) or obj.get("type") != "FeatureCollection":
        raise DataError("Le GeoJSON des périmètres doit être une FeatureCollection.", path)
    features = obj.get("features") or []
    errors: list[tuple[int | None, str]] = []
    rows = []
    for i, feat in enumerate(features):
        where = f"entité n° {i} : "
        props = (feat or {}).get("properties") or {}

        def prop(key: str, props: dict[str, Any] = props) -> str:
            value = props.get(key)
            return "" if value is None else str(value).strip()

        cpts = prop("cpts")
        field_errors, statut, day = _check_fields(cpts, prop("statut"), prop("date"), where)
        errors.extend((None, e) for e in field_errors)
        geom = None
        raw_geom = (feat or {}).get("geometry")
        if not raw_geom:
            errors.append((None, f"{where}géométrie absente"))
        else:
            try:
                geom = shape(raw_geom)
            except Exception as exc:  # shapely raises several types on malformed input
                errors.append((None, f"{where}géométrie illisible ({exc})"))
        if geom is not None:
            if geom.geom_type not in ("Polygon", "MultiPolygon"):
                errors.append((None, f"{where}géométrie de type {geom.geom_type} (polygone attendu)"))
            elif geom.is_empty:
                errors.append((None, f"{where}géométrie vide"))
            elif not geom.is_valid:
                errors.append((None, f"{where}géométrie invalide ({explain_validity(geom)})"))
        rows.append(
            {
                "cpts": cpts,
                "cpts_id": prop("cpts_id") or None,
                "statut": statut,
                "date": day,
                "feature": i,
                "geometry": geom,
            }
        )
    if not features:
        errors.append((None, "aucune entité"))
    _raise_collected(errors, "Périmètres de CPTS invalides :", path)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=_declared_crs(obj))


# --------------------------------------------------------------------------- resolution


def _assign_ids(frame: pd.DataFrame, listing: str, issues: list[dict[str, Any]]) -> pd.DataFrame:
    """Fill missing ``cpts_id`` with the name slug; report ids shared by several names."""
    frame = frame.copy()
    given = frame["cpts_id"].notna()
    frame.loc[~given, "cpts_id"] = frame.loc[~given, "cpts"].map(slugify)
    by_id = frame.groupby("cpts_id")["cpts"].unique()
    for cid, names in by_id.items():
        if len(names) > 1:
            issues.append(
                _issue(
                    listing,
                    "identifiant_incoherent",
                    names[0],
                    None,
                    None,
                    f"l'identifiant « {cid} » porte plusieurs noms : " + ", ".join(f"« {n} »" for n in names),
                )
            )
    by_name = frame.groupby("cpts")["cpts_id"].unique()
    for name, ids in by_name.items():
        if len(ids) > 1:
            issues.append(
                _issue(
                    listing,
                    "identifiant_incoherent",
                    name,
                    None,
                    None,
                    f"la CPTS « {name} » a plusieurs identifiants : " + ", ".join(sorted(map(str, ids))),
                )
            )
    return frame


def _name_issues(frame: pd.DataFrame, listing: str) -> list[dict[str, Any]]:
    counts = frame.groupby("cpts").size()
    issues = []
    for a, b, reason in near_duplicate_names(list(counts.index)):
        issues.append(
            _issue(
                listing,
                "nom_proche",
                a,
                None,
                None,
                f"« {a} » ({counts[a]} ligne(s)) et « {b} » ({counts[b]} ligne(s)) : {reason} ; "
                "s'agit-il de la même CPTS ?",
            )
        )
    for name in counts.index:
        words = _suspect_words(name)
        if words:
            issues.append(
                _issue(
                    listing,
                    "nom_suspect",
                    name,
                    None,
                    None,
                    f"« {name} » : mot(s) "
                    + ", ".join(f"« {w} »" for w in words)
                    + " proche(s) d'un article (du, de, la, le) : faute de frappe probable",
                )
            )
    return issues


def resolve_codes(
    raw: pd.DataFrame, cog_mapping: pd.DataFrame, units: pd.DataFrame, listing: str
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Resolve the ``code_insee`` of parsed rows to units of the current COG.

    Parameters
    ----------
    raw
        Output of :func:`parse_listing_csv` (with ``cpts_id`` filled).
    cog_mapping
        code, current_code, kind, nom: every code ever seen → current commune.
    units
        Current communes and arrondissements: code, nom, type, parent, ...
    listing
        Listing name.

    Returns
    -------
    (members, issues)
    """
    unit_type = units.set_index("code")["type"].to_dict()
    unit_parent = units.set_index("code")["parent"].to_dict()
    unit_name = units.set_index("code")["nom"].to_dict()
    arrondissements: dict[str, list[str]] = {}
    for code, parent in unit_parent.items():
        if isinstance(parent, str) and parent:
            arrondissements.setdefault(parent, []).append(code)
    mapping = cog_mapping.drop_duplicates("code").set_index("code")
    issues: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []

    def add(row: pd.Series, source: str, target: str, note: str | None) -> None:
        kids = sorted(arrondissements.get(target, []))
        if kids:
            n = len(kids)
            extra = f"commune à arrondissements {target} revendiquée entière : {n} arrondissements"
            issues.append(
                _issue(
                    listing,
                    "commune_a_arrondissements",
                    row.cpts,
                    source,
                    row.line,
                    f"{extra} ; préciser les arrondissements si la CPTS n'en couvre qu'une partie",
                )
            )
            for kid in kids:
                members.append(_member(row, source, kid, target, unit_type.get(kid), note or extra))
            return
        parent = unit_parent.get(target)
        commune = parent if isinstance(parent, str) and parent else target
        members.append(_member(row, source, target, commune, unit_type.get(target), note))

    def _member(row: pd.Series, source: str, unit: str, commune: str, utype: Any, note: str | None) -> dict:
        return {
            "listing": listing,
            "cpts": row.cpts,
            "cpts_id": row.cpts_id,
            "statut": row.statut,
            "date": row.date,
            "code_source": source,
            "unit_code": unit,
            "commune_code": commune,
            "unit_type": utype,
            "note": note,
            "line": row.line,
        }

    for row in raw.itertuples(index=False):
        source = row.code_insee
        code = source.upper()
        note = None
        if re.fullmatch(r"\d{4}", code):
            code = "0" + code
            note = f"zéro initial restauré ({source} → {code})"
            issues.append(
                _issue(
                    listing,
                    "code_zero_restaure",
                    row.cpts,
                    source,
                    row.line,
                    f"code « {source} » lu comme {code} (zéro initial perdu, export tableur ?)",
                )
            )
        if not _CODE_RE.match(code):
            issues.append(
                _issue(
                    listing,
                    "code_invalide",
                    row.cpts,
                    source,
                    row.line,
                    f"« {source} » n'est pas un code INSEE de commune (5 caractères)",
                )
            )
            continue
        if code in unit_type:
            add(row, source, code, note)
            continue
        if code in mapping.index:
            entry = mapping.loc[code]
            target = entry["current_code"]
            if not isinstance(target, str) or target not in unit_type:
                issues.append(
                    _issue(
                        listing,
                        "code_sans_correspondance",
                        row.cpts,
                        source,
                        row.line,
                        f"code {code} ({entry['nom']}) sans commune actuelle correspondante",
                    )
                )
                continue
            label = f"{entry['nom']}, {entry['kind']}" if pd.notna(entry["nom"]) else entry["kind"]
            old = f"code ancien {code} ({label}) rattaché à {target} ({unit_name.get(target)})"
            issues.append(_issue(listing, "code_ancien", row.cpts, source, row.line, old))
            add(row, source, target, f"{note} ; {old}" if note else old)
            continue
        issues.append(
            _issue(
                listing,
                "code_inconnu",
                row.cpts,
                source,
                row.line,
                f"code {code} absent du code officiel géographique",
            )
        )
    frame = pd.DataFrame(members, columns=MEMBER_COLUMNS)
    return frame, issues


def _duplicate_issues(members: pd.DataFrame, listing: str) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Report a unit claimed twice by one CPTS and keep its first claim only."""
    dup = members.duplicated(["cpts_id", "unit_code"], keep="first")
    issues = []
    for row in members[dup].itertuples(index=False):
        first = members[(members["cpts_id"] == row.cpts_id) & (members["unit_code"] == row.unit_code)].iloc[0]
        issues.append(
            _issue(
                listing,
                "doublon",
                row.cpts,
                row.code_source,
                row.line,
                f"unité {row.unit_code} déjà revendiquée par « {row.cpts} » ligne {first['line']} "
                f"(code {first['code_source']})",
            )
        )
    return members[~dup].reset_index(drop=True), issues


def _span_issues(members: pd.DataFrame, units: pd.DataFrame, listing: str) -> list[dict[str, Any]]:
    """Report CPTS whose units lie in several départements, or several régions."""
    geo = members.merge(units[["code", "departement", "region"]], left_on="unit_code", right_on="code")
    issues = []
    for (_cid, name), grp in geo.groupby(["cpts_id", "cpts"], sort=True):
        for col, kind, label in (
            ("departement", "multi_departements", "départements"),
            ("region", "multi_regions", "régions"),
        ):
            counts = grp[col].value_counts()
            if len(counts) > 1:
                detail = ", ".join(f"{k} : {v} unité(s)" for k, v in sorted(counts.items()))
                issues.append(
                    _issue(
                        listing,
                        kind,
                        name,
                        None,
                        None,
                        f"« {name} » s'étend sur {len(counts)} {label} ({detail})",
                    )
                )
    return issues


def resolve_listing(
    raw: pd.DataFrame | gpd.GeoDataFrame,
    cog_mapping: pd.DataFrame,
    units: pd.DataFrame,
    listing: str,
) -> ListingResult:
    """Resolve a parsed listing and collect its content defects.

    Parameters
    ----------
    raw
        Output of :func:`parse_listing_csv` or :func:`parse_listing_geojson`.
    cog_mapping
        Columns code, current_code, kind, nom.
    units
        Current communes and arrondissements municipaux: code, nom, type
        (``commune-actuelle`` / ``arrondissement-municipal``), parent,
        departement, region, population.
    listing
        Name of the listing.

    Returns
    -------
    ListingResult
    """
    issues: list[dict[str, Any]] = []
    frame = _assign_ids(pd.DataFrame(raw), listing, issues)
    issues.extend(_name_issues(frame, listing))
    perimeters = None
    if "code_insee" in frame.columns:
        members, code_issues = resolve_codes(frame, cog_mapping, units, listing)
        issues.extend(code_issues)
        members, dup_issues = _duplicate_issues(members, listing)
        issues.extend(dup_issues)
        issues.extend(_span_issues(members, units, listing))
    else:
        members = pd.DataFrame(columns=MEMBER_COLUMNS)
        perimeters = gpd.GeoDataFrame(frame.assign(listing=listing), geometry="geometry", crs=raw.crs)
        perimeters = perimeters[PERIMETER_COLUMNS]
    issue_frame = pd.DataFrame(issues, columns=ISSUE_COLUMNS)
    issue_frame["line"] = issue_frame["line"].astype("Int64")
    members["line"] = members["line"].astype("Int64")
    return ListingResult(members=members, issues=issue_frame, perimeters=perimeters)


# --------------------------------------------------------------------------- I/O edge


def read_listing(
    path: str | Path,
    cog_mapping: pd.DataFrame,
    units: pd.DataFrame,
    name: str | None = None,
) -> ListingResult:
    """Read, validate and resolve one listing file (CSV or GeoJSON).

    Parameters
    ----------
    path
        ``.csv`` (or ``.txt``) listing, or ``.geojson`` / ``.json`` perimeters.
    cog_mapping, units
        See :func:`resolve_listing`.
    name
        Listing name; default the file stem.

    Raises
    ------
    DataError
        On any structural defect (see module docstring).
    """
    path = Path(path)
    listing = name or path.stem
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"Impossible de lire la liste de CPTS : {exc.strerror}", path) from exc
    text = decode_utf8(data, path)
    if path.suffix.lower() in (".geojson", ".json"):
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(f"GeoJSON illisible : {exc.msg}", path, exc.lineno) from exc
        raw: pd.DataFrame = parse_listing_geojson(obj, path)
    else:
        raw = parse_listing_csv(text, path)
    return resolve_listing(raw, cog_mapping, units, listing)


def combine(results: dict[str, ListingResult] | list[ListingResult]) -> ListingResult:
    """Concatenate several listings' results (their ``listing`` column tells them apart)."""
    items = list(results.values()) if isinstance(results, dict) else list(results)
    if not items:
        return ListingResult(pd.DataFrame(columns=MEMBER_COLUMNS), pd.DataFrame(columns=ISSUE_COLUMNS))
    members = pd.concat([r.members for r in items], ignore_index=True)
    issues = pd.concat([r.issues for r in items], ignore_index=True)
    perims = [r.perimeters for r in items if r.perimeters is not None]
    perimeters = None
    if perims:
        crs = perims[0].crs
        perimeters = gpd.GeoDataFrame(
            pd.concat([p.to_crs(crs) for p in perims], ignore_index=True), geometry="geometry", crs=crs
        )
    return ListingResult(members=members, issues=issues, perimeters=perimeters)


__all__ = [
    "STATUTS",
    "ListingResult",
    "combine",
    "decode_utf8",
    "name_key",
    "near_duplicate_names",
    "parse_listing_csv",
    "parse_listing_geojson",
    "read_listing",
    "resolve_codes",
    "resolve_listing",
]
