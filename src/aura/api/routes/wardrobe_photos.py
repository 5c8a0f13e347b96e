"""``POST /api/v1/wardrobe/items/from-photo``: a photo in, one wardrobe item per garment.

Needs the wardrobe (served with the assistant) and visual analysis: the pipeline in this
process, or, where vision is served elsewhere (``AURA_SERVICE=conversational_ai``) and
``AURA_VISION_URL`` is set, the visual_analysis service over HTTP
(:mod:`aura.vision.remote`; the caller's Authorization is forwarded, crops are cut here).
Without either the route answers 503 naming the service to use. The work (analysis, crops,
one transaction) runs in the platform's inference pool, never on the event loop.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile

from aura.api.auth import current_user
from aura.api.routes.visual_analysis import (
    ERRORS,
    MaxDetections,
    Threshold,
    analyzer,
    read_capped,
    run_inference,
)
from aura.api.routes.wardrobe import wardrobe
from aura.storage.users import Principal
from aura.wardrobe.from_photo import PhotoAnalyzer, import_photo
from aura.wardrobe.service import WardrobeService

router = APIRouter(prefix="/api/v1/wardrobe", tags=["wardrobe"])
Select = Annotated[
    str,
    Form(
        # ASCII classes: \s and \d mean other characters in Python's re (what schema-driven
        # clients generate from) than in the validator's regex engine. Empty (the default):
        # every garment; not nullable, since a form has no null (a client would send "null").
        pattern=r"^([ \t]*[0-9]{1,3}([ \t]*,[ \t]*[0-9]{1,3})*[ \t]*)?$",
        max_length=500,
        description="Comma-separated indexes of analysis.detections to keep (e.g. 0,2); "
        "default: every garment found.",
    ),
]


RESPONSES = {
    **ERRORS,
    502: {"description": "The visual analysis service at AURA_VISION_URL cannot answer"},
    503: {"description": "Models still loading, or visual analysis not served by this process"},
}


@router.post("/items/from-photo", status_code=201, responses=RESPONSES)
async def create_from_photo(
    request: Request,
    user: Annotated[Principal, Depends(current_user)],
    svc: Annotated[WardrobeService, Depends(wardrobe)],
    file: Annotated[UploadFile, File(description="A photo (JPEG, PNG, WebP, GIF, ...).")],
    confidence_threshold: Threshold = 0.5,
    max_detections: MaxDetections = 10,
    select: Select = "",
) -> dict[str, Any]:
    """Analyse the photo and store each chosen garment as an item (crop, attributes,
    description, text and image embeddings). On any error nothing is stored."""
    platform = request.app.state.platform
    remote = platform.remote_vision
    if remote is not None:
        photos: PhotoAnalyzer = remote.for_caller(request.headers.get("authorization"))
    else:
        photos = analyzer(request)
    data = await read_capped(file, platform.settings.vision_max_image_bytes)
    indexes = [int(i) for i in select.split(",")] if select else None
    work = partial(
        import_photo,
        photos,
        svc,
        user.user_id,
        data,
        confidence_threshold=confidence_threshold,
        max_detections=max_detections,
        select=indexes,
        max_photo_bytes=platform.settings.max_photo_bytes,
    )
    result: dict[str, Any] = await run_inference(request, work)
    return result
