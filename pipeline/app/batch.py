"""``make diagnostics LISTE=paca`` (or ``REGION=``): the diagnostic of every CPTS of a listing, and a comparison.

One process, one database connection, whole tables read once
(:class:`~pipeline.app.shared.SharedData`: supply, APL, listings, units),
and the GP consultations of the whole listing's area modelled once for the
pertinence sections (:mod:`pipeline.app.flow_model`). Each CPTS gets its
usual outputs (report, maps, tables), its report linking to its line of the
comparison: ``maps/comparaison-<liste>/index.html`` and the CSV and XLSX in
``data/processed/comparaison-<liste>/``.

A CPTS that fails is reported (French, on stderr and in the comparison) and
the others go on. Exit code: 0 when every CPTS succeeded, 2 when some failed
on bad input (:class:`~pipeline.errors.PipelineError`), 1 when one failed on
an unexpected error (a bug: its traceback is printed).
"""

from __future__ import annotations

import collections
import contextlib
import functools
import sys
import time
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb
import geopandas as gpd
import pandas as pd

from pipeline import config
from pipeline.analysis.population import legal_year
from pipeline.analysis.population.territory_type import territory_type_by_unit
from pipeline.app import flow_model, outcome
from pipeline.app.batch_rows import DEPARTEMENTS, BatchContext, comparison_row, comparison_table
from pipeline.app.batch_unloaded import none_loaded, unloaded_for
from pipeline.app.diagnostic import compute
from pipeline.app.listing_names import listing_folder, region_folder_clash
from pipeline.app.sections.pertinence import analysis_codes, split_cities
from pipeline.app.shared import read_shared
from pipeline.errors import PipelineError
from pipeline.geography import REGION_DEPARTEMENTS, slugify
from pipeline.model import DiagnosticOptions
from pipeline.model.diagnostic import Diagnostic
from pipeline.model.perimeter import BatchOptions, Comparison, anchor_of
from pipeline.params import Params, default_params
from pipeline.render import outputs
from pipeline.render.background import Background
from pipeline.render.comparison import write_comparison
from pipeline.render.comparison.page import sources_line
from pipeline.render.report import format_number
from pipeline.store.connection import connect
from pipeline.store.frames import use_system_allocator
from pipeline.store.queries import beyond_the_load, geography, listings
from pipeline.store.queries import characteristics as characteristics_queries
from pipeline.store.queries import perimeter as perimeter_queries
from pipeline.store.territory import loaded_part, resolve_territory, resolve_zone

#: Forked writers at work at once while the next CPTS is computed: a CPTS's writing outlasts a computation (71 PACA
#: CPTS: 164 s of writing, 115 s of computing), so with one writer the computing process waited a third of the time.
WRITERS = 2
#: CPTS named in the line of an interrupted batch (those whose outputs were already replaced), then « … ».
NAMED = 3


def _select(con: duckdb.DuckDBPyConnection, options: BatchOptions) -> tuple[str, str, pd.DataFrame]:
    """(name of the comparison, French label, ``cpts, listing, spec`` of the CPTS to run)."""
    names = listings.cpts_names(con)
    if names.empty and not listings.listing_names(con):  # a listing all beyond the load is named below (a review)
        raise PipelineError("Aucune liste de CPTS n'est chargée : lancez d'abord « make data » (ou make data CPTS=…)")
    if options.listing is not None:
        known = listings.listing_names(con)
        if options.listing not in known:
            raise PipelineError(f"Liste de CPTS inconnue : « {options.listing} » (listes chargées : "
                                f"{', '.join(known)})")
        if (clash := region_folder_clash(options.listing)) is not None:  # loaded before such names were refused
            raise PipelineError(f"{clash} : rechargez-la sous un autre nom (make data CPTS=…)")
        chosen = names[names["listing"] == options.listing]
        name, label = listing_folder(options.listing), f"liste {options.listing}"
    else:
        code, region = resolve_zone(con, "region", str(options.region))  # a code, PACA or a name
        members = listings.members(con)
        units = geography.units(con)
        inside = set(units.loc[units["region"] == code, "commune_code"].astype(str))
        touching = members[members["commune_code"].astype(str).isin(inside)][["cpts", "listing"]].drop_duplicates()
        chosen = names.merge(touching, on=["cpts", "listing"])
        name, label = f"region-{slugify(code)}", f"région {loaded_part(con, 'region', code, region)[0]}"
    if chosen.empty:
        raise PipelineError(none_loaded(con, options.listing) if options.listing is not None
                            else f"Aucune CPTS à comparer pour la {label}")
    shared_name = names["cpts"].map(lambda n: int((names["cpts"] == n).sum()) > 1)
    specs = {(r.cpts, r.listing): (f"cpts:{r.listing}:{r.cpts}" if s else f"cpts:{r.cpts}")
             for r, s in zip(names.itertuples(), shared_name, strict=True)}
    chosen = chosen.assign(spec=[specs[(c, li)] for c, li in zip(chosen["cpts"], chosen["listing"], strict=True)])
    return name, label, chosen.sort_values(["cpts", "listing"]).reset_index(drop=True)


