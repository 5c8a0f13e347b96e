"""Serving never imports torch: one-process mode and each `--service`, over real HTTP.

Each server is started on a set-up tree, used (an item embedded, a photo analysed) after
every model is loaded, and then inspected twice: what it says about itself
(``/api/v1/system/status``: ``sys.modules`` and its own ``/proc/self/maps``) and what the
kernel says (``/proc/<pid>/maps`` read from here).
"""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from PIL import Image

from aura.runtime import mapped_libraries
from tests.server import AuraServer, api_key_headers, run_aura

SERVICE_PREFIX = {
    "conversational_ai": "conversational-ai",
    "outfit_recommendation": "outfit-recommendation",
    "visual_analysis": "visual-analysis",
}


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    data_dir = tmp_path_factory.mktemp("torch-free") / "data"
    assert run_aura("setup", env={"AURA_DATA_DIR": str(data_dir)}).returncode == 0
    return data_dir, api_key_headers(data_dir)


def _photo() -> bytes:
    image = Image.new("RGB", (320, 320), (235, 235, 230))
    image.paste((20, 40, 120), (90, 60, 230, 260))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _assert_torch_free(server: AuraServer) -> str:
    """From /metrics (what the process says of its sys.modules and /proc/self/maps) and
    from /proc/<pid>/maps read here; returns the metrics text."""
    assert server.proc is not None
    metrics = httpx.get(f"{server.url}/metrics", timeout=30).text
    assert 'aura_runtime_imported{runtime="torch"} 0.0' in metrics
    assert 'aura_runtime_imported{runtime="sentence_transformers"} 0.0' in metrics
    assert 'aura_library_mapped{library="libtorch"} 0.0' in metrics
    maps = Path(f"/proc/{server.proc.pid}/maps").read_text()
    assert "libtorch" not in maps and "libtorch" not in mapped_libraries(server.proc.pid)
    return metrics


def test_the_one_process_server_serves_without_torch(tree):
    data_dir, auth = tree
    with AuraServer(data_dir) as server:
        body = server.wait_ready(timeout=300).json()
        assert body["loading"] == [] and all(s["ready"] for s in body["service_status"].values()), (
            body
        )
        created = httpx.post(
            f"{server.url}/api/v1/wardrobe/items",
            json={"category": "shirt", "colors": ["navy"], "description": "linen, slim fit"},
            headers=auth,
            timeout=60,
        )
        assert created.status_code == 201, created.text
        found = httpx.get(
            f"{server.url}/api/v1/wardrobe/search",
            params={"q": "a blue linen shirt"},
            headers=auth,
            timeout=60,
        )
        assert found.status_code == 200, found.text
        analysed = httpx.post(
            f"{server.url}/api/v1/visual-analysis/analyze",
            files={"image": ("p.png", _photo(), "image/png")},
            headers=auth,
            timeout=120,
        )
        assert analysed.status_code == 200, analysed.text
        metrics = _assert_torch_free(server)
        assert 'aura_runtime_imported{runtime="onnxruntime"} 1.0' in metrics
        process = httpx.get(f"{server.url}/api/v1/system/status", headers=auth).json()["process"]
        assert process["pid"] == server.proc.pid and "torch" not in process["runtimes_imported"]
        assert "libtorch" not in process["libraries_mapped"]
        server.stop()


@pytest.mark.parametrize("service", sorted(SERVICE_PREFIX))
def test_each_service_serves_without_torch(tree, service):
    data_dir, _ = tree
    with AuraServer(data_dir, env={"AURA_SERVICE": service}) as server:
        body = server.wait_ready(timeout=300).json()
        assert body["service_status"] == {service: {"ready": True, "loading": [], "failed": []}}
        info = httpx.get(f"{server.url}/api/v1/{SERVICE_PREFIX[service]}/info", timeout=30)
        assert info.status_code == 200, info.text
        _assert_torch_free(server)
        server.stop()
