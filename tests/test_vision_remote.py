"""RemoteVision against a small real HTTP server that misbehaves in the ways a vision
service can: 5xx, an answer without what the import needs, a refusal with its reason, and
credentials forwarded. (The whole path, two Aura servers, is test_wardrobe_from_photo_remote.)
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from aura.errors import DependencyUnavailable, ImageRejected
from aura.vision.pipeline import analysis_fingerprint
from aura.vision.remote import RemoteVision, parse_space

BASIS = {"version": 1, "aura": "0", "limits": [1000, 4096], "classifier": [None, None]}
INFO = {"embedding": {"space": "efficientnet-lite0/pooled@rev/1/1280"}, "fingerprint_basis": BASIS}


class Script:
    """What the server answers: path -> (status, body); and what it was sent."""

    def __init__(self) -> None:
        self.answers: dict[str, tuple[int, object]] = {}
        self.seen: list[tuple[str, str | None]] = []


@pytest.fixture
def served() -> Iterator[tuple[str, Script]]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            script.seen.append((self.path, self.headers.get("Authorization")))
            status, body = script.answers.get(self.path, (404, {"error": "NotFound"}))
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/", script
    finally:
        server.shutdown()
        server.server_close()


def test_space_keys_round_trip() -> None:
    space = parse_space("efficientnet-lite0/pooled@rev/1/1280")
    assert (space.model_id, space.revision, space.dimension) == (
        "efficientnet-lite0/pooled",
        "rev/1",
        1280,
    )
    assert space.key == "efficientnet-lite0/pooled@rev/1/1280"
    with pytest.raises(ValueError):
        parse_space("no-revision")


def test_answers_become_analyses_or_typed_errors(served: tuple[str, Script]) -> None:
    url, script = served
    vision = RemoteVision(url, timeout_s=5, max_upload_bytes=100)
    analyzer = vision.for_caller("Bearer k1")
    prefix = "/api/v1/visual-analysis"
    script.answers[prefix + "/model/info"] = (200, INFO)
    detection = {"label": "shirt", "bbox": [0, 0, 5, 5], "confidence": 0.9}
    detection["attributes"] = {"embedding": {"vector": [1.0, 0.0]}}
    script.answers[prefix + "/analyze"] = (
        200,
        {"detections": [detection], "backend": {"name": "x"}, "cached": True},
    )
    found = analyzer.analyze(b"photo", 0.4, 3)
    assert found.cached is True and found.result["detections"] == [detection]
    assert found.fingerprint == analysis_fingerprint(BASIS, 0.4, 3, True)
    assert analyzer.decode_limits == (1000, 4096) and analyzer.image_space.dimension == 1280
    assert {auth for _, auth in script.seen} == {"Bearer k1"}  # info too: it is authenticated
    assert [p for p, _ in script.seen].count(prefix + "/model/info") == 1  # cached
    # a database hit: the service is not asked
    asked = len(script.seen)
    hit = analyzer.analyze(b"photo", 0.4, 3, stored=lambda sha, fp: {"detections": []})
    assert hit.cached is True and len(script.seen) == asked
    # too large for this process' limit: refused here
    with pytest.raises(ImageRejected) as too_large:
        analyzer.analyze(b"x" * 101)
    assert too_large.value.http_status == 413 and too_large.value.reason == "too_large"
    # the photo's fault: passed on with the service's status, reason and error name
    refusal = {"error": "ImageRejected", "message": "not an image", "fix": "f"}
    script.answers[prefix + "/analyze"] = (415, {**refusal, "reason": "not_an_image"})
    with pytest.raises(ImageRejected) as rejected:
        analyzer.analyze(b"photo")
    assert rejected.value.http_status == 415 and rejected.value.reason == "not_an_image"
    assert rejected.value.to_dict()["message"] == "not an image"
    # the service's fault: 502 naming AURA_VISION_URL
    for status, body in [
        (500, {"error": "Internal"}),
        (401, {"error": "Unauthorized"}),
        (200, b"not json"),
        (200, {"detections": [{"label": "shirt"}], "backend": {}}),  # no bbox, no vector
    ]:
        script.answers[prefix + "/analyze"] = (status, body)
        with pytest.raises(DependencyUnavailable) as down:
            analyzer.analyze(b"photo")
        assert "AURA_VISION_URL" in down.value.message and url.rstrip("/") in down.value.message
    vision.close()


def test_a_model_info_without_the_basis_is_a_502(served: tuple[str, Script]) -> None:
    url, script = served
    script.answers["/api/v1/visual-analysis/model/info"] = (200, {"embedding": {}})
    vision = RemoteVision(url, timeout_s=5)
    with pytest.raises(DependencyUnavailable, match="model/info"):
        vision.for_caller(None).analyze(b"photo")
    vision.close()


def test_nothing_listening_is_a_502() -> None:
    vision = RemoteVision("http://127.0.0.1:9", timeout_s=2)  # the discard port: closed
    with pytest.raises(DependencyUnavailable, match="cannot be reached"):
        vision.for_caller("Bearer k").analyze(b"photo")
    vision.close()
