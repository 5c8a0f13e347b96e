"""Capacity figures for docs/scaling.md: one replica's throughput per core, storage per user.

    python benchmarks/capacity.py [--items 200] [--requests 40]

Starts one `aura serve` (all services, one process) on a fresh PostgreSQL database of the
test server (AURA_TEST_DATABASE_URL, default postgresql+psycopg://postgres@127.0.0.1/postgres),
creates a user with ``--items`` wardrobe items (and a few photos), then drives it with ONE
client, one request at a time: a request then has the process's cores to itself, and
1 / latency is the replica's throughput per busy core for that request (the figures
extrapolate linearly with cores only where the work is CPU-bound, which is labelled in the
doc). Prints one ``CAPACITY`` line per measured figure.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import sqlalchemy
from PIL import Image

BASE = os.environ.get(
    "AURA_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
COLOURS = ["red", "navy", "green", "black", "white", "yellow", "grey", "beige", "olive"]
GARMENTS = ["shirt", "jeans", "dress", "coat", "sneakers", "skirt", "jumper", "boots", "bag"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def photo(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    pixels = np.full((400, 300, 3), 235, np.uint8)
    pixels[60:340, 60:240] = rng.integers(0, 255, 3)
    pixels += rng.integers(0, 12, pixels.shape, dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="JPEG", quality=85)
    return buf.getvalue()


def report(name: str, figures: tuple[float, float]) -> tuple[float, float]:
    rps, ms = figures
    print(f"CAPACITY {name}: {rps:.1f} requests/s per busy core (median {ms:.1f} ms, one "
          f"request at a time, {os.cpu_count()} cores on the machine)", flush=True)  # fmt: skip
    return figures


def per_second(fn, n: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(requests per second, median ms) of ``n`` sequential calls (each must answer 2xx)."""
    times = []
    for i in range(n):
        began = time.perf_counter()
        response = fn(i)
        times.append(time.perf_counter() - began)
        assert response.status_code < 300, response.text
    median = statistics.median(times)
    return 1 / median, median * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--photos", type=int, default=5)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--chats", type=int, default=5)
    args = parser.parse_args()
    from aura.proof.postgres import drop_postgres, fresh_postgres

    url = fresh_postgres(BASE, prefix="aura_cap_")
    work = Path(tempfile.mkdtemp(prefix="aura-capacity-"))
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AURA_")},
        "AURA_DATA_DIR": str(work / "data"),
        "DATABASE_URL": url,
        "AURA_PORT": str(port),
        "AURA_HOST": "127.0.0.1",
        "AURA_RATE_LIMIT_PER_MINUTE": "1000000",
        "AURA_VISION_PERSON_DETECTION": "0",
    }
    run = [sys.executable, "-m", "aura"]
    subprocess.run([*run, "setup"], env=env, check=True, capture_output=True)
    made = subprocess.run(
        [*run, "users", "create", "bench", "--json"], env=env, check=True, capture_output=True
    )
    import json

    key = json.loads(made.stdout)["api_key"]
    log = open(work / "server.out", "wb")  # noqa: SIM115 - the child's output
    server = subprocess.Popen([*run, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    http = httpx.Client(
        base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {key}"},
        timeout=300,
    )  # fmt: skip
    engine = sqlalchemy.create_engine(url)
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                if http.get("/health/ready?loaded=true").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.5)

        def size() -> int:
            with engine.connect() as conn:
                return int(
                    conn.execute(
                        sqlalchemy.text("SELECT pg_database_size(current_database())")
                    ).scalar()
                )

        before = size()
        for i in range(args.items):
            text = f"{COLOURS[i % 9]} {GARMENTS[(i // 9) % 9]} number {i}"
            r = http.post("/api/v1/wardrobe/items", json={
                "category": GARMENTS[(i // 9) % 9], "colors": [COLOURS[i % 9]],
                "description": text})  # fmt: skip
            assert r.status_code == 201, r.text
        time.sleep(2)
        items_bytes = size() - before
        before = size()
        photo_items = 0
        for i in range(args.photos):
            r = http.post("/api/v1/wardrobe/items/from-photo",
                          files={"file": ("p.jpg", photo(100 + i), "image/jpeg")})  # fmt: skip
            assert r.status_code == 201, r.text
            photo_items += len(r.json()["items"])
        time.sleep(2)
        photo_bytes = size() - before
        words = [f"{c} {g}" for c in COLOURS for g in GARMENTS]
        report(
            "search",
            per_second(
                lambda i: http.get("/api/v1/wardrobe/search", params={"q": words[i % 81], "k": 10}),
                args.requests,
            ),
        )
        report("recommendations", per_second(
            lambda i: http.post("/api/v1/outfit-recommendation/recommendations",
                                json={"occasion": "casual", "max_results": 3}),
            args.requests,
        ))  # fmt: skip
        report("photo_analysis", per_second(
            lambda i: http.post("/api/v1/visual-analysis/analyze",
                                files={"image": ("p.jpg", photo(1000 + i), "image/jpeg")}),
            args.requests // 2,
        ))  # fmt: skip
        report("chat_32_tokens", per_second(
            lambda i: http.post("/api/v1/conversational-ai/chat",
                                json={"message": f"What goes with {words[i]}?",
                                      "max_tokens": 32}),
            args.chats,
        ))  # fmt: skip
        rss = 0.0
        for line in Path(f"/proc/{server.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
        status = http.get("/api/v1/system/status").json().get("index") or {}
        print(f"CAPACITY database: {items_bytes / args.items:.0f} bytes per item typed by hand "
              f"(row, colours, text embedding, change), {photo_bytes / max(1, args.photos):.0f} "
              f"bytes per photo analysed into {photo_items / max(1, args.photos):.1f} items "
              "(the photo and its crops are stored in the database)")  # fmt: skip
        print(f"CAPACITY memory: replica RSS {rss:.0f} MiB with one active user; that user's "
              f"index partitions {status.get('memory_bytes', 0) / 1024:.0f} KiB "
              f"({status.get('count')} vectors)")  # fmt: skip
    finally:
        http.close()
        server.terminate()
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        engine.dispose()
        drop_postgres(BASE, url)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
