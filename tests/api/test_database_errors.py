"""A database that goes away mid-request is a documented 503 with Retry-After, whether
SQLAlchemy reports it as a DBAPIError or as a StatementError wrapping one (a column default
that queries, as the ids' sequence on PostgreSQL, fails while the statement is prepared);
other database errors stay 500s."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError, OperationalError, StatementError

from aura.api.errors import install_error_handlers
from aura.api.middleware import RequestContextMiddleware

GONE = OperationalError("INSERT INTO item_embeddings ...", {}, Exception("terminating connection"))
RAISED = {
    "operational": GONE,
    # what SQLAlchemy raises when the id default's nextval() meets the dead connection
    "wrapped": StatementError("(OperationalError) terminating", "INSERT ...", {}, GONE),
    "integrity": IntegrityError("INSERT ...", {}, Exception("duplicate key")),
    "wrapped-other": StatementError("bad", "INSERT ...", {}, ValueError("not a dbapi error")),
}


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.add_middleware(RequestContextMiddleware)
    install_error_handlers(app)

    @app.get("/fail/{kind}")
    def fail(kind: str) -> None:
        raise RAISED[kind]

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("kind", ["operational", "wrapped"])
def test_a_lost_connection_is_a_503_to_retry(client: TestClient, kind: str) -> None:
    response = client.get(f"/fail/{kind}")
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "DatabaseUnavailable"
    assert response.headers["Retry-After"] == "2"


@pytest.mark.parametrize("kind", ["integrity", "wrapped-other"])
def test_other_database_errors_are_not_disguised_as_outages(client: TestClient, kind: str) -> None:
    response = client.get(f"/fail/{kind}")
    assert response.status_code == 500, response.text
    assert response.json()["error"] == "InternalError"
