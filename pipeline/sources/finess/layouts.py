"""The two layouts of the FINESS establishments extraction, parsed into the same raw frames.

**Stock layout** (data.gouv.fr, « FINESS Extraction du Fichier des
établissements », ``etalab-cs1100507-stock-*.csv``), ``;``-separated,
values quoted with ``"`` only when needed, no header line:

* first line ``finess;etalab;<version>;<AAAA-MM-JJ>`` (extraction date);
* ``structureet`` records: the type then the 31 fields of
  :data:`CHAMPS_STRUCTUREET` (``numuai`` may be missing);
* ``geolocalisation`` records: the type then :data:`CHAMPS_GEOLOCALISATION`.

**Flattened layout** (``finess-etablissements-*.csv``, the copy many
reusers download): one header line, one row per establishment, ``cog`` the
5-character commune code, ``codepostal``, ``coordx``/``coordy`` inline,
``categretab`` for the aggregate category, ``liblongcategetab`` for the
long category label. Its columns are renamed to the stock names
(:data:`A_PLAT_VERS_STOCK`).

Encoding: UTF-8, or (the flattened copies are ISO-8859-1 / Windows-1252)
a single-byte encoding when the file holds no UTF-8 sequence at all; a file
mixing both is refused at its first invalid line.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from pipeline.errors import DataError
from pipeline.sources.files import ENCODED_TWICE

#: Fields of a ``structureet`` record after the record type, in order.
CHAMPS_STRUCTUREET: tuple[str, ...] = (
    "nofinesset", "nofinessej", "rs", "rslongue", "complrs", "compldistrib", "numvoie", "typvoie",
    "voie", "compvoie", "lieuditbp", "commune", "departement", "libdepartement", "ligneacheminement",
    "telephone", "telecopie", "categetab", "libcategetab", "categagretab", "libcategagretab", "siret",
    "codeape", "codemft", "libmft", "codesph", "libsph", "dateouv", "dateautor", "datemaj", "numuai",
)  # fmt: skip

#: Fields of a ``geolocalisation`` record after the record type, in order.
CHAMPS_GEOLOCALISATION: tuple[str, ...] = ("nofinesset", "coordxet", "coordyet", "sourcecoordet", "datemaj")

#: Flattened column -> stock field (columns absent here keep their name).
A_PLAT_VERS_STOCK: dict[str, str] = {
    "categretab": "categagretab",
    "libcategretab": "libcategagretab",
    "mft": "codemft",
    "sph": "codesph",
    "dateouvert": "dateouv",
    "numen": "numuai",
}
#: Flattened columns the staging needs. Without ``coordx``/``coordy`` every establishment would be left off the
#: maps and the distances, said as « coordonnées vides » (a review: a copy that had lost ``coordy`` loaded).
A_PLAT_REQUISES: tuple[str, ...] = ("nofinesset", "categetab", "cog", "coordx", "coordy")

#: Extra raw columns of the structures frame (empty for the stock layout).
EXTRA = ("cog", "codepostal")

_MIN_STRUCTUREET = len(CHAMPS_STRUCTUREET)
#: The date fields, and a date as FINESS writes it (1979-02-13) or a spreadsheet re-saves it (13/02/1979, 2/13/79,
#: « 1979-02-13 00:00:00 »): a last line ending inside one (« 2020-0 ») was cut.
_DATE_FIELDS = frozenset({"dateouv", "dateautor", "datemaj", "dategeocod"})
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?|\d{1,2}/\d{1,2}/(\d{2}|\d{4})")
#: What the coded fields of a ``structureet`` record hold: a field lost or added before one of them (a
#: re-export that dropped an empty value) shifts the others, which these patterns then refuse.
_CODED_FIELDS: dict[str, re.Pattern[str]] = {
    "categetab": re.compile(r"\d{3}"),
    "categagretab": re.compile(r"(\d{4})?"),
    "codemft": re.compile(r"(\d{1,2})?"),
    "codesph": re.compile(r"(\d{1,2})?"),
}
# The dates are not among them: a spreadsheet re-saves them in its own way (13/02/1979, 2/13/1979, 13/02/79,
# « 1979-02-13 00:00:00 »), which fields.iso_date reads; they count nowhere.
_CODED_POSITIONS = {name: CHAMPS_STRUCTUREET.index(name) for name in _CODED_FIELDS}
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


@dataclass
class RawFiness:
    """Raw fields of a FINESS file, as strings, with the line of each record."""

    structures: pd.DataFrame
    geoloc: pd.DataFrame
    layout: str
    encoding: str
    header_date: date | None = None
    unknown_records: dict[str, tuple[int, int]] = field(default_factory=dict)
    replaced: tuple[int, int] | None = None


def decode(raw: bytes, encoding: str | None, shown: str) -> tuple[str, str]:
    """Text of the file and the encoding used (``None``: UTF-8, else Windows-1252 / ISO-8859-1)."""
    wanted = encoding or "utf-8"
    try:
        return raw.decode(wanted).lstrip("\ufeff"), wanted
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        if encoding is None and _UTF8_SEQUENCE.search(raw) is None:
            try:
                return raw.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                return raw.decode("latin-1"), "latin-1"
        mixed = " (le fichier mélange UTF-8 et un autre encodage)" if encoding is None else ""
        raise DataError(
            f"Le fichier n'est pas encodé en {wanted.upper()}{mixed} : octets invalides ; réenregistrez-le en "
            "UTF-8 (ou repartez de l'extraction FINESS d'origine, sans y ajouter de lignes d'un autre encodage)",
            shown,
            line,
        ) from exc


def _first_line(text: str, shown: str) -> list[str]:
    first = text.split("\n", 1)[0].rstrip("\r")
    if not first.strip():
        raise DataError("Le fichier est vide", shown, 1)
    if ";" not in first:
        raise DataError(
            f"Une seule colonne lue en ligne 1 : le séparateur attendu est « ; » (ligne lue : « {first[:80]} »)",
            shown,
            1,
        )
    try:
        return next(csv.reader([first], delimiter=";", quotechar='"'))
    except csv.Error as exc:
        raise _unreadable(exc, shown, 1) from exc


def parse(text: str, shown: str, encoding: str) -> RawFiness:
    """Recognise the layout from the first line and parse the file."""
    if "\r" in text and "\n" not in text:
        text = text.replace("\r", "\n")  # a classic Mac OS file ends its lines with CR alone
    first = [cell.strip() for cell in _first_line(text, shown)]
    # (« Ã », « Å » and « ï » looked for first: a substring search, where the pattern is slower on a national file.)
    if any(c in text for c in "\u00c3\u00c5\u00ef") and (twice := ENCODED_TWICE.search(text)) is not None:
        # UTF-8 read as Latin-1 and saved as UTF-8 again: every accented name garbled in the reports (a review).
        line = text.count("\n", 0, twice.start()) + 1
        context = text[max(text.rfind(";", 0, twice.start()) + 1, twice.start() - 30):twice.end() + 10]
        raise DataError(f"Texte encodé deux fois (« {context} ») : le fichier UTF-8 a été relu comme du Latin-1 puis "
                        "réenregistré ; reprenez le fichier publié", shown, line)
    if first[0].lower() in ("finess", "structureet", "geolocalisation"):
        raw = _parse_stock(text, shown)
    elif "nofinesset" in (cell.lower() for cell in first):
        raw = _parse_flat(text, shown, [cell.lower() for cell in first])
    else:
        raise DataError(
            "Format FINESS non reconnu : ni l'en-tête « finess;etalab;… » de l'extraction officielle, ni une ligne "
            f"d'en-tête avec « nofinesset » (ligne 1 : « {';'.join(first)[:80]} »)",
            shown,
            1,
        )
    raw.encoding = encoding
    if "\ufffd" in text:
        replaced = [number for number, line in enumerate(text.split("\n"), start=1) if "\ufffd" in line]
        raw.replaced = (len(replaced), replaced[0])
    return raw


def _records(text: str, shown: str) -> list[tuple[int, list[str]]]:
    """(line, fields) of every non-blank record (csv quoting: a quoted value may hold « ; »)."""
    reader = csv.reader(io.StringIO(text), delimiter=";", quotechar='"')
    records = []
    start = reader.line_num
    try:
        for row in reader:
            line = start + 1
            start = reader.line_num
            if row and any(cell.strip() for cell in row):
                records.append((line, row))
    except csv.Error as exc:
        raise _unreadable(exc, shown, start + 1) from exc
    return records


def _unreadable(exc: csv.Error, shown: str, line: int) -> DataError:
    """The French error of a record the csv module refuses (it stops there: no later line is read)."""
    if "field larger" in str(exc):
        # Its limit is 131 072 characters: a quote opened and never closed swallows the lines after it.
        why = ("une valeur de plus de 131 072 caractères, le plus souvent un guillemet « \" » ouvert et jamais "
               "refermé, qui englobe les lignes suivantes")
    else:
        why = "un retour chariot isolé (CR) au milieu d'une valeur, hors guillemets"
    return DataError(f"Ligne illisible : {why} ; corrigez-la ou repartez de l'extraction FINESS d'origine",
                     shown, line)


def _refuse_truncated(text: str, records: list[tuple[int, list[str]]], shown: str,
                      flat_names: list[str] | None = None) -> None:
    """Refuse a file whose last record, not ended by a line break, has fewer fields than its kind's, or ends
    inside a date (« 2020-0 »): a download cut in the middle of a line (a review: loaded without a word, the
    records after the cut lost). ``flat_names``: the columns of a flattened file (whose records have no kind)."""
    if not records or text.endswith(("\n", "\r")):
        return
    line, row = records[-1]
    last = row[-1].strip()
    if flat_names is not None:
        name = flat_names[len(row) - 1] if len(row) <= len(flat_names) else ""
    else:
        fields = {"structureet": CHAMPS_STRUCTUREET, "geolocalisation": CHAMPS_GEOLOCALISATION}
        name = dict(enumerate(fields.get(row[0].strip().lower(), ()), start=1)).get(len(row) - 1, "")
    if name in _DATE_FIELDS and last and not _DATE.fullmatch(last):
        raise DataError(f"Fichier tronqué : la dernière ligne, sans fin de ligne, s'arrête dans sa date « {name} » "
                        f"(« {last} ») (téléchargement interrompu ?) ; téléchargez de nouveau l'extraction FINESS",
                        shown, line)
    if flat_names is not None:
        return  # its fields are counted with the others' (« Nombre de champs incorrect »)
    expected = {"structureet": _MIN_STRUCTUREET - 1, "geolocalisation": len(CHAMPS_GEOLOCALISATION)}
    kind = row[0].strip().lower()
    wanted = expected.get(kind)
    cut_kind = wanted is None and any(k.startswith(kind) for k in expected)  # cut inside the record's type
    if cut_kind or (wanted is not None and len(row) - 1 < wanted):
        read = len(row) - 1
        what = (f"s'arrête dans son type d'enregistrement (« {row[0].strip()} »)" if cut_kind else
                f"n'a que {read} {'champ' if read < 2 else 'champs'} sur {wanted}")
        raise DataError(f"Fichier tronqué : la dernière ligne, sans fin de ligne, {what} (téléchargement "
                        "interrompu ?) ; téléchargez de nouveau l'extraction FINESS", shown, line)


def _parse_stock(text: str, shown: str) -> RawFiness:
    structures: list[list[object]] = []
    geoloc: list[list[object]] = []
    unknown: dict[str, tuple[int, int]] = {}
    header_date = None
    shifted: list[tuple[int, str, str]] = []
    records = _records(text, shown)
    _refuse_truncated(text, records, shown)
    for line, row in records:
        kind = row[0].strip().lower()
        if line == 1 and kind == "finess":
            stamp = row[3].strip() if len(row) > 3 else ""
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", stamp):
                try:
                    header_date = date.fromisoformat(stamp)
                except ValueError:
                    header_date = None
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
            shifted.extend((line, name, values[_CODED_POSITIONS[name]]) for name, pattern in _CODED_FIELDS.items()
                           if not pattern.fullmatch(values[_CODED_POSITIONS[name]])
                           and not (name == "categetab" and _no_category(values)))
            structures.append([*values, "", "", line])
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
            geoloc.append([*values, line])
        elif line == 1:
            raise DataError(f"En-tête « finess;etalab;… » absent : la ligne 1 commence par « {row[0][:40]} »", shown, 1)
        else:
            count, first = unknown.get(kind, (0, line))
            unknown[kind] = (count + 1, min(first, line))
    if not structures:
        last = records[-1][0] if records else 1
        raise DataError("Aucun enregistrement « structureet » dans le fichier", shown, last + 1)
    _refuse_shifted(shifted, shown)
    return RawFiness(_frame(structures, [*CHAMPS_STRUCTUREET, *EXTRA]),
                     _frame(geoloc, list(CHAMPS_GEOLOCALISATION)), "stock", "", header_date, unknown)


def _no_category(values: list[str]) -> bool:
    """Category code and label both empty: a category not given (counted in « Autre » and reported), not a field
    lost before the code, which would have moved the label's text or another value into it (a review: one such
    establishment refused the whole file as « décalé »)."""
    return values[_CODED_POSITIONS["categetab"]] == "" == values[CHAMPS_STRUCTUREET.index("libcategetab")]


def _refuse_shifted(shifted: list[tuple[int, str, str]], shown: str) -> None:
    """Refuse the file when a coded field of a ``structureet`` record holds what another field would."""
    if not shifted:
        return
    line, name, value = shifted[0]
    records = len({bad[0] for bad in shifted})
    others = f" ({records} enregistrements dans ce cas)" if records > 1 else ""
    raise DataError(
        f"Enregistrement « structureet » décalé : le champ « {name} » vaut « {value[:40]} »{others} ; un champ "
        "manque ou est en trop avant lui (valeur vide supprimée ou « ; » ajouté lors d'un réenregistrement ?) : "
        "reprenez le fichier publié",
        shown,
        line,
    )


def _parse_flat(text: str, shown: str, header: list[str]) -> RawFiness:
    missing = [c for c in A_PLAT_REQUISES if c not in header]
    if missing:
        raise DataError(
            "Colonnes obligatoires absentes de l'extraction FINESS à plat : " + ", ".join(f"« {c} »" for c in missing),
            shown,
            1,
        )
    names = [A_PLAT_VERS_STOCK.get(name, name) for name in header]
    position = {name: index for index, name in reversed(list(enumerate(names)))}
    long_label = position.get("liblongcategetab")
    structures: list[list[object]] = []
    geoloc: list[list[object]] = []
    records = _records(text, shown)
    _refuse_truncated(text, records[1:], shown, names)
    for line, row in records[1:]:
        if len(row) != len(header):
            raise DataError(
                f"Nombre de champs incorrect : {len(header)} attendus d'après l'en-tête, {len(row)} trouvés "
                "(ligne tronquée ou « ; » dans une valeur non entourée de guillemets ?)",
                shown,
                line,
            )
        cells = [cell.strip() for cell in row]
        # A review: the header became an establishment « Autre »; with the BOM of a second file joined by `cat`, too.
        if [cell.lstrip("\ufeff").strip().lower() for cell in cells] == header:
            raise DataError("L'en-tête est répété dans les données (fichiers mis bout à bout ?) : chargez une seule "
                            "extraction, ou retirez cette ligne si les parties viennent de la même extraction",
                            shown, line)
        values = {name: cells[position[name]] if name in position else "" for name in (*CHAMPS_STRUCTUREET, *EXTRA)}
        if long_label is not None and cells[long_label]:
            values["libcategetab"] = cells[long_label]
        structures.append([*values.values(), line])
        x = cells[position["coordx"]] if "coordx" in position else ""
        y = cells[position["coordy"]] if "coordy" in position else ""
        if x or y:
            source = cells[position["sourcegeocod"]] if "sourcegeocod" in position else ""
            when = cells[position["dategeocod"]] if "dategeocod" in position else ""
            geoloc.append([values["nofinesset"], x, y, source, when, line])
    if not structures:
        raise DataError("Aucun établissement après la ligne d'en-tête", shown, 2)
    return RawFiness(_frame(structures, [*CHAMPS_STRUCTUREET, *EXTRA]),
                     _frame(geoloc, list(CHAMPS_GEOLOCALISATION)), "à plat", "")


def _frame(rows: list[list[object]], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[*columns, "ligne"])
    frame[columns] = frame[columns].astype(str)
    frame["ligne"] = frame["ligne"].astype("int64")
    return frame


def restore_leading_zeros(structures: pd.DataFrame, geoloc: pd.DataFrame
                          ) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """The records with the leading zero a spreadsheet dropped, and which structures had lost it.

    FINESS numbers have nine characters, département codes two: opened in a spreadsheet, 040000101 of the
    Alpes-de-Haute-Provence becomes 40000101 and 04 becomes 4. A number of eight digits gets its zero back
    only when its département is 01 to 09 (written with one digit or two; else its commune code of four
    digits tells): 13000101 of the Bouches-du-Rhône is not 013000101. The geolocation records of the numbers
    restored are restored too, so that the two still meet.
    """
    frame = structures.copy()
    departement, cog = frame["departement"].fillna(""), frame.get("cog", pd.Series("", index=frame.index))
    first_nine = departement.str.fullmatch(r"0?[1-9]") | (departement.eq("") & cog.fillna("").str.fullmatch(r"\d{4}"))
    shortened = frame["nofinesset"].str.fullmatch(r"\d{8}") & first_nine
    restored = set(frame.loc[shortened, "nofinesset"])
    for column in ("nofinesset", "nofinessej"):
        frame[column] = frame[column].where(~(frame[column].str.fullmatch(r"\d{8}") & first_nine),
                                            "0" + frame[column])
    frame["departement"] = departement.where(~departement.str.fullmatch(r"\d"), "0" + departement)
    located = geoloc.copy()
    located["nofinesset"] = located["nofinesset"].where(~located["nofinesset"].isin(restored),
                                                        "0" + located["nofinesset"])
    return frame, located, shortened


def raw_anomalies(raw: RawFiness) -> list[dict[str, object]]:
    """Anomalies of the raw file: unknown record types, characters lost to a re-encoding."""
    rows: list[dict[str, object]] = []
    for kind, (count, first) in sorted(raw.unknown_records.items()):
        rows.append({"type": "type_enregistrement_inconnu", "code": kind, "libelle": None, "nb_lignes": count,
                     "premiere_ligne": first,
                     "message": "Type d'enregistrement ignoré (ni « structureet » ni « geolocalisation »)"})
    if raw.replaced is not None:
        rows.append({"type": "caracteres_illisibles", "code": "", "libelle": None, "nb_lignes": raw.replaced[0],
                     "premiere_ligne": raw.replaced[1],
                     "message": "Lignes contenant des caractères illisibles (« \ufffd ») : le fichier a été ré-encodé "
                                "avec perte avant de nous parvenir ; les noms et adresses touchés sont gardés tels "
                                "quels ; le libellé de la catégorie est repris de la nomenclature FINESS, ou laissé "
                                "vide quand elle ne connaît pas la catégorie, comme ceux de l'agrégat et du statut "
                                "de service public hospitalier"})
    return rows
