"""Migrate the database to head with the Alembic scripts shipped in the package.

No ``alembic.ini`` is needed: the configuration is built here. On PostgreSQL an advisory
lock makes concurrent starts (several replicas) migrate one after the other.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from aura.config import mask_url
from aura.errors import DependencyUnavailable
from aura.storage.db import Database

log = logging.getLogger("aura.db")
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_PG_LOCK_KEY = 0x41555241  # "AURA"


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade_to_head(db: Database) -> tuple[str | None, str]:
    """Apply every pending migration; returns (revision before, revision after)."""
    try:
        with db.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
                conn.commit()
            try:
                before = MigrationContext.configure(conn).get_current_revision()
                if before != head_revision():  # at head (every warm start): nothing to run
                    command.upgrade(alembic_config(conn), "head")
                    conn.commit()
            finally:
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
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
