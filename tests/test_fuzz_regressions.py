"""Regressions for what the long schemathesis run found (see the fuzzing note in README)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from aura.api.routes.openai_compat import openai_error


def test_openai_route_documents_the_error_shape_it_sends() -> None:
    from aura.api.app import create_app
    from aura.config import load_settings

    schema = create_app(load_settings(data_dir=Path("/nonexistent/aura-schema"))).openapi()
    responses = schema["paths"]["/v1/chat/completions"]["post"]["responses"]
    for status, kind, code in (
        (400, "invalid_request_error", "context_length_exceeded"),
        (502, "server_error", None),
    ):
        body = json.loads(openai_error(status, "too long", kind, code).body)
        documented = responses[str(status)]["content"]["application/json"]["schema"]
        jsonschema.validate(body, {**documented, "components": schema["components"]})


def test_a_body_that_is_not_json_gets_a_documented_400() -> None:
    """schemathesis sent b"\\xff" as the JSON body: FastAPI refuses it before the route runs,
    in Aura's error body, which the route must document beside OpenAI's shape."""
    from fastapi.testclient import TestClient

    from aura.api.app import create_app
    from aura.config import load_settings

    app = create_app(load_settings(data_dir=Path("/nonexistent/aura-schema")))
    schema = app.openapi()
    documented = schema["paths"]["/v1/chat/completions"]["post"]["responses"]["400"]
    response = TestClient(app).post(
        "/v1/chat/completions",
        content=b"\xff",
        headers={"Content-Type": "application/json", "Authorization": "Bearer aura_x"},
    )
    assert response.status_code == 400, response.text
    jsonschema.validate(
        response.json(),
        {**documented["content"]["application/json"]["schema"], "components": schema["components"]},
    )
