"""The CPTS's members (``ADHERENTS=chemin.csv``), for the Trame's representativeness table.

The Trame d'un projet de santé asks, per profession and for MSP and centres
de santé, the « nombre et/ou pourcentage de professionnels ayant adhéré à la
CPTS », « … participant à la gouvernance » and « … ayant participé à
l'élaboration du projet de santé ». The file gives one row per member (or per
group of members of one profession), UTF-8, ``;``/``,``/tab separated:

=============  ========  ====================================================
column         required  content
=============  ========  ====================================================
profession     yes       free text mapped to a Trame row (:func:`profession_group`)
rpps           no        RPPS number (11 digits; spaces and dots tolerated), or
                         ADELI number (9 characters, « 2A »/« 2B » first in Corsica)
                         of the professions the Annuaire Santé still lists under ADELI
adeli          no        ADELI number, read where ``rpps`` is empty (a file with
                         one column of each)
gouvernance    no        oui / non (case and accents ignored; empty: unknown)
elaboration    no        oui / non (``élaboration`` accepted as header)
nombre         no        positive integer: members the row stands for (default 1,
                         at most :data:`MAX_COUNT`; « 1 000 », « 2,0 » read)
=============  ========  ====================================================

Headers are read by their words (:mod:`.adherent_headers`: « Code RPPS »,
« N°RPPS », « Nombre d'adhérents », « Total adhérents », « Gouvernance (oui/non) »; « Adhérents » alone when it
holds whole numbers, while its « non » in an oui/non column is refused); title lines above the header are
skipped. Other columns (names, e-mails) are not kept, and are named in a note. Two header names that read as
the same column of the format (« Profession » and « profession exercée », « RPPS » and « N° RPPS ») are
refused, never one of them picked silently.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipeline.errors import DataError
from pipeline.geography import ascii_fold
from pipeline.nomenclatures import GROUPES_STRUCTURES
from pipeline.sources.adherent_headers import (
    MEMBER_WORDS,
    MEMBERS_ONLY,
    PERSON_WORDS,
    exact_column,
    folded_name,
    format_column,
    format_columns,
)
from pipeline.sources.adherent_professions import (
    TRAME_ROWS,
    names_one_structure,
    profession_group,
    profession_of_a_member,
)
from pipeline.sources.delimited import header_line, parse_csv_text
from pipeline.sources.files import MAX_LISTED, first_listed, read_text_checked
from pipeline.sources.member_numbers import member_number

COLUMNS = ["profession", "groupe", "rpps", "rpps_probleme", "gouvernance", "elaboration", "nombre", "ligne"]
#: Largest ``nombre`` of one row. A row stands for members of one profession in one CPTS; the largest CPTS
#: (taille 4, a few hundred thousand inhabitants) count a few thousand professionals in all, so a larger figure
#: is a typo (a pasted total, an RPPS in the wrong column); the bound also keeps every sum far inside 64-bit
#: integers. Members above the territory's professionals of their profession: analysis.representativeness.
MAX_COUNT = 100_000
#: Internal column of each row's line in the file: header names are stripped of spaces, so a name that
#: starts with one can never be a user's column (a user column « Ligne » or « ligne » is simply not kept).
_LINE = " ligne du fichier"
#: A total or subtotal row's profession cell, folded: the word « total » anywhere (« Total », « TOTAL GÉNÉRAL »,
#: « Sous-total », « Infirmiers (total) », « Masseurs-kinésithérapeutes - total », « TOTAL : » — a re-check found
#: subtotals counted as members, 14 for the file's own « Total général ; 7 »), or « Ensemble » alone.
_TOTAL_ROW = re.compile(r".*\b(?:sous[\s-]?)?(?:total|totaux)\b.*|ensemble", re.IGNORECASE)
#: The words of a total, to read which profession a subtotal names (« Infirmiers (total) »).
_TOTAL_WORDS = re.compile(r"\b(?:sous[\s-]?)?(?:total|totaux)\b", re.IGNORECASE)
OTHER_ROW_HINT = "pour une profession hors de ces lignes, si ce n'est pas une faute de frappe"


def _total_rows(professions: pd.Series) -> pd.Series:
    """Which rows are totals (:data:`_TOTAL_ROW`), to leave out: a grand total, or a profession's subtotal below
    rows of that profession; a profession's « (total) » alone in the file is its members (a re-check: « Médecins
    généralistes (total) ; 12 » without detail rows counted 0 GPs)."""
    totals = professions.map(lambda p: bool(_TOTAL_ROW.fullmatch(ascii_fold(p).strip())))
    named = professions[totals].map(lambda p: profession_group(_TOTAL_WORDS.sub(" ", p).strip(" -:()[]")))
    detailed = {profession_group(p) for p in professions[~totals]}
    alone = named.notna() & ~named.isin(detailed)
    return totals & ~alone.reindex(professions.index, fill_value=False)


def _yes_no(value: object) -> bool | str | None:
    """True/False for oui/non, None for empty, the raw text when it is neither."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    folded = ascii_fold(str(value)).strip()
    if folded == "oui":
        return True
    if folded == "non":
        return False
    return str(value)


