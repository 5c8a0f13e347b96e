"""Every environment variable Aura reads, with its default, declared in one place.

Settings are read once per process (``load_settings``) and passed down; no other
module reads ``os.environ`` for Aura's own configuration. The README's table of
variables is generated from this class (``aura config --table``), so the two
cannot drift apart.

Path defaults depend on where Aura runs:

* embedded (a laptop, ``make run``): everything under ``AURA_DATA_DIR`` (``./data``),
  one folder per service, as :mod:`aura.layout` names them;
* container (``AURA_CONTAINER=1``, set by the Dockerfile): the service's folders are
  ``/app/models``, ``/app/vector_store`` and ``/app/logs``, bind-mounted from the host.

An explicitly set variable always wins over either default.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from aura.errors import ConfigError
from aura.services import Service

CONTAINER_APP_DIR = Path("/app")


def _env(name: str, *aliases: str) -> Any:
    return AliasChoices(name, *aliases)


def _default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


class Settings(BaseSettings):
    """Aura's configuration. Field descriptions become the README's table."""

    model_config = SettingsConfigDict(
        env_prefix="",
        case_sensitive=False,
        populate_by_name=True,
        extra="ignore",
        frozen=True,
    )

    container: bool = Field(
        False,
        validation_alias=_env("AURA_CONTAINER"),
        description="Set to 1 inside a container: path defaults become /app/models, "
        "/app/vector_store, /app/logs and the data dir /app/data.",
    )
    service: Service | None = Field(
        None,
        validation_alias=_env("AURA_SERVICE"),
        description="Serve one service only (visual_analysis, outfit_recommendation, "
        "conversational_ai); empty means all three in one process.",
    )
    data_dir: Path | None = Field(
        None,
        validation_alias=_env("AURA_DATA_DIR"),
        description="Root of the data tree. Default ./data (embedded) or /app/data (container).",
    )
    model_path: Path | None = Field(
        None,
        validation_alias=_env("MODEL_PATH"),
        description="Model store of the served service(s). Default "
        "$AURA_DATA_DIR/<service>/models, or /app/models in a container.",
    )
    vector_store_path: Path | None = Field(
        None,
        validation_alias=_env("VECTOR_STORE_PATH"),
        description="Vector index cache. Default $AURA_DATA_DIR/conversational_ai/vector_store, "
        "or /app/vector_store in a container.",
    )
    finetuned_model_path: Path | None = Field(
        None,
        validation_alias=_env("FINETUNED_MODEL_PATH"),
        description="Fine-tuned assistant adapter. Default $MODEL_PATH/aura_fashion_assistant "
        "(the conversational_ai model folder).",
    )
    log_path: Path | None = Field(
        None,
        validation_alias=_env("LOG_PATH"),
        description="Folder for the JSON log files. Default the service's logs folder "
        "($AURA_DATA_DIR/embedded/logs when one process serves all three), /app/logs in a "
        "container.",
    )
    database_url: str | None = Field(
        None,
        validation_alias=_env("DATABASE_URL"),
        description="SQLAlchemy URL of the database (source of truth). Default SQLite at "
        "$AURA_DATA_DIR/embedded/aura.sqlite3; e.g. postgresql+psycopg://user:pw@host/db "
        "(PostgreSQL 15 or newer).",
    )
    database_wait_s: float = Field(
        60.0,
        ge=0,
        validation_alias=_env("AURA_DATABASE_WAIT_SECONDS"),
        description="At start-up, seconds to keep retrying a database that refuses "
        "connections (a replica starting while PostgreSQL restarts) before start-up fails.",
    )
    redis_url: str | None = Field(
        None,
        validation_alias=_env("REDIS_URL"),
        description="Redis for cache, sessions and rate limits. Empty means an in-process cache.",
    )
    device: Literal["auto", "cpu", "cuda", "mps"] = Field(
        "auto",
        validation_alias=_env("DEVICE"),
        description="Where models run: auto picks cuda, then mps, then cpu.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", validation_alias=_env("LOG_LEVEL"), description="Log level."
    )
    max_workers: int = Field(
        default_factory=_default_workers,
        ge=1,
        le=64,
        validation_alias=_env("MAX_WORKERS"),
        description="Threads for blocking work (model loading, inference). Default "
        "min(4, CPU count).",
    )
    offline: bool = Field(
        False,
        validation_alias=_env("AURA_OFFLINE"),
        description="1 forbids every network access to model hubs, downloads included.",
    )
    auto_download: bool = Field(
        False,
        validation_alias=_env("AURA_AUTO_DOWNLOAD"),
        description="1 lets start-up download a missing hub model once (unless AURA_OFFLINE=1); "
        "otherwise a missing required model keeps /health/ready at 503 naming "
        "`aura models pull NAME`.",
    )
    hf_endpoint: str | None = Field(
        None,
        validation_alias=_env("HF_ENDPOINT"),
        description="Model hub URL for `aura models pull` (a mirror, or a test hub). Default "
        "https://huggingface.co.",
    )
    model_overrides: dict[str, dict[str, Any]] = Field(
        {},
        validation_alias=_env("AURA_MODEL_OVERRIDES"),
        description="JSON object changing registry entries by model name, e.g. "
        '{"fashion-detector": {"repo_id": "org/name", "revision": "<commit>", "required": true}}; '
        '{"NAME": {"enabled": false}} drops a model.',
    )
    derived_cache_dir: Path | None = Field(
        Path("~/.cache/aura/derived"),
        validation_alias=_env("AURA_DERIVED_CACHE_DIR"),
        description="Shared cache of model conversions (ONNX exports), keyed by source "
        "commit: another data tree on this machine copies an export instead of redoing it. "
        "Empty turns it off.",
    )
    host: str = Field(
        "127.0.0.1", validation_alias=_env("AURA_HOST"), description="Address `aura serve` binds."
    )
    port: int = Field(
        8080, ge=1, le=65535, validation_alias=_env("AURA_PORT"), description="Port to serve on."
    )
    min_free_disk_mb: int = Field(
        1024,
        ge=0,
        validation_alias=_env("AURA_MIN_FREE_DISK_MB"),
        description="`aura doctor` reports an error when a data folder's disk has less free.",
    )
    backup_dir: Path | None = Field(
        None,
        validation_alias=_env("AURA_BACKUP_DIR"),
        description="Where `aura backup create` puts archives by default and `aura backup "
        "prune` looks. Default $AURA_DATA_DIR/backups (inside the data tree, never the "
        "checkout).",
    )
    log_max_bytes: int = Field(
        10 * 1024 * 1024,
        ge=1024,
        validation_alias=_env("AURA_LOG_MAX_BYTES"),
        description="Size at which a log file is rotated.",
    )
    log_backups: int = Field(
        5, ge=0, validation_alias=_env("AURA_LOG_BACKUPS"), description="Rotated log files kept."
    )

    index_type: Literal["auto", "flat", "ivf"] = Field(
        "auto",
        validation_alias=_env("AURA_INDEX_TYPE"),
        description="Index type of each user's partition: flat (exact), ivf (approximate), or "
        "auto (flat up to AURA_INDEX_FLAT_MAX vectors, ivf above). Applied when a partition "
        "is loaded.",
    )
    index_flat_max: int = Field(
        100_000,
        ge=0,
        validation_alias=_env("AURA_INDEX_FLAT_MAX"),
        description="With AURA_INDEX_TYPE=auto: the largest partition (one user's vectors, "
        "e.g. a shop's catalogue) searched exactly.",
    )
    index_memory_mb: int = Field(
        1024,
        ge=1,
        validation_alias=_env("AURA_INDEX_MEMORY_MB"),
        description="Memory for the per-user vector partitions each replica keeps loaded; "
        "the least recently used ones are evicted above it (and reloaded from the local "
        "snapshot or the database on their next use).",
    )
    index_nprobe: int = Field(
        32,
        ge=1,
        validation_alias=_env("AURA_INDEX_NPROBE"),
        description="IVF lists searched per query (higher: better recall, slower).",
    )
    index_snapshot_changes: int = Field(
        1000,
        ge=1,
        validation_alias=_env("AURA_INDEX_SNAPSHOT_CHANGES"),
        description="The index writer saves a snapshot after this many unsaved changes.",
    )
    index_snapshot_seconds: float = Field(
        60.0,
        gt=0,
        validation_alias=_env("AURA_INDEX_SNAPSHOT_SECONDS"),
        description="The index writer saves a snapshot this many seconds after the first "
        "unsaved change (whichever of the two limits comes first).",
    )
    max_photo_bytes: int = Field(
        10 * 1024 * 1024,
        ge=1024,
        validation_alias=_env("AURA_MAX_PHOTO_BYTES"),
        description="Largest photo accepted by the wardrobe API (bytes).",
    )
    # ---- wardrobe life --------------------------------------------------------------
    forecast_url: str | None = Field(
        None,
        validation_alias=_env("AURA_FORECAST_URL"),
        description="Base URL of an Open-Meteo forecast API (e.g. https://api.open-meteo.com; "
        "no key needed) for the calendar and trips. Unset (the default): no forecast, "
        "planning uses the weather the user gives.",
    )
    forecast_timeout_s: float = Field(
        5.0,
        gt=0,
        validation_alias=_env("AURA_FORECAST_TIMEOUT"),
        description="Seconds to wait for the forecast at AURA_FORECAST_URL.",
    )
    max_import_bytes: int = Field(
        200 * 1024 * 1024,
        ge=1024,
        validation_alias=_env("AURA_MAX_IMPORT_BYTES"),
        description="Largest data ZIP (and its unpacked contents) or CSV accepted by "
        "POST /api/v1/wardrobe/import (bytes).",
    )
    rate_limit_per_minute: int = Field(
        600,
        ge=0,
        validation_alias=_env("AURA_RATE_LIMIT_PER_MINUTE"),
        description="Requests per minute per API key on /api/v1 (0: no limit).",
    )
    mcp_allow_writes: bool = Field(
        False,
        validation_alias=_env("AURA_MCP_ALLOW_WRITES"),
        description="The MCP endpoint at /mcp also offers the tools that write (save an "
        "outfit, outfit feedback, log a wear, plan a day); read-only by default.",
    )
    # ---- the assistant's language model (issue 7) ----------------------------------
    llm_backend: Literal["llama_cpp", "transformers", "openai"] = Field(
        "llama_cpp",
        validation_alias=_env("AURA_LLM_BACKEND"),
        description="The assistant's LLM: llama_cpp (a GGUF file, the embedded default), "
        "transformers (a local model folder + the fine-tuned adapter), or openai (any "
        "OpenAI-compatible server at AURA_LLM_BASE_URL).",
    )
    llm_model: str | None = Field(
        None,
        validation_alias=_env("AURA_LLM_MODEL"),
        description="llama_cpp: path of a .gguf file (default the packaged SmolLM2-135M-Instruct); "
        "transformers: a local model folder (default SmolLM2 converted once from the GGUF); "
        "openai: the model name the server expects (required).",
    )
    llm_base_url: str | None = Field(
        None,
        validation_alias=_env("AURA_LLM_BASE_URL"),
        description="Base URL of the OpenAI-compatible server (e.g. http://vllm:8000/v1); "
        "required by the openai back-end.",
    )
    llm_api_key: str | None = Field(
        None,
        validation_alias=_env("AURA_LLM_API_KEY"),
        description="API key for AURA_LLM_BASE_URL (masked by `aura config`).",
    )
    llm_context_tokens: int = Field(
        2048,
        ge=256,
        le=131072,
        validation_alias=_env("AURA_LLM_CONTEXT_TOKENS"),
        description="Context window the prompt is trimmed to (system prompt, wardrobe items, "
        "guidance, conversation, question and the reply).",
    )
    llm_max_tokens: int = Field(
        256,
        ge=1,
        le=8192,
        validation_alias=_env("AURA_LLM_MAX_TOKENS"),
        description="Default maximum length of a reply, in tokens.",
    )
    llm_threads: int | None = Field(
        None,
        ge=1,
        le=256,
        validation_alias=_env("AURA_LLM_THREADS"),
        description="CPU threads for llama_cpp inference (and transformers, where set). "
        "Default: the CPU count minus one (at least 1): a busy core stalls every llama.cpp thread.",
    )
    llm_timeout_s: float = Field(
        120.0,
        gt=0,
        validation_alias=_env("AURA_LLM_TIMEOUT"),
        description="Seconds the openai back-end waits for the server.",
    )
    llm_use_adapter: bool = Field(
        True,
        validation_alias=_env("AURA_LLM_USE_ADAPTER"),
        description="transformers back-end: apply the fine-tuned adapter at "
        "FINETUNED_MODEL_PATH when its manifest verifies.",
    )
    vision_backend: Literal["auto", "detr", "packaged"] = Field(
        "auto",
        validation_alias=_env("AURA_VISION_BACKEND"),
        description="Garment detection back-end: detr (a transformers object-detection model "
        "folder), packaged (offline default: whole photo or body regions), or auto (detr when "
        "its model folder exists, else packaged).",
    )
    vision_detr_model_dir: Path | None = Field(
        None,
        validation_alias=_env("AURA_VISION_DETR_MODEL_DIR"),
        description="Local folder of a DETR-family detector (config.json, weights, "
        "preprocessor_config.json) used by the detr back-end.",
    )
    vision_max_image_bytes: int = Field(
        10 * 1024 * 1024,
        ge=1024,
        validation_alias=_env("AURA_VISION_MAX_IMAGE_BYTES"),
        description="Largest accepted upload, in bytes (larger: HTTP 413).",
    )
    vision_max_image_pixels: int = Field(
        40_000_000,
        ge=4096,
        validation_alias=_env("AURA_VISION_MAX_IMAGE_PIXELS"),
        description="Largest accepted width x height (decompression-bomb guard; larger: 413).",
    )
    vision_max_batch: int = Field(
        20,
        ge=1,
        le=100,
        validation_alias=_env("AURA_VISION_MAX_BATCH"),
        description="Most images one POST /analyze/batch may carry.",
    )
    vision_person_detection: bool = Field(
        True,
        validation_alias=_env("AURA_VISION_PERSON_DETECTION"),
        description="Packaged back-end: find people with MediaPipe pose (top and bottom "
        "regions) when mediapipe is installed; 0 treats every photo as a product photo.",
    )
    vision_torch_threads: int = Field(
        1,
        ge=1,
        le=64,
        validation_alias=_env("AURA_VISION_TORCH_THREADS"),
        description="Torch threads per inference. Requests already run in parallel in the "
        "MAX_WORKERS pool; 1 avoids oversubscribing the cores.",
    )
    vision_cache_ttl_seconds: float = Field(
        7 * 24 * 3600,
        ge=0,
        validation_alias=_env("AURA_VISION_CACHE_TTL_SECONDS"),
        description="How long an analysis stays in the cache (Redis, or in-process) for a "
        "repeated photo (same bytes, model and parameters); 0 turns the cache off.",
    )
    vision_url: str | None = Field(
        None,
        validation_alias=_env("AURA_VISION_URL"),
        description="Base URL of the visual_analysis service (e.g. "
        "http://visual_analysis_service:8000) that a process not serving vision itself "
        "asks for POST /api/v1/wardrobe/items/from-photo. Unset: that route answers 503 there.",
    )
    vision_timeout_s: float = Field(
        60.0,
        gt=0,
        validation_alias=_env("AURA_VISION_TIMEOUT"),
        description="Seconds to wait for the visual_analysis service at AURA_VISION_URL "
        "(connecting: at most 10).",
    )
    fashion_mnist_dir: Path = Field(
        Path("/usr/share/datasets/fashion-mnist"),
        validation_alias=_env("AURA_FASHION_MNIST_DIR"),
        description="Fashion-MNIST idx files (Debian package dataset-fashion-mnist) that "
        "`aura train garment-classifier` trains on.",
    )

    @field_validator("service", mode="before")
    @classmethod
    def _empty_service_is_all(cls, value: Any) -> Any:
        return None if value in ("", "all") else value

    @field_validator(
        "database_url",
        "redis_url",
        "hf_endpoint",
        "llm_model",
        "llm_base_url",
        "llm_api_key",
        "vision_url",
        "derived_cache_dir",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if value == "" else value

    # ---- derived values -------------------------------------------------------------

    @property
    def resolved_data_dir(self) -> Path:
        if self.data_dir is not None:
            return self.data_dir.expanduser().absolute()
        if self.container:
            return CONTAINER_APP_DIR / "data"
        return Path("data").absolute()

    @property
    def served_services(self) -> tuple[Service, ...]:
        return (self.service,) if self.service else tuple(Service)

    @property
    def embedded(self) -> bool:
        """True when the database is the embedded SQLite file."""
        return self.database_url is None or self.database_url.startswith("sqlite")

    def public_dict(self) -> dict[str, Any]:
        """Every setting with secrets masked: safe to print and log."""
        out: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if name in ("database_url", "redis_url", "llm_base_url", "vision_url") and value:
                value = mask_url(value)
            if name == "llm_api_key" and value:
                value = "***"
            out[name] = str(value) if isinstance(value, Path) else value
        return out


def mask_url(url: str) -> str:
    """Replace the password of a URL by ``***`` (``redis://:pw@h`` → ``redis://:***@h``)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def env_var_name(field: str) -> str:
    alias = Settings.model_fields[field].validation_alias
    assert isinstance(alias, AliasChoices)
    return str(alias.choices[0])


def load_settings(**overrides: Any) -> Settings:
    """Read the environment once. Invalid values raise a ConfigError naming the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "?"
            name = env_var_name(field) if field in Settings.model_fields else field
            problems.append(f"{name}: {err['msg']} (got {err.get('input')!r})")
        raise ConfigError(
            "Invalid configuration: " + "; ".join(problems),
            fix="Correct the environment variable(s) above; `aura config` shows the values "
            "Aura resolves.",
        ) from None


# The native libraries Aura bundles (MediaPipe's TensorFlow Lite and glog, transformers)
# read these switches from the environment when they load; `aura serve` sets them (a value
# already there is kept) so their start-up chatter does not bury the lines a person needs.
QUIET_LIBRARY_ENV = {
    "GLOG_minloglevel": "2",  # glog (MediaPipe): errors only
    "TF_CPP_MIN_LOG_LEVEL": "2",  # TensorFlow / TensorFlow Lite: errors only
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # transformers' "Loading weights" bar (pulls draw
    # their own progress through aura.storage.models.progress, which this does not touch)
}


def quiet_library_environment() -> None:
    for name, value in QUIET_LIBRARY_ENV.items():
        os.environ.setdefault(name, value)


def environment_without_settings(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment minus every variable :class:`Settings` reads, plus
    ``extra``: for a child ``aura`` process that must see only the settings it is given
    (``aura verify-persistence``, the benchmarks)."""
    names: set[str] = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names |= {c for c in alias.choices if isinstance(c, str)}
        elif isinstance(alias, str):
            names.add(alias)
    env = {k: v for k, v in os.environ.items() if k.upper() not in names}
    env.update(extra or {})
    return env
