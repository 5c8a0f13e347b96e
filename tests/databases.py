"""Throwaway PostgreSQL databases on the test server, one per test (or per module)."""

from __future__ import annotations

import uuid

import sqlalchemy


def fresh_postgres_database(base_url: str) -> str:
    """Create an empty database next to ``base_url``'s; returns its URL."""
    name = f"aura_t_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return sqlalchemy.engine.make_url(base_url).set(database=name).render_as_string(False)


def drop_postgres_database(base_url: str, url: str) -> None:
    name = sqlalchemy.engine.make_url(url).database
    admin = sqlalchemy.create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
