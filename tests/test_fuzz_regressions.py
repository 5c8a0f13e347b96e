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
