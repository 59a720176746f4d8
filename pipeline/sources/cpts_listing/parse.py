"""Parsing of CPTS listings: the CSV form and the GeoJSON form, with every structural defect collected."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from pipeline.errors import DataError
from pipeline.geography import COMMUNE_CODE_COLUMNS, ascii_fold, is_insee_code, normalise_insee_code
from pipeline.sources.cpts_listing.crs_reading import UnitsNear
from pipeline.sources.cpts_listing.model import (
    NAME_COLUMN,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    STATUTS,
    UNREAD,
    feature_label,
    raise_collected,
)
from pipeline.sources.cpts_listing.perimeters import RESERVED, read_features
from pipeline.sources.delimited import excel_separator, plural_fields, sniff_delimiter, title_lines
from pipeline.sources.files import decode_text
from pipeline.sources.listing_headers import CPTS_SYNONYMS, header_key
from pipeline.sources.od_totals import is_total

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: The other forms a French spreadsheet writes a date in: « 01/03/2022 » (day first, as the French locale does; a
#: review's ARS export was refused for it) and « 2022-03-01 00:00:00 » (a date cell saved with its time).
_FRENCH_DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: 00:00(?::00)?)?$")
_MIDNIGHT_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]00:00(?::00)?$")
#: Listing separators: the three a spreadsheet writes, and « | » of database exports (a review was told « colonnes
#: obligatoires absentes » for « cpts|code_insee »).
LISTING_DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")


def decode_utf8(data: bytes, path: str | Path | None = None) -> str:
    """Decode a listing's bytes as UTF-8 (BOM tolerated); see :func:`pipeline.sources.files.decode_text`."""
    return decode_text(data, path).text


def canonical_statut(value: str) -> str | None:
    """The canonical status for ``value`` (case, accent and apostrophe insensitive), or None."""

    def fold(s: str) -> str:
        return re.sub(r"\s+", " ", ascii_fold(s.replace("’", "'")).strip())

    table = {fold(s): s for s in STATUTS}
    return table.get(fold(value))


#: A name starting as a total's label does (« Grand total », « Total CPTS Alpha », « Sous-total (2) »).
_TOTAL_START = re.compile(r"(?:grand |sous[ -]?)?tota(?:l|ux)\b")


def check_fields(cpts: str, statut: str, day: str, where: str) -> tuple[list[str], str | None, str | None]:
    """Validate the name, status and date of one row or feature: (errors, statut, date)."""
    errors = []
    if not cpts:
        errors.append(f"{where}nom de CPTS (« cpts ») vide")
    elif is_total(cpts):  # « Total », « TOTAL : », « Sous-total », « Total général », as a spreadsheet writes them
        # A review: « TOTAL;2 » under the rows became a CPTS « TOTAL » (a total row with an empty code was refused).
        errors.append(f"{where}ligne de total (« {cpts} ») à la place d'une CPTS : supprimez-la")
    canon = None
    if statut:
        canon = canonical_statut(statut)
        if canon is None:
            errors.append(
                f"{where}statut « {statut} » inconnu (attendu : " + ", ".join(f"« {s} »" for s in STATUTS) + ")"
            )
    iso = None
    if day:
        iso = _iso_day(day)
        if iso is None:
            errors.append(f"{where}date « {day} » invalide (formats attendus AAAA-MM-JJ ou JJ/MM/AAAA)")
    return errors, canon, iso


def _iso_day(day: str) -> str | None:
    """``AAAA-MM-JJ`` of a date written so, or ``JJ/MM/AAAA``, or with a midnight time; None for anything else or
    a day that does not exist (« 31/02/2022 »)."""
    if (french := _FRENCH_DATE_RE.match(day)) is not None:
        day = f"{french.group(3)}-{int(french.group(2)):02d}-{int(french.group(1)):02d}"
    elif (midnight := _MIDNIGHT_RE.match(day)) is not None:
        day = midnight.group(1)
    if not _DATE_RE.match(day):
        return None
    try:
        date.fromisoformat(day)
    except ValueError:
        return None
    return day


