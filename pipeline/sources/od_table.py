"""Real origin–destination tables (``FLUX=od.csv``) that replace the modelled flows.

The file (UTF-8 with or without BOM, ``;``, ``,``, tab or ``|`` separated,
header line) has columns ``origine``, ``destination``, ``volume`` and
optionally ``profession``. Aliases: ``origin``/``commune_origine``/``code_origine``,
``commune_destination``/``code_destination``, ``nombre``/``effectif``/``recours``,
``groupe``/``groupe_professionnel`` (header names compared without case, accents
or punctuation). Two columns meaning the same thing (``volume`` and ``nombre``)
are refused: which one holds the volumes cannot be guessed. A header without
any data line is refused too (« Table de flux vide »). Volumes are non-negative
numbers (decimal comma and spaces as thousands separators accepted).

Professions are read as Trame groups (:func:`flow_profession`: the members
file's words, the ANS nomenclatures' labels and ``SM`` specialty codes, a
parenthesised abbreviation such as « Médecins généralistes (MG) »).

Two kinds of defects are treated differently:

* a malformed commune code (or, once checked against the COG by
  :func:`filter_known_codes`, an unknown one) leaves its row out and is
  REPORTED in :attr:`StagedOD.problems` with its line: one bad code must not
  stop a diagnostic;
* a volume that is not a number, negative, infinite or absurd (more than
  :data:`MAX_VOLUME` recours for one pair of communes and one profession)
  makes the table unusable: a French :class:`~pipeline.errors.DataError`
  names every such line.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from pipeline.errors import DataError
from pipeline.geography import city_of_arrondissement, normalise_insee_code, paris_postal_arrondissement
from pipeline.sources.delimited import header_line, parse_csv_text
from pipeline.sources.files import MAX_LISTED, read_text_checked
from pipeline.sources.od_headers import canonical_column, header_columns, same_meaning
from pipeline.sources.od_notes import ADDED_UP, bias_notes, problem_notes, unknown_code
from pipeline.sources.od_professions import GROUPE_MG, flow_profession, is_gp
from pipeline.sources.od_totals import is_total, totals_beside_empty_codes
from pipeline.sources.od_volumes import ambiguity_message, ambiguous_volumes, parse_volume

#: Profession of the rows of a table without a profession column.
GROUPE_NON_PRECISE = "non précisé"
#: Above this many recours per year for one pair and one profession, a volume is an error (France has
#: about 4e8 GP consultations a year in all).
MAX_VOLUME = 1e8
#: Columns an OD table must have; a line naming two of them is its header, below any title line.
REQUIRED = frozenset({"origine", "destination", "volume"})
TABLE_COLUMNS = ["origine", "destination", "origine_commune", "destination_commune", "profession", "volume", "ligne"]
PROBLEM_COLUMNS = ["ligne", "colonne", "valeur", "probleme", "ecartee"]
FLOW_COLUMNS = ["origin", "destination", "groupe", "volume"]


@dataclass(frozen=True)
class StagedOD:
    """A read OD table and what was reported about it.

    Attributes
    ----------
    table
        Kept rows, columns :data:`TABLE_COLUMNS`: ``origine``/``destination``
        (units as written, leading zero restored: communes or
        arrondissements), ``origine_commune``/``destination_commune`` (the
        current commune: the city for an arrondissement), ``profession`` (the
        Trame group when recognised, else the text; :data:`GROUPE_NON_PRECISE`
        without the column), ``volume`` (float64 ≥ 0), ``ligne`` (int64).
    problems
        One row per reported defect, columns :data:`PROBLEM_COLUMNS`:
        ``ligne``, ``colonne``, ``valeur``, ``probleme`` (French) and
        ``ecartee`` (True when the row was left out).
    unplaced
        The rows left out for a malformed or missing destination whose origin is a commune code, in the
        shape of ``table`` (``destination`` as written): a resident's consultation gone somewhere unknown,
        which the self-containment's range counts (a review: « Etranger » and empty destinations were left
        out of it).
    """

    table: pd.DataFrame
    problems: pd.DataFrame
    unplaced: pd.DataFrame = field(default_factory=lambda: _table([]))


def read_od_table(path: str | Path) -> StagedOD:
    """Read an origin–destination table (see :func:`_read_od_table`), parsed once while the file is unchanged.

    A diagnostic checks the ``FLUX=`` table before anything else, then its flows and pertinence sections read
    it (a table of every commune pair of a région holds millions of rows). The last table read is kept, keyed
    by its path and its file's identity: a changed file is read again; an error is never kept.
    """
    try:
        info = os.stat(path)
    except OSError:
        return _read_od_table(path)  # the reader names the problem in French
    return _read_unchanged(str(path), info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size)


@lru_cache(maxsize=1)
def _read_unchanged(path: str, *identity: int) -> StagedOD:
    return _read_od_table(path)


def _read_od_table(path: str | Path) -> StagedOD:
    """Read an origin–destination table.

    Raises
    ------
    DataError
        Not a regular file, not UTF-8, empty (« Fichier vide : une ligne
        d'en-tête origine;destination;volume est attendue », line 1), a
        header without data line (« Table de flux vide », line 2), a
        missing column (named as the README does, with the header read),
        two columns of the same meaning (« volume » and « nombre »: both
        named, header line), lines with a wrong number of fields, and
        volumes that are not numbers, negative or non-finite, or above
        :data:`MAX_VOLUME` (alone or summed over the rows of one pair). One
        bad line gives « Table origine–destination invalide : <problème> »
        with its line; several are listed.
    """
    errors: list[tuple[int, str]] = []
    text = read_text_checked(path, workbook=True).text
    titles: list[tuple[int, str]] = []
    try:
        # Title lines a spreadsheet writes above the header (« Recours aux MG 2023 - source SNDS;;; ») are skipped,
        # as in the members file (a review: the title was read as the header, « colonne sans nom d'en-tête »).
        frame = parse_csv_text(text, path, [], line_column="ligne", malformed=errors, titles=titles,
                               is_header=lambda cells: len({canonical_column(c) for c in cells} & REQUIRED) >= 2)
    except DataError as exc:
        if exc.message == "Fichier vide":
            raise DataError("Fichier vide : une ligne d'en-tête origine;destination;volume est attendue",
                            path, exc.line) from None
        first = text.lstrip("\ufeff").split("\n", 1)[0].strip().rstrip("\r")
        if not titles and len([c for c in re.split(r"[;,\t|]", first) if c.strip()]) <= 1 \
                and exc.line != header_line(text):
            # A title line with no header below it that names the columns: said so, not « colonne sans nom ».
            raise DataError(f"En-tête introuvable : la ligne 1 « {first.strip(';,|')} » est un titre, et aucune des "
                            "lignes suivantes ne nomme les colonnes origine, destination et volume", path,
                            header_line(text)) from None
        raise
    header_at = header_line(text) + len(titles)
    read_header = [c for c in frame.columns if c != "ligne"]
    clash = same_meaning(read_header)
    if clash is not None:
        raise DataError(clash, path, header_at)
    frame = frame.rename(columns=header_columns(read_header))
    missing = [c for c in ("origine", "destination", "volume") if c not in frame.columns]
    if missing:
        raise DataError("Colonne(s) manquante(s) dans la table origine–destination : " + ", ".join(missing)
                        + f" (en-tête lu : {', '.join(read_header)})", path, header_at)
    if frame.empty and not errors:
        raise DataError("Table de flux vide : le fichier n'a que sa ligne d'en-tête, aucune ligne de recours "
                        "(origine;destination;volume) ; complétez-la, ou retirez FLUX= pour utiliser les flux "
                        "modélisés", path, header_at + 1)
    has_profession = "profession" in frame.columns
    problems: list[dict[str, object]] = []
    rows: list[dict[str, object]] = []
    unplaced: list[dict[str, object]] = []
    # Per distinct text, not per row: a région's table repeats each code hundreds of times.
    normalised: dict[str, tuple[str | None, str | None]] = {}
    columns = [frame[c].tolist() for c in ("ligne", "volume", "origine", "destination")]
    labels = frame["profession"].tolist() if has_profession else [None] * len(frame)
    ambiguous = ambiguous_volumes([v or "" for v in columns[1]])
    beside = totals_beside_empty_codes(frame)
    for position, (line_text, volume_text, origine, destination, label_text) in enumerate(
            zip(*columns, labels, strict=True)):
        record = {"origine": origine, "destination": destination}
        line = int(line_text)
        cells = {**record, "profession": label_text or "", **beside[position]}
        if total := next((c for c in (*beside[position], "origine", "destination", "profession")
                          if is_total(cells[c] or "")), None):
            problems.append({"ligne": line, "colonne": total, "valeur": cells[total], "ecartee": False,
                             "probleme": f"ligne de total « {cells[total]} » écartée (ses recours sont ceux des "
                                         "lignes qu'elle additionne)"})
            continue
        raw_volume = volume_text or ""
        volume = parse_volume(raw_volume)
        if position in ambiguous:
            errors.append((line, ambiguity_message(raw_volume, ambiguous[position])))
        elif volume is None:
            errors.append((line, f"volume non numérique « {raw_volume} »"))
        elif not math.isfinite(volume) or volume < 0:
            errors.append((line, f"volume négatif ou non fini « {raw_volume} »"))
        elif volume > MAX_VOLUME:
            errors.append((line, f"volume aberrant « {raw_volume} » (plus de {MAX_VOLUME:,.0f} recours pour un "
                                 "couple de communes)".replace(",", " ")))
        codes = {}
        for column in ("origine", "destination"):
            value = record[column] or ""
            if value not in normalised:
                normalised[value] = normalise_insee_code(value)
            code, note = normalised[value]
            if code is None:
                what = f"invalide « {value} »" if value else "absent"
                problems.append({"ligne": line, "colonne": column, "valeur": value, "ecartee": True,
                                 "probleme": f"code {column} {what} : ligne écartée"})
            elif note is not None:
                problems.append({"ligne": line, "colonne": column, "valeur": value, "ecartee": False,
                                 "probleme": f"code {column} {note}"})
            codes[column] = code
        profession = GROUPE_NON_PRECISE
        if has_profession:
            label = label_text or ""
            profession = flow_profession(label) or label or GROUPE_NON_PRECISE
            if not label:
                problems.append({"ligne": line, "colonne": "profession", "valeur": "", "ecartee": False,
                                 "probleme": f"profession vide : comptée « {GROUPE_NON_PRECISE} »"})
        if codes["origine"] is not None and codes["destination"] is None:
            unplaced.append({"origine": codes["origine"], "destination": record["destination"] or "",
                             "profession": profession, "volume": volume, "ligne": line})
        if codes["origine"] is None or codes["destination"] is None:
            continue
        rows.append({"origine": codes["origine"], "destination": codes["destination"], "profession": profession,
                     "volume": volume, "ligne": line})
    table = _table(rows)
    if not errors:
        pair_total = table.groupby(["origine", "destination", "profession"])["volume"].transform("sum")
        for (origine, destination), group in table[pair_total > MAX_VOLUME].groupby(["origine", "destination"]):
            lines = ", ".join(str(n) for n in group["ligne"])
            errors.append((int(group["ligne"].iloc[0]), f"volume aberrant pour {origine} → {destination} : "
                                                        f"{group['volume'].sum():.0f} recours (lignes {lines})"))
    if len(errors) == 1:
        raise DataError("Table origine–destination invalide : " + errors[0][1], path, errors[0][0])
    if errors:
        errors.sort()
        shown = [f"ligne {n} : {m}" for n, m in errors[:MAX_LISTED]]
        more = f"\n  … et {len(errors) - MAX_LISTED} autres" if len(errors) > MAX_LISTED else ""
        raise DataError("Table origine–destination invalide :\n  - " + "\n  - ".join(shown) + more,
                        path, errors[0][0])
    # Rows repeating a pair (and profession) are added up, as a table split by month would need; said, since a
    # row pasted twice would double its volume unnoticed otherwise.
    key = ["origine", "destination", "profession"]
    first = table.groupby(key)["ligne"].transform("min")
    for row in table.assign(premiere=first)[table["ligne"] != first].itertuples(index=False):
        problems.append({"ligne": row.ligne, "colonne": "origine", "valeur": row.origine, "ecartee": False,
                         "probleme": f"couple {row.origine} → {row.destination} déjà donné ligne {row.premiere} : "
                                     f"{ADDED_UP}"})
    problems[:0] = [{"ligne": line, "colonne": "", "valeur": title, "ecartee": False,
                     "probleme": f"ligne de titre au-dessus de l'en-tête, ignorée : « {title} »"}
                    for line, title in titles if title]
    return StagedOD(table, pd.DataFrame(problems, columns=PROBLEM_COLUMNS).astype({"ligne": "int64",
                                                                                   "ecartee": bool}),
                    _table(unplaced))




def _table(rows: list[dict[str, object]] | pd.DataFrame) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=["origine", "destination", "profession", "volume", "ligne"])
    table = table.astype({"volume": "float64", "ligne": "int64"})
    for side in ("origine", "destination"):
        cities = {code: city_of_arrondissement(str(code)) for code in table[side].unique()}
        city = table[side].map(cities)
        table[f"{side}_commune"] = city.where(city.notna(), table[side])
    return table[TABLE_COLUMNS].reset_index(drop=True)


def filter_known_codes(staged: StagedOD, known: Iterable[str] | Mapping[str, str],
                       loaded: Collection[str] = ()) -> StagedOD:
    """Leave out (and report) the rows whose codes the COG does not know.

    Parameters
    ----------
    staged
        :func:`read_od_table` output.
    known
        The current units (communes and arrondissements municipaux), or a
        mapping of every known code to its current unit (the ``cog_mapping``
        table: old codes of merged communes are then translated, with a
        reported note, instead of left out).
    loaded
        The départements of a database loaded for some of them only (empty:
        all of France): a commune code of another département is reported as
        outside the load, not as unknown to the COG.

    Returns
    -------
    StagedOD
        Rows with an unknown code removed and reported (``ecartee`` True).
    """
    translate = dict(known) if isinstance(known, Mapping) else {code: code for code in known}
    table = staged.table.copy()
    problems = [staged.problems]
    keep = pd.Series(True, index=table.index)
    for side in ("origine", "destination"):
        # 75001…75020: Paris's postal codes, or Seine communes' codes before 1968: a guess either way.
        target = table[side].map(translate).where(table[side].map(paris_postal_arrondissement).isna())
        unknown = target.isna()
        problems.append(pd.DataFrame({
            "ligne": table.loc[unknown, "ligne"], "colonne": side, "valeur": table.loc[unknown, side],
            "probleme": [unknown_code(side, code, loaded) for code in table.loc[unknown, side]], "ecartee": True}))
        moved = ~unknown & (target != table[side])
        problems.append(pd.DataFrame({
            "ligne": table.loc[moved, "ligne"], "colonne": side, "valeur": table.loc[moved, side],
            "probleme": [f"code {side} ancien {old} rattaché à {new}"
                         for old, new in zip(table.loc[moved, side], target[moved], strict=True)],
            "ecartee": False}))
        table[side] = target.where(~unknown, table[side])
        keep &= ~unknown
    rebuilt = _table(table.loc[keep, ["origine", "destination", "profession", "volume", "ligne"]])
    merged = pd.concat([p for p in problems if not p.empty], ignore_index=True) if any(
        not p.empty for p in problems) else staged.problems
    merged = merged.astype({"ligne": "int64", "ecartee": bool}).sort_values(["ligne", "colonne"], kind="stable")
    return StagedOD(rebuilt, merged[PROBLEM_COLUMNS].reset_index(drop=True))


def to_flow_table(staged: StagedOD, units: bool = False) -> pd.DataFrame:
    """The flow-table shape of :mod:`pipeline.analysis.flows`: ``origin``, ``destination``, ``groupe``, ``volume``.

    Codes are current communes (arrondissements folded into their city), or
    with ``units`` the units as written (arrondissements of Paris, Lyon and
    Marseille kept, as the diagnostic's flow model works on them); rows of
    one key are summed, sorted.
    """
    t = staged.table
    origin, destination = ("origine", "destination") if units else ("origine_commune", "destination_commune")
    table = pd.DataFrame({"origin": t[origin], "destination": t[destination],
                          "groupe": t["profession"], "volume": t["volume"]})
    flows = table.groupby(["origin", "destination", "groupe"], as_index=False, sort=True)["volume"].sum()
    return flows[FLOW_COLUMNS].astype({"volume": "float64"})


__all__ = [
    "GROUPE_MG", "GROUPE_NON_PRECISE", "MAX_VOLUME", "StagedOD", "bias_notes", "filter_known_codes",
    "flow_profession", "is_gp", "problem_notes", "read_od_table", "to_flow_table",
]
