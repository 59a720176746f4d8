"""INSEE Filosofi 2019: disposable income of households, per commune and per EPCI.

INSEE publishes « Revenus, pauvreté et niveau de vie en 2019 (Filosofi) —
base communale » (page https://www.insee.fr/fr/statistiques/6036907) as zips
of CSV files: ``FILO2019_DISP_COM.csv`` (one row per commune or
arrondissement municipal, geography of about COG 2021, Paris, Lyon and
Marseille present both whole and by arrondissement) and
``FILO2019_DISP_EPCI.csv`` (one row per EPCI of 2021). UTF-8 with BOM, ``;``
separated, decimal comma, no thousands separator.

Statistical secrecy: in small communes INSEE publishes only the counts and
the median; every other cell is empty. Empty means « non diffusé »: it is
NaN here, never 0, and the row's ``secret`` flag is True.

Declared columns of :func:`stage_filosofi` (:data:`COLUMNS`; euros are per
consumption unit and per year, shares are % of disposable income):

=========================  ========  =====================================================
column                     dtype     meaning (INSEE variable, year suffix ``19`` dropped)
=========================  ========  =====================================================
code                       str       INSEE code (COM: 5 characters; EPCI: SIREN, 9 digits)
libelle                    str       LIBGEO
menages                    Int64     NBMEN: fiscal households
personnes                  Int64     NBPERS: persons in those households
unites_consommation        float64   NBUC: consumption units
q1, mediane, q3            float64   Q1, Q2 (the median), Q3 of disposable income, €
ecart_interquartile        float64   Q3_Q1, €
d1 … d4, d6 … d9           float64   deciles D1…D9 (D5 is the median), €
rapport_interdecile        float64   RD = D9 / D1
s80s20                     float64   S80S20: income share of the top 20 % / bottom 20 %
gini                       float64   GI: Gini index (0–1)
part_activite              float64   PACT: income from activity, %
part_salaires              float64   PTSA: wages and salaries, %
part_chomage               float64   PCHO: unemployment benefits, %
part_non_salaries          float64   PBEN: self-employed income, %
part_pensions              float64   PPEN: pensions and annuities, %
part_patrimoine            float64   PPAT: property income, %
part_prestations           float64   PPSOC: social benefits, %
part_prestations_familiales float64  PPFAM: family benefits, %
part_minima_sociaux        float64   PPMINI: minimum social benefits, %
part_prestations_logement  float64   PPLOGT: housing benefits, %
part_impots                float64   PIMPOT: taxes (negative), %
secret                     bool      True when a statistic other than counts and median is empty
ligne                      int64     line in the file (1 is the header)
=========================  ========  =====================================================

The poverty rate is in another INSEE file (``FILO2019_DISP_Pauvres_COM``),
not staged here.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.config import SourceFile
from pipeline.errors import DataError
from pipeline.geography import ARRONDISSEMENT_CITIES, INSEE_CODE, city_of_arrondissement
from pipeline.sources.delimited import parse_csv_text
from pipeline.sources.files import MAX_LISTED, check_regular_file, decode_text

INSEE_PAGE = "https://www.insee.fr/fr/statistiques/6036907"
FILOSOFI_COMMUNES = SourceFile(
    name="insee-filosofi-communes",
    vintage="2019",
    mirror_path="filosofi/FILO2019_DISP_COM.csv",
    url="https://www.insee.fr/fr/statistiques/fichier/6036907/indic-struct-distrib-revenu-2019-COMMUNES_csv.zip",
    notes="INSEE, Filosofi 2019, base communale (revenus disponibles) ; géographie d'environ 2021.",
    extra={"archive": "indic-struct-distrib-revenu-2019-COMMUNES_csv.zip", "member": "FILO2019_DISP_COM.csv"},
)
FILOSOFI_EPCI = SourceFile(
    name="insee-filosofi-epci",
    vintage="2019",
    mirror_path="filosofi/FILO2019_DISP_EPCI.csv",
    url="https://www.insee.fr/fr/statistiques/fichier/6036907/indic-struct-distrib-revenu-2019-SUPRA_csv.zip",
    notes="INSEE, Filosofi 2019, niveaux supra-communaux (EPCI de 2021).",
    extra={"archive": "indic-struct-distrib-revenu-2019-SUPRA_csv.zip", "member": "FILO2019_DISP_EPCI.csv"},
)

#: INSEE variable (year suffix removed) → staged column.
VARIABLES: dict[str, str] = {
    "NBMEN": "menages", "NBPERS": "personnes", "NBUC": "unites_consommation",
    "Q1": "q1", "Q2": "mediane", "Q3": "q3", "Q3_Q1": "ecart_interquartile",
    "D1": "d1", "D2": "d2", "D3": "d3", "D4": "d4", "D6": "d6", "D7": "d7", "D8": "d8", "D9": "d9",
    "RD": "rapport_interdecile", "S80S20": "s80s20", "GI": "gini",
    "PACT": "part_activite", "PTSA": "part_salaires", "PCHO": "part_chomage", "PBEN": "part_non_salaries",
    "PPEN": "part_pensions", "PPAT": "part_patrimoine", "PPSOC": "part_prestations",
    "PPFAM": "part_prestations_familiales", "PPMINI": "part_minima_sociaux",
    "PPLOGT": "part_prestations_logement", "PIMPOT": "part_impots",
}
#: Variables written without the year suffix in the file.
UNSUFFIXED = frozenset({"Q3_Q1", "RD"})
COUNTS = ["menages", "personnes", "unites_consommation"]
STATISTICS = [c for c in VARIABLES.values() if c not in COUNTS]
#: Statistics INSEE publishes even under secrecy.
ALWAYS_PUBLISHED = ["mediane"]
COLUMNS = ["code", "libelle", *VARIABLES.values(), "secret", "ligne"]
LEVELS = ("COM", "EPCI")
#: Largest zip member read (the commune file is 2.6 MB): a guard against a zip bomb.
MAX_MEMBER_BYTES = 200 * 1024 * 1024
_NUMBER = re.compile(r"^-?\d+(?:,\d+)?$")


def _read_bytes(path: Path, level: str) -> bytes:
    """The CSV bytes: the file itself, or its member in INSEE's zip."""
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if magic != b"PK\x03\x04":
        return path.read_bytes()
    # The member's own name, exactly: INSEE's zips also hold documentation files (« meta_FILO2019_… »).
    wanted = re.compile(rf"FILO\d{{4}}_DISP_{level}\.csv", re.IGNORECASE)
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if wanted.fullmatch(m.filename.rsplit("/", 1)[-1])]
            if not members:
                raise DataError(f"Archive Filosofi sans fichier FILOAAAA_DISP_{level}.csv (contenu : "
                                + ", ".join(archive.namelist()[:10]) + ")", path)
            if members[0].file_size > MAX_MEMBER_BYTES:
                raise DataError(f"Fichier {members[0].filename} de l'archive anormalement gros", path)
            return archive.read(members[0])
    except (zipfile.BadZipFile, EOFError) as exc:
        raise DataError("Archive Filosofi illisible (zip tronqué ou corrompu) : supprimez-la pour la "
                        "télécharger à nouveau", path) from exc


