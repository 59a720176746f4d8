"""Benchmark: stage a 2 000 000-row Annuaire Santé extraction and write its tables into a temporary DuckDB.

Generates fictitious communes (about 35 000, 68 million inhabitants, Zipf-like
sizes), writes the demo extractions with ``--rows`` activity rows in the
oldest one (:func:`pipeline.sources.demo.write_demo_extractions`), then times,
in a child process, :func:`pipeline.sources.annuaire.stage_annuaire` (no
database) and :func:`pipeline.store.registry_tables.write_annuaire`, and
reports wall times and peak resident memory (``ru_maxrss`` of the child, which
covers Arrow's and DuckDB's native allocations that tracemalloc cannot see).

Targets: ≤ 20 s and ≤ 1.5 GB.

Usage: ``.venv/bin/python scripts/bench_registry.py [--rows 2000000] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 20.0
TARGET_BYTES = 1.5 * 1024**3


def fake_communes(n: int = 35_000, seed: int = 1) -> pd.DataFrame:
    """Fictitious communes with a heavy-tailed population summing to ~68 million."""
    rng = np.random.default_rng(seed)
    sizes = 1.0 / np.arange(1, n + 1) ** 0.9
    population = np.maximum(20, np.round(sizes / sizes.sum() * 68_000_000)).astype(int)
    rng.shuffle(population)
    deps = [f"{d:02d}" for d in range(1, 96) if d != 20]
    dep = np.array(deps)[np.arange(n) % len(deps)]
    code = [f"{d}{i // len(deps) + 1:03d}" for i, d in enumerate(dep)]
    return pd.DataFrame(
        {
            "code": code,
            "population": population,
            "departement": dep,
            "lon": rng.uniform(-4.5, 7.5, n),
            "lat": rng.uniform(42.5, 51.0, n),
        }
    )


CHILD = r"""
import json, resource, sys, time
import duckdb
import pandas as pd
sys.path.insert(0, sys.argv[4])
from pipeline.sources import annuaire
from pipeline.store import registry_tables
from pipeline.store.connection import transaction
con = duckdb.connect(sys.argv[1])
units = pd.read_parquet(sys.argv[3])
mapping = units[["code"]].assign(current_code=units["code"])
start = time.perf_counter()
staged = annuaire.stage_annuaire(sys.argv[2], units=units, cog_mapping=mapping)
staging = time.perf_counter() - start
peak_staging = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
with transaction(con):
    registry_tables.write_annuaire(con, staged.activites, staged.anomalies)
elapsed = time.perf_counter() - start
con.close()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": elapsed, "staging_seconds": staging, "peak_bytes": peak,
                  "peak_staging_bytes": peak_staging, "rows": staged.rows,
                  "practitioners": staged.practitioners, "communes": int(staged.activites["commune"].nunique())}))
"""


def generate(work: Path, db: Path, rows: int) -> None:
    """Write the demo extractions, and the units the staging needs next to the database."""
    from pipeline.sources import demo as demo_supply

    communes = fake_communes()
    paths = demo_supply.write_demo_extractions(communes, work, seed=2026, rows_target=rows)
    units = communes.assign(nom=communes["code"], type="commune-actuelle", parent=None, codes_postaux=None)
    units.to_parquet(db.with_suffix(".units.parquet"))
    print(paths["annuaire_2024"])


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "--generate-only":
        generate(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--keep", type=Path, default=None, help="keep the generated files in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cpts-bench-") as tmp:
        work = args.keep or Path(tmp)
        db = Path(tmp) / "bench.duckdb"
        # Generation runs in its own process: Linux keeps ru_maxrss across
        # fork/exec, so a large parent would inflate the measured child.
        started = time.perf_counter()
        generated_out = subprocess.run(
            [sys.executable, __file__, "--generate-only", str(work), str(db), str(args.rows)],
            check=True,
            capture_output=True,
            text=True,
        )
        generated = time.perf_counter() - started
        annuaire = Path(generated_out.stdout.strip().splitlines()[-1])
        size = annuaire.stat().st_size
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(db), str(annuaire), str(db.with_suffix(".units.parquet")), str(ROOT)],
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
    peak = result["peak_bytes"]
    ok = result["seconds"] <= TARGET_SECONDS and peak <= TARGET_BYTES
    print(f"génération : {generated:.1f} s, fichier {size / 1e6:.0f} Mo")
    print(
        f"stage_annuaire + write_annuaire : {result['rows']} lignes, {result['practitioners']} professionnels, "
        f"{result['communes']} communes"
    )
    print(f"temps : {result['seconds']:.1f} s dont préparation {result['staging_seconds']:.1f} s "
          f"(cible ≤ {TARGET_SECONDS:.0f} s)")
    print(f"mémoire maximale de la préparation seule : {result['peak_staging_bytes'] / 1024**2:.0f} Mo")
    print(f"mémoire maximale (ru_maxrss) : {peak / 1024**2:.0f} Mo (cible ≤ {TARGET_BYTES / 1024**2:.0f} Mo)")
    print("OBJECTIFS ATTEINTS" if ok else "OBJECTIFS NON ATTEINTS")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
