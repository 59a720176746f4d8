"""Benchmark: overlap areas of CPTS perimeters, three ways, at national scale.

Builds national-scale pseudo-CPTS perimeters from the real 2018 commune
polygons of the data mirror (metropolitan France, Lambert 93): communes are
grouped by k-means on their centroids into about 1 700 compact groups of
about 20 adjacent communes, and a commune near the boundary between two
groups (ratio of distances to the two nearest group centres above
``--overlap-ratio``) is put in both, which creates deliberate overlaps. These
perimeters are made up for the benchmark: they are not CPTS.

The same perimeters are then given to three methods, each in a fresh Python
process so that peak memories are separate:

``commune_sets``
    :func:`pipeline.analysis.coverage.overlaps.commune_set_overlaps` on the commune sets and the
    commune areas in Lambert 93 (sparse product M·diag(a)·Mᵀ, no geometry);
``strtree``
    :func:`pipeline.analysis.coverage.overlaps.polygon_overlaps` on the dissolved perimeters;
``overlay``
    :func:`pipeline.analysis.coverage.overlaps.overlay_reference` (``geopandas.overlay``
    intersection) on the same dissolved perimeters, the reference.

Preparation is timed apart and charged to no method: commune areas for
``commune_sets``, dissolving the perimeters for the two polygon methods.

Each method is timed without tracemalloc (best and median of repeated calls
until one second has elapsed, at most 20; a call longer than one second runs
once), then run once more under tracemalloc. Memory figures: ``ru_maxrss`` of
the child process (imports, inputs and computation), the same after loading
the inputs, the rise of the resident set during the timed calls (Linux
``VmHWM``, reset after loading, minus ``VmRSS`` at that moment) and the
tracemalloc peak of one call (Python and NumPy allocations only: GEOS
allocates outside tracemalloc's view). The perimeters are also built in a
child process and the driver imports neither pandas nor GEOS until every
child has run, because Linux carries a parent's peak resident set into its
child's ``ru_maxrss`` across fork and exec.

The check: same pairs and same shared and perimeter areas as ``overlay``,
within ``max(--abs-tol m², --rel-tol × area)``; pairs whose shared area is not
above ``--sliver`` m² are counted as slivers, not overlaps (see ``compare``).
Defaults, 1 m² and 1e-6: the mirror's coordinates are rounded to 1e-5 degree
(about 1.1 × 0.8 m), so 1 m² is below the data's precision; 1e-6 is far
above the double-precision noise of GEOS unions and intersections (about
1e-15 relative) and far below one commune: 1e-6 of the largest perimeter is
a few hundred m², the smallest metropolitan commune about 16 000 m², so a
commune missing from or added to an overlap cannot pass.

Usage::

    .venv/bin/python scripts/bench_coverage.py [--mirror ../shared/data] [--groups 1700] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

METHODS = ("commune_sets", "strtree", "overlay")


def load_communes(mirror: Path) -> Any:
    """Metropolitan commune polygons of the mirror (code, geometry), valid, in EPSG:2154."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio

    files = sorted((mirror / "contours-communes-2018").glob("communes-*.geojson"))
    files = [f for f in files if not f.name.startswith("communes-97")]  # metropolitan France only
    if not files:
        raise SystemExit(f"Aucun contour de commune dans {mirror / 'contours-communes-2018'}")
    frames = [pyogrio.read_dataframe(f, columns=["code"]) for f in files]
    communes = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs).to_crs(2154)
    communes["geometry"] = communes.geometry.make_valid()
    return communes


def build_members(communes: Any, groups: int, overlap_ratio: float, seed: int) -> tuple[Any, int]:
    """Pseudo-CPTS commune sets (cpts_id, unit_code) and the number of communes put in two of them."""
    import numpy as np
    import pandas as pd
    from scipy.spatial import cKDTree
    from sklearn.cluster import KMeans

    centroids = communes.geometry.centroid
    xy = np.column_stack([centroids.x, centroids.y])
    km = KMeans(n_clusters=groups, n_init=1, random_state=seed, max_iter=50).fit(xy)
    dist, idx = cKDTree(km.cluster_centers_).query(xy, k=2)
    near = dist[:, 0] / np.maximum(dist[:, 1], 1e-9) > overlap_ratio
    rows = np.concatenate([np.arange(len(xy)), np.flatnonzero(near)])
    group = np.concatenate([idx[:, 0], idx[near, 1]])
    members = pd.DataFrame(
        {"cpts_id": [f"pseudo-{g:04d}" for g in group], "unit_code": communes["code"].to_numpy()[rows]}
    )
    return members, int(near.sum())


def dissolve(communes: Any, members: Any) -> Any:
    """One polygon per pseudo-CPTS: the union of its communes (GeoDataFrame cpts_id, geometry)."""
    frame = communes[["code", "geometry"]].merge(members, left_on="code", right_on="unit_code")
    return frame[["cpts_id", "geometry"]].dissolve(by="cpts_id", as_index=False)


