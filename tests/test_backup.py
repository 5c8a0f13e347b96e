"""Backups of a live database (SQLite and PostgreSQL) restore exactly what was acknowledged
before they began; tampered and malicious archives are refused; restore needs an empty tree.

The Aura schema arrives with the durable-data layer; these tests exercise the backup
mechanics on a table of acknowledged writes, which is what the guarantee is about.
"""

from __future__ import annotations

import io
import os
import tarfile
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy.pool import NullPool

from aura.config import load_settings
from aura.errors import BackupError
from aura.layout import DataTree
from aura.services import Service
from aura.storage import backup, restore
from tests.server import run_aura


def make_tree(root: Path, database_url: str | None = None) -> DataTree:
    tree = DataTree(load_settings(data_dir=root, database_url=database_url))
    tree.setup()
    return tree


def engine_for(tree: DataTree) -> sqlalchemy.Engine:
    engine = sqlalchemy.create_engine(tree.database_url, poolclass=NullPool)
    if tree.settings.embedded:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    return engine


class Writer(threading.Thread):
    """Streams acknowledged inserts (each committed before it counts) until stopped."""

    def __init__(self, engine: sqlalchemy.Engine) -> None:
        super().__init__(daemon=True)
        self.engine, self.acked, self.stop = engine, [], threading.Event()

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            with self.engine.begin() as conn:
                conn.execute(
                    sqlalchemy.text("INSERT INTO items (id, body) VALUES (:i, :b)"),
                    {"i": n, "b": f"item {n} " + "x" * 200},
                )
            self.acked.append(n)
            n += 1


def add_artifacts(tree: DataTree) -> dict[str, bytes]:
    adapter = tree.finetuned_model_dir()
    adapter.mkdir(parents=True)
    files = {"adapter_model.safetensors": os.urandom(4096), "manifest.json": b'{"ok": 1}'}
    for name, data in files.items():
        (adapter / name).write_bytes(data)
    hub = tree.models_dir(Service.VISUAL_ANALYSIS)
    repo = hub / "models--org--detr"
    (repo / "blobs").mkdir(parents=True)
    (repo / "blobs/abc123").write_bytes(b"weights" * 1000)
    (repo / "snapshots/rev1").mkdir(parents=True)
    (repo / "snapshots/rev1/model.safetensors").symlink_to("../../blobs/abc123")
    return files


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        return None, None
    make = request.getfixturevalue("new_postgres_database")
    return make, "postgresql"


def run_backup_under_writes(tree: DataTree, archive: Path, **options) -> list[int]:
    engine = engine_for(tree)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text("CREATE TABLE items (id INTEGER PRIMARY KEY, body TEXT)"))
    writer = Writer(engine)
    writer.start()
    while len(writer.acked) < 200:
        time.sleep(0.01)
    acked_before = list(writer.acked)
    backup.create(tree, archive, **options)
    time.sleep(0.05)
    writer.stop.set()
    writer.join(10)
    engine.dispose()
    return acked_before


def test_backup_under_live_writes_restores_every_acknowledged_write(tmp_path, database):
    make, kind = database
    tree = make_tree(tmp_path / "data", make() if kind else None)
    files = add_artifacts(tree)
    archive = tmp_path / "backups/one.tar.gz"
    acked_before = run_backup_under_writes(tree, archive)

    info = backup.verify(archive)
    assert info.manifest["database"]["kind"] == (kind or "sqlite")
    assert info.manifest["hub_models_not_included"] == {"visual_analysis": ["models--org--detr"]}

    restored = make_tree(tmp_path / "restored", make() if kind else None)  # empty database
    restore.restore(restored, archive)
    engine = engine_for(restored)
    with engine.connect() as conn:
        ids = {row[0] for row in conn.execute(sqlalchemy.text("SELECT id FROM items"))}
        if not kind:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    engine.dispose()
    assert set(acked_before) <= ids  # nothing acknowledged before the backup is lost
    assert ids == set(range(len(ids)))  # a consistent snapshot: no gaps, nothing half-written
    for name, data in files.items():
        assert (restored.finetuned_model_dir() / name).read_bytes() == data
    assert not any(restored.models_dir(Service.VISUAL_ANALYSIS).iterdir())


