"""The web app's files and routes: shipped as package data, served at ``/`` without a key
under a strict Content-Security-Policy, while every ``/api/v1`` route still needs one; the
local sign-in route refuses when it is off and for clients not on this machine.

In-process (no lifespan: nothing loads), so it takes a second; the browser tests
(test_web_e2e.py) drive the real server."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aura.api.app import create_app
from aura.api.routes import local_signin
from aura.config import load_settings
from aura.web import STATIC_DIR

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = ("/info", "/api/v1/session/local-signin")  # the services' info; its own token


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    settings = load_settings(data_dir=tmp_path_factory.mktemp("web") / "data")
    return TestClient(create_app(settings))


def test_static_files_are_self_contained() -> None:
    files = {p.name for p in STATIC_DIR.iterdir()}
    assert {"index.html", "app.js", "styles.css", "icon.svg"} <= files
    html = (STATIC_DIR / "index.html").read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline scripts break the CSP"
    assert "style=" not in html
    for ref in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert (STATIC_DIR / ref.removeprefix("/static/")).is_file(), ref
    for script in STATIC_DIR.glob("*.js"):
        text = script.read_text()
        for target in re.findall(r'from "\./([^"]+)"', text):
            assert (STATIC_DIR / target).is_file(), f"{script.name} imports missing {target}"
        assert ".innerHTML" not in text, f"{script.name}: build elements, never parse markup"
    for path in STATIC_DIR.iterdir():  # no CDN: everything is served by Aura
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", path.read_text()), path.name


def test_a_wheel_ships_the_static_files(tmp_path: Path) -> None:
    """A non-editable install (the Dockerfile's `pip install .`) carries the web app."""
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src", src, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    wheel = next((tmp_path / "dist").glob("aura-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in STATIC_DIR.iterdir():
        assert f"aura/web/static/{path.name}" in names


def test_the_page_is_public_and_locked_down(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp and page.headers["x-content-type-options"] == "nosniff"
    script = client.get("/static/app.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert script.headers["content-security-policy"] == csp
    assert client.get("/static/missing.js").status_code == 404
    assert client.get("/static/../config.py").status_code == 404
    for path in ("/health/live", "/openapi.json", "/docs", "/metrics"):  # not shadowed
        assert client.get(path).status_code == 200, path


def _example(path: str) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: "a" * 64 if m[1] == "sha" else "1", path)


def test_every_api_route_still_needs_a_key(client: TestClient) -> None:
    checked = 0
    for path, operations in client.get("/openapi.json").json()["paths"].items():
        if not path.startswith("/api/v1") or path.endswith(PUBLIC):
            continue
        for method in operations:
            response = client.request(method, _example(path))
            assert response.status_code == 401, (method, path, response.text)
            checked += 1
    assert checked > 20
    system = client.get("/api/v1/system/status", headers={"Authorization": "Bearer nope"})
    assert system.status_code in (401, 503)  # never data without a valid key


def test_local_signin_is_refused_unless_on_and_local(client: TestClient) -> None:
    url = "/api/v1/session/local-signin"
    off = client.post(url, json={"token": "x"})
    assert off.status_code == 404 and "aura users create" in off.json()["message"]
    token = local_signin.enable(client.app)
    try:
        remote = client.post(url, json={"token": token})  # TestClient's host: "testclient"
        assert remote.status_code == 403, remote.text
        assert client.post(url, json={"token": 5}).status_code == 422
        assert client.post(url, json={"token": "é" * 43}).status_code == 422
    finally:
        client.app.state.local_signin = None


def test_one_time_tokens() -> None:
    signin = local_signin.LocalSignin()
    token = signin.token
    assert token and len(token) >= 40
    assert not signin.take(token + "x") and not signin.take("é" * 43) and not signin.take("")
    assert signin.take(token) and not signin.take(token)
    assert local_signin.is_loopback("127.0.0.1") and local_signin.is_loopback("::1")
    assert not local_signin.is_loopback("10.0.0.2") and not local_signin.is_loopback(None)
