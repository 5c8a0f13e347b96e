"""Migrate the database to head with the Alembic scripts shipped in the package.

No ``alembic.ini`` is needed: the configuration is built here. On PostgreSQL an advisory
lock makes concurrent starts (several replicas) migrate one after the other. On SQLite the
migrations run with foreign key enforcement off (a table rebuild in batch mode drops the
old table, and with enforcement on that would cascade-delete its children's rows); env.py
runs ``PRAGMA foreign_key_check`` before the commit, and enforcement is turned back on
afterwards (or the connection closed for good), so no pooled connection keeps it off.

A database already at :data:`HEAD_REVISION` (every warm start) is recognised by one query of
``alembic_version``, without importing Alembic (about 0.1 s of a warm start); a test keeps
the constant equal to the scripts' head.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from aura.config import mask_url
from aura.errors import DependencyUnavailable
from aura.storage.db import Database

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger("aura.db")
HEAD_REVISION = "0005"  # the newest migration script's revision
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_PG_LOCK_KEY = 0x41555241  # "AURA"


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(db: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _at_head(db: Database) -> bool:
    """Whether the database records exactly :data:`HEAD_REVISION` (False on any doubt: no
    table yet, an unreachable database; the full path then decides and reports)."""
    try:
        with db.engine.connect() as conn:
            found = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except SQLAlchemyError:
        return False
    return list(found) == [HEAD_REVISION]


def _enforce_foreign_keys_again(conn: Connection) -> None:
    """Turn SQLite's enforcement back on (outside any transaction), or, if that cannot be
    confirmed, close the connection for good so the pool never hands it out."""
    try:
        conn.rollback()  # nothing is pending after a commit; after a failure it is undone
        raw = conn.connection.driver_connection
        raw.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
        if raw.execute("PRAGMA foreign_keys").fetchone()[0] == 1:  # type: ignore[union-attr]
            return
    except Exception:  # any doubt: the connection goes
        pass
    conn.invalidate()


@contextmanager
def _migrating(db: Database) -> Iterator[Connection]:
    """A connection to migrate on: PostgreSQL holds the advisory lock, SQLite has foreign
    key enforcement off until the end (see the module docstring)."""
    with db.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        try:
            if sqlite:  # before any transaction: the pragma is a no-op inside one
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
            else:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
                conn.commit()
            try:
                yield conn
            except BaseException:
                conn.rollback()  # a failed migration leaves nothing (the unlock commits)
                raise
            finally:
                if not sqlite:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                    conn.commit()
        finally:
            if sqlite:
                _enforce_foreign_keys_again(conn)


def upgrade_to_head(db: Database) -> tuple[str | None, str]:
    """Apply every pending migration; returns (revision before, revision after)."""
    if _at_head(db):
        return HEAD_REVISION, HEAD_REVISION
    return migrate_to(db, "head")


def migrate_to(db: Database, target: str) -> tuple[str | None, str]:
    """Upgrade or downgrade to revision ``target`` ("head" or e.g. "0004"); returns
    (revision before, revision after). Tests and recovery use the downgrade direction."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    try:
        with _migrating(db) as conn:
            before = MigrationContext.configure(conn).get_current_revision()
            wanted = head_revision() if target == "head" else target
            if before != wanted:  # at head (every warm start): nothing to run
                up = before is None or wanted > before  # revisions: "0001", "0002", ...
                if up:
                    command.upgrade(alembic_config(conn), wanted)
                else:
                    command.downgrade(alembic_config(conn), wanted)
                conn.commit()
            after = MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        raise DependencyUnavailable(
            f"Cannot migrate the database {mask_url(db.url)}: {str(exc).splitlines()[0]}",
            fix="Check that the database runs and DATABASE_URL is right (`aura doctor`).",
        ) from exc
    assert after is not None
    if before != after:
        log.info("database migrated", extra={"from": before, "to": after})
    return before, after