def _with_shown_names(chosen: pd.DataFrame) -> pd.DataFrame:
    """``shown``: a name two listings hold with its listing, for the progress and error lines (a review read
    « [35/38] CPTS du Verdon » then « [36/38] CPTS du Verdon »)."""
    repeated = chosen["cpts"].duplicated(keep=False)
    return chosen.assign(shown=[f"{c} (liste {li})" if twice else str(c)
                                for c, li, twice in zip(chosen["cpts"], chosen["listing"], repeated, strict=True)])


def _context(con: duckdb.DuckDBPyConnection, chosen: pd.DataFrame, params: Params) -> BatchContext:
    """Read the shared tables once and model the GP consultations of the whole area once."""
    shared = read_shared(con)
    units = shared.perimeter.units
    cities = split_cities(units)
    members = shared.members[shared.members.set_index(["cpts", "listing"]).index.isin(
        list(zip(chosen["cpts"], chosen["listing"], strict=True)))]
    codes = analysis_codes(sorted(set(members["unit_code"].astype(str))), cities)
    polygons = geography.unit_polygons_for(con, codes)
    main = polygons["departement"].mode()
    departement = str(main.iloc[0]) if len(main) else "75"
    if shared.offre is not None and not polygons.empty:
        points = flow_model.domain_units(con, polygons.geometry, departement, 2 * params.flows.cutoff_km)
        shared.perimeter.flows = flow_model.modelled_gp_flows(points, shared.offre, params.flows)
    near = geography.unit_polygons_near(con, tuple(polygons.total_bounds), margin_deg=0.05) if len(polygons) else \
        polygons
    populations = characteristics_queries.aire_populations(con, sorted({str(a) for a in units["aav2020"].dropna()}))
    types = territory_type_by_unit(units, populations, perimeter_queries.aav_labels(con))
    claimed = set(shared.perimeter.claimed_units())
    # Uncovered only where the loaded listings speak, as for the white zones of the coverage: communes across a
    # régional border (the Gard beside Arles) are not « non couvertes » because no listing of theirs is loaded;
    # kept, flagged, as their coverage is unknown (:func:`~pipeline.app.batch_rows.comparison_row`).
    near = near.assign(known=near["code"].astype(str).isin(shared.perimeter.known_units()))
    # Beyond the load only régions can be told: those where the listings speak for some loaded unit.
    return BatchContext(shared=shared, types=types,
                        polygons=near[["code", "population", "departement", "known", "geometry"]],
                        claimed=claimed, borders=_listed_borders(con, polygons, shared.perimeter.known_regions()))


def _listed_borders(con: duckdb.DuckDBPyConnection, polygons: gpd.GeoDataFrame,
                    listed: frozenset[str]) -> gpd.GeoDataFrame | None:
    """The communes outside the load bordering the CPTS's area, in a région where the loaded listings speak: their
    population and whether a CPTS covers them are unknown (a database of some départements)."""
    if polygons.empty:
        return None
    borders = beyond_the_load.borders_near(con, tuple(polygons.total_bounds), margin_deg=0.1)
    region_of = {d: r for r, deps in REGION_DEPARTEMENTS.items() for d in deps}
    borders = borders[borders["departement"].map(region_of).isin(listed)]
    return borders if len(borders) else None


