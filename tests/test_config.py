"""Settings: defaults, environment precedence, container defaults, errors, documentation."""

from __future__ import annotations

from pathlib import Path

import pytest

from aura.config import Settings, env_var_name, load_settings, mask_url
from aura.errors import ConfigError
from aura.layout import DataTree
from aura.services import Service

ROOT = Path(__file__).resolve().parents[1]


def test_embedded_defaults_resolve_under_data_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    tree = DataTree(settings)
    assert tree.root == tmp_path / "data"
    assert tree.models_dir(Service.CONVERSATIONAL_AI) == tmp_path / "data/conversational_ai/models"
    assert tree.models_dir(Service.VISUAL_ANALYSIS) == tmp_path / "data/visual_analysis/models"
    assert tree.vector_store_dir() == tmp_path / "data/conversational_ai/vector_store"
    assert tree.finetuned_model_dir() == (
        tmp_path / "data/conversational_ai/models/aura_fashion_assistant"
    )
    assert tree.database_url == f"sqlite:///{tmp_path}/data/embedded/aura.sqlite3"
    assert tree.process_logs_dir() == tmp_path / "data/embedded/logs"
    assert settings.redis_url is None and settings.embedded
    assert settings.served_services == tuple(Service)


def test_environment_overrides_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("AURA_DATA_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("MODEL_PATH", str(tmp_path / "m"))
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://aura:s3cret@db:5432/aura")
    monkeypatch.setenv("MAX_WORKERS", "3")
    monkeypatch.setenv("AURA_OFFLINE", "1")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    settings = load_settings()
    tree = DataTree(settings)
    assert tree.root == tmp_path / "elsewhere"
    assert tree.models_dir(Service.CONVERSATIONAL_AI) == tmp_path / "m"
    # FINETUNED_MODEL_PATH follows MODEL_PATH when unset
    assert tree.finetuned_model_dir() == tmp_path / "m/aura_fashion_assistant"
    assert tree.database_url.endswith("@db:5432/aura") and not settings.embedded
    assert settings.max_workers == 3 and settings.offline and settings.log_level == "DEBUG"


def test_container_defaults_and_env_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("AURA_CONTAINER", "1")
    monkeypatch.setenv("AURA_SERVICE", "conversational_ai")
    tree = DataTree(load_settings())
    assert tree.root == Path("/app/data")
    assert tree.models_dir(Service.CONVERSATIONAL_AI) == Path("/app/models")
    assert tree.vector_store_dir() == Path("/app/vector_store")
    assert tree.process_logs_dir() == Path("/app/logs")
    assert tree.finetuned_model_dir() == Path("/app/models/aura_fashion_assistant")
    # only the served service's folders (plus the embedded database) in a container
    assert {s.path for s in tree.dirs()} == {
        Path("/app/models"),
        Path("/app/vector_store"),
        Path("/app/logs"),
        Path("/app/data/embedded"),
    }
    # an explicit variable beats the container default
    monkeypatch.setenv("FINETUNED_MODEL_PATH", str(tmp_path / "adapter"))
    monkeypatch.setenv("VECTOR_STORE_PATH", str(tmp_path / "vs"))
    tree = DataTree(load_settings())
    assert tree.finetuned_model_dir() == tmp_path / "adapter"
    assert tree.vector_store_dir() == tmp_path / "vs"
    assert tree.models_dir(Service.CONVERSATIONAL_AI) == Path("/app/models")


def test_explicit_arguments_beat_environment(monkeypatch):
    monkeypatch.setenv("AURA_PORT", "9000")
    assert load_settings(port=9100).port == 9100
    assert load_settings().port == 9000


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("AURA_PORT", "not-a-port"),
        ("MAX_WORKERS", "0"),
        ("DEVICE", "tpu"),
        ("AURA_SERVICE", "billing"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
def test_invalid_values_name_the_variable(monkeypatch, var, value):
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert var in str(info.value) and info.value.fix


def test_empty_service_means_all(monkeypatch):
    monkeypatch.setenv("AURA_SERVICE", "")
    assert load_settings().service is None


def test_secrets_are_masked():
    assert mask_url("redis://:pw@cache:6379/0") == "redis://:***@cache:6379/0"
    assert (
        mask_url("postgresql+psycopg://aura:pw@db/aura") == "postgresql+psycopg://aura:***@db/aura"
    )
    assert mask_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"
    public = Settings(
        database_url="postgresql://u:hunter2@h/d", redis_url="redis://:x@h"
    ).public_dict()
    assert "hunter2" not in str(public) and ":x@" not in str(public)


def test_readme_documents_every_variable():
    readme = (ROOT / "README.md").read_text()
    for name in Settings.model_fields:
        assert f"`{env_var_name(name)}`" in readme, f"{env_var_name(name)} missing from README"
    for required in (
        "AURA_DATA_DIR",
        "MODEL_PATH",
        "VECTOR_STORE_PATH",
        "FINETUNED_MODEL_PATH",
        "LOG_PATH",
        "DATABASE_URL",
        "REDIS_URL",
        "DEVICE",
        "LOG_LEVEL",
        "MAX_WORKERS",
        "AURA_OFFLINE",
    ):
        assert required in {env_var_name(n) for n in Settings.model_fields}


def test_no_module_reads_environment_for_settings():
    """Configuration is read in one place: config.py (pydantic-settings)."""
    offenders = []
    for path in (ROOT / "src/aura").rglob("*.py"):
        text = path.read_text()
        if ("os.environ" in text or "os.getenv" in text) and path.name != "config.py":
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"read settings through aura.config instead: {offenders}"
