"""The web app: plain ES modules and CSS under ``static/``, shipped as package data and
served by the API's app factory (:mod:`aura.api.web`). No build step, no CDN."""

from __future__ import annotations

from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
INDEX_HTML = STATIC_DIR / "index.html"