@dataclass
class _Outcome:
    unexpected: bool = False


@contextlib.contextmanager
def _reported(item: Any, failures: list[dict[str, str]]) -> Iterator[_Outcome]:
    """Record a CPTS's failure in French and go on with the others (a bug's traceback is printed)."""
    result = _Outcome()
    try:
        yield result
    except Exception as exc:
        if outcome.interruption_signal(exc) is not None:
            raise  # an interruption a library made its own error of (DuckDB's « Query interrupted ») stops the batch
        if not isinstance(exc, PipelineError):  # a bug must not stop the other CPTS; its traceback is printed
            result.unexpected = True
            failures.append({"cpts": str(item.cpts), "liste": str(item.listing),
                             "erreur": f"anomalie du programme ({type(exc).__name__}) : {exc}"})
            print(f"Erreur inattendue pour la CPTS « {item.shown} » ({type(exc).__name__}) :", file=sys.stderr)
            traceback.print_exception(exc, file=sys.stderr)
        else:
            failures.append({"cpts": str(item.cpts), "liste": str(item.listing), "erreur": str(exc)})
            print(f"Erreur pour la CPTS « {item.shown} » : {exc}", file=sys.stderr)


@dataclass
class _Writing:
    """A CPTS whose outputs a forked writer is writing: its position, item, diagnostic and computing time."""

    number: int
    item: Any
    diagnostic: Diagnostic
    computed_s: float
    writer: Background[outputs.OutputPaths]
    #: :func:`pipeline.render.outputs.folder_identity` of its tables folder before the writer started.
    before: tuple[int, int] | None = None


@dataclass
class _Done:
    """What an interrupted batch had already replaced: the CPTS whose outputs were swapped in, the comparison."""

    cpts: list[str] = field(default_factory=list)
    comparison: bool = False

    def interrupted_line(self) -> str | None:
        """The French line of an interruption, or None when nothing was replaced (the usual line is then true)."""
        if self.comparison:
            return (f"Interrompu après l'écriture de la comparaison et des sorties de "
                    f"{format_number(len(self.cpts))} CPTS : la base "
                    "est inchangée.")
        if not self.cpts:
            return None
        names = ", ".join(self.cpts[:NAMED]) + ("…" if len(self.cpts) > NAMED else "")
        which = ("d'une CPTS déjà diagnostiquée ont été remplacées" if len(self.cpts) == 1
                 else f"de {format_number(len(self.cpts))} CPTS déjà diagnostiquées ont été remplacées")
        return f"Interrompu : la base et la comparaison précédente sont inchangées ; les sorties {which} ({names})."

    def add_swapped(self, pending: Iterable[_Writing]) -> None:
        """Add the CPTS of stopped writers that had swapped their outputs in before being stopped."""
        for writing in pending:
            if outputs.folder_identity(writing.diagnostic.territory.slug) != writing.before:
                self.cpts.append(str(writing.item.cpts))


def _collect(writing: _Writing, context: BatchContext, total: int, rows: list[dict[str, object]],
             failures: list[dict[str, str]], done: _Done) -> bool:
    """Wait for one CPTS's writer and add its comparison row (or its failure); True on an unexpected error.

    The time printed is the CPTS's computation plus the wait for its writer (the writing not overlapped).
    """
    waited = time.perf_counter()
    with _reported(writing.item, failures) as failed:
        writing.writer.result()
        done.cpts.append(str(writing.item.cpts))
        rows.append(comparison_row(writing.diagnostic, context, str(writing.item.cpts), str(writing.item.listing)))
        print(f"  [{writing.number}/{total}] {writing.item.shown} : "
              f"{writing.computed_s + time.perf_counter() - waited:.1f} s")
    return failed.unexpected


