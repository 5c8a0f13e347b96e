"""Request ids, access logs and request metrics for every HTTP request.

``X-Request-ID`` is taken from the request when it is a sane token, else generated, and
echoed back. The access log records method, route, status and time; never headers.

An unhandled error (a bug) is logged here once, with its traceback and the request id, and
answered here as a JSON 500 that names the id; it is not re-raised, so the server does not
log it a second time without the id. (Once a streamed response has begun, the error is
re-raised after logging: only the server can then cut the connection.)
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aura import metrics
from aura.api.errors import ErrorBody
from aura.logging import request_id_var

log = logging.getLogger("aura.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestContextMiddleware:
    """Pure ASGI middleware (no BaseHTTPMiddleware), so streaming responses are untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        status = 500
        started = False
        began = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:  # a bug: its traceback goes to the log with the request's id
            log.exception("unhandled error", extra={"path": scope.get("path")})
            if started:
                raise
            body = ErrorBody(
                error="InternalError",
                message=f"An internal error stopped this request (request id {request_id}).",
                fix="Retry; if it happens again, report it with the request id "
                "(the server's log holds the details).",
            )
            await JSONResponse(body.model_dump(), status_code=500)(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - began
            route = scope.get("route")
            route_path = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "?")
            metrics.HTTP_REQUESTS.labels(method, route_path, str(status)).inc()
            metrics.HTTP_LATENCY.labels(method, route_path).observe(seconds)
            log.info(
                "request",
                extra={
                    "method": method,
                    "path": scope.get("path"),
                    "route": route_path,
                    "status": status,
                    "ms": round(seconds * 1000, 2),
                },
            )
            request_id_var.reset(token)
