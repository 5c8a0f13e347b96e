"""The compose profile `llm` (docker compose --profile llm up): an OpenAI-compatible
llama.cpp server from Aura's own image on a GGUF under data/conversational_ai/models/,
where every Aura service's AURA_LLM_BASE_URL points; accepted by the real
`docker-compose config`."""

from __future__ import annotations

from pathlib import Path

import yaml

from aura.config import Settings
from tests.test_deploy_compose import ROOT, SECRETS, compose


def _config(tmp_path: Path, extra: dict[str, str]) -> dict:
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in {**SECRETS, **extra}.items()))
    result = compose("--profile", "llm", "config", env_file=env_file)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_the_llm_profile_serves_a_gguf_to_the_assistant(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        {
            "AURA_LLM_GGUF": "big.gguf",
            "AURA_LLM_BACKEND": "openai",
            "AURA_LLM_MODEL": "big",
        },
    )
    llm = config["services"]["llm"]
    assert llm["profiles"] == ["llm"]
    command = llm["command"]
    assert command[:3] == ["python", "-m", "llama_cpp.server"]
    assert command[command.index("--model") + 1] == "/app/models/big.gguf"
    assert command[command.index("--model_alias") + 1] == "big"
    assert command[command.index("--port") + 1] == "8080"
    (volume,) = llm["volumes"]
    source, target, mode = volume.split(":")
    assert Path(source).resolve() == ROOT / "data/conversational_ai/models"
    assert (target, mode) == ("/app/models", "ro")
    env = config["services"]["conversational_ai_service"]["environment"]
    assert env["AURA_LLM_BASE_URL"] == "http://llm:8080/v1"
    settings = Settings(**env)
    assert settings.llm_backend == "openai" and settings.llm_model == "big"


def test_without_the_profile_the_packaged_model_serves(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in SECRETS.items()))
    result = compose("config", env_file=env_file)
    assert result.returncode == 0, result.stderr
    env = yaml.safe_load(result.stdout)["services"]["conversational_ai_service"]["environment"]
    settings = Settings(**env)
    assert settings.llm_backend == "llama_cpp" and settings.llm_model is None
