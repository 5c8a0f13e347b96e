"""The assistant's settings: secrets masked by `aura config`, doctor findings."""

from __future__ import annotations

import json
from pathlib import Path

from aura.assistant.checks import check_assistant
from aura.config import load_settings
from aura.findings import Severity
from tests.server import run_aura


def test_aura_config_masks_the_llm_key_and_url_password(tmp_path: Path) -> None:
    done = run_aura(
        "config",
        "--json",
        env={
            "AURA_DATA_DIR": str(tmp_path),
            "AURA_LLM_API_KEY": "sk-very-secret",
            "AURA_LLM_BASE_URL": "http://user:hunter2@llm:8000/v1",
        },
    )
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["AURA_LLM_API_KEY"] == "***"
    assert shown["AURA_LLM_BASE_URL"] == "http://user:***@llm:8000/v1"
    assert "sk-very-secret" not in done.stdout and "hunter2" not in done.stdout


def test_doctor_checks_the_configured_llm_and_adapter(tmp_path: Path) -> None:
    default = check_assistant(load_settings(data_dir=tmp_path))
    assert [f.severity for f in default] == [Severity.OK]
    assert "SmolLM2" in default[0].message
    missing = check_assistant(load_settings(data_dir=tmp_path, llm_model=str(tmp_path / "x")))
    assert missing[0].severity is Severity.ERROR and "AURA_LLM_MODEL" in (missing[0].fix or "")
    remote = check_assistant(load_settings(data_dir=tmp_path, llm_backend="openai"))
    assert remote[0].severity is Severity.ERROR and "AURA_LLM_BASE_URL" in remote[0].message
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_model.safetensors").write_bytes(b"partial")
    settings = load_settings(
        data_dir=tmp_path, llm_backend="transformers", finetuned_model_path=adapter
    )
    found = {f.check: f for f in check_assistant(settings)}
    assert found["assistant adapter"].severity is Severity.WARNING
    assert "aura train assistant" in (found["assistant adapter"].fix or "")
    assert check_assistant(load_settings(data_dir=tmp_path, service="visual_analysis")) == []
