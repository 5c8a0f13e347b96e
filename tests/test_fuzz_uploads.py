"""Upload fuzzer for the photo routes against a live server: random bytes and mutated
JPEG/PNG/GIF/WebP (truncations, bit flips, lying headers, huge dimensions, a
decompression bomb). No 5xx, the server stays up, a refusal is the one error body, and a
refused upload stores nothing."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest

from tests.image_mutations import cases
from tests.server import AuraServer, run_aura

CASES = cases()


@pytest.mark.slow
def test_hostile_photos_never_break_the_server_or_get_stored(data_dir) -> None:
    env = {"AURA_DATA_DIR": str(data_dir)}
    made = run_aura("users", "create", "fuzz", "--json", env=env)
    assert made.returncode == 0, made.stderr
    auth = {"Authorization": f"Bearer {json.loads(made.stdout)['api_key']}"}
    with AuraServer(data_dir, {"AURA_RATE_LIMIT_PER_MINUTE": "0"}) as server:
        server.wait_ready(timeout=300)
        http = httpx.Client(base_url=server.url, headers=auth, timeout=120)
        from_photo = (
            "/api/v1/wardrobe/items/from-photo" in http.get("/openapi.json").json()["paths"]
        )
        problems: list[str] = []
        seen: dict[str, set[int]] = {}

        def check(route: str, name: str, response: httpx.Response) -> int:
            code = response.status_code
            seen.setdefault(route, set()).add(code)
            if code >= 500:
                problems.append(f"{route} {name}: {code} {response.text[:200]}")
            elif code >= 400 and not {"error", "message", "fix"} <= set(response.json()):
                problems.append(f"{route} {name}: {code} without the error body")
            return code

        for name, data, ctype in CASES:
            sha = hashlib.sha256(data).hexdigest()
            files = {"image": (f"{name}.bin", data, ctype)}
            check("analyze", name, http.post("/api/v1/visual-analysis/analyze", files=files))
            stored = check(
                "photos",
                name,
                http.post("/api/v1/wardrobe/photos", content=data, headers={"Content-Type": ctype}),
            )
            back = http.get(f"/api/v1/wardrobe/photos/{sha}")
            if stored == 201 and back.content != data:
                problems.append(f"photos {name}: stored bytes differ")
            if stored != 201 and back.status_code != 404:
                problems.append(f"photos {name}: refused ({stored}) but stored")
            if from_photo:
                total = http.get("/api/v1/wardrobe/items").json()["total"]
                answer = http.post(
                    "/api/v1/wardrobe/items/from-photo",
                    files={"file": (f"{name}.bin", data, ctype)},
                )
                refused = check("from-photo", name, answer) >= 400
                if refused and http.get("/api/v1/wardrobe/items").json()["total"] != total:
                    problems.append(f"from-photo {name}: refused but items were added")
            assert httpx.get(server.url + "/health/live", timeout=30).status_code == 200, name
        # the batch route: every hostile upload in one request each of a few
        for start in range(0, len(CASES), 8):
            part = CASES[start : start + 8]
            files = [("images", (n, d, t)) for n, d, t in part]
            answer = http.post("/api/v1/visual-analysis/analyze/batch", files=files)
            if check("analyze/batch", f"#{start}", answer) == 200:
                statuses = [r["status"] for r in answer.json()["results"]]
                problems += [f"batch {part[i][0]}: {s}" for i, s in enumerate(statuses) if s >= 500]
        assert server.proc is not None and server.proc.poll() is None, "the server died"
        log = [json.loads(x) for x in server.output().splitlines() if x.startswith("{")]
        errors = [
            r
            for r in log
            if r.get("message") == "request"
            and r.get("status", 0) >= 500
            and r.get("path", "").startswith("/api/")  # not /health/ready's 503 at start-up
        ]
        server.stop()
    assert not problems, "\n".join(problems)
    assert not errors, errors[:3]
    # the fuzzer did reach both sides: refusals of each kind, and some valid images accepted
    assert {413, 415, 422} <= seen["analyze"] | seen["photos"], seen
    assert 200 in seen["analyze"], seen
