"""A backup of a running Aura while items stream in, restored into a new tree (and a new
database), serves every item acknowledged before the backup began — searchable, with the
same key. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from tests.databases import drop_postgres_database, fresh_postgres_database
from tests.server import AuraServer, run_aura
from tests.wardrobe_client import Client, backend_env, create_user


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_backup_of_a_live_platform_restores_every_acknowledged_item(request, tmp_path, backend):
    source = tmp_path / "source"
    with backend_env(request, backend) as env:
        key = create_user(source, env, "alice")
        acked: list[int] = []
        stop = threading.Event()
        with AuraServer(source, env=env) as server:
            server.wait_ready(timeout=300)
            client = Client(server, key)

            def write() -> None:
                n = 0
                while not stop.is_set():
                    item = client.create(category="shirt", colors=["navy"], description=f"item {n}")
                    acked.append(item["id"])
                    n += 1

            writer = threading.Thread(target=write, daemon=True)
            writer.start()
            while len(acked) < 5:
                stop.wait(0.1)
            before = list(acked)
            archive = tmp_path / "live.tar.gz"
            made = run_aura(
                "backup",
                "create",
                str(archive),
                env={"AURA_DATA_DIR": str(source), **env},
                timeout=300,
            )
            stop.set()
            writer.join(60)
            assert made.returncode == 0, made.stderr
            server.stop()

        target = tmp_path / "restored"
        base = request.getfixturevalue("postgres_url") if backend == "postgres" else None
        target_env = {"DATABASE_URL": fresh_postgres_database(base)} if base else {}
        try:
            restored = run_aura(
                "backup",
                "restore",
                str(archive),
                env={"AURA_DATA_DIR": str(target), **target_env},
                timeout=300,
            )
            assert restored.returncode == 0, restored.stderr
            with AuraServer(target, env=target_env) as server:
                server.wait_ready(timeout=300)
                client = Client(server, key)  # the key survives: its hash is in the dump
                ids = {item["id"] for item in client.all_items()}
                assert set(before) <= ids
                assert before[0] in client.search_ids("navy shirt item 0", k=50)
                server.stop()
        finally:
            if base:
                drop_postgres_database(base, target_env["DATABASE_URL"])
