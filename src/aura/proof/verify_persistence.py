"""`aura verify-persistence`: the seed's "Verify Persistence", automated on the whole platform.

For each back-end (embedded: SQLite + in-process cache; and PostgreSQL + Redis): an empty
data tree, the models brought into the store with `aura models pull`, users and keys,
a wardrobe from photos, conversations, saved outfits with feedback. Then four restarts:
a clean stop (SIGTERM), a SIGKILL right after acknowledged writes, the data tree moved to
a new path (the same bind mount in a new container), and a deliberately corrupted index
snapshot. After each, :func:`aura.proof.checks.verify` checks every claim; a table of
every check is printed and any failure makes the exit status 1.
"""

from __future__ import annotations

import json
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aura.config import load_settings
from aura.layout import DataTree
from aura.proof.checks import (
    Check,
    embedding_digests,
    first_start_models,
    model_files,
    verify,
)
from aura.proof.postgres import drop_postgres, fresh_postgres
from aura.proof.server import ServerProcess, run_cli
from aura.proof.workload import Ledger, Life, UserLedger, Workload
from aura.services import Service


@dataclass
class Options:
    backends: tuple[str, ...] = ("sqlite", "postgres")
    photos: int = 4
    work_dir: Path | None = None
    postgres_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    redis_url: str = "redis://127.0.0.1:6379/14"
    keep: bool = False
    say: Callable[[str], None] = field(default=lambda line: print(line, file=sys.stderr))


@dataclass
class Row:
    backend: str
    stage: str
    check: Check


class Run:
    """One back-end's run: its data tree, environment, ledger and result rows."""

    def __init__(self, backend: str, base: Path, opts: Options, database_url: str | None):
        self.backend, self.opts, self.rows = backend, opts, []  # type: list[Row]
        self.root = base / backend / "data"
        self.env = {"AURA_DATA_DIR": str(self.root), "AURA_RATE_LIMIT_PER_MINUTE": "0"}
        if database_url:
            self.env |= {"DATABASE_URL": database_url, "REDIS_URL": opts.redis_url}
        self.ledger = Ledger()
        self.starts = 0

    def tree(self) -> DataTree:
        return DataTree(
            load_settings(data_dir=self.root, database_url=self.env.get("DATABASE_URL"))
        )

    def record(self, stage: str, name: str, ok: bool, detail: str) -> bool:
        self.rows.append(Row(self.backend, stage, Check(name, ok, detail)))
        self.opts.say(f"[{self.backend}] {stage}: {'PASS' if ok else 'FAIL'} {name}: {detail}")
        return ok

    def cli(self, stage: str, *args: str) -> str:
        result = run_cli(*args, env=self.env)
        if result.returncode != 0:
            self.record(stage, "aura " + " ".join(args), False, result.stderr[-500:])
            raise RuntimeError(f"aura {' '.join(args)} failed")
        return result.stdout

    def model_roots(self) -> list[Path]:
        tree = self.tree()
        return [tree.models_dir(s) for s in Service if tree.models_dir(s).exists()]

    def server(self) -> ServerProcess:
        self.starts += 1
        log = self.root.parent / f"serve-{self.starts}.log"
        return ServerProcess(self.env, log).start()


def _bring_in(run: Run) -> None:
    stage = "empty tree"
    if run.root.exists() and any(run.root.iterdir()):
        raise RuntimeError(f"{run.root} is not empty")
    run.cli(stage, "setup")
    models = json.loads(run.cli(stage, "models", "list", "--json"))
    required = [m["name"] for m in models if m["required"]]
    actions: list[str] = []
    for name in required:
        pulled = run_cli("models", "pull", name, env=run.env)
        if pulled.returncode != 0:
            raise RuntimeError(f"aura models pull {name}: {pulled.stderr[-500:]}")
        actions += [w for line in pulled.stderr.splitlines() for w in line.split()[:1]]
    after = json.loads(run.cli(stage, "models", "list", "--json"))
    ok = [m for m in after if m["state"] == "ok"]
    total = sum(m["size"] or 0 for m in ok)
    run.record(
        stage,
        "models brought in",
        len(ok) >= len(required) > 0,
        f"{len(required)} required model(s) pulled ({actions.count('imported')} imported from"
        f" packages, {actions.count('downloaded')} downloaded), {len(ok)} ok,"
        f" {total / 1e6:.1f} MB stored",
    )


def _users(run: Run) -> None:
    for name in ("alice", "bob", "mallory"):
        key = json.loads(run.cli("users", "users", "create", name, "--json"))["api_key"]
        if name == "mallory":
            run.ledger.revoked_key = key
            run.cli("users", "users", "revoke", name)
        else:
            run.ledger.users.append(UserLedger(name, key))


