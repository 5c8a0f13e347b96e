"""The seed's headline, measured on the whole platform: cold start against warm start.

Cold start: an empty data tree; the database created (`aura users create`), a wardrobe of
N items embedded and indexed (`aura wardrobe import`, which also brings the embedding
model into the store and exports it to ONNX), then `aura serve` until /health/ready and
until every model is loaded. Warm start: `aura serve` again on the same tree: to ready
(200) and to loaded (no model loading in the background any more).

Floors, in the same run: the import floor (a bare interpreter importing the serving
libraries alone: fastapi, uvicorn, sqlalchemy, numpy, faiss, llama_cpp, onnxruntime,
tokenizers) and the file-read floor (reading every model and index file of the tree).
Memory: the server's RSS when ready and when loaded, per service (one `--service` process
each) and per model (RSS added by loading it in a bare process). Prints each start-up
phase's seconds and the ratios cold/warm, warm/import floor (goal <= 1.5) and
loaded/(import + read floor).

    python benchmarks/platform_startup.py                      # N = 1,000 and 100,000
    python benchmarks/platform_startup.py --sizes 1000 --warm-runs 1
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aura.proof.server import ServerProcess, child_environ, run_cli
from aura.runtime import mapped_libraries, rss_bytes

SERVING_LIBRARIES = "fastapi, uvicorn, sqlalchemy, numpy, faiss, llama_cpp, onnxruntime, tokenizers"
SERVICES = ("conversational_ai", "outfit_recommendation", "visual_analysis")
MiB = 1 << 20
# RSS a model adds to a bare process (everything imported first, then the model loaded
# and used once)
MODEL_PROBE = """
import json, sys
from aura.config import load_settings
from aura.runtime import rss_bytes
from aura.storage.models.store import ModelStore
from aura.storage.models.startup import resolve_all
settings = load_settings()
store = ModelStore(settings, None)
from aura.layout import DataTree
tree = DataTree(settings)
import onnxruntime, tokenizers, llama_cpp, faiss, numpy
from aura.api.app import create_app
before = rss_bytes()
name = sys.argv[1]
if name == "text embedder (ONNX)":
    from aura.wardrobe.embedder import TextEmbedder
    embedder = TextEmbedder.from_store(settings)
    embedder.load()
    embedder.embed(["a navy linen shirt, slim fit"] * 32)
elif name == "vision pipeline (ONNX backbone + detector)":
    from aura.storage.models.onnx import exported
    from aura.vision import effnet
    from aura.vision.pipeline import VisionPipeline
    from aura.vision.weights import WEIGHTS_FILENAME, WEIGHTS_MODEL
    weights = store.resolve(WEIGHTS_MODEL) / WEIGHTS_FILENAME
    onnx_dir = exported(store, WEIGHTS_MODEL, effnet.ONNX_KEY, effnet.EXPORTER, weights)
    pipeline = VisionPipeline.load(settings, tree, weights, backbone_onnx=onnx_dir)
    import io
    from PIL import Image
    photo = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 60, 140)).save(photo, "PNG")
    pipeline.analyze(photo.getvalue())
elif name == "assistant LLM (llama.cpp)":
    from aura.assistant.backends import load_backend
    from aura.assistant.backends import ChatMessage, GenerationParams
    backend = load_backend(settings, tree)
    backend.generate([ChatMessage("user", "What goes with navy chinos?")], GenerationParams(8))