def _year_suffix(header: list[str], path: Path) -> str:
    for column in header:
        match = re.fullmatch(r"NBMEN(\d{2})", column)
        if match:
            return match.group(1)
    raise DataError("Colonne NBMENAA absente : ce n'est pas un fichier Filosofi DISP de l'INSEE", path, 1)


def stage_filosofi(path: str | Path, level: str = "COM") -> pd.DataFrame:
    """Stage a Filosofi « DISP » file (commune or EPCI level) into :data:`COLUMNS`.

    Parameters
    ----------
    path
        ``FILO2019_DISP_COM.csv`` / ``FILO2019_DISP_EPCI.csv``, or INSEE's
        zip that contains it.
    level
        ``"COM"`` (communes and arrondissements) or ``"EPCI"``.

    Returns
    -------
    pandas.DataFrame
        One row per file row, columns and dtypes of the module docstring,
        in file order. Empty cells are NaN/NA, never 0.

    Raises
    ------
    DataError
        Not a regular file, not UTF-8, missing columns (every missing one
        named), malformed lines, codes of the wrong shape, duplicated codes,
        or cells that are not numbers with a decimal comma (every bad cell
        named with its line and column).
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    p = check_regular_file(path)
    text = decode_text(_read_bytes(p, level), p).text
    raw = parse_csv_text(text, p, ["CODGEO", "LIBGEO"], ";", line_column="ligne")
    suffix = _year_suffix(list(raw.columns), p)
    names = {(v if v in UNSUFFIXED else v + suffix): c for v, c in VARIABLES.items()}
    missing = [n for n in names if n not in raw.columns]
    if missing:
        raise DataError("Colonnes Filosofi absentes : " + ", ".join(missing), p, 1)
    errors: list[tuple[int, str]] = []
    code_shape = INSEE_CODE if level == "COM" else re.compile(r"^\d{9}$")
    codes = raw["CODGEO"].fillna("")
    for line, code in zip(raw["ligne"], codes, strict=True):
        if not code_shape.match(code):
            errors.append((int(line), f"code « {code} » invalide"))
    repeated = codes.duplicated(keep="first") & (codes != "")
    for line, code in zip(raw.loc[repeated, "ligne"], codes[repeated], strict=True):
        first = int(raw.loc[codes == code, "ligne"].iloc[0])
        errors.append((int(line), f"code {code} en double (déjà ligne {first})"))
    frame = pd.DataFrame({"code": codes.astype(str), "libelle": raw["LIBGEO"].astype(object)})
    for name, column in names.items():
        values = raw[name]
        bad = values.notna() & ~values.fillna("").str.match(_NUMBER)
        for line, value in zip(raw.loc[bad, "ligne"], values[bad], strict=True):
            errors.append((int(line), f"{name} : « {value} » n'est pas un nombre"))
        numbers = pd.to_numeric(values.where(~bad).str.replace(",", ".", regex=False), errors="coerce")
        frame[column] = numbers.astype("float64")
    if errors:
        errors.sort()
        shown = [f"ligne {n} : {m}" for n, m in errors[:MAX_LISTED]]
        more = f"\n  … et {len(errors) - MAX_LISTED} autres" if len(errors) > MAX_LISTED else ""
        raise DataError("Fichier Filosofi invalide :\n  - " + "\n  - ".join(shown) + more, p, errors[0][0])
    for column in ("menages", "personnes"):
        frame[column] = frame[column].round().astype("Int64")
    hidden = [c for c in STATISTICS if c not in ALWAYS_PUBLISHED]
    frame["secret"] = frame[hidden].isna().any(axis=1).astype(bool)
    frame["ligne"] = raw["ligne"].astype("int64")
    return frame[COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------- geography


MAPPED_COLUMNS = ["code_source", "unite", "commune", *COLUMNS[1:], "fusion", "lignes_unite"]
UNMAPPED_COLUMNS = ["code", "libelle", "ligne", "raison"]


def map_filosofi_communes(frame: pd.DataFrame, cog_mapping: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Attach each commune row of the file to a current unit and commune.

    Parameters
    ----------
    frame
        :func:`stage_filosofi` output, level ``"COM"``.
    cog_mapping
        Every code ever seen → current commune: columns ``code`` and
        ``current_code`` (NA when no current commune), as stored in the
        ``cog_mapping`` table (:func:`pipeline.sources.cog.build_mapping`).

    Returns
    -------
    (mapped, unmapped)
        ``mapped``: one row per file row that reaches the current geography,
        columns :data:`MAPPED_COLUMNS`: ``code_source`` (the file's code),
        ``unite`` (the arrondissement for Paris, Lyon and Marseille, else the
        current commune), ``commune`` (the current commune: the city for an
        arrondissement), the staged figures, ``fusion`` (True when several
        file rows fall in the same unit: communes merged since the file; their
        median, deciles and shares cannot be combined exactly — only counts
        add up) and ``lignes_unite`` (number of file rows of that unit). The
        rows of the three cities as a whole (75056, 69123, 13055) are not in
        ``mapped`` (their arrondissements are the units; see
        :func:`filosofi_cities`), so that summing over units counts nobody
        twice.
        ``unmapped``: file codes that reach no current commune, columns
        :data:`UNMAPPED_COLUMNS` (``raison`` in French).
    """
    target = cog_mapping.drop_duplicates("code").set_index("code")["current_code"]
    cities = frame["code"].isin(list(ARRONDISSEMENT_CITIES))
    rows = frame[~cities].copy()
    city = rows["code"].map(city_of_arrondissement)
    current = rows["code"].map(target)
    rows["unite"] = np.where(city.notna(), rows["code"], current)
    rows["commune"] = np.where(city.notna(), city, current)
    lost = rows["unite"].isna()
    in_mapping = rows["code"].isin(target.index)
    unmapped = pd.DataFrame({
        "code": rows.loc[lost, "code"],
        "libelle": rows.loc[lost, "libelle"],
        "ligne": rows.loc[lost, "ligne"],
        "raison": np.where(in_mapping[lost], "code connu du COG mais sans commune actuelle correspondante",
                           "code absent de tous les millésimes du COG chargés"),
    }, columns=UNMAPPED_COLUMNS).reset_index(drop=True)
    mapped = rows[~lost].rename(columns={"code": "code_source"})
    mapped["lignes_unite"] = mapped.groupby("unite")["code_source"].transform("size").astype("int64")
    mapped["fusion"] = mapped["lignes_unite"] > 1
    mapped = mapped.astype({"unite": str, "commune": str})
    return mapped[MAPPED_COLUMNS].sort_values(["unite", "code_source"]).reset_index(drop=True), unmapped


