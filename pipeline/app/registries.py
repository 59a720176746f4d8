"""``make data`` steps for CPTS listings and health-care supply (Annuaire Santé, FINESS).

Supply comes from the files the user gives (``--registre``/``CPTS_REGISTRY``,
``--finess``/``CPTS_FINESS``); otherwise, online (no mirror), from the current
extractions on data.gouv.fr (:mod:`pipeline.app.online_supply`). When no real
file is given nor downloaded and none was loaded before — a mirror, ``--demo``,
or a download impossible —, a deterministic demonstration extraction is
generated in the official layouts (:mod:`pipeline.sources.demo`) and loaded;
every output built on it says « données fictives de démonstration » (``demo``
flag of the ``sources`` table), with the reason when a download failed.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from pipeline import config
from pipeline.app.listing_names import refuse_name_clash
from pipeline.app.online_supply import (
    OnlineSupply,
    kept_after_failure,
    online_finess_step,
    online_registry_step,
    record_demo_reason,
)
from pipeline.app.relocation import record_placement, relocation_step
from pipeline.app.steps import Scope, Step, StepResult
from pipeline.errors import DataError, PipelineError
from pipeline.geography import normalise_insee_code, to_wkb
from pipeline.model import DataOptions
from pipeline.render.listing_anomalies import ANOMALY_LABELS, anomaly_lines
from pipeline.render.report import format_number
from pipeline.sources import annuaire, cpts_listing, finess
from pipeline.sources.cpts_listing.homonyms import homonyms_with_the_load_beyond
from pipeline.sources.cpts_listing.perimeter_members import (
    with_out_of_load_issues,
    with_perimeter_members,
    with_point_rule_issues,
)
from pipeline.sources.cpts_listing.resolve import spans_beyond_the_load
from pipeline.sources.download import obtain, sha256_of
from pipeline.sources.extraction_names import DEMO_NOTE
from pipeline.sources.files import check_regular_file
from pipeline.store import load, registry_tables, schema
from pipeline.store.connection import transaction
from pipeline.store.load import Provenance
from pipeline.store.queries import beyond_the_load, geography, listings, load_inputs, provenance

DEMO_SEED = 2026
# 2: staged without the database, both layouts, unit and postal code columns.
# 3: a commune code without its leading zero restored; rows without a known code placed by postal code.
# 4: on a database of some départements, a record of another département is never placed by postal code.
# 5: such records reported as « hors_departements_charges », not « commune_inconnue ».
# 6: coordinates outside the area of use of their projection (x and y swapped, degrees for metres) dropped.
# 7: coordinates far from the establishment's commune dropped (« coordonnees_hors_commune »); garbled category
# labels replaced by the completed nomenclature's, or left empty.
# 8: stock records whose coded fields do not hold codes refused as shifted; unknown categories reported.
# 9: pharmacies (« Pharmacie ») and biology laboratories (« Laboratoire ») in their own groups, not « Autre ».
# 10: opening dates re-saved by a spreadsheet (« 13/02/1979 ») read as dates, as FINESS writes them.
FINESS_LOADER_VERSION = "10"
#: Changes when the demonstration generator writes different files: they are then generated again.
DEMO_GENERATOR_VERSION = "5-no-repeated-line"
LISTING_TABLES = ("cpts_membres", "cpts_anomalies", "cpts_perimetres")
#: 2: the members of a GeoJSON listing are the units inside its perimeters; 3: a scoped load records the listed
#: communes outside its départements (``hors_departements_charges``); 4: and the drawn perimeters partly outside
#: them; 5: codes of no département are « code_inconnu » there, and the départements and régions a CPTS spans count
#: its communes outside the load; 6–7: a near-duplicate name is reported for each CPTS it concerns, worded as the
#: line counts; 8: the départements and régions a CPTS spans are named so several features of a CPTS merged; 10: a
#: scoped load judges probable homonyms with the CPTS's communes beyond the load; 11: a name carried by several ids
#: is several CPTS, and a column numbering the rows is not read as ids; 12: a drawn perimeter is beyond the load only
#: when it holds the point of an unloaded commune; 13: JJ/MM/AAAA dates; 14-15: metres without a CRS read as Lambert
#: 93 or Web Mercator, whichever follows communes (per feature), and west of Greenwich as Web Mercator.
LISTING_LOADER_VERSION = "15"


def listing_step(path: Path, name: str | None = None, origin: str | None = None, default: bool = False) -> Step:
    """Load one CPTS listing under its name, replacing a previous listing of that name only.

    A user listing (``default`` False) named like a listing loaded from another
    file is refused: loading it would silently replace the other one.
    """

    def step(con: duckdb.DuckDBPyConnection, mirror: Path | None, force: bool, scope: Scope) -> StepResult:
        start = time.perf_counter()
        listing = name or path.stem
        sha = scope.tag(sha256_of(path))
        source = f"cpts:{listing}"
        if not default:
            refuse_name_clash(con, source, listing, origin or str(path), path)
        if not force and load.source_loaded(con, source, "liste", sha, LISTING_LOADER_VERSION):
            return StepResult(f"liste de CPTS « {listing} »", "inchangé", 0, time.perf_counter() - start)
        mapping, units = geography.cog_mapping(con), geography.current_units_with_postcodes(con)
        result = cpts_listing.read_listing(path, mapping, units, listing, points=load_inputs.commune_points(con),
                                           units_near=lambda box: geography.unit_polygons_near(con, box))
        if (drawn := result.perimeters) is not None and len(drawn):
            # Perimeters drawn as polygons: their members are the units whose representative point is inside.
            near = geography.unit_polygons_near(con, tuple(drawn.total_bounds))
            result = with_perimeter_members(result, pd.DataFrame(near[["code", "lon", "lat"]]), mapping, units,
                                            listing)
            result = with_point_rule_issues(result, near, listing)
            if scope.departements is not None:
                unloaded = beyond_the_load.points_near(con, tuple(drawn.to_crs(4326).total_bounds), 0.0)
                unloaded["nom"] = unloaded["code"].astype(str).map(beyond_the_load.current_names(con, unloaded["code"]))
                result = with_out_of_load_issues(result, near, listing, scope.label, unloaded)
        members = result.members.dropna(subset=["unit_code"]).drop_duplicates(["cpts_id", "unit_code"])
        members = members.assign(listing=listing)
        issues = result.issues.assign(listing=listing)
        if scope.departements is not None:
            # A database of some départements (make data --departements) knows no commune of the others: the
            # listing's communes there are not « unknown », they are out of the load, and the CPTS is partial.
            # The code as the loader read it (« 6088 » is 06088, « 2a004 » 2A004), not as written.
            read = issues["code"].map(lambda c: normalise_insee_code(c)[0] if isinstance(c, str) else None)
            # A code the COG knows there (69999 is no commune of the Rhône: unknown, not out of the load).
            current = beyond_the_load.current_communes(con, {c for c in read if isinstance(c, str)})
            outside = (issues["kind"] == "code_inconnu") & read.map(
                lambda c: isinstance(c, str) and not scope.contains(c) and c in current)
            issues = issues.assign(
                kind=issues["kind"].where(~outside, cpts_listing.OUT_OF_SCOPE),
                code=issues["code"].where(~outside, read),
                detail_fr=issues["detail_fr"].where(~outside, read.map(
                    lambda c: f"commune {c} hors des départements chargés{scope.label} : absente de la base, la "
                              "CPTS est diagnostiquée sans elle (chiffres partiels)")))
            issues = spans_beyond_the_load(issues, members, units, listing, current)
            points = pd.concat([load_inputs.commune_points(con), load_inputs.points_beyond_the_load(con)],
                               ignore_index=True)
            issues = homonyms_with_the_load_beyond(issues, result.members, points, listing)
        issues = issues.reset_index(drop=True)
        issues["rang"] = range(1, len(issues) + 1)
        perimeters = pd.DataFrame(columns=["listing", "cpts", "cpts_id", "geometry"])
        if result.perimeters is not None and len(result.perimeters):
            perimeters = pd.DataFrame({
                "listing": listing, "cpts": result.perimeters["cpts"].to_numpy(),
                "cpts_id": result.perimeters["cpts_id"].to_numpy(),
                "geometry": to_wkb(result.perimeters.geometry),
            })
        if members.empty and perimeters.empty and not (issues["kind"] == cpts_listing.OUT_OF_SCOPE).any():
            # Loaded, it only gave « 0 avec au moins une commune chargée » and notes in later runs (a review).
            raise DataError("Aucun code de la liste ne désigne une commune : liste non chargée, la base est "
                            "inchangée (" + " ; ".join(anomaly_lines(issues, 5, others="")) + ")", path)
        counted = _cpts_count(result.members, issues, perimeters, members)
        declared = {table: schema.column_names(table) for table in LISTING_TABLES}
        with transaction(con):
            for table, frame in zip(LISTING_TABLES, (members, issues, perimeters), strict=True):
                frame = frame[[c for c in frame.columns if c in declared[table]]]
                load.replace_rows(con, table, frame, {"listing": listing}, str(path))
            load.record_source(con, Provenance(
                source, "liste", origin or str(path), sha, len(members),
                f"liste de CPTS « {listing} » : {counted}, {len(issues)} anomalies signalées",
                LISTING_LOADER_VERSION))
        details = [f"{counted}, {len(members)} unités"]
        counts = issues["kind"].map(lambda kind: ANOMALY_LABELS.get(str(kind), str(kind))).value_counts()
        if len(counts):
            plural = "s" if len(issues) > 1 else ""
            details.append(f"{len(issues)} anomalie{plural} : " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        return StepResult(f"liste de CPTS « {listing} »", "chargé", len(members), time.perf_counter() - start,
                          details, lines=anomaly_lines(issues))

    return step


def _cpts_count(read: pd.DataFrame, issues: pd.DataFrame, perimeters: pd.DataFrame, members: pd.DataFrame) -> str:
    """« 6 CPTS dans la liste, dont 4 avec au moins une commune chargée » (« 4 CPTS » when all have one): a CPTS
    whose codes are all unknown, or all in unloaded départements, is named by its anomalies only (a review read
    « 4 CPTS » for a listing of 6)."""
    loaded = members["cpts"].nunique()
    named = set(read["cpts"].dropna().astype(str)) | set(issues["cpts"].dropna().astype(str)) | set(
        perimeters["cpts"].dropna().astype(str)) | set(members["cpts"].astype(str))
    if len(named) <= loaded:
        return f"{loaded} CPTS"
    return f"{len(named)} CPTS dans la liste, dont {loaded} avec au moins une commune chargée"


def default_listing_step(mirror: Path | None) -> Step | None:
    """The real PACA listing of the mirror (there is no official URL to download it from)."""
    if mirror is None:
        return None
    try:
        local = obtain(config.PACA_CPTS, mirror)
    except PipelineError:  # a mirror without the listing simply has no default listing
        return None
    return listing_step(local.path, "paca", local.origin, default=True)


def _older_warning(loaded: list[tuple[str, str, str, bool]], vintage: str, demo: bool, shown: str) -> str | None:
    """Say that a newer extraction stays the one diagnostics count (this one only dates the supply's evolution)."""
    newer = [v for v, _, _, is_demo in loaded if v > vintage and is_demo == demo]
    if not newer:
        return None
    latest, this = date.fromisoformat(max(newer)), date.fromisoformat(vintage)
    return (f"l'Annuaire Santé du {latest:%d/%m/%Y}, plus récent, reste chargé : les diagnostics comptent l'offre "
            f"de cette date ; l'extraction du {this:%d/%m/%Y} ({shown}) ne sert qu'à l'évolution de l'offre. Pour "
            "ne garder qu'elle : python -m pipeline data --registre CHEMIN --seule-extraction")


def registry_step(path: Path, savoir_faire: Path | None = None, keep_older: bool = True,
                  origin: str | None = None) -> Step:
    """Load one Annuaire Santé extraction, keeping the other dated extractions (supply dynamics).

    ``origin`` is recorded as where the file comes from (its URL when downloaded; default its path).
    """

    def step(con: duckdb.DuckDBPyConnection, mirror: Path | None, force: bool, scope: Scope) -> StepResult:
        start = time.perf_counter()
        # The savoir-faire file beside it, read when its own columns are empty, is part of what was read (a
        # re-check: changed after the load, it was read again without a word).
        beside = None if savoir_faire is not None else annuaire.savoir_faire_beside(path)
        digest = scope.tag(annuaire.extraction_digest(path, savoir_faire or beside))
        loaded = provenance.loaded_files(con, annuaire.SOURCE_NAME)
        same = [(v, demo) for v, sha, version, demo in loaded if sha == digest and version == annuaire.LOADER_VERSION]
        if not force and (keep_older or len(loaded) == 1) and same:
            # Loaded again unchanged, it still is not the one counted when a newer one is there: said again.
            return StepResult("Annuaire Santé", "inchangé", 0, time.perf_counter() - start,
                              warning=_older_warning(loaded, same[0][0], same[0][1], str(path)) if keep_older else None)
        units = geography.current_units_with_postcodes(con)
        staged = annuaire.stage_annuaire(path, savoir_faire, units=units, cog_mapping=geography.cog_mapping(con),
                                         loaded_departements=sorted(scope.departements or ()))
        vintage = staged.extraction.isoformat()
        notes = (f"{format_number(staged.rows)} activités ; savoir-faire : {staged.savoir_faire_source} ; "
                 f"fichier {staged.fichier}")
        if staged.demo:
            notes = f"{DEMO_NOTE} ; " + notes
        # A real extraction replaces the demonstration ones: their dates would enter the supply dynamics.
        demo_vintages = [] if staged.demo else [
            v for v, _, _, demo in provenance.loaded_files(con, annuaire.SOURCE_NAME) if demo and v != vintage]
        with transaction(con):
            if not keep_older:
                registry_tables.drop_extractions(con, keep=staged.extraction)
                load.forget_other_vintages(con, annuaire.SOURCE_NAME, [vintage])
            elif demo_vintages:
                registry_tables.drop_extractions(con, dates=[date.fromisoformat(v) for v in demo_vintages])
                kept = [v for v, *_ in provenance.loaded_files(con, annuaire.SOURCE_NAME) if v not in demo_vintages]
                load.forget_other_vintages(con, annuaire.SOURCE_NAME, [*kept, vintage])
            registry_tables.write_annuaire(con, staged.activites, staged.anomalies, staged.extraction,
                                           origin or str(path))
            record_placement(con, annuaire.SOURCE_NAME, vintage, scope, savoir_faire, beside)
            load.record_source(con, Provenance(annuaire.SOURCE_NAME, vintage, origin or str(path), digest,
                                               staged.rows, notes, annuaire.LOADER_VERSION, staged.demo))
        warning = _older_warning(loaded, vintage, staged.demo, staged.fichier) if keep_older else None
        return StepResult("Annuaire Santé" + (" (démonstration)" if staged.demo else ""), "chargé", staged.rows,
                          time.perf_counter() - start, [staged.summary_fr()], warning)

    return step


def finess_step(path: Path, origin: str | None = None) -> Step:
    """Load one FINESS extraction (either layout); ``origin`` as for :func:`registry_step`."""

    def step(con: duckdb.DuckDBPyConnection, mirror: Path | None, force: bool, scope: Scope) -> StepResult:
        start = time.perf_counter()
        digest = scope.tag(sha256_of(path))
        if not force and any(sha == digest and version == FINESS_LOADER_VERSION
                             for _, sha, version, _ in provenance.loaded_files(con, finess.SOURCE_NAME)):
            return StepResult("FINESS", "inchangé", 0, time.perf_counter() - start)
        units = geography.current_units_with_postcodes(con)
        staged = finess.stage_finess(path, units=units, cog_mapping=geography.cog_mapping(con),
                                     loaded_departements=sorted(scope.departements or ()),
                                     commune_bounds=load_inputs.commune_bounds(con))
        vintage = staged.extraction.isoformat()
        notes = f"{format_number(len(staged.etablissements))} établissements ; présentation {staged.layout}"
        if staged.demo:
            notes = f"{DEMO_NOTE} ; " + notes
        with transaction(con):
            registry_tables.write_finess(con, staged.etablissements, staged.anomalies, origin or str(path))
            record_placement(con, finess.SOURCE_NAME, vintage, scope)
            load.forget_other_vintages(con, finess.SOURCE_NAME, [vintage])
            load.record_source(con, Provenance(finess.SOURCE_NAME, vintage, origin or str(path), digest,
                                               len(staged.etablissements), notes, FINESS_LOADER_VERSION,
                                               staged.demo))
        return StepResult("FINESS" + (" (démonstration)" if staged.demo else ""), "chargé",
                          len(staged.etablissements), time.perf_counter() - start, [staged.summary_fr()])

    return step


def demo_files() -> dict[str, Path]:
    """Paths of the demonstration extractions (generated once, then reused): three yearly Annuaire Santé
    extractions (``annuaire_<year>``, ``savoir_faire_<year>``; ``annuaire`` is the newest) and FINESS."""
    from pipeline.sources.demo import DEMO_STAMP, DEMO_STAMPS, demo_file_names

    folder = config.raw_dir() / "demo"
    files: dict[str, Path] = {}
    for stamp in DEMO_STAMPS:
        activity, savoir_faire = demo_file_names(stamp)
        files[f"annuaire_{stamp[:4]}"] = folder / activity
        files[f"savoir_faire_{stamp[:4]}"] = folder / savoir_faire
    files["annuaire"] = files[f"annuaire_{DEMO_STAMP[:4]}"]
    files["savoir_faire"] = files[f"savoir_faire_{DEMO_STAMP[:4]}"]
    files["finess"] = folder / f"etalab-cs1100507-stock-{DEMO_STAMP[:8]}-{DEMO_STAMP[8:]}-DEMO.csv"
    return files


def demo_step(want_registry: bool, want_finess: bool) -> Step:
    """Generate (if needed) and load the demonstration extractions: the three Annuaire years, and FINESS."""

    def step(con: duckdb.DuckDBPyConnection, mirror: Path | None, force: bool, scope: Scope) -> StepResult:
        from pipeline.sources.demo import DEMO_STAMPS, write_demo_extractions

        start = time.perf_counter()
        files = demo_files()
        expected = f"{provenance.source_sha(con, 'contours-communes') or ''} {DEMO_GENERATOR_VERSION}"
        stamp = files["annuaire"].parent / "communes.sha256"
        fresh = all(p.exists() for p in files.values()) and stamp.exists() and stamp.read_text().strip() == expected
        if not fresh:
            files = write_demo_extractions(load_inputs.demo_units(con), files["annuaire"].parent, seed=DEMO_SEED)
            stamp.write_text(expected)
        results = []
        if want_registry:
            # Newest first: it makes the current supply (offre_commune), which the older ones leave as it is.
            for stamp_value in reversed(DEMO_STAMPS):
                year = stamp_value[:4]
                results.append(registry_step(files[f"annuaire_{year}"], files[f"savoir_faire_{year}"])(
                    con, mirror, force, scope))
        if want_finess:
            results.append(finess_step(files["finess"])(con, mirror, force, scope))
        status = "chargé" if any(r.status == "chargé" for r in results) or not fresh else "inchangé"
        return StepResult("données fictives de démonstration", status, sum(r.rows for r in results),
                          time.perf_counter() - start, [d for r in results for d in [r.name, *r.details]])

    return step


def registry_steps(options: DataOptions, mirror: Path | None) -> list[Step]:
    """Listing and supply steps of ``make data`` from its options.

    Every file named on the command line must exist: checked here, before the
    run takes the writer lock, so that a typo fails at once in French.
    """
    given: list[tuple[str, Path | None]] = [("--cpts", p) for p in options.listings]
    # Both may come from the environment (CPTS_REGISTRY, CPTS_FINESS, the options' defaults): named too.
    given += [(f"--registre ou variable {config.REGISTRY_ENV}", options.registry),
              ("--savoir-faire", options.savoir_faire), (f"--finess ou variable {config.FINESS_ENV}", options.finess)]
    for option, raw in given:
        if raw is not None:
            check_regular_file(Path(raw).expanduser(), f"option {option}")
    if options.registry_only and options.registry is None:
        raise PipelineError("L'option --seule-extraction garde l'extraction donnée par --registre CHEMIN (ou la "
                            "variable CPTS_REGISTRY) : aucune n'est donnée")
    steps: list[Step] = []
    default = default_listing_step(mirror)
    if default is not None:
        steps.append(default)
    for raw in options.listings:
        steps.append(listing_step(Path(raw).expanduser().resolve()))
    if options.registry is not None:
        sf = options.savoir_faire
        steps.append(registry_step(Path(options.registry).expanduser().resolve(), Path(sf).resolve() if sf else None,
                                   keep_older=not options.registry_only))
    if options.finess is not None:
        steps.append(finess_step(Path(options.finess).expanduser().resolve()))
    online = None
    if mirror is None and options.demo != "always" and (options.registry is None or options.finess is None):
        online = OnlineSupply(demo_follows=options.demo != "never")
        if options.registry is None:
            steps.append(online_registry_step(online, lambda p, sf, origin: registry_step(p, sf, origin=origin)))
        if options.finess is None:
            steps.append(online_finess_step(online, lambda p, origin: finess_step(p, origin)))
    steps.append(relocation_step(_reload, online=online is not None))
    if options.demo != "never" and (options.registry is None or options.finess is None):
        steps.append(_conditional_demo(options.registry is None, options.finess is None, online))
    return steps


def _reload(source: str, path: Path, savoir_faire: Path | None, origin: str) -> Step:
    """The step loading again a real extraction of ``source`` from ``path`` (see :mod:`pipeline.app.relocation`)."""
    return (registry_step(path, savoir_faire, origin=origin) if source == annuaire.SOURCE_NAME
            else finess_step(path, origin))


def _conditional_demo(registry: bool, finess_wanted: bool, online: OnlineSupply | None = None) -> Step:
    """Demo supply only for the sources that have no real file loaded (given, downloaded, or loaded before)."""

    def step(con: duckdb.DuckDBPyConnection, mirror: Path | None, force: bool, scope: Scope) -> StepResult:
        want_registry = registry and not provenance.real_loaded(con, annuaire.SOURCE_NAME)
        want_finess = finess_wanted and not provenance.real_loaded(con, finess.SOURCE_NAME)
        kept = kept_after_failure(con, online)
        demo_for = [s for s, want in ((annuaire.SOURCE_NAME, want_registry), (finess.SOURCE_NAME, want_finess))
                    if want]
        reason = record_demo_reason(con, online, demo_for)
        if not (want_registry or want_finess):
            return StepResult("données fictives de démonstration", "inutile", 0, 0.0,
                              ["des extractions réelles sont déjà chargées", *kept])
        result = demo_step(want_registry, want_finess)(con, mirror, force, scope)
        result.details[:0] = kept
        if reason is not None:
            result.warning = f"offre de soins fictive de démonstration, car {reason}"
        return result

    return step


def perimeters(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return listings.perimeters(con)