print(json.dumps({"before": before, "after": rss_bytes()}))
"""
MODELS = (
    "text embedder (ONNX)",
    "vision pipeline (ONNX backbone + detector)",
    "assistant LLM (llama.cpp)",
)

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


def serve_until_ready(env: dict[str, str], log: Path) -> dict[str, object]:
    """One start: seconds to ready and to loaded, RSS at both, the libraries mapped."""
    began = time.perf_counter()
    with ServerProcess(env, log).start() as server:
        assert server.proc is not None
        # polled every 10 ms: a start is timed to about 1% (the floors are timed exactly)
        body = server.wait_ready(timeout=3600, loaded=False, every=0.01)
        ready = time.perf_counter() - began
        rss_ready = rss_bytes(server.proc.pid) or 0
        body = server.wait_ready(timeout=3600, loaded=True, every=0.01)
        loaded = time.perf_counter() - began
        time.sleep(0.5)  # idle: what the process holds once it is serving
        rss_loaded = rss_bytes(server.proc.pid) or 0
        libraries = mapped_libraries(server.proc.pid)
        server.stop()
    phases = {p["name"]: p["seconds"] for p in body["phases"]}
    phases.update({f"{k} (after ready)": v["seconds"] for k, v in body["loads"].items()})
    return {
        "ready": ready,
        "loaded": loaded,
        "rss_ready": rss_ready,
        "rss_loaded": rss_loaded,
        "libraries": libraries,
        "phases": phases,
    }


def per_service(env: dict[str, str], work: Path) -> dict[str, dict[str, object]]:
    """One `--service` process per service on the same tree: its start and its RSS."""
    return {
        service: serve_until_ready({**env, "AURA_SERVICE": service}, work / f"{service}.log")
        for service in SERVICES
    }


def per_model(env: dict[str, str]) -> dict[str, int]:
    """RSS each served model adds to a bare process that imported everything first."""
    out = {}
    for name in MODELS:
        result = subprocess.run(
            [sys.executable, "-c", MODEL_PROBE, name],
            env=child_environ(env),
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if result.returncode != 0:
            raise SystemExit(f"model probe {name} failed:\n{result.stderr[-2000:]}")
        rss = json.loads(result.stdout.strip().splitlines()[-1])
        out[name] = rss["after"] - rss["before"]
    return out


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


def import_floor(runs: int = 3) -> float:
    """Seconds for a bare interpreter to start and import the serving libraries alone
    (median of ``runs``)."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {SERVING_LIBRARIES}"], check=True)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def one_size(n: int, work: Path, warm_runs: int, distinct: int, memory: bool) -> dict[str, object]:
    root = work / f"n{n}" / "data"
    env = {"AURA_DATA_DIR": str(root)}
    items = work / f"items-{n}.jsonl"
    write_items(items, n, distinct)
    t_db, _ = timed_cli(env, "users", "create", "bench", "--json")
    t_import, out = timed_cli(env, "wardrobe", "import", str(items), "--user", "bench", "--json")
    imported = json.loads(out)
    cold_serve = serve_until_ready(env, work / f"n{n}-cold.log")
    warm = [serve_until_ready(env, work / f"n{n}-warm{i}.log") for i in range(warm_runs)]
    floor, floor_bytes = read_floor(root)
    libraries = import_floor()
    warm_s = statistics.median(w["ready"] for w in warm)  # type: ignore[misc]
    median = min(warm, key=lambda w: abs(w["ready"] - warm_s))  # type: ignore[operator]
    cold = t_db + t_import + float(cold_serve["ready"])  # type: ignore[arg-type]
    return {
        "n": n,
        "cold": cold,
        "cold_parts": {
            "database created (users create)": t_db,
            f"{n} items ({min(n, distinct)} distinct) embedded + indexed (import)": t_import,
            "  of which embedding": imported["embed_seconds"],
            "serve -> ready": cold_serve["ready"],
            "serve -> every model loaded": cold_serve["loaded"],
        },
        "cold_phases": cold_serve["phases"],
        "warm": warm_s,
        "warm_loaded": statistics.median(w["loaded"] for w in warm),  # type: ignore[misc]
        "warm_run": median,
        "warm_phases": median["phases"],
        "floor": floor,
        "floor_bytes": floor_bytes,
        "import_floor": libraries,
        "index": imported["index"],
        "services": per_service(env, work / f"n{n}-services") if memory else None,
        "models": per_model(env) if memory else None,
    }


