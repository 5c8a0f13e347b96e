"""Schemathesis against the live server's own OpenAPI schema, every check on: no 5xx, every
response matches the schema, invalid input is rejected, and valid input is accepted
(``positive_data_acceptance``: the schema states the real rules, see tests/schemathesis.toml
for the two it cannot). Routes added later are covered automatically, since the run is
driven by the schema the app publishes. Schemathesis 4 fuzzes until its time budget
(--max-time) is spent, so the budget bounds this test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.server import AuraServer, run_aura

CONFIG = Path(__file__).with_name("schemathesis.toml")


def test_schemathesis_finds_no_failures(data_dir, tmp_path):
    # A rate limit high enough that the fuzzer reaches the routes' logic, not just 429s.
    env = {"AURA_DATA_DIR": str(data_dir), "AURA_RATE_LIMIT_PER_MINUTE": "100000"}
    assert run_aura("setup", env=env).returncode == 0
    created = run_aura("users", "create", "fuzzer", "--json", env=env)
    assert created.returncode == 0, created.stderr
    key = json.loads(created.stdout)["api_key"]
    st = Path(sys.executable).parent / "st"
    with AuraServer(data_dir, env) as server:
        server.wait_ready()
        command = [
            str(st), "--config-file", str(CONFIG), "run", f"{server.url}/openapi.json",
            "--checks", "all",
            # Authenticate with the key above, not with keys made up for the scheme.
            "--header", f"Authorization: Bearer {key}",
            "--generation-with-security-parameters", "false",
            "--seed", "20261126", "--generation-database", "none",
            "--max-time", "60", "--workers", "1", "--request-timeout", "60",
            # The assistant generates on the CPU: a reply may take a while on a busy machine.
            "--max-response-time", "60",
            "--report", "junit", "--report-dir", str(tmp_path / "report"),
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, timeout=300)
        server.stop()
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
