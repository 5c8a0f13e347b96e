"""``/api/v1/visual-analysis``: analyse photos of garments.

The routes only move bytes and parameters: the work is :class:`aura.vision.pipeline.
VisionPipeline`, loaded by the "model load" start-up phase and run in the platform's
inference thread pool, so the event loop never blocks on a model. Authentication is one
dependency away: pass it to :func:`build_router`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse

from aura.api.fields import FormBool
from aura.errors import ImageRejected, NotReady, ServiceNotServed
from aura.services import Service

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Empty upload"},
    413: {"description": "Upload, pixel count or batch too large"},
    415: {"description": "Not an image in a supported format"},
    422: {"description": "Truncated or corrupt image, or invalid parameters"},
    503: {"description": "Models still loading"},
}


def _platform(request: Request) -> Any:
    return request.app.state.platform


def _pipeline(request: Request) -> Any:
    return analyzer(request).pipeline


def analyzer(request: Request) -> Any:
    """The platform's :class:`~aura.vision.cached.CachedAnalyzer`, or a 503 saying why not."""
    platform = _platform(request)
    found = getattr(platform, "analyzer", None)
    if found is None:
        if Service.VISUAL_ANALYSIS not in platform.settings.served_services:
            raise ServiceNotServed(
                "Visual analysis is not served by this process "
                f"(AURA_SERVICE={platform.settings.service.value}).",
                fix="Set AURA_VISION_URL to the visual_analysis service's URL (from-photo "
                "then asks it), or POST the photo to the visual_analysis service "
                "(/api/v1/visual-analysis/analyze) and its result to "
                "/api/v1/wardrobe/items/from-analysis, or serve all three services in one "
                "process (AURA_SERVICE unset).",
            )
        state = platform.startup.state
        raise NotReady(
            f"Visual analysis models are not loaded yet (start-up: {state.status}, "
            f"phase {state.phase}).",
            fix="Retry when GET /health/ready answers 200.",
        )
    return found


async def read_capped(upload: UploadFile, limit: int) -> bytes:
    """At most limit + 1 bytes: enough to tell an oversized upload without reading it all."""
    return await upload.read(limit + 1)


async def run_inference(request: Request, fn: Any, *args: Any) -> Any:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_platform(request).inference_pool, fn, *args)


Threshold = Annotated[float, Form(ge=0.0, le=1.0, description="Minimum detection confidence.")]
MaxDetections = Annotated[int, Form(ge=1, le=100, description="Most garments returned.")]
IncludeAttributes = Annotated[
    bool, FormBool, Form(description="Category, colours, pattern, embedding.")
]


def build_router(dependencies: Sequence[Any] = (), max_batch: int = 20) -> APIRouter:
    """The routes; ``max_batch`` (AURA_VISION_MAX_BATCH) is also the schema's ``maxItems``."""
    router = APIRouter(
        prefix=Service.VISUAL_ANALYSIS.url_prefix,
        tags=[Service.VISUAL_ANALYSIS.value],
        dependencies=list(dependencies),
    )

    @router.post("/analyze", responses=ERRORS)
    async def analyze(
        request: Request,
        image: Annotated[UploadFile, File(description="A photo (JPEG, PNG, WebP, GIF, ...).")],
        confidence_threshold: Threshold = 0.5,
        max_detections: MaxDetections = 10,
        include_attributes: IncludeAttributes = True,
    ) -> dict[str, Any]:
        """Find the garments in one photo and describe each."""
        cached = analyzer(request)
        data = await read_capped(image, cached.pipeline.settings.vision_max_image_bytes)
        found = await run_inference(
            request,
            cached.analyze,
            data,
            confidence_threshold,
            max_detections,
            include_attributes,
        )
        result: dict[str, Any] = found.response()
        return result

    @router.post("/analyze/batch", responses=ERRORS)
    async def analyze_batch(
        request: Request,
        # a default, not Annotated: evaluated here, where max_batch is known
        images: list[UploadFile] = File(  # noqa: B008
            ...,
            description=f"One to {max_batch} photos (AURA_VISION_MAX_BATCH).",
            json_schema_extra={"minItems": 1, "maxItems": max_batch},
        ),
        confidence_threshold: Threshold = 0.5,
        max_detections: MaxDetections = 10,
        include_attributes: IncludeAttributes = True,
    ) -> Any:
        """Analyse several photos; each result carries its own status (200 or the 4xx)."""
        cached = analyzer(request)
        pipeline = cached.pipeline
        limit = pipeline.settings.vision_max_batch
        if len(images) > limit:
            return JSONResponse(
                {
                    "error": "BatchTooLarge",
                    "reason": "too_many_images",
                    "message": f"{len(images)} images sent; at most {limit} per batch.",
                    "fix": f"Split the request into batches of {limit} or fewer.",
                },
                status_code=413,
            )
        blobs = [await read_capped(f, pipeline.settings.vision_max_image_bytes) for f in images]

        async def one(name: str | None, data: bytes) -> dict[str, Any]:
            try:
                out = await run_inference(
                    request,
                    cached.analyze,
                    data,
                    confidence_threshold,
                    max_detections,
                    include_attributes,
                )
            except ImageRejected as exc:
                return {"filename": name, "status": exc.http_status, "error": exc.to_dict()}
            return {"filename": name, "status": 200, **out.response()}

        results = await asyncio.gather(
            *(one(f.filename, b) for f, b in zip(images, blobs, strict=True))
        )
        return {
            "results": results,
            "count": len(results),
            "succeeded": sum(1 for r in results if r["status"] == 200),
        }

    @router.get("/categories")
    async def categories(request: Request) -> dict[str, Any]:
        """Labels the detector, the garment classifier and the pattern rule can return."""
        out: dict[str, Any] = _pipeline(request).categories()
        return out

    @router.get("/model/info")
    async def model_info(request: Request) -> dict[str, Any]:
        """The back-end, its model and revision, load times, and the classifier's accuracy."""
        out: dict[str, Any] = _pipeline(request).info()
        return out

    return router
