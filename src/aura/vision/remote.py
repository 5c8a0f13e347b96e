"""The visual_analysis service over HTTP, for a process that does not load the vision models.

In compose each service is its own container: the assistant's container owns the wardrobe
but not the models. :class:`RemoteVision` is the client of the visual_analysis service at
``AURA_VISION_URL`` (one connection pool, ``GET /model/info`` cached for ``INFO_TTL_S``);
:meth:`RemoteVision.for_caller` gives a :class:`RemoteAnalyzer` that forwards the caller's
own ``Authorization`` header and has the interface the photo import needs (the same one as
:class:`~aura.vision.cached.CachedAnalyzer`): ``analyze`` → :class:`Analysis`, the decode
limits and the image embedding space. Fingerprints are computed from the service's
published basis with the same function as in-process, so stored analyses match.

The service's answers to a bad photo (400/413/415/422) and its rate limit (429) are passed
on with their status and reason; anything else (unreachable, timeout, 5xx, a malformed
answer) is a 502 :class:`~aura.errors.DependencyUnavailable` naming AURA_VISION_URL.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

import httpx

from aura.config import mask_url
from aura.errors import DependencyUnavailable, ImageRejected
from aura.storage.changes import Space
from aura.vision.cached import Analysis, StoredLookup
from aura.vision.pipeline import analysis_fingerprint

PREFIX = "/api/v1/visual-analysis"
# the photo's fault (or the caller's rate): the caller hears it as is
PASSED_ON = frozenset({400, 413, 415, 422, 429})
INFO_TTL_S = 60.0  # a restarted service with other models is noticed within this
CONNECT_TIMEOUT_S = 10.0
FIX = (
    "Check that the visual_analysis service is running and healthy (GET /health/ready) at "
    "AURA_VISION_URL, and that it shares this service's database (API keys)."
)


class VisionRejected(ImageRejected):
    """The visual_analysis service refused the photo; keeps the service's error name."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(
            str(body.get("message") or f"The visual analysis service answered {status}."),
            reason=str(body.get("reason") or "rejected"),
            http_status=status,
            fix=str(body.get("fix") or "Send a photo the visual analysis service accepts."),
        )
        self.error = str(body.get("error") or type(self).__name__)
        detail = body.get("detail")
        ok = isinstance(detail, list) and all(isinstance(d, dict) for d in detail)
        self.detail = detail if ok else None

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "error": self.error, "detail": self.detail}


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    return body if isinstance(body, dict) else {}


def parse_space(key: str) -> Space:
    """``model@revision/dim`` (:attr:`Space.key`) back into a :class:`Space`."""
    try:
        model, rest = key.split("@", 1)
        revision, dim = rest.rsplit("/", 1)
        return Space(model, revision, int(dim))
    except ValueError as exc:
        raise ValueError(f"not an embedding space key: {key!r}") from exc


