"""Throwaway PostgreSQL databases (proof runs and the tests): created empty, dropped after."""

from __future__ import annotations

import uuid

import sqlalchemy


def fresh_postgres(base_url: str, prefix: str = "aura_verify_") -> str:
    """Create an empty database next to ``base_url``'s; returns its URL."""
    name = f"{prefix}{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return sqlalchemy.engine.make_url(base_url).set(database=name).render_as_string(False)


def drop_postgres(base_url: str, url: str) -> None:
    name = sqlalchemy.engine.make_url(url).database
    admin = sqlalchemy.create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