def report(r: dict[str, object]) -> None:
    n, cold, warm, floor = r["n"], r["cold"], r["warm"], r["floor"]
    libraries, run = r["import_floor"], r["warm_run"]
    print(f"\n== whole platform, N = {n:,} items ==")
    print(f"cold start (empty tree)    : {cold:8.2f} s")
    for name, seconds in r["cold_parts"].items():  # type: ignore[union-attr]
        print(f"  {name:<52} {seconds:8.2f} s")
    print(f"warm start to ready        : {warm:8.2f} s  (median)")
    print(f"warm start to every model loaded: {r['warm_loaded']:8.2f} s  (median)")
    print(f"import floor ({SERVING_LIBRARIES}): {libraries:8.3f} s")
    print(
        f"file-read floor (read {r['floor_bytes'] / 1e6:,.0f} MB of models + index): {floor:8.3f} s"
    )
    print(
        f"RSS when ready: {run['rss_ready'] / MiB:8.0f} MiB; idle, every model loaded: "  # type: ignore[index]
        f"{run['rss_loaded'] / MiB:8.0f} MiB (goal <= 450)"
    )  # type: ignore[index]
    print(f"heavy libraries mapped when loaded: {', '.join(run['libraries']) or '-'}")  # type: ignore[index]
    if r["services"]:
        for service, one in r["services"].items():  # type: ignore[union-attr]
            print(
                f"  --service {service:<22} ready {one['ready']:6.2f} s, loaded "
                f"{one['loaded']:6.2f} s, RSS {one['rss_loaded'] / MiB:6.0f} MiB, "
                f"mapped: {', '.join(one['libraries']) or '-'}"
            )
    if r["models"]:
        for name, added in r["models"].items():  # type: ignore[union-attr]
            print(f"  model {name:<44} +{added / MiB:6.0f} MiB RSS")
    phases = list(dict.fromkeys([*r["cold_phases"], *r["warm_phases"]]))  # type: ignore[misc]
    print(f"  {'start-up phase':<36} {'cold serve':>10} {'warm':>10}")
    for p in phases:
        c, w = r["cold_phases"].get(p, 0.0), r["warm_phases"].get(p, 0.0)  # type: ignore[union-attr]
        print(f"  {p:<36} {c:10.3f} {w:10.3f}")
    print(f"index after import: {r['index']}")
    print(f"cold / warm  (N={n:,}): {cold / warm:8.1f}x")
    print(f"warm / floor (N={n:,}): {warm / floor:8.1f}x")
    print(f"warm / import floor (N={n:,}): {warm / libraries:8.2f}x  (goal <= 1.5)")
    loaded = r["warm_loaded"]
    print(f"loaded / (import + read floor) (N={n:,}): {loaded / (floor + libraries):8.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,100000", help="comma-separated N")
    parser.add_argument("--warm-runs", type=int, default=2)
    parser.add_argument(
        "--distinct", type=int, default=2000, help="different items among the N (texts embedded)"
    )
    parser.add_argument("--workdir", type=Path, default=None, help="kept if given")
    parser.add_argument(
        "--no-memory", action="store_true", help="skip the per-service and per-model RSS"
    )
    args = parser.parse_args()
    # A warm start reads the bytecode the first start wrote, as for a person (`make run`
    # also compiles Aura's modules ahead): not where PYTHONDONTWRITEBYTECODE is set (some
    # shells and CI images set it), which would compile ~250 modules on every start.
    if os.environ.pop("PYTHONDONTWRITEBYTECODE", None):
        print("PYTHONDONTWRITEBYTECODE unset for the measured processes (see the comment)")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="aura-platform-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        for k, n in enumerate(int(s) for s in args.sizes.split(",") if s.strip()):
            memory = k == 0 and not args.no_memory  # per service and model: once
            report(one_size(n, work, args.warm_runs, args.distinct, memory))
            sys.stdout.flush()
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