#: Other headers of the required columns, read when the documented one is absent (« Nom de la CPTS », « CODGEO »:
#: a review's export was refused, its title line reported as the columns read).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "cpts": CPTS_SYNONYMS,
    # Not a bare « code »: in a listing it is as likely the CPTS's own code (a review: ids read as INSEE codes).
    "code_insee": tuple(c for c in COMMUNE_CODE_COLUMNS[1:] if c != "code"),
    "cpts_id": ("id_cpts", "identifiant_cpts", "identifiant_de_la_cpts", "code_cpts", "numero_cpts"),
    # A review's « Statut CPTS » and « Date signature ACI » were dropped without a word: every CPTS « non
    # renseigné » in the overlaps an ARS settles by status and date. A header with the word « statut » or
    # « date » and one of :data:`ABOUT_THE_CPTS`, the only one, is that column too (:func:`header_keys`).
    "statut": ("etat_d_avancement", "etat_de_la_cpts", "etat_d_avancement_de_la_cpts"),
    "date": ("date_aci",),
    # The communes' names beside their codes: a postal code typed as an INSEE code is found by them.
    NAME_COLUMN: ("nom_commune", "nom_de_la_commune", "libelle_commune", "libelle_de_la_commune", "lib_commune",
                  "libcom", "nom_com", "commune_nom"),
}
#: Columns whose word, in a header, names them when the listing has no other (« Statut de la CPTS »)...
BY_WORD = ("statut", "date")
#: ... when the header also says it is the CPTS's: « Statut juridique » or « Date de mise à jour » are other
#: columns, whose values would refuse the file (a review: listings that loaded were refused).
ABOUT_THE_CPTS = ("cpts", "aci", "signature", "projet", "sante", "avancement")