# --------------------------------------------------------------------------- child process


def _call(method: str, inputs: dict[str, Any]) -> Any:
    from pipeline.analysis.coverage.overlaps import commune_set_overlaps, overlay_reference, polygon_overlaps

    if method == "commune_sets":
        return commune_set_overlaps(inputs["members"], inputs["areas"])
    if method == "strtree":
        return polygon_overlaps(inputs["perimeters"])
    return overlay_reference(inputs["perimeters"])


def run_one(method: str, data: Path, out: Path) -> None:
    """Child process: load its inputs, time one method, measure its peak memory."""
    import pipeline.analysis.coverage.overlaps  # noqa: F401  (imports are not timed)

    name = "sets.pkl" if method == "commune_sets" else "perimeters.pkl"
    with open(data / name, "rb") as fh:
        inputs = pickle.load(fh)
    rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    hwm_reset = _reset_hwm()
    rss_before = _read_status("VmRSS")
    times: list[float] = []
    while True:
        start = time.perf_counter()
        result = _call(method, inputs)
        times.append(time.perf_counter() - start)
        if sum(times) >= 1.0 or len(times) >= 20:
            break
    hwm = _read_status("VmHWM") if hwm_reset else None
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    _call(method, inputs)
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    report = {
        "result": result,
        "seconds": min(times),
        "seconds_median": statistics.median(times),
        "calls": len(times),
        "rss_loaded_kb": rss_loaded,
        "rss_peak_kb": rss_peak,
        "hwm_compute_kb": hwm,
        "rss_before_compute_kb": rss_before,
        "tracemalloc_peak_b": traced_peak,
    }
    with open(out, "wb") as fh:
        pickle.dump(report, fh)
    increase = None if hwm is None or rss_before is None else hwm - rss_before
    print(
        f"{method:12s} : {report['seconds']:9.4f} s (meilleur de {len(times)} appel(s)) ; "
        f"mémoire max du processus (ru_maxrss) {rss_peak / 1024:.0f} Mo, après chargement {rss_loaded / 1024:.0f} Mo ; "
        f"hausse pendant le calcul {_mb(increase)} Mo ; tracemalloc {traced_peak / 2**20:.1f} Mo",
        flush=True,
    )


def _reset_hwm() -> bool:
    """Reset the kernel's peak-RSS counter (VmHWM) of this process, where Linux allows it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return _read_status("VmHWM") is not None


def _read_status(field: str) -> int | None:
    """A memory field of /proc/self/status (VmHWM, VmRSS), in kB; None where unavailable."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


# --------------------------------------------------------------------------- comparison


def compare(
    result: Any, ref: Any, sliver_m2: float = 1.0, rel_tol: float = 1e-6, abs_tol_m2: float = 1.0
) -> dict[str, Any]:
    """Same pairs, same shared and perimeter areas as the reference, within tolerance.

    Pairs whose shared area is not above ``sliver_m2`` are slivers: polygon
    intersections of perimeters that only border each other can leave a
    non-zero area of floating-point size; they are counted apart, not
    compared. An area matches when ``|x - ref| <= max(abs_tol_m2,
    rel_tol * ref)``.
    """
    import numpy as np

    key = ["cpts_id_a", "cpts_id_b"]
    slivers = int((result["shared_area_m2"] <= sliver_m2).sum())
    slivers_ref = int((ref["shared_area_m2"] <= sliver_m2).sum())
    res = result[result["shared_area_m2"] > sliver_m2]
    ref = ref[ref["shared_area_m2"] > sliver_m2]
    merged = res.merge(ref, on=key, how="outer", suffixes=("", "_ref"), indicator=True)
    both = merged[merged["_merge"] == "both"]
    out: dict[str, Any] = {
        "pairs": len(res),
        "pairs_ref": len(ref),
        "slivers": slivers,
        "slivers_ref": slivers_ref,
        "pairs_only_here": int((merged["_merge"] == "left_only").sum()),
        "pairs_only_ref": int((merged["_merge"] == "right_only").sum()),
    }
    ok = out["pairs_only_here"] == 0 and out["pairs_only_ref"] == 0
    for column in ("shared_area_m2", "area_a_m2", "area_b_m2"):
        x, y = both[column].to_numpy(float), both[f"{column}_ref"].to_numpy(float)
        diff = np.abs(x - y)
        bad = int((diff > np.maximum(abs_tol_m2, rel_tol * np.abs(y))).sum())
        name = column.removesuffix("_m2")
        out[f"{name}_max_abs_diff_m2"] = float(diff.max()) if len(diff) else 0.0
        out[f"{name}_max_rel_diff"] = float((diff / np.abs(y)).max()) if len(diff) else 0.0
        out[f"{name}_out_of_tolerance"] = bad
        ok = ok and bad == 0
    out["same"] = ok
    return out


# --------------------------------------------------------------------------- driver


