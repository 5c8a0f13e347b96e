"""A real Aura server with a database of its own, and users with keys, for HTTP tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.databases import drop_postgres_database, fresh_postgres_database
from tests.server import AuraServer


@contextmanager
def backend_env(
    request: pytest.FixtureRequest, backend: str, extra: dict[str, str] | None = None
) -> Iterator[dict[str, str]]:
    """Environment for a server on ``backend`` (sqlite: under AURA_DATA_DIR; postgres: a
    fresh database on the test server, dropped afterwards)."""
    env = dict(extra or {})
    if backend == "sqlite":
        yield env
        return
    base = request.getfixturevalue("postgres_url")
    url = fresh_postgres_database(base)
    try:
        yield {**env, "DATABASE_URL": url}
    finally:
        drop_postgres_database(base, url)


def create_user(data_dir: Path, env: dict[str, str], name: str) -> str:
    """Set up the data tree and the database, create a user; returns its key.

    In-process, to keep server tests fast: `aura users create` itself is tested through
    the CLI in test_users_cli.py.
    """
    from aura.config import load_settings
    from aura.layout import DataTree
    from aura.storage.db import Database
    from aura.storage.migrate import upgrade_to_head
    from aura.storage.users import create_user as make_user

    tree = DataTree(load_settings(data_dir=data_dir, database_url=env.get("DATABASE_URL")))
    tree.setup()
    db = Database(tree.database_url)
    try:
        upgrade_to_head(db)
        return make_user(db, name)[1]
    finally:
        db.close()


class Client:
    """httpx against the server, as one user."""

    def __init__(self, server: AuraServer, key: str | None) -> None:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.http = httpx.Client(
            base_url=server.url + "/api/v1/wardrobe", headers=headers, timeout=30
        )

    def create(self, **fields: Any) -> dict[str, Any]:
        response = self.http.post("/items", json=fields)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def all_items(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            page = self.http.get("/items", params={"limit": 100, "offset": len(items)})
            assert page.status_code == 200, page.text
            items.extend(page.json()["items"])
            if len(items) >= page.json()["total"]:
                return items

    def search_ids(self, q: str, k: int = 10) -> list[int]:
        response = self.http.get("/search", params={"q": q, "k": k})
        assert response.status_code == 200, response.text
        return [r["item"]["id"] for r in response.json()["results"]]
