"""Benchmark: polygon overlaps with an STRtree versus ``geopandas.overlay``.

Builds national-scale pseudo-CPTS perimeters from the real 2018 commune
polygons of the data mirror (metropolitan France, Lambert 93): communes are
grouped by k-means on their centroids into about 1 700 compact groups of
about 20 communes, and a commune near the boundary between two groups (ratio
of distances to the two nearest group centres above ``--overlap-ratio``) is
put in both, which creates deliberate overlaps. Each group is dissolved into
one perimeter. These perimeters are made up for the benchmark: they are not
CPTS.

Then :func:`pipeline.coverage.polygon_overlaps` and
:func:`pipeline.coverage.overlay_reference` each run in a fresh Python
process (so that peak memory, ``ru_maxrss``, is measured separately), and the
script checks that they find the same pairs and the same shared areas.

Usage::

    .venv/bin/python scripts/bench_coverage.py [--mirror ../shared/data] [--groups 1700]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build_perimeters(mirror: Path, groups: int, overlap_ratio: float, seed: int):
    """Pseudo-CPTS perimeters (GeoDataFrame cpts_id, n_communes, geometry) in EPSG:2154."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import pyogrio
    from scipy.spatial import cKDTree
    from sklearn.cluster import KMeans

    files = sorted((mirror / "contours-communes-2018").glob("communes-*.geojson"))
    files = [f for f in files if not f.name.startswith("communes-97")]  # metropolitan France only
    if not files:
        raise SystemExit(f"Aucun contour de commune dans {mirror / 'contours-communes-2018'}")
    frames = [pyogrio.read_dataframe(f, columns=["code"]) for f in files]
    communes = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs).to_crs(2154)
    communes["geometry"] = communes.geometry.make_valid()
    xy = np.column_stack([communes.geometry.centroid.x, communes.geometry.centroid.y])
    km = KMeans(n_clusters=groups, n_init=1, random_state=seed, max_iter=50).fit(xy)
    dist, idx = cKDTree(km.cluster_centers_).query(xy, k=2)
    first = pd.DataFrame({"row": np.arange(len(xy)), "group": idx[:, 0]})
    near = dist[:, 0] / np.maximum(dist[:, 1], 1e-9) > overlap_ratio
    second = pd.DataFrame({"row": np.flatnonzero(near), "group": idx[near, 1]})
    assign = pd.concat([first, second], ignore_index=True)
    members = communes.iloc[assign["row"].to_numpy()].reset_index(drop=True)
    members["group"] = assign["group"].to_numpy()
    perims = members[["group", "geometry"]].dissolve(by="group", as_index=False)
    perims["n_communes"] = members.groupby("group").size().reindex(perims["group"]).to_numpy()
    perims["cpts_id"] = [f"pseudo-{g:04d}" for g in perims["group"]]
    stats = {
        "communes": len(communes),
        "perimeters": len(perims),
        "communes_in_two_perimeters": int(near.sum()),
        "mean_communes_per_perimeter": float(perims["n_communes"].mean()),
        "vertices": int(perims.geometry.count_coordinates().sum()),
    }
    return perims[["cpts_id", "n_communes", "geometry"]], stats


def run_one(method: str, data: Path, out: Path) -> None:
    """Child process: load perimeters, run one method, report time and peak memory."""
    from pipeline.coverage import overlay_reference, polygon_overlaps

    with open(data, "rb") as fh:
        perims = pickle.load(fh)
    rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    hwm_reset = _reset_hwm()
    func = polygon_overlaps if method == "strtree" else overlay_reference
    start = time.perf_counter()
    result = func(perims)
    seconds = time.perf_counter() - start
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = {"result": result, "seconds": seconds, "rss_loaded_kb": rss_loaded, "rss_peak_kb": rss_peak}
    # peak resident memory of the computation alone (Linux: VmHWM reset after loading)
    report["hwm_compute_kb"] = _read_hwm() if hwm_reset else None
    with open(out, "wb") as fh:
        pickle.dump(report, fh)