def run_batch(options: BatchOptions) -> int:
    """Run every CPTS's diagnostic, write the comparison; return the exit code (0, 2, or 1).

    Raises
    ------
    pipeline.app.outcome.Interrupted
        Interrupted once some CPTS's outputs were replaced: its French line names them.
    """
    done = _Done()
    try:
        return _run(options, done)
    except BaseException as exc:
        if (signum := outcome.interruption_signal(exc)) is not None and (line := done.interrupted_line()):
            raise outcome.Interrupted(signum, line) from exc
        raise


def _run(options: BatchOptions, done: _Done) -> int:
    """:func:`run_batch`, recording in ``done`` what is replaced as it goes."""
    start = time.perf_counter()
    outputs.check_writable_roots()
    use_system_allocator()
    params = default_params()
    con = connect()
    rows: list[dict[str, object]] = []
    failures: list[dict[str, str]] = []
    unexpected = False
    written: dict[str, str] = {}
    pending: collections.deque[_Writing] = collections.deque()
    try:
        name, label, chosen = _select(con, options)
        chosen = _with_shown_names(chosen)
        # Never silently absent from the comparison: the CPTS of the listing with no loaded commune (a load of
        # some départements; a perimeter drawn where none lies) are named, apart from the failures.
        unknown, not_loaded, left_out = unloaded_for(con, options)
        for failure in unknown:  # bad input: failures of the run (exit 2), in the comparison's failures too
            print(f"CPTS « {failure['cpts']} » non diagnostiquée : {failure['erreur']}", file=sys.stderr)
        failures.extend(unknown)
        context = _context(con, chosen, params)
        outputs.load_writers()
        print(f"Diagnostics de {format_number(len(chosen))} CPTS ({label}) ; données communes lues en "
              f"{time.perf_counter() - start:.1f} s")
        # Each CPTS's outputs are written by a forked child (render.background) while the next ones are computed:
        # at most WRITERS writers at a time (the oldest waited for once the next CPTS is computed), its errors
        # reported for its own CPTS.
        for i, item in enumerate(chosen.itertuples(), start=1):
            started = time.perf_counter()
            diagnostic = None
            with _reported(item, failures) as failed:
                territory = resolve_territory(con, item.spec)
                if territory.slug in written:
                    # Names that differ only by punctuation or case share an output folder: never overwrite.
                    raise PipelineError(f"même dossier de sortie ({territory.slug}) que la CPTS « "
                                        f"{written[territory.slug]} » : leurs noms ne diffèrent que par la "
                                        "ponctuation ou la casse ; renommez l'une d'elles dans la liste")
                written[territory.slug] = str(item.cpts)
                computed = compute(con, territory, DiagnosticOptions(territory=item.spec), params, context.shared)
                computed.comparison_link = f"../comparaison-{name}/index.html#{anchor_of(territory.slug)}"
                computed.comparison = name
                diagnostic = computed
            unexpected = unexpected or failed.unexpected
            outcome.check_interrupted()  # a signal a library swallowed during the computation
            computed_s = time.perf_counter() - started
            while len(pending) >= WRITERS:
                unexpected = _collect(pending.popleft(), context, len(chosen), rows, failures, done) or unexpected
            if diagnostic is not None:
                with _reported(item, failures) as failed:  # a writer that cannot start (no more processes)
                    before = outputs.folder_identity(diagnostic.territory.slug)
                    pending.append(_Writing(i, item, diagnostic, computed_s,
                                            Background(functools.partial(outputs.write_all, diagnostic)), before))
                unexpected = unexpected or failed.unexpected
        while pending:
            unexpected = _collect(pending.popleft(), context, len(chosen), rows, failures, done) or unexpected
        # Failures in the listing's order (a CPTS's computation is reported before the previous ones' writing).
        order = {(str(r.cpts), str(r.listing)): n for n, r in enumerate(chosen.itertuples())}
        failures.sort(key=lambda f: order.get((f["cpts"], f["liste"]), len(order)))
        shapes = _shapes(con, rows, context)
    finally:
        outputs.stop_writers([writing.writer for writing in pending])  # interrupted while CPTS were written
        done.add_swapped(pending)  # those stopped after their swap (undone when stopped in its middle)
        con.close()
    if failures and not rows:  # a review saw the previous comparison replaced by « aucune donnée »
        print(f"Aucune CPTS calculée ({len(failures)} en échec) : aucune comparaison écrite, la précédente (s'il y "
              "en a une) est gardée", file=sys.stderr)
        return 1 if unexpected else 2
    comparison = Comparison(
        name=name, table=comparison_table(rows),
        failures=pd.DataFrame(failures, columns=["cpts", "liste", "erreur"]), shapes=shapes,
        labels={"titre": f"Comparaison des CPTS – {label}"}, demo="annuaire-sante" in context.shared.demo_sources,
        not_loaded=not_loaded, not_loaded_table=left_out, by_region=options.listing is None,
        listings=tuple(sorted(set(context.shared.members["listing"]))),
        # Mayotte's legal population is its 2017 census (a review: a Mayotte CPTS under « populations légales 2023 »).
        sources=sources_line("annuaire-sante" in context.shared.demo_sources, legal_year.years_label(
            {dep for row in rows for dep in row[DEPARTEMENTS]},  # type: ignore[attr-defined]  # a tuple
            config.POPULATION_YEAR[config.CURRENT_VINTAGE])),
    )
    page, tables = write_comparison(comparison)
    done.comparison = True
    print(f"Comparaison : {page}\n  tableaux : {tables}")
    _remove_stale_outputs(name, written)
    # Out of the CPTS tried: those failing before (codes naming no commune) were left out of « 5 sur 5 » (a review).
    tried = {(str(r.cpts), str(r.listing)) for r in chosen.itertuples()} | {(f["cpts"], f["liste"]) for f in failures}
    print(f"{len(rows)} CPTS sur {len(tried)} calculées en {time.perf_counter() - start:.1f} s"
          + (f" ; {len(failures)} en échec (voir ci-dessus et la page de comparaison)" if failures else ""))
    return 0 if not failures else 1 if unexpected else 2