def filosofi_cities(frame: pd.DataFrame) -> pd.DataFrame:
    """The file's rows for Paris, Lyon and Marseille as a whole (exact city figures).

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS` with ``commune`` (75056, 69123 or 13055) added; use
        them when a territory holds every arrondissement of the city, rather
        than an approximation from the arrondissements' medians.
    """
    cities = frame[frame["code"].isin(list(ARRONDISSEMENT_CITIES))].copy()
    cities.insert(0, "commune", cities["code"])
    return cities.reset_index(drop=True)


UNIT_COLUMNS = ["unite", "commune", "codes_source", *COUNTS, *STATISTICS, "mediane_approchee", "secret", "fusion"]


def filosofi_by_unit(mapped: pd.DataFrame) -> pd.DataFrame:
    """One row per unit from :func:`map_filosofi_communes`'s ``mapped``.

    Counts (households, persons, consumption units) are summed, exactly. The
    statistics are kept when the unit is one file row; for a merged commune
    (``fusion``) they are NaN — a median of merged communes is not the
    combination of their medians — and ``mediane_approchee`` gives the
    persons-weighted mean of the parts' medians, an approximation to be
    labelled so (NaN if a part has no median). ``secret`` is True if any part
    is under secrecy. ``codes_source`` lists the file codes, comma-separated.
    """
    weights = mapped["personnes"].astype("float64")
    weighted = mapped.assign(_wm=mapped["mediane"] * weights, _w=weights.where(mapped["mediane"].notna()))
    grouped = weighted.groupby("unite", sort=True)
    out = grouped.agg(
        commune=("commune", "first"),
        codes_source=("code_source", lambda s: ",".join(sorted(s))),
        menages=("menages", "sum"),
        personnes=("personnes", "sum"),
        unites_consommation=("unites_consommation", "sum"),
        secret=("secret", "any"),
        fusion=("fusion", "any"),
        _n=("code_source", "size"),
        _wm=("_wm", "sum"),
        _w=("_w", "sum"),
        _nm=("mediane", "count"),
    )
    single = mapped[mapped["lignes_unite"] == 1].set_index("unite")[STATISTICS]
    out = out.join(single, how="left")
    complete = out["_nm"] == out["_n"]
    out["mediane_approchee"] = np.where(complete & (out["_w"] > 0), out["_wm"] / out["_w"].where(out["_w"] > 0),
                                        np.nan)
    out = out.reset_index()
    out[["menages", "personnes"]] = out[["menages", "personnes"]].astype("Int64")
    return out[UNIT_COLUMNS]
