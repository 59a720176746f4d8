"""Stage an Annuaire Santé extraction: file (or zip) -> typed activity rows and anomalies, no database.

Each activity row is located (:mod:`~pipeline.sources.annuaire.locate`),
classified (:mod:`~pipeline.sources.annuaire.classify`) and weighted:
``poids`` = 1 / n, n being the number of the practitioner's LOCATED rows,
so that every located practitioner's weights sum to one; unlocated rows have
no weight (NA).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.errors import DataError, PipelineError
from pipeline.sources import archives
from pipeline.sources.annuaire.anomalies import (
    DUPLICATE,
    MESSAGES,
    anomalies_frame,
    classification_anomalies,
    duplicate_anomalies,
    location_anomalies,
)
from pipeline.sources.annuaire.classify import classify_rows
from pipeline.sources.annuaire.layout import (
    ACTIVITE_COLUMNS,
    ACTIVITE_PREFIX,
    COLONNES_FACULTATIVES,
    COLONNES_REQUISES,
    COLONNES_SAVOIR_FAIRE_INLINE,
    HIGH_CARDINALITY,
    NOMS_COURTS,
    OUTSIDE_THE_LOAD,
    SAVOIR_FAIRE_PREFIX,
    extraction_date_from_name,
)
from pipeline.sources.annuaire.locate import Gazetteer, locate_rows
from pipeline.sources.annuaire.reader import check_header, has_column, line_fingerprints, read_columns, read_header
from pipeline.sources.annuaire.savoir_faire import (
    apply_savoir_faire,
    one_line_per_activity,
    read_savoir_faire,
    several_specialties_anomaly,
)
from pipeline.sources.extraction_names import DEMO_NOTE, is_demo_name

UNIT_COLUMNS = ("code", "nom", "type", "parent", "departement", "codes_postaux")
MAPPING_COLUMNS = ("code", "current_code")


@dataclass
class StagedAnnuaire:
    """An Annuaire Santé extraction staged in memory.

    Attributes
    ----------
    activites
        One row per activity of the file, columns :data:`ACTIVITE_COLUMNS`.
    anomalies
        Columns :data:`~pipeline.sources.annuaire.layout.ANOMALY_COLUMNS`.
    extraction
        Date of the extraction (file name, or given).
    origin
        The file given (text or zip).
    fichier
        How messages name the file read (``archive.zip!membre.txt`` for a member).
    savoir_faire_source
        ``colonnes du fichier des activités`` or ``fichier PS_LibreAcces_SavoirFaire``.
    demo
        Generated demonstration data (« DEMO » in the file name, or said so).
    header_columns
        Number of fields of the header line (53 for the 2021 layout, 57 today, trailing empty field included).
    """

    activites: pd.DataFrame = field(repr=False)
    anomalies: pd.DataFrame = field(repr=False)
    extraction: date
    origin: Path
    fichier: str
    savoir_faire_source: str
    demo: bool
    header_columns: int

    @property
    def rows(self) -> int:
        return len(self.activites)

    @property
    def practitioners(self) -> int:
        return int(self.activites["rpps"].nunique())

    @property
    def located_rows(self) -> int:
        return int(self.activites["commune"].notna().sum())

    def summary_fr(self) -> str:
        """One French paragraph for logs and the command line."""
        unlocated = self.rows - self.located_rows
        text = (f"Annuaire Santé du {self.extraction:%d/%m/%Y} : {self.rows} activités, {self.practitioners} "
                f"professionnels, {self.activites['commune'].nunique()} communes d'exercice.")
        unknown = self.anomalies.loc[self.anomalies["type"] == "profession_inconnue", "code"]
        if len(unknown):
            text += f" Codes profession inconnus : {', '.join(sorted(unknown))}."
        modes = self.anomalies.loc[self.anomalies["type"] == "mode_inconnu", "code"]
        if len(modes):
            # A review: an unknown mode read as « non renseigné » made « dont libéraux » 0 without a word here.
            text += (f" Codes mode d'exercice inconnus : {', '.join(sorted(modes))} (mode « non renseigné » : "
                     "le nombre de libéraux n'est pas disponible là où ces professionnels exercent).")
        # An empty mode is as unknown as an unknown code, and as frequent in real extractions (3 of the 22 rows of
        # the mirror's sample): said too.
        if blank := int(self.activites["mode_code"].isna().sum()):
            s = "s" if blank > 1 else ""
            text += (f" {blank} activité{s} sans mode d'exercice (mode « non renseigné » : le nombre de libéraux "
                     "n'est pas disponible là où ces professionnels n'ont pas de site libéral).")
        # Rows of départements not loaded are not unplaced: said apart (a review found them lumped together).
        beyond = int((self.activites["localisation"] == OUTSIDE_THE_LOAD).sum())
        if beyond:
            text += f" {beyond} activité{'s' if beyond > 1 else ''} hors des départements chargés."
        if unplaced := unlocated - beyond:
            s = "s" if unplaced > 1 else ""
            text += f" {unplaced} activité{s} non localisée{s} (détail dans les anomalies)."
        repeated = int(self.anomalies.loc[self.anomalies["type"] == DUPLICATE, "nb_lignes"].sum())
        if repeated:
            s = "s" if repeated > 1 else ""
            text += f" {repeated} ligne{s} en double (identique{s} à une ligne précédente) ignorée{s}."
        if (self.anomalies["type"] == "date_extraction_deduite").any():
            # A review: a renamed copy, dated by its copy's day, became the current extraction without a word.
            text += (" ATTENTION : le nom du fichier ne donne pas la date de l'extraction : le "
                     f"{self.extraction:%d/%m/%Y} est celle de sa dernière modification (une copie la change) ; "
                     "elle décide de l'extraction courante et de l'évolution de l'offre. Gardez le nom d'origine "
                     "PS_LibreAcces_Personne_activite_AAAAMMJJhhmm.txt.")
        if self.demo:
            text += f" ({DEMO_NOTE})"
        return text


def sha256_file(path: Path, chunk: int = 8 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def extraction_digest(path: Path, savoir_faire_path: Path | None = None) -> str:
    """Checksum of an extraction: the activity file's, combined with a separate savoir-faire file's."""
    digest = sha256_file(path)
    if savoir_faire_path is not None:
        digest = hashlib.sha256((digest + sha256_file(savoir_faire_path)).encode()).hexdigest()
    return digest


def _check_reference(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise PipelineError(f"Table {what} incomplète pour l'Annuaire Santé : colonnes absentes " + ", ".join(missing))


def _sibling_savoir_faire(activity: archives.TextSource) -> Path | None:
    """``PS_LibreAcces_SavoirFaire_<stamp>.txt`` beside a plain ``PS_LibreAcces_Personne_activite_<stamp>.txt``."""
    return None if activity.member is not None else savoir_faire_beside(activity.origin)


def savoir_faire_beside(path: Path) -> Path | None:
    """The savoir-faire file beside a plain activity file, which the loader reads when the activity file's own
    savoir-faire columns are absent or empty (``PS_LibreAcces_SavoirFaire_<stamp>.txt``), or None."""
    name = path.name
    if not name.lower().startswith(ACTIVITE_PREFIX.lower()) or path.suffix.lower() == ".zip":
        return None
    wanted = (SAVOIR_FAIRE_PREFIX + name[len(ACTIVITE_PREFIX):]).lower()
    try:
        found = [p for p in path.parent.iterdir() if p.name.lower() == wanted and p.is_file()]
    except OSError:
        return None
    return found[0] if len(found) == 1 else None


@contextlib.contextmanager
def _savoir_faire_source(
    given: Path | None, activity: archives.TextSource, inline: bool, workdir: Path | None
) -> Iterator[archives.TextSource | None]:
    """The separate savoir-faire file to use: the one given, else the zip's own member or the file beside it
    when the activity file's savoir-faire columns are absent (``inline`` False) or empty."""
    if given is None and not inline:
        given = _sibling_savoir_faire(activity)
    if given is not None:
        with archives.open_text_source(given, prefix=SAVOIR_FAIRE_PREFIX, workdir=workdir) as source:
            yield source
        return
    if not inline and activity.member is not None and any(
        Path(n).name.lower().startswith(SAVOIR_FAIRE_PREFIX.lower()) for n in archives.list_members(activity.origin)
    ):
        with archives.open_text_source(activity.origin, prefix=SAVOIR_FAIRE_PREFIX, workdir=workdir) as source:
            yield source
        return
    yield None