def _members_only_column(frame: pd.DataFrame, columns: dict[str, str], lines: pd.Series) -> list[tuple[int, str]]:
    """Read a column headed by members' words alone (« Adhérents ») as ``nombre`` when it holds whole numbers (a
    review: « Médecins généralistes;12 » under « Adhérents » counted one); when it says oui/non, the « non »
    rows as errors (a non-member counted as a member). Updates ``columns``; returns the errors with their lines."""
    for name in frame.columns:
        if name in columns.values() or not set(folded_name(name).split("_")) <= MEMBERS_ONLY \
                or not set(folded_name(name).split("_")) & MEMBER_WORDS:
            continue
        cells = [str(v).strip() for v in frame[name].fillna("")]
        if "nombre" not in columns and all(_whole_number(c) is not None for c in cells if c):
            columns["nombre"] = name
        elif all(isinstance(_yes_no(c), bool) for c in cells if c):
            return [(int(line), f"« {name} » : « {cell} » : ce fichier ne liste que les adhérents ; retirez les "
                                "lignes des non-adhérents") for line, cell in zip(lines, cells, strict=True)
                    if _yes_no(cell) is False]
    return []


#: A whole number of members as typed or exported: « 12 », « 1 000 », « 2.0 », « 2,00 ».
_COUNT = re.compile(r"([0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+|[0-9]+)(?:[.,]0{1,2})?")


def _member_count(value: object) -> int | None:
    """``nombre`` of a row: 1 when empty, the integer when it is one from 0 (a profession without members, in a
    table listing them all: a review's « Sages-femmes;0 » stopped the diagnostic) to :data:`MAX_COUNT`, else
    None."""
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()
    if not text:
        return 1
    # ASCII digits only (no sign, exponent or other script), as a spreadsheet writes them: thousands grouped by a
    # space (« 1 000 », also no-break and narrow no-break), and an integral decimal (« 2.0 », « 2,00 ») from a
    # column of numbers.
    number = _whole_number(text)
    return number if number is not None and 0 <= number <= MAX_COUNT else None


def _whole_number(text: str) -> int | None:
    """The whole number ``text`` writes (:data:`_COUNT`), of any size, or None."""
    match = _COUNT.fullmatch(text)
    return None if match is None else int(re.sub(r"\D", "", match.group(1)))


#: A date or a year in a cell: a title's, never a header's.
_DATED = re.compile(r"\b(?:1[89]|20)\d\d\b|\d{1,2}/\d{1,2}")


def _is_header(cells: list[str]) -> bool:
    """A line naming the ``profession`` column, with another column of the format or in a few words: a title
    line above the header (« Professionnels de santé adhérents à la CPTS du Pays dignois ») starts with the same
    word (a review: such files were refused, the real header read as a profession)."""
    kinds = [format_column(c) for c in cells if c.strip()]
    if "profession" not in kinds:
        return False
    if len(set(kinds) - {None}) > 1:
        return True
    named = [c for c in cells if format_column(c) == "profession"]
    if len(kinds) > 1:  # beside other columns (« Nom;Profession »), a header in a few words, without a date
        # (a title « Professionnels adhérents;mise à jour le 12/01/2024 », a review)
        return any(len(folded_name(c).split("_")) <= 3 for c in named) and not any(_DATED.search(c) for c in cells)
    # Alone on its line, the cell must be the column's name itself (« Profession », « Professions »): a short title
    # (« Professions adhérentes ») starts with the same word (a code review).
    return any(folded_name(c) in ("profession", "professions") or exact_column(c) == "profession" for c in named)


