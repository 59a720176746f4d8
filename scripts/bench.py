"""`make bench`: wall time and peak memory of the pipeline's main steps on this machine.

Steps, each in its own process (peak resident memory measured per step with
``ru_maxrss`` of a wrapper whose only child is the step):

1. ``make data`` from an empty data folder (mirror + generated demo supply),
2. the same again (idempotent re-run),
3. a territory diagnostic (``cpts:CPTS du Verdon``) and a ``communes:`` one,
4. the regional coverage of PACA and the national coverage (``--france``),
5. the national flows and APL approchée (scripts/bench_flows.py),
6. optionally (``--registry``) the 2,000,000-row Annuaire Santé load (scripts/bench_registry.py),
7. optionally (``--overlaps``) the overlap computation vs geopandas overlay (scripts/bench_coverage.py).

Usage::

    CPTS_DATA_MIRROR=../shared/data .venv/bin/python scripts/bench.py [--registry] [--overlaps] [--write]

``--write`` appends the results, dated, to docs/benchmarks.md.
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", action="store_true", help="also time the 2M-row Annuaire Santé load")
    parser.add_argument("--overlaps", action="store_true", help="also run the overlap vs overlay benchmark")
    parser.add_argument("--write", action="store_true", help="append the results to docs/benchmarks.md")
    args = parser.parse_args()
    mirror = os.environ.get("CPTS_DATA_MIRROR") or str(ROOT.parent / "shared" / "data")
    work = Path(tempfile.mkdtemp(prefix="cpts-bench-"))
    env = {**os.environ, "CPTS_DATA_MIRROR": mirror, "CPTS_DATA_DIR": str(work / "data"),
           "CPTS_MAPS_DIR": str(work / "maps"), "CPTS_QUIET": "1"}
    print(f"Machine : {machine()}\nDate : {date.today().isoformat()}\nDossier de travail : {work}\n")
    run = [PY, "-m", "pipeline"]
    steps = [
        ("make data (base vide, miroir + offre de démonstration)", [*run, "data"]),
        ("make data (seconde exécution)", [*run, "data"]),
        ("diagnostic cpts:CPTS du Verdon", [*run, "diagnostic", "cpts:CPTS du Verdon", "--signature", "2025-08-31"]),
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
    results = [measure(label, command, env) for label, command in steps]
    if args.write:
        lines = [f"\n### {date.today().isoformat()} — `make bench`\n", f"Machine : {machine()}\n",
                 "| étape | durée (s) | mémoire max (Mio) | statut |", "|---|---:|---:|---|"]
        for r in results:
            lines.append(f"| {r['step']} | {r['wall_s']:.1f} | {r['peak_mib']:.0f} | "
                         f"{'ok' if r['rc'] == 0 else 'échec'} |")
        with open(ROOT / "docs" / "benchmarks.md", "a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
    return 0 if all(r["rc"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