def header_keys(header: list[str]) -> list[str]:
    """Header names as the columns of the format are compared (« Code INSEE » is ``code_insee``; « Nom de la
    CPTS » is ``cpts`` when no column is « CPTS »: the first synonym of :data:`SYNONYMS` present; « Statut de
    la CPTS » is ``statut`` when it is the only header holding the word: :data:`BY_WORD`)."""
    keys = [header_key(h) for h in header]
    for column, synonyms in SYNONYMS.items():
        if column not in keys and (found := next((s for s in synonyms if s in keys), None)) is not None:
            keys[keys.index(found)] = column
    known = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS, NAME_COLUMN)
    for word in BY_WORD:
        holding = [i for i, key in enumerate(keys) if key not in known and word in key.split("_")
                   and any(about in key.split("_") for about in ABOUT_THE_CPTS)]
        if word not in keys and len(holding) == 1:
            keys[holding[0]] = word
    return keys


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
        Columns cpts, code_insee, cpts_id, statut, date, commune (the name
        beside the code, if a column gives it), line (strings, empty optional
        values as None; ``line`` is the 1-based physical line). Its
        ``attrs[UNREAD]`` holds the headers of the columns not read, and the
        header's line.

    Raises
    ------
    DataError
        Listing every structural problem: missing columns, wrong number of
        fields, empty name or code, unknown status, invalid date.
    """
    offset = 0
    excel = excel_separator(text)
    if excel is not None:  # honoured and skipped, as by every other reader of user CSV files
        text, offset = text.partition("\n")[2], 1
    # Title lines a spreadsheet writes above the header (« Liste des CPTS de la région;; »), skipped as the
    # editor's import and the territory files skip them (a review: the same file was refused here).
    titles = title_lines(text, lambda cells: all(c in header_keys(cells) for c in REQUIRED_COLUMNS),
                         is_data=lambda cells: any(is_insee_code(cell.strip()) for cell in cells))
    for _ in titles:
        text, offset = text.partition("\n")[2], offset + 1
    delimiter = excel or sniff_delimiter(text.split("\n", 1)[0], LISTING_DELIMITERS)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise DataError("Le fichier de CPTS est vide.", path, 1) from None
    # Headers as a spreadsheet user writes them: « Code INSEE », « CPTS », « Statut » are the documented columns.
    columns = header_keys(header)
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        # A workbook's sheet has cells, not a separator (a review read « séparateur « ; » » of an .xlsx file).
        workbook = path is not None and Path(path).suffix.lower() in (".xlsx", ".xlsm")
        raise DataError(
            "Colonnes obligatoires absentes : "
            + ", ".join(f"« {c} »" for c in missing)
            + f" (colonnes lues : {', '.join(h.strip().lstrip(chr(0xFEFF)) for h in header)}"
            + ("" if workbook else f" ; séparateur « {delimiter} »") + ")",
            path,
            1 + offset,
        )
    twice = [c for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS, NAME_COLUMN) if columns.count(c) > 1]
    if twice:
        shown = [h.strip().lstrip(chr(0xFEFF)) for h in header]
        raise DataError(
            "Colonnes présentes plusieurs fois, laquelle lire ? "
            + " ; ".join(f"« {c} » : " + ", ".join(f"« {shown[i]} »" for i, k in enumerate(columns) if k == c)
                         for c in twice),
            path,
            1 + offset,
        )
    index = {c: columns.index(c) for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS, NAME_COLUMN) if c in columns}
    unread = [h.strip().lstrip(chr(0xFEFF)) for h, key in zip(header, columns, strict=True) if key not in index]
    errors: list[tuple[int | None, str]] = []
    rows = []
    line = reader.line_num
    for record in reader:
        line_start = line + 1 + offset
        line = reader.line_num
        if not any(v.strip() for v in record):
            continue
        if len(record) != len(columns):
            errors.append((line_start, f"{plural_fields(len(record))} au lieu de {len(columns)}"))
            continue

        def get(col: str, rec: list[str] = record) -> str:
            return rec[index[col]].strip() if col in index else ""

        cpts, code = one_line(get("cpts")), get("code_insee")
        row_errors, statut, day = check_fields(cpts, get("statut"), get("date"), "")
        if (not is_total(cpts) and _TOTAL_START.match(ascii_fold(cpts).lower())
                and normalise_insee_code(code)[0] is None):
            # « Grand total;4 », « Total CPTS Alpha;2 » (a spreadsheet's subtotal): no commune code, a total's label
            # first (a re-check: loaded as CPTS); « Total Santé Gap;05013 » names a commune, it is a CPTS.
            row_errors.append(f"ligne de total (« {cpts} ») à la place d'une CPTS : supprimez-la")
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
                "commune": get(NAME_COLUMN) or None,
                "line": line_start,
            }
        )
    raise_collected(errors, "Liste de CPTS invalide :", path)
    if not rows:
        raise DataError("Le fichier de CPTS ne contient aucune ligne après l'en-tête : aucune CPTS à charger",
                        path, 2 + offset)
    frame = pd.DataFrame(rows, columns=["cpts", "code_insee", "cpts_id", "statut", "date", "commune", "line"])
    # Said with the listing's anomalies (:func:`~pipeline.sources.cpts_listing.resolve.resolve_listing`).
    frame.attrs[UNREAD] = ([h for h in unread if h], 1 + offset)
    return frame


def one_line(name: str) -> str:
    """A name on one line, its spaces single: a line break typed in a spreadsheet cell (Alt+Entrée), a tab, a
    no-break space or several spaces become one space (a review: such a name split the progress lines of « make
    diagnostics » in two; « CPTS  Trail » and « CPTS\u00a0Trail » made a second CPTS beside « CPTS Trail »)."""
    return re.sub(r"\s+", " ", name)


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()


def parse_listing_geojson(path: str | Path, units_near: UnitsNear | None = None
                          ) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Read and validate a GeoJSON listing of CPTS perimeters.

    Returns
    -------
    (frame, notes)
        ``frame``: EPSG:4326, columns cpts, cpts_id, statut, date, feature
        (0-based index), anomalie (see
        :func:`pipeline.sources.cpts_listing.perimeters.read_features`),
        geometry. ``notes``: French notes (CRS assumed).

    Raises
    ------
    DataError
        Listing every problem with its feature index, in feature order:
        missing ``cpts``, bad status or date, missing, empty, non-polygonal
        or invalid geometry, no feature at all; and the file-level errors of
        :func:`~pipeline.sources.cpts_listing.perimeters.read_features`.
    """
    frame, notes, geometry_errors = read_features(path, units_near=units_near)
    errors: list[tuple[int, int, str]] = [(i, 1, msg) for i, msg in geometry_errors]
    rows = []
    properties = [c for c in frame.columns if c not in RESERVED]
    keys = dict(zip(properties, header_keys([str(c) for c in properties]), strict=True))
    for found in frame.drop(columns="geometry").to_dict("records"):
        # Property names as in a CSV header: « CPTS », « Nom de la CPTS » or « Statut » from a QGIS layer are the
        # same columns (a review: « nom_cpts » read as an empty « cpts »).
        record = {keys[k]: v for k, v in found.items() if k in keys and keys[k] not in found}
        record.update(found)
        i = int(record["feature"])
        cpts = one_line(_text(record.get("cpts")))
        field_errors, statut, day = check_fields(cpts, _text(record.get("statut")), _text(record.get("date")),
                                                 f"{feature_label(i)} : ")
        errors.extend((i, 0, e) for e in field_errors)
        rows.append({"cpts": cpts, "cpts_id": _text(record.get("cpts_id")) or None, "statut": statut, "date": day,
                     "feature": i, "anomalie": record.get("anomalie")})
    # Per feature, the field errors first, then the geometry's; « aucune entité » (feature -1) last.
    errors.sort(key=lambda e: (e[0] if e[0] >= 0 else len(frame) + 1, e[1]))
    raise_collected([(None, msg) for _, _, msg in errors], "Périmètres de CPTS invalides :", path)
    parsed = gpd.GeoDataFrame(pd.DataFrame(rows, columns=["cpts", "cpts_id", "statut", "date", "feature",
                                                          "anomalie"]),
                              geometry=frame.geometry.to_numpy(), crs=frame.crs)
    return parsed, notes