def read_adherents(path: str | Path) -> pd.DataFrame:
    """Read and check the members file.

    Returns
    -------
    pandas.DataFrame
        One row per file row, columns :data:`COLUMNS`: ``profession`` (as
        typed), ``groupe`` (a row of :data:`TRAME_ROWS`), ``rpps`` (11-digit
        string, or the 9-digit ADELI number, or NA), ``rpps_probleme`` (French text when the file's RPPS
        was malformed and dropped, else NA), ``gouvernance`` and
        ``elaboration`` (nullable boolean: NA when the column or the cell is
        empty), ``nombre`` (Int64 from 1 to :data:`MAX_COUNT`), ``ligne``
        (line in the file).

    Raises
    ------
    DataError
        Not a regular file, not UTF-8, no ``profession`` column, two header
        names for one column of the format, malformed lines, and (all listed
        at once, each with its line) an unknown profession, a
        gouvernance/élaboration other than oui/non, a ``nombre`` that is not
        an integer from 1 to :data:`MAX_COUNT` (negative, fractional, not a
        number, too large), a ``nombre`` above 1 on a row with an RPPS; then
        RPPS numbers given twice.
    """
    text = read_text_checked(path, workbook=True).text
    titles: list[tuple[int, str]] = []
    frame = parse_csv_text(text, path, required=[], line_column=_LINE, titles=titles,
                           is_header=_is_header,
                           is_data=lambda cells: any(profession_group(c) is not None for c in cells if c.strip()))
    header_at = header_line(text) + len(titles)
    lines = frame.pop(_LINE).astype("int64")
    columns = format_columns(list(frame.columns), path, header_at)
    if "profession" not in columns:
        raise DataError("Colonnes absentes : profession", path, header_at)
    if frame.empty:  # as for FLUX=: an empty file would give a table of zeros that looks like a real answer
        raise DataError("Fichier des adhérents vide : le fichier n'a que sa ligne d'en-tête, aucun adhérent ; "
                        "complétez-le, ou retirez ADHERENTS= (option --adherents)", path, header_at + 1)
    # A total row under the counts (« Total;17 ») is no profession: left out and said (a review: its hint « Autre
    # (Total) » would have counted 17 more members).
    totals = _total_rows(frame[columns["profession"]].fillna("").astype(str))
    counted = frame[columns["nombre"]] if "nombre" in columns else pd.Series("", index=frame.index)
    total_rows = [(int(line), str(p).strip(), "" if pd.isna(count) else str(count).strip())
                  for line, p, count in zip(lines[totals], frame.loc[totals, columns["profession"]], counted[totals],
                                            strict=True)]
    frame, lines = frame[~totals], lines[~totals]
    if frame.empty:
        raise DataError("Fichier des adhérents vide : il n'a qu'une ligne de total, aucun adhérent ; complétez-le, ou "
                        "retirez ADHERENTS= (option --adherents)", path, total_rows[0][0])

    errors: list[tuple[int, str]] = _members_only_column(frame, columns, lines)

    def column(name: str) -> list[object]:
        return frame[columns[name]].tolist() if name in columns else [None] * len(frame)

    professions = pd.Series(column("profession"), dtype=object).fillna("")
    groups = [profession_group(p) for p in professions]
    # Every problem of the file at once, unknown professions with the others (a review: fixed one by one).
    errors += [(int(ln), f"profession inconnue « {p} »" if str(p).strip() else "profession vide")
               for ln, p, g in zip(lines, professions, groups, strict=True) if g is None]
    rpps = [member_number(r, a) for r, a in zip(column("rpps"), column("adeli"), strict=True)]
    # A structure's row carrying an RPPS number is a person written with their structure (« Centre de santé
    # Belsunce - médecin généraliste »): their profession, when the text names one (a review).
    groups = [(profession_of_a_member(p) or g) if g in GROUPES_STRUCTURES and number is not None else g
              for p, g, (number, _) in zip(professions, groups, rpps, strict=True)]
    out = pd.DataFrame({"profession": professions.astype(str), "groupe": pd.Series(groups, dtype=str)})
    out["rpps"] = pd.array([r for r, _ in rpps], dtype="string")
    out["rpps_probleme"] = pd.array([p for _, p in rpps], dtype="string")
    for name, label in (("gouvernance", "gouvernance"), ("elaboration", "élaboration")):
        values = [_yes_no(v) for v in column(name)]
        errors += [(int(line), f"{label} « {value} » : oui ou non attendu")
                   for line, value in zip(lines, values, strict=True) if isinstance(value, str)]
        out[name] = pd.array([v if isinstance(v, bool) else None for v in values], dtype="boolean")
    counts: list[int] = []
    # « Nombre de professionnels » on a structure's row is its staff (a code review: 12 MSP read for one MSP of
    # 12 professionals); the format's « nombre » there counts structures.
    persons = "nombre" in columns and bool(set(folded_name(columns["nombre"]).split("_")) & PERSON_WORDS)
    for line, value, number, group, typed in zip(lines, column("nombre"), out["rpps"], groups, professions,
                                                 strict=True):
        count = _member_count(value)
        if group in GROUPES_STRUCTURES and count is not None and count > 1 and persons:
            errors.append((int(line), f"nombre {count} sur une ligne de structure ({group}) : la colonne "
                                      f"« {columns['nombre']} » compte des personnes, une ligne de structure compte "
                                      "une structure (1, ou vide)"))
        elif group in GROUPES_STRUCTURES and count is not None and count > 1 and names_one_structure(typed):
            # « MSP du Panier;3 » under « Nbre d'adhérents »: its members, not three MSP (a review).
            errors.append((int(line), f"nombre {count} sur la ligne d'une structure nommée (« {typed} ») : une "
                                      "structure compte 1 ; ses adhérents se déclarent sur les lignes de leurs "
                                      "professions"))
        counts.append(1 if count is None else count)
        if count is None:
            raw = str(value).strip()
            too_large = (_whole_number(raw) or 0) > MAX_COUNT
            errors.append((int(line), f"nombre « {raw} » : " + (
                f"invraisemblable (au plus {MAX_COUNT:,} adhérents par ligne)".replace(",", " ")
                if too_large else "entier positif attendu")))
        elif count != 1 and not pd.isna(number):
            errors.append((int(line), f"nombre {count} sur une ligne qui porte un numéro RPPS ou ADELI (une "
                                      "personne)"))
    out["nombre"] = pd.array(counts, dtype="Int64")
    out["ligne"] = lines.to_numpy()
    # What the reader did not keep is said with the figures (a column of the format under a name it does not
    # know would otherwise change them without a word).
    out.attrs["colonnes_non_lues"] = [c for c in frame.columns if c not in set(columns.values())]
    out.attrs["lignes_de_titre"] = sum(1 for _, title in titles if title)  # blank lines above are no titles
    out.attrs["lignes_de_total"] = total_rows
    if errors:
        errors.sort()
        shown = [f"ligne {n} : {m}" for n, m in errors[:MAX_LISTED]]
        typed = [str(p).strip() for p, g in zip(professions, groups, strict=True) if g is None and str(p).strip()]
        other = f" ; « Autre ({typed[0]}) » {OTHER_ROW_HINT}" if typed else ""
        rows = f" (profession attendue : l'un des groupes de la Trame : {', '.join(TRAME_ROWS)}{other})" \
            if None in groups else ""
        raise DataError(f"Fichier des adhérents invalide{rows} :\n  - " + "\n  - ".join(shown), path, errors[0][0])
    given = out["rpps"].notna()
    duplicated = given & out["rpps"].duplicated(keep=False)
    if duplicated.any():
        shown_lines = ", ".join(str(n) for n in out.loc[duplicated, "ligne"][:20])
        raise DataError(f"Adhérents en double (même numéro RPPS ou ADELI) lignes {shown_lines}", path)
    return out[COLUMNS]


