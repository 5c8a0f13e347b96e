"""Nothing acknowledged is lost: SIGKILL under a stream of writes, broken index files,
a second writer. Real server processes, real databases, real files."""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from aura.wardrobe.embedder import item_text
from tests.server import AuraServer, run_aura
from tests.wardrobe_client import Client, backend_env, create_user

COLORS = ["red", "navy", "green", "black", "white", "yellow", "grey", "pink"]
CATEGORIES = ["shirt", "jeans", "coat", "dress", "boots", "scarf", "skirt", "hat"]


def _text(item: dict[str, Any]) -> str:
    return item_text(item["category"], item["colors"], item["pattern"], item["description"])


class Ledger:
    """What the server acknowledged (2xx), and what is uncertain (no answer: killed)."""

    def __init__(self) -> None:
        self.acked: dict[int, dict[str, Any]] = {}
        self.deleted: set[int] = set()
        self.uncertain: set[int] = set()
        self.checked: set[int] = set()
        self.lock = threading.Lock()


def _write_stream(client: Client, ledger: Ledger, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    n = 0
    while not stop.is_set():
        n += 1
        body = {
            "category": rng.choice(CATEGORIES),
            "colors": [rng.choice(COLORS)],
            "description": f"crash stream {seed} number {n} {rng.random():.6f}",
        }
        try:
            if n % 6 == 0 and ledger.acked:
                with ledger.lock:
                    victim = rng.choice(sorted(ledger.acked))
                    ledger.acked.pop(victim)
                    ledger.uncertain.add(victim)
                response = client.http.delete(f"/items/{victim}")
                if response.status_code == 204:
                    with ledger.lock:
                        ledger.uncertain.discard(victim)
                        ledger.deleted.add(victim)
                continue
            response = client.http.post("/items", json=body)
        except httpx.HTTPError:
            return  # the server is gone: this request is uncertain, and that is allowed
        if response.status_code == 201:
            with ledger.lock:
                ledger.acked[response.json()["id"]] = response.json()


def _verify(client: Client, ledger: Ledger) -> int:
    items = {i["id"]: i for i in client.all_items()}
    missing = set(ledger.acked) - set(items)
    assert not missing, f"acknowledged items lost: {sorted(missing)}"
    resurrected = ledger.deleted & set(items)
    assert not resurrected, f"acknowledged deletes undone: {sorted(resurrected)}"
    for item_id, sent in ledger.acked.items():
        assert items[item_id] == sent, "an acknowledged item changed"
    # nothing half-written: every item there is complete and found by search for its text
    for item_id, item in items.items():
        if item_id in ledger.checked:
            continue
        assert item["category"] in CATEGORIES and len(item["colors"]) == 1
        assert item_id in client.search_ids(_text(item), 3), f"item {item_id} not searchable"
        ledger.checked.add(item_id)
    return len(items)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_acknowledged_writes_survive_sigkill(backend: str, request, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    extra = {
        "AURA_INDEX_SNAPSHOT_CHANGES": "7",
        "AURA_INDEX_SNAPSHOT_SECONDS": "0.3",
        "AURA_RATE_LIMIT_PER_MINUTE": "0",
    }
    rng = random.Random(4)
    with backend_env(request, backend, extra) as env:
        key = create_user(data_dir, env, "crash")
        ledger = Ledger()
        kills = 3
        for round_ in range(kills + 1):
            with AuraServer(data_dir, env) as server:
                server.wait_ready()
                client = Client(server, key)
                _verify(client, ledger)
                if round_ == kills:
                    break
                stop = threading.Event()
                writers = [
                    threading.Thread(
                        target=_write_stream, args=(client, ledger, stop, round_ * 10 + w)
                    )
                    for w in range(2)
                ]
                for t in writers:
                    t.start()
                # kill at a random moment once this round has had some writes acknowledged
                target = len(ledger.acked) + len(ledger.deleted) + rng.randint(6, 16)
                deadline = time.monotonic() + 60
                while len(ledger.acked) + len(ledger.deleted) < target:
                    assert time.monotonic() < deadline, "the server stopped acknowledging"
                    time.sleep(0.01)
                time.sleep(rng.uniform(0, 0.3))
                server.kill()  # SIGKILL, mid-stream
                stop.set()
                for t in writers:
                    t.join(30)
        assert len(ledger.acked) >= 4 * kills, "too few writes to mean anything"
        assert ledger.deleted, "no delete was acknowledged"


def _index_folder(data_dir: Path) -> Path:
    (folder,) = (data_dir / "conversational_ai" / "vector_store").glob("items-*")
    return folder


def _truncate(folder: Path) -> None:
    """Cut every partition file of the snapshot (one user here) to 100 bytes."""
    files = list(folder.glob("shards/*/*.part"))
    assert files, sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))
    for path in files:
        path.write_bytes(path.read_bytes()[:100])


@pytest.mark.slow
def test_broken_index_is_rebuilt_and_second_writer_refused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env: dict[str, str] = {"AURA_INDEX_SNAPSHOT_SECONDS": "0.2"}
    key = create_user(data_dir, env, "repair")
    cli_env = {"AURA_DATA_DIR": str(data_dir)}
    with AuraServer(data_dir, env) as server:
        server.wait_ready()
        client = Client(server, key)
        items = [
            client.create(category=c, colors=[COLORS[i]], description=f"repair {i}")
            for i, c in enumerate(CATEGORIES[:6])
        ]
        # a second writer on the same folder gets the clear error, naming the holder
        rebuild = run_aura("index", "rebuild", env=cli_env)
        assert rebuild.returncode == 2, rebuild.stdout + rebuild.stderr
        assert "locked" in rebuild.stderr and f"pid {server.proc.pid}" in rebuild.stderr
        # readers keep working: the status command and the server's searches
        status = run_aura("index", "status", "--json", env=cli_env)
        assert status.returncode == 0, status.stderr
        assert json.loads(status.stdout)["writer"]["pid"] == server.proc.pid
        assert client.search_ids(_text(items[0]), 1) == [items[0]["id"]]
        assert server.stop() in (0, -15)  # graceful (uvicorn re-raises SIGTERM after shutdown)
        assert "Application shutdown complete" in server.output()
    # a truncated partition file: the next start rebuilds that user's partition from the
    # database and says so (other-model manifests and deleted folders: tests/storage)
    folder = _index_folder(data_dir)
    _truncate(folder)
    with AuraServer(data_dir, env) as server:
        server.wait_ready()
        client = Client(server, key)
        for item in items:
            assert client.search_ids(_text(item), 1) == [item["id"]]
        log = [json.loads(line) for line in server.output().splitlines() if line.startswith("{")]
        unusable = [
            r
            for r in log
            if r.get("message") == "partition snapshot unusable, rebuilding from the database"
        ]
        assert unusable and "truncated" in unusable[-1]["reason"], unusable
        server.stop()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["count"] == len(items)
    assert manifest["model_id"] == "sentence-transformers/all-MiniLM-L6-v2"
