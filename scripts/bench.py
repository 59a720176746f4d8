"""`make bench`: wall time and peak memory of the pipeline's main steps on this machine.

Steps, each in its own process (peak resident memory measured per step with
``ru_maxrss`` of a wrapper whose only child is the step):

1. ``make data`` from an empty data folder (mirror + generated demo supply),
2. the same again (idempotent re-run),
3. the ratios of issue 13, measured side by side in this run: a bare Python
   importing pandas, duckdb, geopandas, shapely and folium (the unit, median
   of three), one diagnostic of ``cpts:CPTS du Verdon`` with maps and report
   (median of three), ``departement:13``, a Paris territory of three
   arrondissements (with its peak memory), the 71 PACA CPTS in one
   ``diagnostics --liste paca``, and the perimeter editor of PACA,
4. other diagnostics, the regional coverage of PACA and the national coverage,
5. the national flows and APL approchée (scripts/bench_flows.py),
6. optionally (``--registry``) the 2,000,000-row Annuaire Santé load (scripts/bench_registry.py),
7. optionally (``--overlaps``) the overlap computation vs geopandas overlay (scripts/bench_coverage.py).

Usage::

    CPTS_DATA_MIRROR=../shared/data .venv/bin/python scripts/bench.py [--ratios] [--registry] [--overlaps] [--write]

``--ratios`` runs steps 1 and 3 only; ``--write`` appends the results, dated,
to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"rc": proc.returncode, "wall_s": wall, "peak_mib": peak,
                  "stdout": proc.stdout[-3000:], "stderr": proc.stderr[-3000:]}))
"""


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kib = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                           if line.startswith("MemTotal")))
        mem = f"{mem_kib / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        mem = "?"
    python = platform.python_version()
    return f"{os.cpu_count()} cœurs ({cpu}), {mem} de mémoire, Python {python}, {platform.platform()}"


def measure(label: str, command: list[str], env: dict[str, str]) -> dict[str, object]:
    out = subprocess.run([PY, "-c", WRAPPER, *command], capture_output=True, text=True, env=env, cwd=ROOT,
                         check=True)
    result = json.loads(out.stdout)
    result["step"] = label
    status = "ok" if result["rc"] == 0 else f"ÉCHEC (code {result['rc']})"
    print(f"{label:<55} {result['wall_s']:8.1f} s {result['peak_mib']:9.0f} Mio  {status}", flush=True)
    if result["rc"] != 0:
        print(result["stderr"], file=sys.stderr)
    return result


#: The unit of the ratios: what a bare Python needs before any pipeline code runs.
BARE_IMPORT = "import pandas, duckdb, geopandas, shapely, folium"
#: (label, numerator, denominator, at most) of issue 13 §4; labels name measured steps.
RATIO_TARGETS = [
    ("diagnostic Verdon / import nu", "diagnostic cpts:CPTS du Verdon", "import nu", 3.0),
    ("departement:13 / diagnostic Verdon", "diagnostic departement:13", "diagnostic cpts:CPTS du Verdon", 4.0),
    ("Paris 18e-20e / diagnostic Verdon", "diagnostic communes:75118,75119,75120", "diagnostic cpts:CPTS du Verdon",
     3.0),
    ("71 CPTS de PACA / diagnostic Verdon", "diagnostics --liste paca", "diagnostic cpts:CPTS du Verdon", 15.0),
    ("éditeur PACA / diagnostic Verdon", "editeur --region 93", "diagnostic cpts:CPTS du Verdon", 3.0),
]
#: Peak memory targets (step, at most MiB).
MEMORY_TARGETS = [("diagnostic communes:75118,75119,75120", 800.0 * 1e6 / 2**20)]


