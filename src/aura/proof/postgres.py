"""A throwaway PostgreSQL database for a proof run: created empty, dropped afterwards."""

from __future__ import annotations

import uuid

import sqlalchemy


def fresh_postgres(base_url: str) -> str:
    name = f"aura_verify_{uuid.uuid4().hex[:10]}"
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
