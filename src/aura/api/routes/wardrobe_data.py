"""``/api/v1/wardrobe``: "Download my data" (a ZIP of everything of yours) and imports:
that ZIP (into this or a fresh install) or a CSV of items. Both are checked whole first;
a bad file changes nothing and the answer says what is wrong, where, and what to do."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from aura.api.auth import current_user, platform_of
from aura.api.routes.wardrobe import Service
from aura.errors import InvalidInput
from aura.storage.users import Principal
from aura.wardrobe import portable

router = APIRouter(prefix="/api/v1/wardrobe", tags=["wardrobe"])
User = Annotated[Principal, Depends(current_user)]
# The raw file is the body, whatever its Content-Type says (a client may not know "zip").
_ZIP_BODY = {
    "required": True,
    "content": {
        kind: {"schema": {"type": "string", "format": "binary"}}
        for kind in ("application/zip", "application/octet-stream")
    },
}
_CSV_BODY = {
    "required": True,
    "content": {"text/csv": {"schema": {"type": "string", "minLength": 1}}},
}


async def _body(request: Request, limit: int) -> bytes:
    data = bytearray()
    async for chunk in request.stream():
        data.extend(chunk)
        if len(data) > limit:
            raise HTTPException(413, f"Body larger than {limit} bytes (AURA_MAX_IMPORT_BYTES).")
    if not data:
        raise InvalidInput(
            "The request body is empty.", fix="Send the file itself as the request body."
        )
    return bytes(data)


@router.get("/export", response_class=Response)
def export(user: User, svc: Service) -> Response:
    """Download my data: items (JSON and CSV), photos, outfits, wear log, calendar, trips
    and conversations, as one ZIP."""
    blob = portable.export_zip(svc.db, user.user_id)
    name = f"aura-{user.name}-{date.today().isoformat()}.zip"
    return Response(
        blob,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private",
        },
    )


@router.post("/import", status_code=201, openapi_extra={"requestBody": _ZIP_BODY})
async def import_archive(request: Request, user: User, svc: Service) -> dict[str, Any]:
    """Import a "Download my data" ZIP: everything in it is added to your account."""
    limit = platform_of(request).settings.max_import_bytes
    blob = await _body(request, limit)
    return await run_in_threadpool(portable.import_zip, svc, user.user_id, blob, limit)


@router.post("/import/csv", status_code=201, openapi_extra={"requestBody": _CSV_BODY})
async def import_csv(request: Request, user: User, svc: Service) -> dict[str, Any]:
    """Import items from CSV (columns: category, colors (';'-separated), pattern,
    description, purchase_price, purchase_date, laundry, attributes). A bad row refuses the
    whole file, listing every bad line in ``detail``."""
    blob = await _body(request, platform_of(request).settings.max_import_bytes)
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(
            "The CSV is not UTF-8 text.", fix="Save it as UTF-8 (CSV UTF-8) and import it again."
        ) from None
    return await run_in_threadpool(portable.import_csv, svc, user.user_id, text)
