"""Alembic environment: always called by aura.storage.migrate with an open connection."""

from __future__ import annotations

from alembic import context

from aura.storage.schema import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copy
    # SQLite's DDL is transactional too (Alembic assumes not): a failed migration leaves
    # the database exactly as it was, on both databases
    transactional_ddl=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
    if connection.dialect.name == "sqlite":  # aura.storage.migrate turned enforcement off
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(
                f"the migration left {len(broken)} row(s) whose foreign key finds no row, "
                f"first {tuple(broken[0])}: nothing was committed; report this as a bug"
            )
