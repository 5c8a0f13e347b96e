"""Upload size limits enforced before a body is read.

A request to an upload route whose ``Content-Length`` is over the route's limit is answered
413 at once, without reading a byte of the body (a multipart form would otherwise be
spooled to disk in full before any route code runs). A body without a length (chunked) is
counted as it arrives and refused as soon as it passes the limit. Multipart routes allow
``MULTIPART_SLACK`` bytes beyond the image limit for the form's boundaries and fields, so
an image just over the limit still reaches the decoder, which says ``too_large`` precisely.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aura.config import Settings

MULTIPART_SLACK = 64 * 1024


def upload_limits(settings: Settings) -> dict[str, int]:
    """POST path -> most bytes its body may have."""
    image = settings.vision_max_image_bytes + MULTIPART_SLACK
    return {
        "/api/v1/visual-analysis/analyze": image,
        "/api/v1/visual-analysis/analyze/batch": settings.vision_max_batch * image,
        "/api/v1/wardrobe/items/from-photo": image,
        "/api/v1/wardrobe/photos": settings.max_photo_bytes,
        "/api/v1/wardrobe/import": settings.max_import_bytes,  # a data ZIP or a CSV of items
        "/api/v1/wardrobe/import/csv": settings.max_import_bytes,
    }


class _TooLarge(HTTPException):
    def __init__(self) -> None:
        super().__init__(413, "Request body too large.")


def _body(received: int | None, limit: int) -> bytes:
    said = f"{received} bytes" if received is not None else "More bytes than allowed"
    return json.dumps(
        {
            "error": "PayloadTooLarge",
            "message": f"{said} sent; this route accepts at most {limit} bytes.",
            "fix": "Send a smaller file (the limits: AURA_VISION_MAX_IMAGE_BYTES, "
            "AURA_VISION_MAX_BATCH, AURA_MAX_PHOTO_BYTES, AURA_MAX_IMPORT_BYTES).",
            "reason": "too_large",
            "detail": None,
        }
    ).encode()


class UploadLimitMiddleware:
    """Pure ASGI middleware; ``limits`` maps a POST path to its byte limit."""

    def __init__(self, app: ASGIApp, limits: Callable[[], dict[str, int]]) -> None:
        self.app = app
        self.limits = limits()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limits.get(scope.get("path", "")) if scope["type"] == "http" else None
        if limit is None or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"").decode("latin-1").strip()
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(send, int(declared), limit)
            return
        seen, started, refused = 0, False, False

        async def counting_receive() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    if not started:
                        refused = True
                        await self._refuse(send, None, limit)
                    raise _TooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # already answered 413; the app's own error answer is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _TooLarge:
            if not refused:
                raise

    @staticmethod
    async def _refuse(send: Send, received: int | None, limit: int) -> None:
        body = _body(received, limit)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
