"""Schemathesis against the live server's own OpenAPI schema: no 5xx, every response
matches the schema, invalid input is rejected. Routes added later are covered
automatically, since the run is driven by the schema the app publishes. Schemathesis 4
fuzzes until its time budget (--max-time) is spent, so the budget bounds this test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.server import AuraServer, run_aura


def test_schemathesis_finds_no_failures(data_dir, tmp_path):
    assert run_aura("setup", env={"AURA_DATA_DIR": str(data_dir)}).returncode == 0
    st = Path(sys.executable).parent / "st"
    with AuraServer(data_dir) as server:
        server.wait_ready()
        result = subprocess.run(
            [
                str(st),
                "run",
                f"{server.url}/openapi.json",
                "--checks",
                "all",
                "--max-examples",
                "40",
                "--seed",
                "20261126",
                "--generation-database",
                "none",
                "--max-time",
                "60",
                "--workers",
                "1",
                "--request-timeout",
                "30",
                "--report",
                "junit",
                "--report-dir",
                str(tmp_path / "report"),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        server.stop()
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
