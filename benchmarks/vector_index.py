"""Vector index benchmark: snapshot load vs rebuild, search vs raw FAISS, durable inserts.

    .venv/bin/python benchmarks/vector_index.py              # 100k and 1M vectors
    .venv/bin/python benchmarks/vector_index.py --n 20000    # a quick check

For each size: a SQLite database (the source of truth) is filled with N random 384-d unit
vectors; then, in the same run and on the same machine,
  * rebuild: the index built from the database (what a start without a usable snapshot does)
    against load: a verified snapshot (sha256 + mmap where possible);
  * search: Aura's path (VectorIndex.search; IndexManager.search of one user's partition,
    which also asks the database for that user's new changes) against ``index.search`` of
    raw FAISS on the very same index, unfiltered and filtered to 200 ids;
  * durable inserts: one item per transaction, committed (fsync) and applied to the index,
    against raw FAISS ``add_with_ids`` of one vector at a time (in memory only).
Figures are printed as ratios against the baseline of the same run.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np
from sqlalchemy import insert, update

from aura.config import load_settings
from aura.layout import DataTree
from aura.storage import changes
from aura.storage.changes import Space
from aura.storage.db import Database
from aura.storage.index_manager import IndexManager
from aura.storage.migrate import upgrade_to_head
from aura.storage.schema import ChangeCounter, ItemEmbedding
from aura.storage.vectors import VectorIndex, choose_type

SPACE = Space("bench/random", "1", 384)


def unit_vectors(n: int, seed: int) -> np.ndarray:
    out = np.random.default_rng(seed).standard_normal((n, SPACE.dimension), dtype=np.float32)
    faiss.normalize_L2(out)
    return out


def fill(db: Database, n: int) -> None:
    chunk = 20_000
    with db.engine.begin() as conn:
        for start in range(0, n, chunk):
            vecs = unit_vectors(min(chunk, n - start), start)
            conn.execute(
                insert(ItemEmbedding),
                [
                    {
                        "space": SPACE.key,
                        "item_id": start + i + 1,
                        "user_id": (start + i) % 1000,
                        "model_id": SPACE.model_id,
                        "model_revision": SPACE.revision,
                        "dimension": SPACE.dimension,
                        "vector": v.tobytes(),
                        "deleted": False,
                        "seq": start + i + 1,
                    }
                    for i, v in enumerate(vecs)
                ],
            )
        conn.execute(update(ChangeCounter).values(value=n))


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        began = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - began)
    return best, result


def latencies(fn, queries: np.ndarray) -> list[float]:
    out = []
    for q in queries:
        began = time.perf_counter()
        fn(q)
        out.append(time.perf_counter() - began)
    return out


def summary(name: str, values: list[float], base: list[float] | None) -> str:
    mean, p50 = statistics.fmean(values), statistics.median(values)
    p99 = sorted(values)[int(0.99 * (len(values) - 1))]
    text = (
        f"  {name:<38} mean {mean * 1e3:8.3f} ms  p50 {p50 * 1e3:8.3f} ms  "
        f"p99 {p99 * 1e3:8.3f} ms  {1 / mean:9.0f} q/s"
    )
    if base is not None:
        text += f"   x{mean / statistics.fmean(base):.2f} raw latency"
    return text


def run(n: int, work: Path, queries: int, inserts: int) -> None:
    print(f"\n== {n:,} vectors, {SPACE.dimension}-d ({work})")
    settings = load_settings(
        data_dir=work / "data",
        database_url=f"sqlite:///{work / 'b.sqlite3'}",
        index_snapshot_seconds=3600,
        index_snapshot_changes=10**9,
    )
    db = Database(settings.database_url)
    upgrade_to_head(db)
    fill_s, _ = timed(lambda: fill(db, n))
    print(f"  filled the database in {fill_s:.1f} s")
    tree = DataTree(settings)

    # one index of every vector (what a large partition, e.g. a shop's catalogue, is); the
    # per-user partitions the services search are measured by benchmarks/scale.py
    folder = work / "one-index"
    folder.mkdir()

    def rebuild() -> VectorIndex:
        parts = list(changes.live_vectors(db, SPACE))
        ids = np.concatenate([p[0] for p in parts])
        vecs = np.concatenate([p[1] for p in parts])
        kind = choose_type(len(ids), settings.index_type, settings.index_flat_max)
        return VectorIndex.build(SPACE, ids, vecs, n, kind, settings.index_nprobe)

    rebuild_s, index = timed(rebuild)
    assert isinstance(index, VectorIndex) and index.count == n
    save_s, manifest = timed(lambda: index.save(folder))
    load_s, _ = timed(lambda: VectorIndex.load(folder, SPACE), repeat=3)
    manager = IndexManager(db, tree, settings, SPACE)
    manager.open(background=False)
    print(
        f"  index type {index.kind}; snapshot {manifest['size'] / 2**20:.0f} MiB "
        f"written in {save_s:.2f} s"
    )
    print(f"  rebuild from the database {rebuild_s:8.2f} s")
    print(
        f"  load verified snapshot    {load_s:8.2f} s   = x{rebuild_s / load_s:.1f} faster "
        f"than rebuild (ratio load/rebuild {load_s / rebuild_s:.3f})"
    )

    qs = unit_vectors(queries, 10**9)
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)  # per-query latency, the same for both paths
    raw = index.index
    nprobe = settings.index_nprobe
    if index.kind == "ivf":
        faiss.extract_index_ivf(raw).nprobe = nprobe
    base = latencies(lambda q: raw.search(q.reshape(1, -1), 10), qs)
    print(summary("raw FAISS index.search", base, None))
    print(summary("VectorIndex.search", latencies(lambda q: index.search(q, 10), qs), base))
    print(
        summary(
            "IndexManager.search, one user's partition (+DB catch-up)",
            latencies(lambda q: manager.search(q.reshape(1, -1), 10, None, user_id=1), qs),
            base,
        )
    )
    user_ids = np.arange(1, n + 1, max(1, n // 200), dtype=np.int64)[:200]
    sel = faiss.IDSelectorBatch(user_ids)
    if index.kind == "ivf":
        nlist = faiss.extract_index_ivf(raw).nlist
        params = faiss.SearchParametersIVF(sel=sel, nprobe=nlist)
    else:
        params = faiss.SearchParameters(sel=sel)
    fbase = latencies(lambda q: raw.search(q.reshape(1, -1), 10, params=params), qs)
    print(summary("raw FAISS, filtered to 200 ids", fbase, None))
    print(
        summary(
            "VectorIndex.search, filtered",
            latencies(lambda q: index.search(q, 10, user_ids), qs),
            fbase,
        )
    )
    if index.kind == "ivf":
        exact = faiss.IndexFlatIP(SPACE.dimension)
        for _, vecs in changes.live_vectors(db, SPACE, batch=200_000):
            exact.add(vecs)
        _, truth = exact.search(qs, 10)
        _, got = raw.search(qs, 10)
        recall = np.mean([len(set(t) & set(g - 1)) / 10 for t, g in zip(truth, got, strict=True)])
        print(
            f"  IVF recall@10 at nprobe={nprobe} (unfiltered; random unclustered vectors are "
            f"IVF's worst case; searches filtered to a user scan every list): {recall:.3f}"
        )
    loaded_batch = qs[:64]
    tb, _ = timed(lambda: raw.search(loaded_batch, 10), repeat=3)
    ta, _ = timed(lambda: index.search(loaded_batch, 10), repeat=3)
    print(
        f"  batch of 64 queries: raw {64 / tb:9.0f} q/s, Aura {64 / ta:9.0f} q/s "
        f"(x{ta / tb:.2f} raw time)"
    )

    faiss.omp_set_num_threads(threads)
    new = unit_vectors(inserts, 7)
    next_id = n + 1

    def durable() -> None:
        for i, v in enumerate(new):
            with db.session() as s:
                changes.upsert_embedding(s, SPACE, next_id + i, 1, v)
            manager.sync(1)

    dur_s, _ = timed(durable)
    probe = faiss.IndexIDMap2(faiss.IndexFlatIP(SPACE.dimension))
    probe.add_with_ids(unit_vectors(min(n, 100_000), 3), np.arange(min(n, 100_000), dtype=np.int64))
    raw_s, _ = timed(
        lambda: [
            probe.add_with_ids(v.reshape(1, -1), np.array([10**9 + i], dtype=np.int64))
            for i, v in enumerate(new)
        ]
    )
    print(
        f"  durable inserts (commit + fsync + index): {inserts / dur_s:8.0f} items/s; raw FAISS "
        f"add in memory {inserts / raw_s:8.0f} items/s (x{dur_s / raw_s:.0f} the time)"
    )
    assert manager.current(1).n == len(range(1, n, 1000)) + inserts
    manager.close()
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n", type=int, action="append", help="vectors (repeatable); default 100000 and 1000000"
    )
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--inserts", type=int, default=300)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    logging.getLogger("aura.index").setLevel(
        logging.ERROR
    )  # "no snapshot: rebuilding" is the point
    for n in args.n or [100_000, 1_000_000]:
        with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
            run(n, Path(tmp), args.queries, args.inserts)


if __name__ == "__main__":
    main()
