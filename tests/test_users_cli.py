"""`aura users` and `aura doctor`'s index check, through the real CLI."""

from __future__ import annotations

import json
import sqlite3

from tests.server import run_aura


def test_keys_are_printed_once_and_stored_hashed(data_dir) -> None:
    env = {"AURA_DATA_DIR": str(data_dir)}
    created = run_aura("users", "create", "carol", "--json", env=env)
    assert created.returncode == 0, created.stderr
    key = json.loads(created.stdout)["api_key"]
    assert key.startswith("aura_") and len(key) > 40
    again = run_aura("users", "create", "carol", env=env)
    assert again.returncode == 2 and "exists already" in again.stderr
    assert "new-key" in again.stderr  # the fix names the command
    listed = run_aura("users", "list", "--json", env=env)
    assert [u["name"] for u in json.loads(listed.stdout)] == ["carol"]
    assert key not in listed.stdout
    db = data_dir / "embedded" / "aura.sqlite3"
    for path in db.parent.glob("aura.sqlite3*"):  # database, WAL: the key is nowhere in clear
        assert key.encode() not in path.read_bytes()
    with sqlite3.connect(db) as conn:
        (stored,) = conn.execute("SELECT key_hash FROM api_keys").fetchone()
    import hashlib

    assert stored == hashlib.sha256(key.encode()).hexdigest()
    assert run_aura("users", "revoke", "carol", env=env).returncode == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT revoked_at FROM api_keys").fetchone()[0] is not None


def test_doctor_reports_the_index(data_dir) -> None:
    env = {"AURA_DATA_DIR": str(data_dir)}
    assert run_aura("setup", env=env).returncode == 0
    out = run_aura("doctor", "--json", env=env)
    index = [f for f in json.loads(out.stdout)["findings"] if f["check"] == "index"]
    # a fresh tree: the embedding model is imported and the index built at first start
    assert index and index[0]["severity"] == "info"
    assert run_aura("index", "rebuild", env=env).returncode == 0
    out = run_aura("doctor", "--json", env=env)
    index = [f for f in json.loads(out.stdout)["findings"] if f["check"] == "index"]
    assert index[0]["severity"] == "ok" and "0 vectors" in index[0]["message"]