def test_include_models_carries_hub_weights(tmp_path):
    tree = make_tree(tmp_path / "data")
    add_artifacts(tree)
    archive = tmp_path / "full.tar"
    run_backup_under_writes(tree, archive, include_models=True)
    manifest = backup.verify(archive).manifest
    assert (
        "models/visual_analysis/models--org--detr/snapshots/rev1/model.safetensors"
        in (manifest["files"])
    )
    assert manifest["hub_models_not_included"] == {}


def test_restore_refuses_a_tree_that_is_not_empty(tmp_path):
    tree = make_tree(tmp_path / "data")
    archive = tmp_path / "b.tar.gz"
    run_backup_under_writes(tree, archive)
    with pytest.raises(BackupError) as info:
        restore.restore(tree, archive)
    assert "not empty" in str(info.value) and "--force" in info.value.fix
    restore.restore(tree, archive, force=True)


def tamper(archive: Path, out: Path, name: str, data: bytes) -> None:
    with tarfile.open(archive) as src, tarfile.open(out, "w") as dst:
        for member in src.getmembers():
            payload = src.extractfile(member).read()
            if member.name == name:
                payload = data
                member.size = len(data)
            dst.addfile(member, io.BytesIO(payload))


def test_tampered_and_malicious_archives_are_refused(tmp_path):
    tree = make_tree(tmp_path / "data")
    archive = tmp_path / "good.tar"
    run_backup_under_writes(tree, archive)
    tampered = tmp_path / "tampered.tar"
    tamper(archive, tampered, "database/aura.sqlite3", b"not the database")
    with pytest.raises(BackupError, match="does not match"):
        backup.verify(tampered)

    def evil(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> Path:
        path = tmp_path / f"evil-{abs(hash(name))}.tar"
        with tarfile.open(archive) as src, tarfile.open(path, "w") as dst:
            for member in src.getmembers():
                dst.addfile(member, src.extractfile(member))
            bad = tarfile.TarInfo(name)
            bad.type, bad.linkname, bad.size = kind, link, 0 if link else 4
            dst.addfile(bad, None if link else io.BytesIO(b"evil"))
        return path

    victim = tmp_path / "victim"
    for path in (
        evil("../victim"),
        evil("/tmp/victim-abs"),
        evil("models/x", tarfile.SYMTYPE, "/etc/passwd"),
        evil("models/y", tarfile.LNKTYPE, "../../victim"),
    ):
        with pytest.raises(BackupError, match="rejected"):
            restore.restore(make_tree(tmp_path / f"t-{path.stem}"), path)
    assert not victim.exists() and not Path("/tmp/victim-abs").exists()
    with pytest.raises(BackupError, match="cannot be read"):
        truncated = tmp_path / "truncated.tar.gz"
        run_backup_under_writes(make_tree(tmp_path / "d2"), truncated)
        truncated.write_bytes(truncated.read_bytes()[: truncated.stat().st_size // 2])
        backup.verify(truncated)


def test_cli_create_verify_prune(tmp_path):
    data = tmp_path / "data"
    tree = make_tree(data)
    engine = engine_for(tree)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text("CREATE TABLE t (x INTEGER)"))
    engine.dispose()
    env = {"AURA_DATA_DIR": str(data), "AURA_BACKUP_DIR": str(tmp_path / "backups")}
    for _ in range(3):
        result = run_aura("backup", "create", env=env)
        assert result.returncode == 0, result.stderr
        time.sleep(1.1)  # distinct names (second resolution)
    archives = sorted((tmp_path / "backups").glob("*.tar.gz"))
    assert len(archives) == 3
    (tmp_path / "backups/notes.tar").write_text("not a backup")
    assert run_aura("backup", "verify", str(archives[0]), env=env).returncode == 0
    bad = run_aura("backup", "verify", str(tmp_path / "backups/notes.tar"), env=env)
    assert bad.returncode == 2 and "fix:" in bad.stderr
    pruned = run_aura("backup", "prune", "--keep", "1", env=env)
    assert pruned.returncode == 0, pruned.stderr
    left = sorted(p.name for p in (tmp_path / "backups").iterdir())
    assert left == sorted([archives[-1].name, "notes.tar"])