def _empty_savoir_faire(frame: pd.DataFrame) -> int:
    """Number of médecins' rows when the savoir-faire columns read are empty on every one of them, else 0.

    Such a file (a re-export that blanked them) would count every médecin as « autre » and show no
    généraliste: the separate savoir-faire file is needed.
    """
    medecins = (frame["profession_code"] == "10").to_numpy(dtype=bool)
    if not medecins.any() or frame.loc[medecins, "savoir_faire_code"].notna().any():
        return 0
    return int(medecins.sum())


def _weights(rpps: pd.Series, located: np.ndarray, elsewhere: np.ndarray | None = None) -> np.ndarray:
    """1 / (number of the practitioner's located rows) on located rows, NaN elsewhere.

    ``elsewhere``: rows located outside the départements the database holds; they count in the number of
    rows (their practitioner's weight in the database is what it would be on a load of all of France).
    """
    codes, _ = pd.factorize(rpps)
    counted = located if elsewhere is None else located | elsewhere
    sites = np.bincount(codes[counted], minlength=codes.max() + 1 if len(codes) else 0)
    with np.errstate(divide="ignore"):
        weights = 1.0 / sites[codes]
    return np.where(located, weights, np.nan)


def _without_repeated_lines(frame: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows read without those repeating an earlier line exactly, and the repeats (``ligne, rpps``).

    A line is a repeat when its bytes fingerprint (:func:`~pipeline.sources.annuaire.reader.line_fingerprints`)
    and every value read equal an earlier line's: the same activity twice, which would count twice in the
    activities of its commune (the practitioner's weights would still sum to one). The file's lines are
    fingerprinted only when some rows repeat every value read (most files have none: 2.4 s saved on the
    three national demonstration extractions).
    """
    values = frame.drop(columns="ligne")
    candidates = values.duplicated(keep=False).to_numpy()
    if not candidates.any():
        return frame, frame.loc[[], ["ligne", "rpps"]]
    fingerprint = line_fingerprints(path)[frame["ligne"].to_numpy() - 1]
    repeated = values.assign(_empreinte=fingerprint).duplicated(keep="first").to_numpy()
    if not repeated.any():
        return frame, frame.loc[[], ["ligne", "rpps"]]
    return frame[~repeated].reset_index(drop=True), frame.loc[repeated, ["ligne", "rpps"]].reset_index(drop=True)


def _date_column(value: date, length: int) -> pd.arrays.ArrowExtensionArray:
    days = (value - date(1970, 1, 1)).days
    return pd.arrays.ArrowExtensionArray(pa.array(np.full(length, days, dtype="int32")).cast(pa.date32()))


def stage_annuaire(
    path: str | Path,
    savoir_faire_path: str | Path | None = None,
    *,
    units: pd.DataFrame,
    cog_mapping: pd.DataFrame,
    extraction: date | None = None,
    demo: bool | None = None,
    workdir: str | Path | None = None,
    loaded_departements: Collection[str] = (),
) -> StagedAnnuaire:
    """Stage ``PS_LibreAcces_Personne_activite_*.txt`` (or the official zip) without any database.

    Parameters
    ----------
    path
        The activity file, or a zip holding it (member chosen by its name prefix).
    savoir_faire_path
        ``PS_LibreAcces_SavoirFaire_*.txt`` (or zip). Without it, the
        savoir-faire columns of the activity file are used, or the zip's
        SavoirFaire member when those columns are absent.
    units
        Current COG units: ``code, nom, type, parent, departement, codes_postaux``
        (``type`` 'commune-actuelle' or 'arrondissement-municipal', postal codes comma-separated).
    cog_mapping
        Every old or current code -> ``current_code`` (column ``nom`` used when present).
    extraction
        Extraction date; by default read from the file name (member name for a zip).
    demo
        Generated demonstration data; by default when the file name contains ``DEMO``.
    workdir
        Folder for the temporary copy of a zip member.
    loaded_departements
        The départements a database was restricted to (empty: all of France): ``units`` then hold their
        communes only, and a row is never placed by a postal code that may name a commune of another one
        (:class:`~pipeline.sources.annuaire.locate.Gazetteer`).

    Raises
    ------
    DataError
        Malformed input, in French, naming the file and line: missing
        columns, wrong separator, invalid UTF-8, wrong field count, empty
        identifier, empty file, hostile or damaged zip.
    """
    origin = Path(path)
    _check_reference(units, UNIT_COLUMNS, "des unités (COG)")
    _check_reference(cog_mapping, MAPPING_COLUMNS, "de passage du COG")
    with contextlib.ExitStack() as stack:
        source = stack.enter_context(archives.open_text_source(origin, prefix=ACTIVITE_PREFIX, workdir=workdir))
        header = read_header(source.path, source.shown)
        inline = all(has_column(header, c) for c in COLONNES_SAVOIR_FAIRE_INLINE)
        given = Path(savoir_faire_path) if savoir_faire_path is not None else None
        sf_source = stack.enter_context(_savoir_faire_source(given, source, inline, Path(workdir) if workdir else None))
        required = list(COLONNES_REQUISES) + ([] if sf_source is not None else list(COLONNES_SAVOIR_FAIRE_INLINE))
        check_header(header, required, source.shown, "fichier des activités")
        wanted = [*COLONNES_REQUISES, *COLONNES_SAVOIR_FAIRE_INLINE, *COLONNES_FACULTATIVES]
        staged_names = {c: NOMS_COURTS[c] for c in wanted}
        categorical = frozenset(staged_names.values()) - HIGH_CARDINALITY
        frame = read_columns(source.path, source.shown, header, staged_names, categorical)
        missing_id = frame["rpps"].isna().to_numpy()
        if missing_id.any():
            line = int(frame["ligne"].to_numpy()[np.argmax(missing_id)])
            raise DataError("« Identification nationale PP » vide", source.shown, line)
        frame, repeated = _without_repeated_lines(frame, source.path)
        blank = _empty_savoir_faire(frame) if sf_source is None else 0
        if blank:
            folder = Path(workdir) if workdir else None
            sf_source = stack.enter_context(_savoir_faire_source(None, source, False, folder))
            if sf_source is None:
                raise DataError(
                    ("Colonnes savoir-faire vides sur la ligne de médecin" if blank == 1 else
                     f"Colonnes savoir-faire vides pour les {blank} lignes de médecins")
                    + " : généralistes et spécialistes "
                    f"ne peuvent pas être distingués. Donnez le fichier {SAVOIR_FAIRE_PREFIX}_… de la même "
                    "extraction (option --savoir-faire, à côté du fichier des activités, ou dans le même zip)",
                    source.shown,
                )
        several = None
        if sf_source is not None:
            chosen = read_savoir_faire(sf_source)
            frame = apply_savoir_faire(frame, chosen)
        else:
            frame, chosen = one_line_per_activity(frame)
        several = several_specialties_anomaly(chosen)
        fichier, name = source.shown, source.name
    stamp = extraction or extraction_date_from_name(name) or extraction_date_from_name(origin.name)
    notes: list[dict[str, object]] = [] if several is None else [
        {**several, "extraction": stamp, "fichier": sf_source.shown if sf_source is not None else fichier}]
    if stamp is None:
        stamp = datetime.fromtimestamp(origin.stat().st_mtime, tz=UTC).date()
        notes.append({"extraction": stamp, "type": "date_extraction_deduite", "code": "", "libelle": None,
                      "nb_lignes": len(frame), "premiere_ligne": None,
                      "message": f"{MESSAGES['date_extraction_deduite']} ({stamp:%d/%m/%Y})", "fichier": fichier})
    gazetteer = Gazetteer.build(units, cog_mapping, loaded_departements)
    classified = classify_rows(frame)
    located, issues = locate_rows(frame, gazetteer)
    frame = pd.concat([frame, classified, located], axis=1)
    # A site in a département the database does not hold still shares its practitioner: it counts in n.
    elsewhere = (frame["localisation"] == OUTSIDE_THE_LOAD).to_numpy(dtype=bool)
    frame["poids"] = _weights(frame["rpps"], frame["commune"].notna().to_numpy(), elsewhere)
    frame["extraction"] = _date_column(stamp, len(frame))
    activites = frame[list(ACTIVITE_COLUMNS)].astype(ACTIVITE_COLUMNS)
    rows = notes + duplicate_anomalies(repeated, pd.Series(True, index=repeated.index), stamp, fichier)
    rows += classification_anomalies(activites, stamp, fichier)
    rows += location_anomalies(issues, gazetteer, stamp, fichier)
    return StagedAnnuaire(
        activites=activites,
        anomalies=anomalies_frame(rows),
        extraction=stamp,
        origin=origin,
        fichier=fichier,
        savoir_faire_source="fichier PS_LibreAcces_SavoirFaire" if sf_source is not None
        else "colonnes du fichier des activités",
        demo=(is_demo_name(name) or is_demo_name(origin.name)) if demo is None else demo,
        header_columns=len(header),
    )