def _reset_hwm() -> bool:
    """Reset the kernel's peak-RSS counter (VmHWM) of this process, where Linux allows it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return _read_hwm() is not None


def _read_hwm() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def compare(fast, ref, rel_tol: float = 1e-6, abs_tol_m2: float = 1.0) -> dict[str, object]:
    """Same pairs, same shared areas within tolerance."""
    import numpy as np

    key = ["cpts_id_a", "cpts_id_b"]
    merged = fast.merge(ref, on=key, how="outer", suffixes=("_fast", "_ref"), indicator=True)
    only_fast = int((merged["_merge"] == "left_only").sum())
    only_ref = int((merged["_merge"] == "right_only").sum())
    both = merged[merged["_merge"] == "both"]
    diff = np.abs(both["shared_area_m2_fast"] - both["shared_area_m2_ref"])
    ok_area = diff <= np.maximum(abs_tol_m2, rel_tol * both["shared_area_m2_ref"])
    return {
        "pairs_strtree": len(fast),
        "pairs_overlay": len(ref),
        "pairs_only_strtree": only_fast,
        "pairs_only_overlay": only_ref,
        "max_abs_area_diff_m2": float(diff.max()) if len(diff) else 0.0,
        "pairs_area_out_of_tolerance": int((~ok_area).sum()),
        "same": only_fast == 0 and only_ref == 0 and bool(ok_area.all()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--mirror", type=Path, default=Path(os.environ.get("CPTS_DATA_MIRROR", ROOT.parent / "shared/data"))
    )
    parser.add_argument("--groups", type=int, default=1700)
    parser.add_argument("--overlap-ratio", type=float, default=0.85)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--run", choices=["strtree", "overlay"], help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        run_one(args.run, args.data, args.out)
        return 0

    start = time.perf_counter()
    perims, stats = build_perimeters(args.mirror, args.groups, args.overlap_ratio, args.seed)
    stats["build_seconds"] = round(time.perf_counter() - start, 1)
    print(f"Périmètres fictifs construits : {json.dumps(stats)}", flush=True)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "perims.pkl"
        with open(data, "wb") as fh:
            pickle.dump(perims, fh)
        for method in ("strtree", "overlay"):
            out = Path(tmp) / f"{method}.pkl"
            cmd = [sys.executable, __file__, "--run", method, "--data", str(data), "--out", str(out)]
            subprocess.run(cmd, check=True)
            with open(out, "rb") as fh:
                results[method] = pickle.load(fh)
            r = results[method]
            print(
                f"{method:8s} : {r['seconds']:8.2f} s, mémoire max {r['rss_peak_kb'] / 1024:7.0f} Mo "
                f"(dont {r['rss_loaded_kb'] / 1024:.0f} Mo après chargement ; "
                f"pic pendant le calcul : {(r['hwm_compute_kb'] or 0) / 1024:.0f} Mo)",
                flush=True,
            )
    check = compare(results["strtree"]["result"], results["overlay"]["result"])
    figures = {
        **stats,
        "strtree_seconds": round(results["strtree"]["seconds"], 3),
        "overlay_seconds": round(results["overlay"]["seconds"], 3),
        "speed_ratio": round(results["overlay"]["seconds"] / results["strtree"]["seconds"], 1),
        "strtree_peak_rss_mb": round(results["strtree"]["rss_peak_kb"] / 1024),
        "overlay_peak_rss_mb": round(results["overlay"]["rss_peak_kb"] / 1024),
        "strtree_rss_after_load_mb": round(results["strtree"]["rss_loaded_kb"] / 1024),
        "overlay_rss_after_load_mb": round(results["overlay"]["rss_loaded_kb"] / 1024),
        "strtree_compute_peak_rss_mb": round((results["strtree"]["hwm_compute_kb"] or 0) / 1024),
        "overlay_compute_peak_rss_mb": round((results["overlay"]["hwm_compute_kb"] or 0) / 1024),
        **check,
    }
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0 if check["same"] else 1


if __name__ == "__main__":
    sys.exit(main())
