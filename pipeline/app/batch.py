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
import math
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import duckdb
import geopandas as gpd
import pandas as pd

from pipeline.analysis.comparison import dominant_type, group_ranks, uncovered_population_near
from pipeline.analysis.perimeter_parts import PARTS_TOLERANCE_M
from pipeline.analysis.population.territory_type import territory_type_by_unit
from pipeline.app import flow_model
from pipeline.app.batch_unloaded import unloaded_for
from pipeline.app.diagnostic import compute
from pipeline.app.sections.neighbours import communes_outside_the_load
from pipeline.app.sections.pertinence import analysis_codes, split_cities
from pipeline.app.shared import SharedData, read_shared
from pipeline.errors import PipelineError
from pipeline.geography import REGION_DEPARTEMENTS, projected_crs, slugify
from pipeline.model import DiagnosticOptions
from pipeline.model.diagnostic import Diagnostic
from pipeline.model.perimeter import (
    BORDERING,
    FIGURES,
    PARTIAL,
    PARTS,
    PROFESSIONS,
    REACH,
    BatchOptions,
    Comparison,
    anchor_of,
)
from pipeline.params import Params, default_params
from pipeline.render import outputs
from pipeline.render.background import Background
from pipeline.render.comparison import write_comparison
from pipeline.render.comparison.page import FIGURE_LABELS, sources_line
from pipeline.store.connection import connect
from pipeline.store.frames import use_system_allocator
from pipeline.store.queries import beyond_the_load, geography, listings
from pipeline.store.queries import characteristics as characteristics_queries
from pipeline.store.queries import perimeter as perimeter_queries
from pipeline.store.territory import loaded_part, resolve_territory, resolve_zone

#: A unit within this distance of a perimeter touches it (the contiguity rule of the coverage and the perimeter parts;
#: 200 m counted Bayons and Sigoyer, 44 and 54 m from the Gapençais, where the page says « qui touchent »).
NEAR_M = PARTS_TOLERANCE_M
#: Forked writers at work at once while the next CPTS is computed: a CPTS's writing outlasts a computation (71 PACA
#: CPTS: 164 s of writing, 115 s of computing), so with one writer the computing process waited a third of the time.
WRITERS = 2