class RemoteVision:
    """Thread-safe: call it from the inference pool's threads."""

    def __init__(
        self,
        base_url: str,
        timeout_s: float,
        max_upload_bytes: int | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.max_upload_bytes = max_upload_bytes  # this process' AURA_VISION_MAX_IMAGE_BYTES
        self.client = httpx.Client(
            base_url=self.base_url + PREFIX,
            timeout=httpx.Timeout(timeout_s, connect=min(CONNECT_TIMEOUT_S, timeout_s)),
            transport=transport,
        )
        self._lock = threading.Lock()
        self._info: dict[str, Any] | None = None
        self._fetched = 0.0

    def for_caller(self, authorization: str | None) -> RemoteAnalyzer:
        return RemoteAnalyzer(self, {"Authorization": authorization} if authorization else {})

    def close(self) -> None:
        self.client.close()

    def unavailable(self, what: str) -> DependencyUnavailable:
        return DependencyUnavailable(
            f"The visual analysis service at AURA_VISION_URL ({mask_url(self.base_url)}) {what}.",
            fix=FIX,
        )

    def request(self, method: str, path: str, headers: dict[str, str], **kw: Any) -> Any:
        try:
            response = self.client.request(method, path, headers=headers, **kw)
        except httpx.HTTPError as exc:
            raise self.unavailable(f"cannot be reached: {type(exc).__name__}: {exc}") from exc
        body = _json(response)
        if response.status_code in PASSED_ON:
            raise VisionRejected(response.status_code, body)
        if response.status_code != 200 or not body:
            said = body.get("message") or response.text[:200]
            raise self.unavailable(f"answered {response.status_code} to {method} {path}: {said}")
        return body

    def info(self, headers: dict[str, str]) -> dict[str, Any]:
        """``GET /model/info``, cached for INFO_TTL_S."""
        with self._lock:
            if self._info is not None and time.monotonic() - self._fetched < INFO_TTL_S:
                return self._info
        info = self.request("GET", "/model/info", headers)
        try:
            basis, space = info["fingerprint_basis"], parse_space(info["embedding"]["space"])
            limits = [int(v) for v in basis["limits"]]
            if not isinstance(basis, dict) or len(limits) != 2 or space.dimension <= 0:
                raise ValueError(f"limits {limits}, space {space.key}")
        except (KeyError, TypeError, ValueError) as exc:
            raise self.unavailable(f"gave a model/info without what this needs ({exc!r})") from exc
        with self._lock:
            self._info, self._fetched = info, time.monotonic()
        return info


class RemoteAnalyzer:
    """One caller's view of :class:`RemoteVision` (its credentials forwarded)."""

    def __init__(self, vision: RemoteVision, headers: dict[str, str]) -> None:
        self.vision, self.headers = vision, headers

    @property
    def image_space(self) -> Space:
        return parse_space(self.vision.info(self.headers)["embedding"]["space"])

    @property
    def decode_limits(self) -> tuple[int, int]:
        max_bytes, max_pixels = self.vision.info(self.headers)["fingerprint_basis"]["limits"]
        return int(max_bytes), int(max_pixels)

    def analyze(
        self,
        data: bytes,
        confidence_threshold: float = 0.5,
        max_detections: int = 10,
        include_attributes: bool = True,
        stored: StoredLookup | None = None,
    ) -> Analysis:
        limit = self.vision.max_upload_bytes
        if limit is not None and len(data) > limit:  # read capped at limit + 1: not all of it
            raise ImageRejected(
                f"The photo is over {limit} bytes.",
                reason="too_large",
                http_status=413,
                fix="Send a smaller photo (or raise AURA_VISION_MAX_IMAGE_BYTES).",
            )
        sha = hashlib.sha256(data).hexdigest()
        basis = self.vision.info(self.headers)["fingerprint_basis"]
        fingerprint = analysis_fingerprint(
            basis, confidence_threshold, max_detections, include_attributes
        )
        if stored is not None:
            found = stored(sha, fingerprint)
            if found is not None:
                return Analysis(found, True, sha, fingerprint)
        form = {
            "confidence_threshold": str(confidence_threshold),
            "max_detections": str(max_detections),
            "include_attributes": str(include_attributes).lower(),
        }
        body = self.vision.request(
            "POST",
            "/analyze",
            self.headers,
            files={"image": ("photo", data, "application/octet-stream")},
            data=form,
        )
        cached = bool(body.pop("cached", False))
        if not self._well_formed(body, include_attributes):
            raise self.vision.unavailable("answered /analyze without detections in the known shape")
        return Analysis(body, cached, sha, fingerprint)

    @staticmethod
    def _well_formed(body: dict[str, Any], include_attributes: bool) -> bool:
        detections = body.get("detections")
        if not isinstance(detections, list) or "backend" not in body:
            return False
        for d in detections:
            if not isinstance(d, dict) or not isinstance(d.get("bbox"), list) or "label" not in d:
                return False
            vector = ((d.get("attributes") or {}).get("embedding") or {}).get("vector")
            if include_attributes and not isinstance(vector, list):
                return False
        return True
