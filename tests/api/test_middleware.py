"""An unhandled error in a route reaches the log once, with its traceback and request id,
and the client gets a JSON 500 naming that id."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from aura.api.middleware import RequestContextMiddleware


def test_an_unhandled_error_is_logged_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = FastAPI()

    @app.get("/boom")
    def boom() -> None:
        raise ImportError("cannot import name 'gone'")

    app.add_middleware(RequestContextMiddleware)
    with caplog.at_level(logging.ERROR):  # every logger: the server's too
        response = TestClient(app, raise_server_exceptions=False).get(
            "/boom", headers={"X-Request-ID": "req-1"}
        )
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "req-1"
    body = response.json()
    assert body["error"] == "InternalError" and "req-1" in body["message"] and body["fix"]
    tracebacks = [r for r in caplog.records if r.exc_info is not None]
    assert len(tracebacks) == 1, [r.getMessage() for r in tracebacks]  # logged once
    errors = [r for r in caplog.records if r.getMessage() == "unhandled error"]
    assert len(errors) == 1 and errors[0].exc_info is not None
    assert "cannot import name 'gone'" in caplog.text
    assert errors[0].path == "/boom"  # type: ignore[attr-defined]