@dataclass
class BatchContext:
    """What every CPTS of the batch shares: whole tables, territory types, unit polygons (projected)."""

    shared: SharedData
    types: pd.DataFrame
    #: Units near the CPTS (EPSG:4326, with ``departement``): projected per CRS by :meth:`near_units`.
    polygons: gpd.GeoDataFrame
    claimed: set[str]
    #: Communes outside the load that border a loaded one, in the régions of the loaded listings (EPSG:4326).
    borders: gpd.GeoDataFrame | None = None
    _projected: dict[int, tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]] = field(default_factory=dict)

    def near_units(self, crs: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
        """The units and the bordering communes of the départements projected in ``crs``, in metres.

        A listing may hold CPTS of mainland France and of overseas départements: each is measured against the
        units of its own projection (a review saw every Réunion CPTS of a mixed batch with 0 uncovered neighbours).
        """
        if crs not in self._projected:
            same = self.polygons[self.polygons["departement"].astype(str).map(projected_crs) == crs]
            borders = self.borders
            if borders is not None:
                borders = borders[borders["departement"].astype(str).map(projected_crs) == crs]
            self._projected[crs] = (same[["code", "population", "geometry"]].to_crs(crs),
                                    borders.to_crs(crs) if borders is not None and len(borders) else None)
        return self._projected[crs]


def _select(con: duckdb.DuckDBPyConnection, options: BatchOptions) -> tuple[str, str, pd.DataFrame]:
    """(name of the comparison, French label, ``cpts, listing, spec`` of the CPTS to run)."""
    names = listings.cpts_names(con)
    if names.empty:
        raise PipelineError("Aucune liste de CPTS n'est chargée : lancez d'abord « make data » (ou make data CPTS=…)")
    if options.listing is not None:
        known = listings.listing_names(con)
        if options.listing not in known:
            raise PipelineError(f"Liste de CPTS inconnue : « {options.listing} » (listes chargées : "
                                f"{', '.join(known)})")
        chosen = names[names["listing"] == options.listing]
        name, label = slugify(options.listing, max_length=60, default="liste"), f"liste {options.listing}"
    else:
        code, region = resolve_zone(con, "region", str(options.region))  # a code, PACA or a name
        members = listings.members(con)
        units = geography.units(con)
        inside = set(units.loc[units["region"] == code, "commune_code"].astype(str))
        touching = members[members["commune_code"].astype(str).isin(inside)][["cpts", "listing"]].drop_duplicates()
        chosen = names.merge(touching, on=["cpts", "listing"])
        name, label = f"region-{slugify(code)}", f"région {loaded_part(con, 'region', code, region)[0]}"
    if chosen.empty:
        raise PipelineError(f"Aucune CPTS à comparer pour la {label}")
    shared_name = names["cpts"].map(lambda n: int((names["cpts"] == n).sum()) > 1)
    specs = {(r.cpts, r.listing): (f"cpts:{r.listing}:{r.cpts}" if s else f"cpts:{r.cpts}")
             for r, s in zip(names.itertuples(), shared_name, strict=True)}
    chosen = chosen.assign(spec=[specs[(c, li)] for c, li in zip(chosen["cpts"], chosen["listing"], strict=True)])
    return name, label, chosen.sort_values(["cpts", "listing"]).reset_index(drop=True)


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
    # régional border (the Gard beside Arles) are not « non couvertes » because no listing of theirs is loaded.
    near = near[near["code"].astype(str).isin(shared.perimeter.known_units())]
    # Beyond the load only régions can be told: those where the listings speak for some loaded unit.
    return BatchContext(shared=shared, types=types, polygons=near[["code", "population", "departement", "geometry"]],
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


def _row(d: Diagnostic, context: BatchContext, cpts: str, listing: str) -> dict[str, object]:
    """The comparison figures of one CPTS, from its computed diagnostic."""
    units = d.units.set_index("unit_code")["population"]
    shared_units = {u for value in d.neighbours["unites_communes"] for u in str(value).split(", ") if u}
    shared_population = units.reindex(sorted(shared_units)).astype("float64")
    row: dict[str, object] = {
        "cpts": cpts, "liste": listing, "slug": d.territory.slug, "ancre": anchor_of(d.territory.slug),
        "population": d.population.total, "taille": d.taille.label,
        "type_territoire": dominant_type(context.types, analysis_codes(d.territory.unit_codes,
                                                                        split_cities(context.shared.perimeter.units))),
        "apl_2023": d.apl.synthesis.set_index("annee")["territoire"].get(2023, float("nan")),
        "population_partagee": float(shared_population.sum()) if shared_population.notna().all() else float("nan"),
    }
    density = d.supply.table.set_index("groupe")["densite_10000"] if d.supply is not None else pd.Series(dtype=float)
    for group, column in PROFESSIONS.items():
        row[column] = density.get(group, float("nan"))
    gp = float("nan")
    if d.flows is not None and d.flows.available:
        synthesis = d.flows.synthesis.set_index("groupe")["auto_confinement"]
        gp = float(synthesis.get("Médecins généralistes", float("nan")))
    row["auto_confinement"] = gp
    main = d.units["departement"].astype(str).mode()
    near_units, borders = context.near_units(projected_crs(str(main.iloc[0]) if len(main) else "75"))
    perimeter = d.perimeter.to_crs(near_units.crs).geometry.iloc[0] if len(d.perimeter) else None
    row["population_non_couverte_proche"] = uncovered_population_near(perimeter, near_units, context.claimed, NEAR_M)
    # The diagnostic shows its self-containment with the reservation; the comparison names the départements.
    row[REACH] = ", ".join(d.flows.beyond_the_load) if d.flows is not None else ""
    touching = borders[borders.distance(perimeter) <= NEAR_M] if perimeter is not None and borders is not None \
        else None
    row[BORDERING] = ", ".join(sorted(set(touching["departement"]))) if touching is not None else ""
    if row[BORDERING] or not set(d.units["unit_code"].astype(str)) & context.shared.perimeter.known_units():
        row["population_non_couverte_proche"] = float("nan")  # neighbours beyond the load, or no listing speaks here
    # Unknown (NaN) when a unit has no polygon: its place, hence the perimeter's continuity, is unknown.
    count = d.pertinence.parts_count if d.pertinence is not None else None
    row[PARTS] = float("nan") if count is None else count
    row[PARTIAL] = communes_outside_the_load(d.listing_anomalies)
    if row[PARTIAL] != 0:  # also NaN: a drawn part over no loaded commune
        # Only lower bounds: the communes outside the load may be shared, or border uncovered ones (unknown).
        row["population_partagee"] = row["population_non_couverte_proche"] = float("nan")
    return row


def as_shown(value: object, decimals: int, percent: bool) -> float:
    """``value`` rounded as the comparison page shows it: ``Intl.NumberFormat`` rounds the exact binary value half
    away from zero (18.05 is shown « 18,1 »; ``round`` would give 18.0), a share after its × 100."""
    try:
        number = float(value)  # type: ignore[arg-type]  # None, NA or text: not a figure
    except (TypeError, ValueError):
        return float("nan")
    if not math.isfinite(number):
        return float("nan")
    exact = Decimal(number * 100 if percent else number)
    return float(exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def comparison_table(rows: list[dict[str, object]]) -> pd.DataFrame:
    """One row per CPTS with the ranks of each figure among CPTS of the same taille and territory type."""
    columns = ["cpts", "liste", "slug", "ancre", "population", "taille", "type_territoire", *FIGURES, PARTIAL, REACH,
               BORDERING, PARTS]
    table = pd.DataFrame(rows, columns=list(dict.fromkeys(columns)))
    if table.empty:
        return table
    # A CPTS some of whose communes are outside the départements of the database has partial figures: not ranked.
    # An unknown count (a drawn perimeter partly outside the load) is partial too.
    whole = table[PARTIAL] == 0
    # Ranked as shown: two CPTS both shown « 18,1 » share their rank (the page and the workbook round the figures).
    shown = table.assign(**{f: [as_shown(v, *FIGURE_LABELS[f][1:]) for v in table[f]] for f in FIGURES})
    # A self-containment overestimated by a model that misses départements not loaded is shown, not ranked.
    reaching = table[REACH].map(lambda v: isinstance(v, str) and v != "").astype(bool)
    shown.loc[reaching, "auto_confinement"] = float("nan")
    ranks = group_ranks(shown[whole], FIGURES, by=["taille", "type_territoire"]).reindex(table.index)
    return pd.concat([table, ranks], axis=1)


@dataclass
class _Outcome:
    unexpected: bool = False


@contextlib.contextmanager
def _reported(item: Any, failures: list[dict[str, str]]) -> Iterator[_Outcome]:
    """Record a CPTS's failure in French and go on with the others (a bug's traceback is printed)."""
    outcome = _Outcome()
    try:
        yield outcome
    except PipelineError as exc:
        failures.append({"cpts": str(item.cpts), "liste": str(item.listing), "erreur": str(exc)})
        print(f"Erreur pour la CPTS « {item.cpts} » : {exc}", file=sys.stderr)
    except Exception as exc:  # a bug must not stop the other CPTS; its traceback is printed
        outcome.unexpected = True
        failures.append({"cpts": str(item.cpts), "liste": str(item.listing),
                         "erreur": f"anomalie du programme ({type(exc).__name__}) : {exc}"})
        print(f"Erreur inattendue pour la CPTS « {item.cpts} » ({type(exc).__name__}) :", file=sys.stderr)
        traceback.print_exception(exc, file=sys.stderr)


@dataclass
class _Writing:
    """A CPTS whose outputs a forked writer is writing: its position, item, diagnostic and computing time."""

    number: int
    item: Any
    diagnostic: Diagnostic
    computed_s: float
    writer: Background[outputs.OutputPaths]


def _collect(writing: _Writing, context: BatchContext, total: int, rows: list[dict[str, object]],
             failures: list[dict[str, str]]) -> bool:
    """Wait for one CPTS's writer and add its comparison row (or its failure); True on an unexpected error.

    The time printed is the CPTS's computation plus the wait for its writer (the writing not overlapped).
    """
    waited = time.perf_counter()
    with _reported(writing.item, failures) as failed:
        writing.writer.result()
        rows.append(_row(writing.diagnostic, context, str(writing.item.cpts), str(writing.item.listing)))
        print(f"  [{writing.number}/{total}] {writing.item.cpts} : "
              f"{writing.computed_s + time.perf_counter() - waited:.1f} s")
    return failed.unexpected


def run_batch(options: BatchOptions) -> int:
    """Run every CPTS's diagnostic, write the comparison; return the exit code (0, 2, or 1)."""
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
        # Never silently absent from the comparison: the CPTS of the listing with no loaded commune (a load of
        # some départements; a perimeter drawn where none lies) are named, apart from the failures.
        unknown, not_loaded = unloaded_for(con, options)
        for failure in unknown:  # bad input: failures of the run (exit 2), in the comparison's failures too
            print(f"CPTS « {failure['cpts']} » non diagnostiquée : {failure['erreur']}", file=sys.stderr)
        failures.extend(unknown)
        context = _context(con, chosen, params)
        outputs.load_writers()
        print(f"Diagnostics de {len(chosen)} CPTS ({label}) ; données communes lues en "
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
                diagnostic = computed
            unexpected = unexpected or failed.unexpected
            computed_s = time.perf_counter() - started
            while len(pending) >= WRITERS:
                unexpected = _collect(pending.popleft(), context, len(chosen), rows, failures) or unexpected
            if diagnostic is not None:
                with _reported(item, failures) as failed:  # a writer that cannot start (no more processes)
                    pending.append(_Writing(i, item, diagnostic, computed_s,
                                            Background(functools.partial(outputs.write_all, diagnostic))))
                unexpected = unexpected or failed.unexpected
        while pending:
            unexpected = _collect(pending.popleft(), context, len(chosen), rows, failures) or unexpected
        # Failures in the listing's order (a CPTS's computation is reported before the previous ones' writing).
        order = {(str(r.cpts), str(r.listing)): n for n, r in enumerate(chosen.itertuples())}
        failures.sort(key=lambda f: order.get((f["cpts"], f["liste"]), len(order)))
        shapes = _shapes(con, rows, context)
    finally:
        outputs.stop_writers([writing.writer for writing in pending])  # interrupted while CPTS were written
        con.close()
    if failures and not rows:  # a review saw the previous comparison replaced by « aucune donnée »
        print(f"Aucune CPTS calculée ({len(failures)} en échec) : aucune comparaison écrite, la précédente (s'il y "
              "en a une) est gardée", file=sys.stderr)
        return 1 if unexpected else 2
    comparison = Comparison(
        name=name, table=comparison_table(rows),
        failures=pd.DataFrame(failures, columns=["cpts", "liste", "erreur"]), shapes=shapes,
        labels={"titre": f"Comparaison des CPTS – {label}"}, demo="annuaire-sante" in context.shared.demo_sources,
        not_loaded=not_loaded, by_region=options.listing is None,
        listings=tuple(sorted(set(context.shared.members["listing"]))),
        sources=sources_line("annuaire-sante" in context.shared.demo_sources),
    )
    page, tables = write_comparison(comparison)
    print(f"Comparaison : {page}\n  tableaux : {tables}")
    # Out of the CPTS tried: those failing before (codes naming no commune) were left out of « 5 sur 5 » (a review).
    tried = {(str(r.cpts), str(r.listing)) for r in chosen.itertuples()} | {(f["cpts"], f["liste"]) for f in failures}
    print(f"{len(rows)} CPTS sur {len(tried)} calculées en {time.perf_counter() - start:.1f} s"
          + (f" ; {len(failures)} en échec (voir ci-dessus et la page de comparaison)" if failures else ""))
    return 0 if not failures else 1 if unexpected else 2


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
