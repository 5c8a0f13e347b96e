"""Visual analysis latency and throughput on CPU, per back-end.

For each back-end (packaged; DETR as a full-size Conditional-DETR-R50 with random weights,
which has the compute of the fashion detectors the issue names but cannot be downloaded
here), per-image latency p50/p95 of ``VisionPipeline.analyze`` at 640 px and 1600 px, and
batch throughput (20 images, sequential vs the inference thread pool). Every figure is
also printed as a ratio to a baseline measured in the same run: decoding the same image.
Per 640-px photo, also the median time of each stage (``summary.timings_ms``: decode,
detect, segment, classify, colours, pattern, embed), as a share of the whole analysis.
Then a repeated photo: the analysis cache (in-process, and Redis when ``--redis URL`` is
given) against analysing it again, as a speed-up ratio.

    python benchmarks/visual_analysis.py [--runs 10] [--skip-detr] [--redis redis://...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.synthetic import encode, patterned_garment  # noqa: E402

from aura.config import load_settings  # noqa: E402
from aura.layout import DataTree  # noqa: E402
from aura.vision.decode import decode_image  # noqa: E402
from aura.vision.pipeline import VisionPipeline  # noqa: E402


def photo(side: int, seed: int) -> bytes:
    img = patterned_garment(("solid", "striped", "checked", "dotted", "printed")[seed % 5], seed)
    scale = side / max(img.size)
    return encode(img.resize((round(img.width * scale), round(img.height * scale))), "JPEG")


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def timed(fn, runs: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        out.append((time.perf_counter() - began) * 1000)
    return out


def bench_backend(name: str, pipeline: VisionPipeline, runs: int, workers: int) -> None:
    print(f"\n== back-end {name}: {pipeline.info().get('model')}")
    for side in (640, 1600):
        data = photo(side, 3)
        base = percentiles(timed(lambda d=data: decode_image(d), runs))[0]
        for attrs in (False, True):
            p50, p95 = percentiles(
                timed(lambda d=data, a=attrs: pipeline.analyze(d, 0.3, 5, a), runs)
            )
            print(
                f"{side:>5} px  attributes={attrs!s:<5}  p50 {p50:8.1f} ms  p95 {p95:8.1f} ms"
                f"   ({p50 / base:6.1f}x decode {base:.1f} ms)"
            )
    stages(pipeline, runs)
    batch = [photo(640, i) for i in range(20)]
    began = time.perf_counter()
    for data in batch:
        pipeline.analyze(data, 0.3, 5, True)
    sequential = len(batch) / (time.perf_counter() - began)
    with ThreadPoolExecutor(workers) as pool:
        began = time.perf_counter()
        list(pool.map(lambda d: pipeline.analyze(d, 0.3, 5, True), batch))
        pooled = len(batch) / (time.perf_counter() - began)
    print(
        f"batch of 20 at 640 px: sequential {sequential:.2f} img/s, pool of {workers} "
        f"{pooled:.2f} img/s ({pooled / sequential:.2f}x)"
    )


STAGES = ("decode", "detect", "segment", "classify", "colours", "pattern", "embed")


def stages(pipeline: VisionPipeline, runs: int) -> None:
    """Median time per stage over ``runs`` different 640-px photos (with attributes)."""
    samples: dict[str, list[float]] = {name: [] for name in (*STAGES, "total")}
    for seed in range(runs):
        data = photo(640, seed)
        began = time.perf_counter()
        result = pipeline.analyze(data, 0.3, 5, True)
        samples["total"].append((time.perf_counter() - began) * 1000)
        timings = result["summary"]["timings_ms"]
        for name in STAGES:
            samples[name].append(float(timings.get(f"{name}_ms", 0.0)))
    total = statistics.median(samples["total"])
    print(f"  640 px per stage (median of {runs} photos; whole analysis {total:.1f} ms):")
    for name in STAGES:
        value = statistics.median(samples[name])
        print(f"    {name:<9} {value:8.1f} ms  {100 * value / total:5.1f} %")


def bench_cache(pipeline: VisionPipeline, runs: int, redis_url: str | None) -> None:
    from aura.storage.cache import MemoryCache, RedisCache
    from aura.vision.cached import CachedAnalyzer

    print("\n== repeated photo (1600 px, attributes): the analysis cache")
    data = photo(1600, 4)
    uncached = percentiles(timed(lambda: pipeline.analyze(data, 0.3, 5, True), runs))[0]
    caches = [("in-process", MemoryCache())]
    if redis_url:
        caches.append(("redis", RedisCache(redis_url, prefix="aura-bench:")))
    for name, cache in caches:
        analyzer = CachedAnalyzer(pipeline, cache, ttl_seconds=60)
        first = analyzer.analyze(data, 0.3, 5, True)
        assert not first.cached
        hit = percentiles(timed(lambda a=analyzer: a.analyze(data, 0.3, 5, True), runs))[0]
        assert analyzer.analyze(data, 0.3, 5, True).cached
        print(
            f"{name:>10}: cache hit p50 {hit:7.2f} ms vs analysis {uncached:8.1f} ms "
            f"({uncached / hit:6.1f}x faster)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--skip-detr", action="store_true")
    parser.add_argument("--redis", help="also time the cache on this Redis")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=Path(tmp) / "data", vision_backend="packaged")
        tree = DataTree(settings)
        tree.setup()
        packaged = VisionPipeline.load(settings, tree)
        bench_backend("packaged", packaged, args.runs, settings.max_workers)
        bench_cache(packaged, args.runs, args.redis)
        if not args.skip_detr:
            from tests.tiny_detr import build_full_size_conditional_detr

            folder = build_full_size_conditional_detr(Path(tmp) / "detr")
            detr_settings = load_settings(
                data_dir=Path(tmp) / "data", vision_backend="detr", vision_detr_model_dir=folder
            )
            detr = VisionPipeline.load(detr_settings, tree)
            bench_backend("detr", detr, args.runs, settings.max_workers)


if __name__ == "__main__":
    main()