def prepare(args: argparse.Namespace, data: Path) -> None:
    """Child process: build the inputs of the three methods, time their preparation, save them in ``data``."""
    from pipeline.analysis.coverage.overlaps import commune_areas

    clock = time.perf_counter()
    communes = load_communes(args.mirror)
    read_seconds = time.perf_counter() - clock
    clock = time.perf_counter()
    members, in_two = build_members(communes, args.groups, args.overlap_ratio, args.seed)
    groups_seconds = time.perf_counter() - clock
    clock = time.perf_counter()
    areas = commune_areas(communes)
    areas_seconds = time.perf_counter() - clock
    clock = time.perf_counter()
    perimeters = dissolve(communes, members)
    dissolve_seconds = time.perf_counter() - clock
    sizes = members.groupby("cpts_id").size()
    figures = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}",
        "communes": len(communes),
        "perimeters": int(members["cpts_id"].nunique()),
        "memberships": len(members),
        "communes_in_two_perimeters": in_two,
        "mean_communes_per_perimeter": round(float(sizes.mean()), 1),
        "smallest_commune_m2": round(float(areas.min())),
        "perimeter_vertices": int(perimeters.geometry.count_coordinates().sum()),
        "read_and_project_seconds": round(read_seconds, 2),
        "grouping_seconds": round(groups_seconds, 2),
        "prep_commune_areas_seconds": round(areas_seconds, 3),
        "prep_dissolve_seconds": round(dissolve_seconds, 2),
    }
    with open(data / "sets.pkl", "wb") as fh:
        pickle.dump({"members": members, "areas": areas}, fh)
    with open(data / "perimeters.pkl", "wb") as fh:
        pickle.dump({"perimeters": perimeters}, fh)
    (data / "prepare.json").write_text(json.dumps(figures), encoding="utf-8")
    print(f"Périmètres fictifs construits : {json.dumps(figures, ensure_ascii=False)}", flush=True)


def _mb(kb: int | None) -> float | None:
    return None if kb is None else round(kb / 1024, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--mirror", type=Path, default=Path(os.environ.get("CPTS_DATA_MIRROR", ROOT.parent / "shared/data"))
    )
    parser.add_argument("--groups", type=int, default=1700)
    parser.add_argument("--overlap-ratio", type=float, default=0.85)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sliver", type=float, default=1.0, help="m² at or below which a pair is a sliver")
    parser.add_argument("--rel-tol", type=float, default=1e-6)
    parser.add_argument("--abs-tol", type=float, default=1.0, help="m²")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--run", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.prepare:
        prepare(args, args.data)
        return 0
    if args.run:
        run_one(args.run, args.data, args.out)
        return 0

    # The driver stays small (no pandas, no GEOS) until every child has run: Linux carries the parent's
    # peak resident set into a child's ru_maxrss through fork and exec.
    total = time.perf_counter()
    raw: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        options = ["--mirror", str(args.mirror), "--groups", str(args.groups),
                   "--overlap-ratio", str(args.overlap_ratio), "--seed", str(args.seed)]  # fmt: skip
        subprocess.run([sys.executable, __file__, "--prepare", "--data", str(data), *options], check=True)
        figures: dict[str, Any] = json.loads((data / "prepare.json").read_text(encoding="utf-8"))
        for method in METHODS:
            out = data / f"{method}.pkl"
            subprocess.run(
                [sys.executable, __file__, "--run", method, "--data", str(data), "--out", str(out)], check=True
            )
        for method in METHODS:  # unpickling imports pandas: only once every child has run
            with open(data / f"{method}.pkl", "rb") as fh:
                raw[method] = pickle.load(fh)

    ref = raw["overlay"]
    same = True
    for method in METHODS:
        r = raw[method]
        increment = None if r["hwm_compute_kb"] is None else r["hwm_compute_kb"] - r["rss_before_compute_kb"]
        figures[method] = {
            "seconds": round(r["seconds"], 4),
            "seconds_median": round(r["seconds_median"], 4),
            "calls": r["calls"],
            "speed_ratio_vs_overlay": round(ref["seconds"] / r["seconds"], 1),
            "ru_maxrss_mb": _mb(r["rss_peak_kb"]),
            "rss_after_load_mb": _mb(r["rss_loaded_kb"]),
            "rss_increase_during_compute_mb": _mb(increment),
            "tracemalloc_peak_mb": round(r["tracemalloc_peak_b"] / 2**20, 2),
        }
        if method != "overlay":
            check = compare(r["result"], ref["result"], args.sliver, args.rel_tol, args.abs_tol)
            figures[method]["vs_overlay"] = check
            same = same and check["same"]
    sets_seconds = raw["commune_sets"]["seconds"] + figures["prep_commune_areas_seconds"]
    figures["commune_sets"]["speed_ratio_vs_overlay_with_areas"] = round(ref["seconds"] / sets_seconds, 1)
    figures["tolerance"] = {"sliver_m2": args.sliver, "rel": args.rel_tol, "abs_m2": args.abs_tol}
    figures["same"] = same
    figures["total_seconds"] = round(time.perf_counter() - total, 1)
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
