"""Consistent dumps of the live database, and their restore.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot
while writers keep going — unlike copying the file, which can catch a half-applied WAL.
PostgreSQL: ``pg_dump --format=custom`` reads one MVCC snapshot; ``pg_restore`` loads it.
A ``tar`` of a live PostgreSQL data directory is *not* a backup: the files change under tar
and the copy may not start.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from aura.config import mask_url
from aura.errors import BackupError

SQLITE_DUMP = "aura.sqlite3"
POSTGRES_DUMP = "aura.pgdump"


def database_kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(
            f"Backups support SQLite and PostgreSQL, not {backend}.",
            fix="Use `sqlite:///...` or `postgresql+psycopg://...` as DATABASE_URL.",
        )
    return backend


def libpq_url(url: str) -> str:
    """``postgresql+psycopg://u:p@h/db`` → ``postgresql://u:p@h/db`` for pg_dump/pg_restore."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed.",
            fix="Install the PostgreSQL client (Debian: apt-get install "
            "postgresql-client) matching the server's major version.",
        )
    return path


def dump(url: str, out_dir: Path) -> Path:
    """Write a consistent dump of the database at ``url`` into ``out_dir``; return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if database_kind(url) == "sqlite":
        source = make_url(url).database
        if not source or not Path(source).exists():
            raise BackupError(
                f"No SQLite database at {source}.",
                fix="Start Aura once (`aura serve`) so it creates the database.",
            )
        target = out_dir / SQLITE_DUMP
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # online backup API: a consistent snapshot under live writes
        finally:
            dst.close()
            src.close()
        return target
    target = out_dir / POSTGRES_DUMP
    result = subprocess.run(
        [
            _pg_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(target),
            "--dbname",
            libpq_url(url),
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(
            f"pg_dump of {mask_url(url)} failed: {result.stderr.strip()}",
            fix="Check that the database answers (`aura doctor`) and that "
            "pg_dump's major version is at least the server's.",
        )
    return target


def restore(url: str, dump_file: Path, *, force: bool = False) -> None:
    """Load ``dump_file`` into the database at ``url``, which must be empty unless ``force``."""
    if database_kind(url) == "sqlite":
        target = Path(make_url(url).database or "")
        if target.exists() and target.stat().st_size > 0 and not force:
            raise BackupError(
                f"{target} already exists.",
                fix="Restore into an empty data tree, or pass --force to replace it.",
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        from aura.storage.atomic import atomic_open

        with atomic_open(target, "wb", file_mode=0o600) as handle, open(dump_file, "rb") as src:
            shutil.copyfileobj(src, handle, 1024 * 1024)
        return
    if not force and not _pg_is_empty(url):
        raise BackupError(
            f"The database {mask_url(url)} is not empty.",
            fix="Restore into an empty database, or pass --force to replace its contents.",
        )
    result = subprocess.run(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "--dbname",
            libpq_url(url),
            str(dump_file),
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(
            f"pg_restore into {mask_url(url)} failed: {result.stderr.strip()}",
            fix="Check the database answers and that pg_restore's major version "
            "is at least the dump's.",
        )


def _pg_is_empty(url: str) -> bool:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            count = conn.execute(
                text(
                    "SELECT count(*) FROM information_schema.tables "
                    "WHERE table_schema = current_schema()"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    return count == 0
