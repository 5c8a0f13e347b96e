"""The seed's headline, measured on the whole platform: cold start against warm start.

Cold start: an empty data tree; the database created (`aura users create`), a wardrobe of
N items embedded and indexed (`aura wardrobe import`, which also brings the embedding
model into the store), then `aura serve` until /health/ready (the other models brought in,
everything loaded). Warm start: `aura serve` again on the same tree, until /health/ready.
Floor: reading every model and index file of the tree from disk, in the same run. Prints
each start-up phase's seconds and the ratios cold/warm and warm/floor.

    python benchmarks/platform_startup.py                      # N = 1,000 and 100,000
    python benchmarks/platform_startup.py --sizes 1000 --warm-runs 1
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aura.proof.server import ServerProcess, run_cli

CATEGORIES = ["shirt", "jeans", "coat", "dress", "boots", "scarf", "skirt", "hat", "blazer"]
COLORS = ["red", "navy", "green", "black", "white", "yellow", "grey", "pink", "beige"]
PATTERNS = [None, "striped", "checked", "dotted", "floral"]
WORDS = [
    "linen",
    "wool",
    "cotton",
    "silk",
    "slim",
    "relaxed",
    "cropped",
    "long",
    "warm",
    "light",
    "formal",
    "casual",
    "vintage",
]


def write_items(path: Path, n: int, distinct: int, seed: int = 1) -> None:
    """N items drawn from ``distinct`` different ones (a big wardrobe repeats itself: the
    import embeds each distinct sentence once per batch; every item is stored, embedded
    and indexed on its own)."""
    rng = random.Random(seed)
    kinds = [
        {
            "category": rng.choice(CATEGORIES),
            "colors": rng.sample(COLORS, rng.randint(1, 2)),
            "pattern": rng.choice(PATTERNS),
            "description": f"{' '.join(rng.sample(WORDS, 3))} number {k}",
        }
        for k in range(min(n, distinct))
    ]
    with path.open("w") as out:
        for i in range(n):
            out.write(json.dumps(kinds[i % len(kinds)]) + "\n")


def timed_cli(env: dict[str, str], *args: str) -> tuple[float, str]:
    began = time.perf_counter()
    result = run_cli(*args, env=env, timeout=7200)
    if result.returncode != 0:
        raise SystemExit(f"aura {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return time.perf_counter() - began, result.stdout


def serve_until_ready(env: dict[str, str], log: Path) -> tuple[float, dict[str, float]]:
    began = time.perf_counter()
    with ServerProcess(env, log).start() as server:
        body = server.wait_ready(timeout=3600)
        seconds = time.perf_counter() - began
        server.stop()
    return seconds, {p["name"]: p["seconds"] for p in body["phases"]}


def read_floor(root: Path) -> tuple[float, int]:
    """Seconds to read every model and index file of the tree (the bytes a start needs)."""
    files = [
        p
        for pattern in ("*/models/**/*", "*/vector_store/**/*")
        for p in root.glob(pattern)
        if p.is_file() and not p.is_symlink()  # a snapshot link points at a blob
    ]
    began, total = time.perf_counter(), 0
    for path in files:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 22):
                total += len(chunk)
    return time.perf_counter() - began, total


def import_floor() -> float:
    """Seconds for a bare interpreter to import the libraries a start loads models with."""
    began = time.perf_counter()
    code = "import torch, sentence_transformers, llama_cpp, faiss, aura.api.app"
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - began


def one_size(n: int, work: Path, warm_runs: int, distinct: int) -> dict[str, object]:
    root = work / f"n{n}" / "data"
    env = {"AURA_DATA_DIR": str(root)}
    items = work / f"items-{n}.jsonl"
    write_items(items, n, distinct)
    t_db, _ = timed_cli(env, "users", "create", "bench", "--json")
    t_import, out = timed_cli(env, "wardrobe", "import", str(items), "--user", "bench", "--json")
    imported = json.loads(out)
    t_serve, cold_phases = serve_until_ready(env, work / f"n{n}-cold.log")
    warm = [serve_until_ready(env, work / f"n{n}-warm{i}.log") for i in range(warm_runs)]
    floor, floor_bytes = read_floor(root)
    libraries = import_floor()
    warm_s = statistics.median(w[0] for w in warm)
    cold = t_db + t_import + t_serve
    return {
        "n": n,
        "cold": cold,
        "cold_parts": {
            "database created (users create)": t_db,
            f"{n} items ({min(n, distinct)} distinct) embedded + indexed (import)": t_import,
            "  of which embedding": imported["embed_seconds"],
            "serve -> ready": t_serve,
        },
        "cold_phases": cold_phases,
        "warm": warm_s,
        "warm_phases": min(warm, key=lambda w: abs(w[0] - warm_s))[1],
        "floor": floor,
        "floor_bytes": floor_bytes,
        "import_floor": libraries,
        "index": imported["index"],
    }


def report(r: dict[str, object]) -> None:
    n, cold, warm, floor = r["n"], r["cold"], r["warm"], r["floor"]
    print(f"\n== whole platform, N = {n:,} items ==")
    print(f"cold start (empty tree)    : {cold:8.2f} s")
    for name, seconds in r["cold_parts"].items():  # type: ignore[union-attr]
        print(f"  {name:<52} {seconds:8.2f} s")
    print(f"warm start (same tree)     : {warm:8.2f} s  (median)")
    print(f"floor (read {r['floor_bytes'] / 1e6:,.0f} MB of models + index): {floor:8.3f} s")
    print(
        f"(also: importing torch, sentence-transformers, llama-cpp, faiss:"
        f" {r['import_floor']:.2f} s)"
    )
    phases = list(dict.fromkeys([*r["cold_phases"], *r["warm_phases"]]))  # type: ignore[misc]
    print(f"  {'start-up phase':<24} {'cold serve':>10} {'warm':>10}")
    for p in phases:
        c, w = r["cold_phases"].get(p, 0.0), r["warm_phases"].get(p, 0.0)  # type: ignore[union-attr]
        print(f"  {p:<24} {c:10.3f} {w:10.3f}")
    print(f"index after import: {r['index']}")
    print(f"cold / warm  (N={n:,}): {cold / warm:8.1f}x")
    print(f"warm / floor (N={n:,}): {warm / floor:8.1f}x")
    print(f"warm / (floor + library imports) (N={n:,}): {warm / (floor + r['import_floor']):8.1f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,100000", help="comma-separated N")
    parser.add_argument("--warm-runs", type=int, default=2)
    parser.add_argument(
        "--distinct", type=int, default=2000, help="different items among the N (texts embedded)"
    )
    parser.add_argument("--workdir", type=Path, default=None, help="kept if given")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="aura-platform-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        for n in (int(s) for s in args.sizes.split(",") if s.strip()):
            report(one_size(n, work, args.warm_runs, args.distinct))
            sys.stdout.flush()
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
