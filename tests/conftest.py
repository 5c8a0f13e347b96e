"""Shared fixtures. Tests that need PostgreSQL or Redis use the real servers.

Outside CI an unreachable server skips those tests; under ``CI=true`` it fails them, so
a CI run can never pass without having exercised them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.databases import drop_postgres_database, fresh_postgres_database
from tests.server import AURA_ENV_PREFIXES

UNDER_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TEST_DATABASE_URL = os.environ.get(
    "AURA_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TEST_REDIS_URL = os.environ.get("AURA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _unavailable(what: str, reason: str) -> None:
    message = f"{what} is unreachable ({reason})"
    if UNDER_CI:
        pytest.fail(f"{message}; CI=true requires it. Start it (see .ci/run).", pytrace=False)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _hermetic_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No Aura setting of the developer's shell leaks into a test."""
    for key in list(os.environ):
        if key.startswith(AURA_ENV_PREFIXES) and not key.startswith("AURA_TEST_"):
            monkeypatch.delenv(key)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A reachable PostgreSQL URL (SQLAlchemy form), or a skip (a failure under CI)."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(TEST_DATABASE_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text("SELECT 1"))
    except Exception as exc:
        _unavailable(f"PostgreSQL at {TEST_DATABASE_URL}", str(exc).splitlines()[0])
    finally:
        engine.dispose()
    return TEST_DATABASE_URL


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A reachable Redis URL (a test database number), or a skip (a failure under CI)."""
    import redis

    client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        _unavailable(f"Redis at {TEST_REDIS_URL}", str(exc))
    finally:
        client.close()
    yield TEST_REDIS_URL


@pytest.fixture
def new_postgres_database(postgres_url: str) -> Iterator[Callable[[], str]]:
    """A factory of new, empty PostgreSQL databases (URLs), all dropped after the test."""
    import uuid

    import sqlalchemy

    admin = sqlalchemy.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    created: list[str] = []

    def make() -> str:
        name = f"aura_test_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        url = sqlalchemy.engine.make_url(postgres_url).set(database=name)
        return url.render_as_string(hide_password=False)

    try:
        yield make
    finally:
        with admin.connect() as conn:
            for name in created:
                conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def fresh_postgres_url(new_postgres_database: Callable[[], str]) -> str:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    return new_postgres_database()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for one test, on each backend in turn (PostgreSQL: a new
    database on the AURA_TEST_DATABASE_URL server, dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'aura-test.sqlite3'}"
        return
    base = request.getfixturevalue("postgres_url")
    url = fresh_postgres_database(base)
    try:
        yield url
    finally:
        drop_postgres_database(base, url)