def adherent_notes(members: pd.DataFrame) -> list[str]:
    """French notes on what :func:`read_adherents` left out (columns not read, malformed RPPS), for the report;
    beyond :data:`MAX_LISTED` malformed numbers, one note (a review got 5 000 lines)."""
    notes = []
    if titles := members.attrs.get("lignes_de_titre", 0):
        notes.append(f"Adhérents : {titles} {'ligne' if titles == 1 else 'lignes'} de titre au-dessus de l'en-tête "
                     "non lue" + ("" if titles == 1 else "s"))
    if totals := members.attrs.get("lignes_de_total", []):
        listed = first_listed([f"ligne {line} : « {typed} »" + (f" ({count})" if count else "")
                               for line, typed, count in totals])
        rows = "ligne de total non comptée" if len(totals) == 1 else f"{len(totals)} lignes de total non comptées"
        notes.append(f"Adhérents : {rows} ({listed}) ; somme des autres lignes : {int(members['nombre'].sum())}")
    if unread := members.attrs.get("colonnes_non_lues", []):
        notes.append("Adhérents : colonnes non lues (hors du format : profession, rpps, adeli, gouvernance, "
                     "elaboration, nombre) : " + first_listed([f"« {c} »" for c in unread]))
    bad = members[members["rpps_probleme"].notna()]
    if len(bad) > MAX_LISTED:
        count = f"{len(bad):,}".replace(",", "\u202f")
        return [*notes, f"Adhérents : {count} numéros RPPS ou ADELI invalides, ignorés (lignes "
                        f"{first_listed(list(bad['ligne']))}), le premier : "
                        + str(bad["rpps_probleme"].iloc[0])]
    return notes + [f"Adhérents, ligne {row.ligne} : {row.rpps_probleme} ; le numéro est ignoré"
                    for row in bad.itertuples(index=False)]