def _remove_stale_outputs(name: str, written: dict[str, str]) -> None:
    """Remove the outputs this comparison wrote before for CPTS it no longer writes there: a CPTS taken out of the
    listing, or one whose folder changed (a homonym added), left a report linking to a line the comparison no longer
    has (a review). Only folders whose ``summary.json`` names this comparison go: a user's own diagnostic, or
    another comparison's, of the same CPTS stays (a re-check); one left by an interrupted run goes the next time."""
    removed, kept = outputs.remove_comparison_leftovers(name, set(written))
    if removed:
        print(f"Sorties de la comparaison précédente supprimées ({len(removed)}, CPTS retirées de la liste ou "
              f"écrites dans un autre dossier) : {', '.join(removed[:10])}{' …' if len(removed) > 10 else ''}")
    if kept:
        print(f"  note : sorties de CPTS qui ne sont plus dans cette comparaison, non supprimées (droits, ou en "
              f"cours d'écriture par un autre processus) : {', '.join(kept[:10])}{' …' if len(kept) > 10 else ''} ; "
              "supprimez-les ou relancez", file=sys.stderr)


def _shapes(con: duckdb.DuckDBPyConnection, rows: list[dict[str, object]],
            context: BatchContext) -> gpd.GeoDataFrame | None:
    """Perimeter of each computed CPTS (union of its unit polygons), for the comparison map."""
    if not rows:
        return None
    members = context.shared.members
    cities = split_cities(context.shared.perimeter.units)
    wanted: dict[str, list[str]] = {}
    for row in rows:
        units = members[(members["cpts"] == row["cpts"]) & (members["listing"] == row["liste"])]["unit_code"]
        wanted[str(row["ancre"])] = analysis_codes(list(units.astype(str)), cities)
    polygons = geography.unit_polygons_for(con, sorted({c for codes in wanted.values() for c in codes}))
    polygons = polygons.set_index("code")
    out = []
    for anchor, codes in wanted.items():
        present = polygons.reindex([c for c in codes if c in polygons.index])
        if len(present):
            out.append({"ancre": anchor, "geometry": present.geometry.union_all()})
    return gpd.GeoDataFrame(out, geometry="geometry", crs=4326) if out else None