def median_of(label: str, command: list[str], env: dict[str, str], runs: int) -> dict[str, object]:
    """Run ``command`` ``runs`` times; the result with the median wall time (peak: the largest)."""
    results = sorted((measure(f"{label} ({i + 1}/{runs})", command, env) for i in range(runs)),
                     key=lambda r: float(r["wall_s"]))  # type: ignore[arg-type]
    best = dict(results[len(results) // 2])
    best["step"] = label
    best["peak_mib"] = max(float(r["peak_mib"]) for r in results)  # type: ignore[arg-type]
    return best


def ratio_lines(results: dict[str, dict[str, object]]) -> list[str]:
    """Markdown rows: each ratio of issue 13 with its target, from steps measured in this run."""
    lines = ["| rapport | mesuré | cible | tenu |", "|---|---:|---:|---|"]
    for label, top, bottom, target in RATIO_TARGETS:
        if top not in results or bottom not in results:
            continue
        ratio = float(results[top]["wall_s"]) / float(results[bottom]["wall_s"])  # type: ignore[arg-type]
        lines.append(f"| {label} | {ratio:.2f} | ≤ {target:g} | {'oui' if ratio <= target else 'non'} |")
    for step, limit in MEMORY_TARGETS:
        if step in results:
            peak = float(results[step]["peak_mib"])  # type: ignore[arg-type]
            lines.append(f"| mémoire max de « {step} » (Mio) | {peak:.0f} | ≤ {limit:.0f} | "
                         f"{'oui' if peak <= limit else 'non'} |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", action="store_true", help="also time the 2M-row Annuaire Santé load")
    parser.add_argument("--overlaps", action="store_true", help="also run the overlap vs overlay benchmark")
    parser.add_argument("--write", action="store_true", help="append the results to docs/benchmarks.md")
    parser.add_argument("--ratios", action="store_true", help="only make data and the ratios of issue 13")
    parser.add_argument("--donnees", metavar="DOSSIER",
                        help="reuse this loaded data folder (CPTS_DATA_DIR) instead of building one")
    args = parser.parse_args()
    mirror = os.environ.get("CPTS_DATA_MIRROR") or str(ROOT.parent / "shared" / "data")
    work = Path(tempfile.mkdtemp(prefix="cpts-bench-"))
    data_dir = Path(args.donnees).resolve() if args.donnees else work / "data"
    env = {**os.environ, "CPTS_DATA_MIRROR": mirror, "CPTS_DATA_DIR": str(data_dir),
           "CPTS_MAPS_DIR": str(work / "maps"), "CPTS_QUIET": "1"}
    print(f"Machine : {machine()}\nDate : {date.today().isoformat()}\nDossier de travail : {work}\n")
    run = [PY, "-m", "pipeline"]
    results: dict[str, dict[str, object]] = {}
    if not args.donnees:
        for label, command in (("make data (base vide, miroir + offre de démonstration)", [*run, "data"]),
                               ("make data (seconde exécution)", [*run, "data"])):
            results[label] = measure(label, command, env)
    # The ratios: each numerator and its denominator measured in this same run, on the same machine state.
    results["import nu"] = median_of("import nu", [PY, "-c", BARE_IMPORT], env, 3)
    results["diagnostic cpts:CPTS du Verdon"] = median_of(
        "diagnostic cpts:CPTS du Verdon", [*run, "diagnostic", "cpts:CPTS du Verdon", "--signature", "2025-08-31"],
        env, 3)
    for label, command in (
        ("diagnostic departement:13", [*run, "diagnostic", "departement:13"]),
        ("diagnostic communes:75118,75119,75120", [*run, "diagnostic", "communes:75118,75119,75120"]),
        ("diagnostics --liste paca", [*run, "diagnostics", "--liste", "paca"]),
        ("editeur --region 93", [*run, "editeur", "--region", "93"]),
    ):
        results[label] = measure(label, command, env)
    print("\n" + "\n".join(ratio_lines(results)) + "\n", flush=True)
    steps = [] if args.ratios else [
        ("diagnostic communes:04070,04001,04019,04049", [*run, "diagnostic", "communes:04070,04001,04019,04049"]),
        ("diagnostic epci:200067106 (CA du Pays Basque, 158 communes)", [*run, "diagnostic", "epci:200067106"]),
        ("couverture --region 93 (PACA)", [*run, "couverture", "--region", "93"]),
        ("couverture --france", [*run, "couverture", "--france"]),
        ("flux et APL approchée nationaux (scripts/bench_flows.py)", [PY, "scripts/bench_flows.py"]),
    ]
    if args.registry:
        steps.append(("Annuaire Santé 2 000 000 lignes (scripts/bench_registry.py)", [PY, "scripts/bench_registry.py"]))
    if args.overlaps:
        steps.append(("chevauchements vs overlay (scripts/bench_coverage.py)", [PY, "scripts/bench_coverage.py"]))
    for label, command in steps:
        results[label] = measure(label, command, env)
    if args.write:
        lines = [f"\n### {date.today().isoformat()} — `make bench`\n", f"Machine : {machine()}\n",
                 *ratio_lines(results), "",
                 "| étape | durée (s) | mémoire max (Mio) | statut |", "|---|---:|---:|---|"]
        for r in results.values():
            lines.append(f"| {r['step']} | {r['wall_s']:.1f} | {r['peak_mib']:.0f} | "
                         f"{'ok' if r['rc'] == 0 else 'échec'} |")
        with open(ROOT / "docs" / "benchmarks.md", "a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
    return 0 if all(r["rc"] == 0 for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
