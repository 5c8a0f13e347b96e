"""A local HTTP server on 127.0.0.1 that answers like Open-Meteo's ``/v1/forecast``
(the same query parameters and response shape), for the forecast client's tests."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class FakeOpenMeteo:
    """Daily max/min temperature and precipitation: ``high``/``low`` °C, ``rain_mm``."""

    def __init__(self, high: float = 8.0, low: float = 2.0, rain_mm: float = 3.5) -> None:
        self.high, self.low, self.rain_mm = high, low, rain_mm
        self.requests: list[dict[str, list[str]]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                owner.requests.append(query)
                if url.path != "/v1/forecast":
                    self.send_error(404)
                    return
                body = json.dumps(owner.answer(query)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def answer(self, query: dict[str, list[str]]) -> dict[str, Any]:
        start = date.fromisoformat(query["start_date"][0])
        end = date.fromisoformat(query["end_date"][0])
        days = [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]
        return {  # the fields of Open-Meteo's answer that matter, in its shape
            "latitude": float(query["latitude"][0]),
            "longitude": float(query["longitude"][0]),
            "generationtime_ms": 0.1,
            "utc_offset_seconds": 0,
            "timezone": "GMT",
            "timezone_abbreviation": "GMT",
            "elevation": 10.0,
            "daily_units": {
                "time": "iso8601",
                "temperature_2m_max": "°C",
                "temperature_2m_min": "°C",
                "precipitation_sum": "mm",
            },
            "daily": {
                "time": days,
                "temperature_2m_max": [self.high] * len(days),
                "temperature_2m_min": [self.low] * len(days),
                "precipitation_sum": [self.rain_mm] * len(days),
            },
        }

    def __enter__(self) -> FakeOpenMeteo:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
