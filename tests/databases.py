"""Throwaway PostgreSQL databases on the test server, one per test (or per module)."""

from __future__ import annotations

from aura.proof.postgres import drop_postgres as drop_postgres_database
from aura.proof.postgres import fresh_postgres


def fresh_postgres_database(base_url: str) -> str:
    """Create an empty database next to ``base_url``'s; returns its URL."""
    return fresh_postgres(base_url, prefix="aura_t_")


__all__ = ["drop_postgres_database", "fresh_postgres_database"]