def _populate(run: Run, server: ServerProcess) -> None:
    route = ""
    for u, user in enumerate(run.ledger.users):
        w = Workload(server.url, user)
        route = "from-photo route" if w.from_photo else "analyze + photos + from-analysis"
        try:
            photos = run.opts.photos if u == 0 else max(1, run.opts.photos // 2)
            for n in range(photos):
                w.add_photo(n + 10 * u)
            for n in range(2):
                w.add_by_hand(n + 10 * u)
            conv = w.chat("What should I wear to a rainy office day?")
            w.chat("And with my coat?", conv)
            w.chat("Something for a summer wedding?")
            ids = sorted(user.items)
            w.save_outfit(ids[:2], rating=4)
            life = Life(w)
            life.wear(ids[:2], "first day")
            life.laundry(ids[-1:], "in_wash")
            life.plan(ids[:2], days_ahead=2)
            life.trip()
        finally:
            w.close()
    first, second = (Workload(server.url, u) for u in run.ledger.users[:2])
    try:
        Life(first).household(second, sorted(first.user.items)[:1])
    finally:
        first.close()
        second.close()
    n_items = sum(len(u.items) for u in run.ledger.users)
    n_photo = sum(len(u.photo_items) for u in run.ledger.users)
    run.record(
        "first start",
        "wardrobe from photos, chat, outfits",
        n_photo > 0,
        f"{n_items} items ({n_photo} from {sum(len(u.photos) for u in run.ledger.users)} photos),"
        f" {sum(len(u.conversations) for u in run.ledger.users)} conversations,"
        f" {sum(len(u.outfits) for u in run.ledger.users)} outfits,"
        f" {sum(len(u.wears) for u in run.ledger.users)} wears,"
        f" {sum(len(u.plans) for u in run.ledger.users)} planned days,"
        f" {sum(len(u.trips) for u in run.ledger.users)} trips, 1 household,"
        f" via {route}",
    )


def _acked_then_kill(run: Run, server: ServerProcess) -> None:
    """Writes of every kind, and SIGKILL the moment the last one is acknowledged."""
    user = run.ledger.users[0]
    w = Workload(server.url, user)
    try:
        w.add_photo(99)
        w.add_by_hand(99)
        w.chat("One more question before the power cut?", next(iter(user.conversations)))
        w.save_outfit(sorted(user.items)[-2:], rating=5)
        life = Life(w)
        life.laundry(sorted(user.items)[-1:], "clean")  # back from the wash
        life.wear(sorted(user.items)[-2:], "right before the power cut")
    finally:
        server.kill()
        w.close()


def _check_restart(run: Run, stage: str, server: ServerProcess, baseline: dict, index: str) -> None:
    began = time.monotonic()
    ready = server.wait_ready()
    run.record(
        stage,
        "ready",
        True,
        f"{ready.get('startup_seconds')} s start-up ({time.monotonic() - began:.1f} s to ready)",
    )
    checks = verify(
        server,
        run.ledger,
        run.tree().database_url,
        baseline["embeddings"],
        baseline["models"],
        model_files(run.model_roots()),
        index,
    )
    for check in checks:
        run.record(stage, check.name, check.ok, check.detail)


def _corrupt_index(run: Run) -> str:
    (folder,) = run.tree().vector_store_dir().glob("items-*")
    for shard in sorted(folder.glob("shards/*/manifest.json")):  # the first saved partition
        entries = json.loads(shard.read_text())["partitions"]
        if entries:
            path = shard.parent / next(iter(entries.values()))["file"]
            path.write_bytes(path.read_bytes()[:100])
            return path.name
    raise AssertionError(f"no partition snapshot in {folder} to corrupt")


def run_backend(run: Run) -> None:
    _bring_in(run)
    _users(run)
    pulled = model_files(run.model_roots())
    baseline: dict = {}
    with run.server() as server:
        server.wait_ready()  # every model loaded: the ONNX exports and imports it needs made
        # the restarts compare with the tree as the first start left it: none of them may
        # download, re-import or re-export anything
        baseline["models"] = model_files(run.model_roots())
        check = first_start_models(pulled, baseline["models"])
        run.record("first start", check.name, check.ok, check.detail)
        _populate(run, server)
        code = server.stop(signal.SIGTERM)
    run.record("SIGTERM", "exit status", code in (0, -15), f"exit status {code}")
    baseline["embeddings"] = embedding_digests(run.tree().database_url, run.ledger)
    with run.server() as server:
        _check_restart(run, "SIGTERM", server, baseline, "loaded")
        _acked_then_kill(run, server)
    baseline["embeddings"] = embedding_digests(run.tree().database_url, run.ledger)
    with run.server() as server:
        _check_restart(run, "SIGKILL after acks", server, baseline, "loaded")
        server.stop()
    moved = run.root.with_name("moved-data")
    run.root.rename(moved)  # the same bind mount, seen at a new path by a new container
    run.root, run.env["AURA_DATA_DIR"] = moved, str(moved)
    with run.server() as server:
        _check_restart(run, "tree moved", server, baseline, "loaded")
        server.stop()
    broken = _corrupt_index(run)
    with run.server() as server:
        _check_restart(run, f"index corrupted ({broken})", server, baseline, "rebuilt")
        server.stop()


def verify_persistence(opts: Options) -> list[Row]:
    """Run every back-end; returns every check made (a crash is a failed check)."""
    base = opts.work_dir or Path(tempfile.mkdtemp(prefix="aura-verify-"))
    rows: list[Row] = []
    for backend in opts.backends:
        database_url = fresh_postgres(opts.postgres_url) if backend == "postgres" else None
        run = Run(backend, base, opts, database_url)
        try:
            run_backend(run)
        except Exception as exc:  # the table must still say where it stopped, and why
            run.record("aborted", type(exc).__name__, False, str(exc)[-800:])
        finally:
            rows.extend(run.rows)
            if database_url and not opts.keep:
                drop_postgres(opts.postgres_url, database_url)
    if not opts.keep and opts.work_dir is None:
        shutil.rmtree(base, ignore_errors=True)
    return rows
