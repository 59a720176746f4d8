"""``make data``: load every source into DuckDB, one transaction per source.

Each step obtains its file(s) (mirror or download), compares their sha256
with the ``sources`` table and skips the work when nothing changed, so that
a second run takes seconds. Steps that derive from another source (polygons
harmonised with the COG mapping) include that source's checksum in theirs.

``DataOptions.departements`` restricts every table to a few départements:
the test suite builds its small fixture database that way in seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pipeline import collector, config
from pipeline.app import outcome
from pipeline.app.appartenance_step import load_appartenance
from pipeline.app.contours_steps import load_arrondissement_polygons, load_contours
from pipeline.app.filosofi_step import load_filosofi
from pipeline.app.registries import registry_steps
from pipeline.app.steps import SCOPE_SETTING, Scope, Step, StepResult, combined_sha
from pipeline.errors import DataError, PipelineError
from pipeline.geography import DEPARTEMENTS
from pipeline.model import DataOptions
from pipeline.pages import small_pages
from pipeline.progress import steps_bar
from pipeline.render.swap import check_writable
from pipeline.sources import apl, decoupage, insee, staged_cache, zonage
from pipeline.sources import cog as cog_history
from pipeline.sources.download import LocalFile, obtain
from pipeline.store import load, registry_tables
from pipeline.store.connection import transaction
from pipeline.store.load import Provenance
from pipeline.store.queries import geography, listings, load_inputs, provenance
from pipeline.store.writing import writer


@dataclass
class IngestReport:
    steps: list[StepResult] = field(default_factory=list)
    residue: pd.DataFrame | None = None
    #: (current communes, their population) of the current vintage, read under the writer lock
    #: so that the final summary never has to reopen a database another run may hold by then.
    communes: tuple[int, int] = (0, 0)
    #: French reason when the database was rebuilt from scratch (damaged, older schema), else None.
    rebuilt: str | None = None
    #: Départements the database holds (empty: all of France).
    scope: tuple[str, ...] = ()
    #: Whether ``scope`` was taken from the previous load's record (:data:`SCOPE_FILE`): the database was
    #: rebuilt (damaged, older) or removed, and ``make data`` was run without DEPARTEMENTS= or FRANCE=1.
    scope_recovered: bool = False
    #: (name, number of CPTS) of every listing the database holds after the load, in name order: a plain
    #: ``make data`` loads only the default one, and the others loaded earlier are still there (and counted).
    listings: list[tuple[str, int]] = field(default_factory=list)


#: Residue rows of one reason listed one by one in make data's summary; more are summed up in one line.
MAX_RESIDUE_LINES = 10
#: The départements a database was loaded for (``SCOPE_SETTING``), beside it: a damaged database cannot tell
#: them, and rebuilding all of France instead of
#: two départements costs a minute and a gigabyte and a half the user did not ask for.
SCOPE_FILE = "departements-charges.txt"


#: 2: EPCI memberships kept whole in a load of some départements (zones cut are counted in the whole country).
#: 4: the codes of the départements not loaded and their current communes (``cog_mapping_hors_chargement``).
#: 5: with the codes of loaded départements whose current commune is outside them (75001 → 94002).
#: 6: the names of every commune of France, déléguées and associées included (``noms_communes``); 7: the population
#: of every current commune and arrondissement of France (``population_france``).
DECOUPAGE_LOADER_VERSION = "7"


def _vintage_label(vintages: list[int]) -> str:
    return ",".join(str(v) for v in vintages)


def _mapping_beyond(communes: pd.DataFrame, edges: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """``code, current_code`` of every code whose current commune is in a département not loaded (none on a
    national load): a listing's communes there are counted as current communes (05088 Montmorin and 05150
    Sainte-Marie are 05024 Valdoule), and a code of a loaded département that now belongs to another one is not
    « sans commune actuelle » (75001, a Seine commune until 1968, is Alfortville, 94002)."""
    if scope.departements is None:
        return pd.DataFrame(columns=["code", "current_code"])
    every = cog_history.build_mapping(communes, edges, config.CURRENT_VINTAGE).dropna(subset=["current_code"])
    inside = scope.keep(every, "code")
    reaching_in = scope.keep(every, "current_code")
    beyond = ~every["code"].isin(set(inside["code"])) | ~every["code"].isin(set(reaching_in["code"]))
    return every.loc[beyond, ["code", "current_code"]].reset_index(drop=True)


def _names(latest: decoupage.Vintage, scope: Scope) -> pd.DataFrame:
    """``noms_communes``: the current COG's names of every commune of France, loaded or not (a review: « Lyon »
    on a load of the 04 was « ni un code INSEE ni un nom de commune connu », and Meyronnes, commune déléguée
    keeping Val d'Oronaye's code 04120, unknown)."""
    current = latest.communes[latest.communes["type"].isin(["commune-actuelle", "arrondissement-municipal"])]
    units = pd.DataFrame({"code": current["code"], "nom": current["nom"], "current_code": current["code"],
                          "departement": current["departement"],
                          "kind": current["type"].map({"commune-actuelle": "actuelle",
                                                       "arrondissement-municipal": "arrondissement"})})
    former = latest.former_names.rename(columns={"chef_lieu": "current_code"})
    names = pd.concat([units, former[former["current_code"].isin(set(current["code"]))]], ignore_index=True)
    names = names.dropna(subset=["nom"]).drop_duplicates(["code", "kind"])
    loaded = set(scope.keep(current, "code")["code"])
    return names.assign(charge=names["current_code"].isin(loaded))[
        ["code", "kind", "nom", "current_code", "departement", "charge"]]


def _population_france(communes: pd.DataFrame) -> pd.DataFrame:
    """``population_france``: the current communes and arrondissements municipaux of the current package (an
    arrondissement of Lyon listed beyond the load is its own population, not its city's: a re-check)."""
    kept = communes[communes["type"].isin(["commune-actuelle", "arrondissement-municipal"])]
    city = kept["parent"].where(kept["type"] == "arrondissement-municipal", kept["code"])
    return kept.assign(commune=city)[["code", "commune", "departement", "region", "population"]]


def load_decoupage(con: duckdb.DuckDBPyConnection, mirror: Path | None, force: bool, scope: Scope) -> StepResult:
    """Communes of every vintage, COG mapping, populations on the current geography."""
    start = time.perf_counter()
    vintages = sorted(config.DECOUPAGE_VERSIONS)
    files: dict[int, LocalFile] = {v: obtain(config.decoupage_file(v), mirror) for v in vintages}
    sha = scope.tag(combined_sha([f"{v}:{files[v].sha256}" for v in vintages]))
    if not force and load.source_loaded(con, "decoupage-administratif", _vintage_label(vintages), sha,
                                        DECOUPAGE_LOADER_VERSION):
        return StepResult("découpage administratif", "inchangé", 0, time.perf_counter() - start)
    with collector.paused():
        staged = [decoupage.staged_vintage(files[v].path, v, files[v].sha256) for v in vintages]
    unknown = sorted(set(scope.departements or ()) - set(staged[-1].departements["code"].astype(str)))
    if unknown:  # else « aucune commune actuelle », which names neither the option nor the code
        raise _unknown_departements(unknown)
    every_commune = pd.concat([s.communes for s in staged], ignore_index=True)
    every_edge = pd.concat([s.edges for s in staged], ignore_index=True)
    communes, edges = scope.keep(every_commune, "code"), scope.keep(every_edge, "code")
    mapping = cog_history.build_mapping(communes, edges, config.CURRENT_VINTAGE)
    beyond = _mapping_beyond(every_commune, every_edge, scope)
    unmapped = mapping[mapping["current_code"].isna()]
    mapping = mapping.dropna(subset=["current_code"])
    beyond = beyond[~beyond["code"].isin(set(mapping["code"]))]  # a code is in one of the two tables
    unmapped = unmapped[~unmapped["code"].isin(set(beyond["code"]))]  # its commune is outside the load, not gone
    populations = cog_history.population_on_current_geography(communes, mapping)
    gaps = cog_history.population_gaps(communes, edges, pd.concat([s.endings for s in staged], ignore_index=True),
                                       mapping, {v: year + 2 for v, year in config.POPULATION_YEAR.items()})
    latest = staged[-1]
    check_contracts(communes, mapping)
    origins = "; ".join(f"{v}={files[v].origin}" for v in vintages)
    departements = scope.keep(latest.departements, "code", by_code=False)
    tables = {
        "communes": communes, "cog_mapping": mapping, "cog_mapping_hors_chargement": beyond,
        "noms_communes": _names(staged[-1], scope),
        "population_current_geo": populations,
        "population_gaps": scope.keep(gaps, "code"),
        "departements": departements,
        "regions": latest.regions[latest.regions["code"].isin(set(departements["region"]))]
        if scope.departements else latest.regions,
        # Kept whole: an EPCI crossing the loaded départements is counted with its members outside them.
        "epci": latest.epci, "epci_membres": latest.epci_membres,
        # Kept whole: a région or a listed CPTS crossing them gets its taille from its whole population.
        "population_france": _population_france(latest.communes),
    }
    if scope.departements:
        loaded_members = scope.keep(latest.epci_membres, "commune")
        tables["epci"] = latest.epci[latest.epci["code"].isin(set(loaded_members["epci"]))]
    with transaction(con):
        for name, frame in tables.items():
            load.replace_table(con, name, frame, origins)
        # The registry's head counts per département and région place its communes with this COG: a new COG
        # (a commune changing département) changes them even when the registry itself is not reloaded.
        registry_tables.rebuild_zone_counts(con)
        for v in vintages:
            load.record_source(con, Provenance(
                "decoupage-administratif", str(v), files[v].origin, files[v].sha256,
                int((communes["vintage"] == v).sum()),
                f"@etalab/decoupage-administratif {config.DECOUPAGE_VERSIONS[v]} : COG au 1er janvier {v}, "
                f"populations légales du paquet{scope.label}"))
        load.record_source(con, Provenance("decoupage-administratif", _vintage_label(vintages), origins, sha,
                                           len(mapping), "ensemble des millésimes (table de passage du COG)",
                                           DECOUPAGE_LOADER_VERSION))
    details = [f"{len(mapping)} codes dans la table de passage{scope.label}"]
    if len(unmapped):
        details.append(f"{len(unmapped)} anciens codes sans commune actuelle : "
                       + ", ".join(sorted(unmapped["code"].astype(str))[:20]))
    return StepResult("découpage administratif", "chargé", len(communes), time.perf_counter() - start, details)


def check_contracts(communes: pd.DataFrame, mapping: pd.DataFrame) -> None:
    """Row contracts across tables: targets of the mapping are current communes."""
    current = communes[(communes["vintage"] == config.CURRENT_VINTAGE) & (communes["type"] == "commune-actuelle")]
    targets = set(mapping["current_code"].dropna())
    if not targets <= set(current["code"]):
        raise DataError("Contrat violé : la table de passage vise des codes qui ne sont pas des communes actuelles")


def _simple_step(
    name: str,
    source: config.SourceFile,
    stage: Callable[[Path], dict[str, pd.DataFrame]],
    code_columns: dict[str, str],
    notes: str,
) -> Step:
    """A step loading one file into tables; ``code_columns`` names each table's commune column (for scopes)."""

    def step(con: duckdb.DuckDBPyConnection, mirror: Path | None, force: bool, scope: Scope) -> StepResult:
        start = time.perf_counter()
        local = obtain(source, mirror)
        sha = scope.tag(local.sha256)
        if not force and load.source_loaded(con, source.name, source.vintage, sha):
            return StepResult(name, "inchangé", 0, time.perf_counter() - start)
        frames = staged_cache.staged(source.name, local.sha256, lambda: stage(local.path))
        tables = {table: scope.keep(frame, code_columns[table]) if table in code_columns else frame
                  for table, frame in frames.items()}
        rows = sum(len(t) for t in tables.values())
        load.load_source(con, tables, Provenance(source.name, source.vintage, local.origin, sha, rows,
                                                 notes + scope.label))
        return StepResult(name, "chargé", rows, time.perf_counter() - start)

    return step


load_libelles = _simple_step(
    "libellés des zonages INSEE", config.ZONAGES_LIBELLES,
    lambda p: {"zonages_libelles": insee.stage_libelles(p)}, {},
    "INSEE, libellés des zonages supra-communaux 2024",
)
load_apl = _simple_step(
    "APL DREES", config.APL,
    lambda p: {"apl": apl.stage_apl(p)}, {"apl": "code"},
    "DREES, APL aux médecins généralistes 2022 et 2023 (consultations accessibles par habitant standardisé)",
)
load_qpv = _simple_step(
    "zonage QPV", config.QPV_ZONAGE,
    lambda p: {"qpv_zonage": zonage.stage_qpv_zonage(p)}, {"qpv_zonage": "commune"},
    "ARS PACA, zonage médecins généralistes par QPV, millésime 2025",
)

BASE_STEPS: list[Step] = [load_decoupage, load_contours, load_arrondissement_polygons, load_appartenance,
                          load_libelles, load_apl, load_qpv, load_filosofi]


def _normalised(codes: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({d.strip().upper().zfill(2) for d in codes if d.strip()}))


def _check_departements(typed: Iterable[str]) -> None:
    """Refuse the codes of ``DEPARTEMENTS=`` the COG does not know, as the user typed them (a review read « ALL »
    for « all »)."""
    unknown = sorted({code.strip() for code in typed if code.strip() and _normalised([code])[0] not in DEPARTEMENTS})
    if unknown:
        raise _unknown_departements(unknown)


def _unknown_departements(codes: list[str]) -> DataError:
    return DataError(f"Département(s) inconnu(s) dans --departements : {', '.join(codes)} (codes du COG "
                     f"{config.CURRENT_VINTAGE} : 01 à 95, 2A, 2B, 971 à 976)")


def _recorded_departements(record: Path) -> tuple[str, ...]:
    """The départements of :data:`SCOPE_FILE` (a person may have edited it: said in French, with the file)."""
    codes = _normalised(record.read_text(encoding="utf-8").split(","))
    unknown = [code for code in codes if code not in DEPARTEMENTS]
    if unknown:
        raise DataError(f"Départements du chargement précédent illisibles (« {', '.join(unknown)} ») : corrigez ou "
                        "supprimez ce fichier, ou donnez DEPARTEMENTS=… ou FRANCE=1", record)
    return codes


def run(options: DataOptions, extra_steps: list[Step] | None = None) -> IngestReport:
    """Run every ingestion step under the writer lock.

    ``extra_steps`` defaults to the listing and registry steps of ``options``
    (:func:`pipeline.app.registries.registry_steps`).
    """
    mirror = options.mirror if options.mirror is not None else config.mirror_dir()
    if mirror is not None and not mirror.is_dir():
        # Said for what it is, before anything is read (a review got « Fichier absent du miroir » for a mirror
        # setting naming a file, or a folder that does not exist).
        what = "est un fichier, pas un dossier" if mirror.exists() else "est introuvable"
        raise PipelineError(f"Miroir de données (variable {config.MIRROR_ENV} ou option --miroir) {what} : {mirror}")
    steps = BASE_STEPS + (registry_steps(options, mirror) if extra_steps is None else extra_steps)
    report = IngestReport()
    # The data folder a user names (CPTS_DATA_DIR) being a file, a link to a missing disk or read-only is their
    # setting to fix, said as for the diagnostic's output folders (exit 2), before anything is read or written.
    check_writable(config.data_dir(), "Dossier de données (CPTS_DATA_DIR)",
                   "la base et les fichiers déjà chargés sont conservés")
    if options.departements is not None:  # before the database is copied for writing
        _check_departements(options.departements)
    with small_pages(), writer() as session:  # see pipeline.pages: a third of a national load was the kernel's
        report.rebuilt = session.rebuild
        record = config.db_path().with_name(SCOPE_FILE)
        if options.departements is None:  # keep what this database was loaded for
            stored = provenance.setting(session.con, SCOPE_SETTING)
            if stored is None and record.is_file():  # a new or rebuilt database: the previous load's record
                stored = ",".join(_recorded_departements(record))
                report.scope_recovered = bool(stored)
            departements = tuple(stored.split(",")) if stored else ()
        else:
            departements = _normalised(options.departements)
        scope = Scope(frozenset(departements) if departements else None)
        report.scope = departements
        for step in steps_bar(steps, "Chargement des sources"):
            report.steps.append(step(session.con, mirror, options.force, scope))
            outcome.check_interrupted()  # a signal a library swallowed during the step
        load.set_setting(session.con, SCOPE_SETTING, ",".join(departements))
        report.residue = load_inputs.polygon_residue(session.con)
        report.communes = geography.current_communes_summary(session.con)
        report.listings = listings.listing_sizes(session.con)
    # Once the database holding them is in place: a run stopped before would leave the record saying otherwise.
    record.write_text(",".join(departements) + "\n", encoding="utf-8")
    return report


def residue_lines(residue: pd.DataFrame) -> list[str]:
    """The summary's lines on the harmonisation residue: one per unit, or one per reason shared by more than
    :data:`MAX_RESIDUE_LINES` units (the 94 communes of the collectivités d'outre-mer, on every national
    load, would bury the few communes to look at)."""
    lines = []
    for kind, group in residue.groupby("kind"):
        lines.append(f"  {kind} ({len(group)}) :")
        for note, rows in group.groupby("note", sort=False):
            if len(rows) > MAX_RESIDUE_LINES:
                codes = ", ".join(str(c) for c in rows["code"].head(5))
                lines.append(f"    {len(rows)} unités — {note} ({codes}…)")
                continue
            for row in rows.itertuples():
                pop = "" if row.population is None or str(row.population) == "<NA>" else f", {row.population} hab."
                lines.append(f"    {row.code} {row.nom or ''}{pop} — {row.note}")
    return lines


def main(options: DataOptions) -> IngestReport:
    """``make data``: load, then print a French summary of every step."""
    start = time.perf_counter()
    mirror = options.mirror if options.mirror is not None else config.mirror_dir()
    print(f"Sources : {'miroir ' + str(mirror) if mirror else 'téléchargement depuis les sources officielles'}")
    report = run(options)
    if report.rebuilt:
        print(f"Base reconstruite entièrement : {report.rebuilt}.")
    if report.scope_recovered:
        print(f"Départements repris du chargement précédent : {', '.join(report.scope)} (make data FRANCE=1 pour "
              "toute la France).")
    for step in report.steps:
        detail = (" — " + "; ".join(step.details)) if step.details else ""
        print(f"  {step.name:<32} {step.status:<9} {step.rows:>9} lignes  {step.seconds:6.1f} s{detail}")
        for line in step.lines:
            print(f"      {line}")
    if report.residue is not None and not report.residue.empty:
        print(f"\nReliquat de l'harmonisation des contours ({len(report.residue)} lignes, table polygon_residue) :")
        for line in residue_lines(report.residue):
            print(line)
    n_communes, population = report.communes
    n_text, pop_text = (f"{v:,}".replace(",", " ") for v in (n_communes, population))
    zone = f" (départements {', '.join(report.scope)} seulement)" if report.scope else ""
    print(f"\n{config.CURRENT_VINTAGE} : {n_text} communes actuelles, {pop_text} habitants{zone}")
    if report.listings:
        print("Listes de CPTS dans la base : " + ", ".join(
            f"« {name} » ({count} CPTS)" for name, count in report.listings))
    for step in report.steps:
        if step.warning:
            print(f"ATTENTION : {step.warning}")
    print(f"Terminé en {time.perf_counter() - start:.1f} s — base : {config.db_path()}")
    return report
