"""`make bench`: every benchmark in this folder, one after another, then one summary.

Each script prints its own figures (ratios against a baseline measured in the same run);
the summary repeats every ratio line (``12.3x`` or ``x12.3``) under the script's name. By default
each script runs a quick configuration; ``--full`` runs each with its own defaults (the
platform start-up at N = 1,000 and 100,000: most of an hour on a small machine).

    python benchmarks/run_all.py [--full] [--only platform_startup,vector_index]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
QUICK = {
    "platform_startup": ["--sizes", "1000", "--warm-runs", "1"],
    "assistant": ["--runs", "1", "--tokens", "32"],
    "model_startup": ["--detector-mb", "40", "--repeat", "1"],
    "outfits": ["--epochs", "3"],
    "serve_startup": ["--repo", str(ROOT), "--skip-first"],
    "vector_index": ["--n", "20000", "--queries", "100", "--inserts", "100"],
    "visual_analysis": ["--runs", "3", "--skip-detr"],
}
RATIO = re.compile(r"\d[\d,.]*\s*x\b|\bx\d[\d.]*")  # "12.3x" or "x12.3"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="each script's own defaults")
    parser.add_argument("--only", default="", help="comma-separated script names")
    args = parser.parse_args()
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    scripts = sorted(p for p in HERE.glob("*.py") if p.stem != "run_all")
    # the headline first
    scripts.sort(key=lambda p: p.stem != "platform_startup")
    summary: list[tuple[str, int, float, list[str]]] = []
    for script in scripts:
        if only and script.stem not in only:
            continue
        extra = [] if args.full else QUICK.get(script.stem, [])
        print(f"\n##### {script.name} {' '.join(extra)}", flush=True)
        began = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, str(script), *extra],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert proc.stdout is not None
        ratios = []
        for line in proc.stdout:
            print(line, end="", flush=True)
            if RATIO.search(line):
                ratios.append(line.strip())
        code = proc.wait()
        summary.append((script.stem, code, time.perf_counter() - began, ratios))
    print("\n##### summary (ratios measured within each script's own run)")
    for name, code, seconds, ratios in summary:
        status = "ok" if code == 0 else f"FAILED (exit {code})"
        print(f"{name:<18} {status:<18} {seconds:7.0f} s")
        for line in ratios:
            print(f"    {line}")
    return 0 if all(code == 0 for _, code, _, _ in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
