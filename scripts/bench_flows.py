"""Benchmark: national distance table + Huff flows + APL approchée.

Real commune points (representative points of the 2018 commune polygons of
the data mirror, matched to the current communes of the decoupage-
administratif package) and a SYNTHETIC supply: 1 GP per 1 000 inhabitants,
placed in communes of more than 2 000 inhabitants. Volumes are therefore
meaningless; the point is wall time and peak memory at national scale.

Usage::

    .venv/bin/python scripts/bench_flows.py [--mirror ../shared/data] [--cutoff 60]

The computation runs in a child process so that its peak resident memory
(``ru_maxrss``) is not inflated by reading the GeoJSON files.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_MIRROR = ROOT.parent / "shared" / "data"
DECOUPAGE = "decoupage-administratif/etalab-decoupage-administratif-6.0.0.tgz"


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def build_points(mirror: Path) -> tuple[pd.DataFrame, dict[str, int]]:
    """Current communes with population, representative point and area."""
    import geopandas as gpd
    import pyogrio

    with tarfile.open(mirror / DECOUPAGE) as tf:
        member = tf.extractfile("package/data/communes.json")
        assert member is not None
        records = json.load(member)
    com = pd.DataFrame(records)
    current = com.loc[com["type"] == "commune-actuelle", ["code", "population"]].copy()
    current["population"] = current["population"].fillna(0).astype(float)
    old_to_new = (
        com.loc[com["type"].isin(["commune-deleguee", "commune-associee"]), ["code", "chefLieu"]]
        .dropna()
        .drop_duplicates("code")
        .set_index("code")["chefLieu"]
    )
    frames = [
        pyogrio.read_dataframe(p, columns=["code"])
        for p in sorted((mirror / "contours-communes-2018").glob("*.geojson"))
    ]
    poly = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326")
    poly["area_km2"] = poly.to_crs("EPSG:6933").area / 1e6  # equal-area, valid for metro and DROM
    rp = poly.representative_point()
    poly["lon"], poly["lat"] = rp.x, rp.y
    cur_codes = set(current["code"])
    poly["current"] = poly["code"].where(poly["code"].isin(cur_codes), poly["code"].map(old_to_new))
    matched = poly.dropna(subset=["current"])
    # Point: polygon carrying the current code itself if any, else the largest merged one.
    matched = matched.assign(own=matched["code"] == matched["current"]).sort_values(
        ["current", "own", "area_km2"], ascending=[True, False, False]
    )
    area = matched.groupby("current")["area_km2"].sum()
    first = matched.drop_duplicates("current").set_index("current")
    pts = current.merge(first[["lon", "lat"]], left_on="code", right_index=True, how="inner")
    pts["area_km2"] = pts["code"].map(area)
    stats = {
        "communes_actuelles": len(current),
        "polygones_2018": len(poly),
        "communes_avec_point": len(pts),
        "communes_sans_point_ignorees": len(current) - len(pts),
        "polygones_sans_correspondance": int(poly["current"].isna().sum()),
    }
    return pts.reset_index(drop=True), stats


def compute(points_path: Path, cutoff: float) -> None:
    """Child process: distances, flows, indicators, APL approchée; print timings."""
    from pipeline.analysis.access import approx_apl
    from pipeline.analysis.distances import distance_table
    from pipeline.analysis.flows import huff_flows, load_flow_params, split_unserved, territory_flow_indicators

    pts = pd.read_pickle(points_path)
    params = load_flow_params()
    t0 = time.perf_counter()
    dist = distance_table(pts, cutoff_km=cutoff, detour=params.detour_factor, intra_factor=params.intra_factor)
    t1 = time.perf_counter()
    big = pts.loc[pts["population"] > 2000]
    supply = pd.DataFrame(
        {"code": big["code"], "groupe": "Médecins généralistes", "effectif": big["population"] / 1000.0}
    )
    demand = pts[["code", "population"]]
    flows = huff_flows(demand, supply, dist, params)
    t2 = time.perf_counter()
    served, unserved = split_unserved(flows)
    cpts = pts.loc[pts["code"].str.startswith("04"), "code"]  # one département as a test perimeter
    ind = territory_flow_indicators(flows, cpts)
    t3 = time.perf_counter()
    apl = approx_apl(demand, supply, dist)
    t4 = time.perf_counter()
    peak_mib = _rss_mib()  # before the diagnostics below, which are bench-only
    total = demand["population"].sum() * params.rates["Médecins généralistes"]
    self_share = served.loc[served["origin"].astype(str) == served["destination"].astype(str), "volume"].sum()
    km = dist.set_index(["origin", "destination"])["km"]
    mean_km = (
        served.set_index(["origin", "destination"])["volume"]
        * km.reindex(pd.MultiIndex.from_arrays([served["origin"], served["destination"]])).to_numpy()
    ).sum() / served["volume"].sum()
    print(
        json.dumps(
            {
                "communes": len(pts),
                "paires_distance": len(dist),
                "cutoff_km": cutoff,
                "lignes_flux": len(flows),
                "communes_avec_offre_synthetique": len(supply),
                "volume_total": round(float(flows["volume"].sum())),
                "demande_totale": round(float(total)),
                "volume_non_affecte": round(float(unserved["volume"].sum())),
                "part_recours_dans_sa_commune": round(float(self_share / served["volume"].sum()), 3),
                "distance_moyenne_recours_km": round(float(mean_km), 2),
                "auto_confinement_dep04": round(float(ind["synthese"]["auto_confinement"].iloc[0]), 3),
                "apl_approchee_communes_calculees": int(apl["apl_approchee"].notna().sum()),
                "temps_distances_s": round(t1 - t0, 2),
                "temps_huff_s": round(t2 - t1, 2),
                "temps_indicateurs_s": round(t3 - t2, 2),
                "temps_apl_approchee_s": round(t4 - t3, 2),
                "temps_total_calcul_s": round(t4 - t0, 2),
                "pic_memoire_processus_calcul_mib": round(peak_mib, 1),
            },
            ensure_ascii=False,
            indent=1,
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mirror", type=Path, default=Path(os.environ.get("CPTS_DATA_MIRROR", DEFAULT_MIRROR)))
    ap.add_argument("--cutoff", type=float, default=60.0)
    ap.add_argument("--compute", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.compute:
        compute(args.compute, args.cutoff)
        return
    t0 = time.perf_counter()
    pts, stats = build_points(args.mirror)
    t1 = time.perf_counter()
    print(
        json.dumps(
            {
                **stats,
                "temps_lecture_points_s": round(t1 - t0, 2),
                "pic_memoire_lecture_mib": round(_rss_mib(), 1),
            },
            ensure_ascii=False,
            indent=1,
        )
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "points.pkl"
        pts.to_pickle(path)
        t2 = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--compute", str(path), "--cutoff", str(args.cutoff)], check=True)
        print(json.dumps({"temps_mur_processus_calcul_s": round(time.perf_counter() - t2, 2)}))


if __name__ == "__main__":
    main()
