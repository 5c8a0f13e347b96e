"""`aura doctor`: every check the seed's troubleshooting section asked for, in one run.

Each finding says what was checked, how it went and, for a problem, the fix.
"""

from __future__ import annotations

from aura.config import Settings, mask_url
from aura.findings import Finding, Severity, ok, problem
from aura.layout import DataTree
from aura.services import Service


def check_database(tree: DataTree) -> Finding:
    url = tree.database_url
    if url.startswith("sqlite"):
        if not tree.sqlite_path.exists():
            return Finding(
                "database",
                Severity.INFO,
                f"SQLite database {tree.sqlite_path} not created yet; the first "
                "`aura serve` creates it.",
                None,
                str(tree.sqlite_path),
            )
        url = f"sqlite:///file:{tree.sqlite_path}?mode=ro&uri=true"  # never creates a file
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.pool import NullPool

    connect_args = {} if url.startswith("sqlite") else {"connect_timeout": 3}
    engine = create_engine(url, connect_args=connect_args, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        reason = str(exc.orig if getattr(exc, "orig", None) else exc).strip().splitlines()[0]
        return problem(
            "database",
            f"Cannot reach the database {mask_url(tree.database_url)}: {reason}",
            "Start the database, or correct DATABASE_URL (`aura config` shows it).",
            mask_url(tree.database_url),
        )
    finally:
        engine.dispose()
    return ok(
        "database", f"Database {mask_url(tree.database_url)} answers.", mask_url(tree.database_url)
    )


def check_redis(settings: Settings) -> Finding:
    if not settings.redis_url:
        return Finding("redis", Severity.INFO, "REDIS_URL not set: using the in-process cache.")
    import redis

    masked = mask_url(settings.redis_url)
    client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        return problem(
            "redis",
            f"Cannot reach Redis at {masked}: {exc}",
            "Start Redis, or correct REDIS_URL (unset it for the in-process cache).",
            masked,
        )
    finally:
        client.close()
    return ok("redis", f"Redis at {masked} answers.", masked)


def check_index(tree: DataTree) -> Finding:
    """The item index snapshot: present and built with the current embedding model?"""
    from aura.errors import ModelMissing
    from aura.storage.vectors import read_manifest
    from aura.wardrobe.embedder import TextEmbedder

    try:
        space = TextEmbedder.from_store(tree.settings).space
    except ModelMissing:
        return Finding(
            "index",
            Severity.INFO,
            "The text embedding model is not in the model store yet: the first "
            "start imports it, then builds the item index.",
        )
    folder = tree.index_dir(space.slug)
    manifest = read_manifest(folder)
    if manifest is None:
        return Finding(
            "index",
            Severity.INFO,
            f"No index snapshot in {folder} yet; the next start builds it from the database.",
            None,
            str(folder),
        )
    if (manifest.get("model_id"), manifest.get("model_revision")) != (
        space.model_id,
        space.revision,
    ):
        return problem(
            "index",
            f"The index in {folder} was built with {manifest.get('model_id')}"
            f"@{manifest.get('model_revision')}, not {space.key}.",
            "Nothing to do: the next start rebuilds it (or run `aura index rebuild`).",
            str(folder),
            warning=True,
        )
    return ok(
        "index",
        f"Index snapshot {folder}: {manifest.get('count')} vectors in "
        f"{manifest.get('partitions')} per-user partitions.",
        str(folder),
    )


def check_vision_url(settings: Settings) -> Finding | None:
    """Where the wardrobe is served without vision: can from-photo reach the vision service?"""
    served = settings.served_services
    if Service.VISUAL_ANALYSIS in served or Service.CONVERSATIONAL_AI not in served:
        return None
    if not settings.vision_url:
        return Finding(
            "vision_url",
            Severity.INFO,
            "AURA_VISION_URL not set: POST /api/v1/wardrobe/items/from-photo answers 503 in "
            "this process (set it to the visual_analysis service's URL to serve it).",
        )
    import httpx

    url = settings.vision_url.rstrip("/") + "/health/ready"
    try:
        status: int | str = httpx.get(url, timeout=3).status_code
    except httpx.HTTPError as exc:
        status = f"{type(exc).__name__}: {exc}"
    if status != 200:
        return problem(
            "vision_url",
            f"The visual analysis service at AURA_VISION_URL is not ready ({url}: {status}); "
            "from-photo answers 502 until it is.",
            "Start the visual_analysis service, or correct AURA_VISION_URL.",
            settings.vision_url,
            warning=True,
        )
    return ok("vision_url", f"The visual analysis service at {url} is ready.", settings.vision_url)


def run_checks(settings: Settings) -> list[Finding]:
    tree = DataTree(settings)
    findings = tree.check()
    findings.append(check_database(tree))
    findings.append(check_redis(settings))
    from aura.storage.models.doctor import check_models

    findings.extend(check_models(settings))
    findings.append(check_index(tree))
    from aura.outfits.status import check_outfit_model

    findings.append(check_outfit_model(tree.outfit_artifact_dir()))
    from aura.assistant.checks import check_assistant

    findings.extend(check_assistant(settings))
    vision_url = check_vision_url(settings)
    if vision_url is not None:
        findings.append(vision_url)
    if Service.VISUAL_ANALYSIS in settings.served_services:
        from aura.vision.checks import vision_findings

        findings.extend(vision_findings(settings, tree))
    return findings


def exit_code(findings: list[Finding], *, strict: bool = False) -> int:
    failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    return 1 if any(f.severity in failing for f in findings) else 0
