"""One error body for every 4xx/5xx answer, documented in the OpenAPI schema.

``{"error": type, "message": what went wrong, "fix": what to do, "detail": [...]}`` — the
same shape whether the error is Aura's own (:class:`~aura.errors.AuraError`), a request
that fails validation, or an HTTP error raised by a route or by the framework.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, OperationalError, StatementError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from aura.errors import AuraError, ConfigError, NotReady


class ErrorBody(BaseModel):
    error: str
    message: str
    fix: str | None = None
    reason: str | None = None  # a stable code, where an error has one (e.g. image uploads)
    detail: list[dict[str, Any]] | None = None


_DESCRIPTIONS = {
    400: "Bad request",
    401: "Missing or invalid API key",
    404: "Not found (or not yours)",
    405: "Method not allowed",
    409: "Conflict",
    413: "Body too large",
    415: "Unsupported media type",
    422: "Invalid input: the fields at fault in `detail`",
    429: "Rate limit exceeded",
    500: "Internal error",
    503: "Not ready yet, or the database is unreachable for a moment (e.g. restarting): "
    "not completed; retry after Retry-After seconds",
}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text} for code, text in _DESCRIPTIONS.items()
}


def _status_of(exc: AuraError) -> int:
    explicit = getattr(exc, "http_status", None)
    if explicit:
        return int(explicit)
    if isinstance(exc, NotReady):
        return 503
    return 400 if isinstance(exc, ConfigError) else 500


def _allowed_methods(app: FastAPI, request: Request) -> set[str]:
    """Every method some route accepts at this path (Starlette names only the first route's)."""
    allowed: set[str] = set()
    for route in app.router.routes:
        match, _ = route.matches(request.scope)
        if match in (Match.FULL, Match.PARTIAL):
            allowed |= set(getattr(route, "methods", None) or ())
    return allowed


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AuraError)
    async def aura_error(_: Request, exc: AuraError) -> JSONResponse:
        fields = {k: v for k, v in exc.to_dict().items() if k in ErrorBody.model_fields}
        body = ErrorBody(**fields)
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, NotReady) else None
        return JSONResponse(body.model_dump(), status_code=_status_of(exc), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg")), "type": str(e.get("type"))}
            for e in exc.errors()
        ]
        where = ", ".join(".".join(str(p) for p in e["loc"]) for e in errors[:5])
        body = ErrorBody(
            error="InvalidInput",
            message=f"Invalid request: {where}.",
            fix="Correct the fields listed in `detail` (see /docs).",
            detail=errors,
        )
        return JSONResponse(body.model_dump(), status_code=422)

    @app.exception_handler(StatementError)
    async def database_error(_: Request, exc: StatementError) -> JSONResponse:
        """The database went away mid-request (a restart, a failover): 503, retry. The
        transaction is rolled back; the request was not acknowledged. A DBAPIError says so
        itself; a failure inside a statement's preparation (a column default that queries,
        such as the ids' sequence) arrives as a StatementError wrapping it."""
        cause = exc if isinstance(exc, DBAPIError) else exc.orig
        if not isinstance(cause, DBAPIError) or not (
            isinstance(cause, OperationalError) or cause.connection_invalidated
        ):
            raise exc
        body = ErrorBody(
            error="DatabaseUnavailable",
            message="The database is unreachable for a moment (restarting or failing over); "
            "this request was not completed.",
            fix="Retry in a few seconds.",
        )
        return JSONResponse(body.model_dump(), status_code=503, headers={"Retry-After": "2"})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        phrase = HTTPStatus(exc.status_code).phrase.replace(" ", "")
        message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(sorted(_allowed_methods(app, request)))
        body = ErrorBody(error=phrase, message=message)
        return JSONResponse(body.model_dump(), status_code=exc.status_code, headers=headers)
