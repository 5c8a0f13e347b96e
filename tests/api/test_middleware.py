"""An unhandled error in a route reaches the log with its traceback and request id."""

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
    with caplog.at_level(logging.ERROR, logger="aura"):
        response = TestClient(app, raise_server_exceptions=False).get(
            "/boom", headers={"X-Request-ID": "req-1"}
        )
    assert response.status_code == 500
    errors = [r for r in caplog.records if r.getMessage() == "unhandled error"]
    assert len(errors) == 1 and errors[0].exc_info is not None
    assert "cannot import name 'gone'" in caplog.text
    assert errors[0].path == "/boom"  # type: ignore[attr-defined]
