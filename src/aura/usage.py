"""Disk used per owner (service) and per kind of state, as ``du`` counts it.

Counts allocated blocks, each inode once (hard links), never following symlinks (the
Hugging Face cache links snapshots to blobs; the blobs are counted, the links are not).
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

from aura.layout import INFRA_DIRS, DataTree

KINDS = ("models", "vector_store", "logs", "database", "other")
ROOT_OWNER = "aura"  # files directly in the data root, outside every other folder


def _du(path: Path, seen: set[tuple[int, int]]) -> int:
    total = 0
    stack = [path]
    while stack:
        current = stack.pop()
        try:
            entries = list(os.scandir(current))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            continue
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            key = (st.st_dev, st.st_ino)
            if key in seen:
                continue
            seen.add(key)
            if entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
            else:  # files only: empty folders count as nothing, as people expect
                total += st.st_blocks * 512
    return total


def measure(tree: DataTree) -> dict[tuple[str, str], int]:
    """Bytes per (owner, kind). Kinds outside KINDS (cache, metrics, ...) count as 'other'.

    Folders nested in another measured folder are counted once, in the innermost one.
    """
    specs = sorted(tree.dirs(), key=lambda s: len(s.path.parts), reverse=True)
    seen: set[tuple[int, int]] = set()
    figures: dict[tuple[str, str], int] = defaultdict(int)
    for spec in specs:  # deepest first, so a parent does not swallow its children
        kind = spec.kind if spec.kind in KINDS else "other"
        if spec.kind == "state":  # the data root itself: only what no other folder holds
            kind, owner = "other", ROOT_OWNER
        else:
            owner = spec.owner
        figures[(owner, kind)] += _du(spec.path, seen)
    return dict(figures)


def summarize(figures: dict[tuple[str, str], int]) -> dict[str, dict[str, int]]:
    """``{owner: {kind: bytes, ..., "total": bytes}}`` with every kind present."""
    out: dict[str, dict[str, int]] = {}
    for (owner, kind), size in figures.items():
        row = out.setdefault(owner, dict.fromkeys(KINDS, 0))
        row[kind] += size
    for row in out.values():
        row["total"] = sum(row[k] for k in KINDS)
    return dict(sorted(out.items()))


def mode(tree: DataTree) -> str:
    """``one-process`` (``aura serve``: everything in this process) or ``services``."""
    settings = tree.settings
    return "one-process" if settings.service is None and not settings.container else "services"


def unused_reasons(tree: DataTree, summary: dict[str, dict[str, int]]) -> dict[str, str]:
    """Owners whose folders this mode does not use, each with why (the rest are in use).

    One process keeps its (SQLite) database and its log under ``embedded/``; the PostgreSQL,
    Redis, Prometheus, Grafana and nginx folders belong to the docker compose containers.
    """
    if mode(tree) != "one-process":
        return {}
    out = {owner: "docker compose only" for owner, _ in INFRA_DIRS.values()}
    if summary.get(ROOT_OWNER, {}).get("total", 0) == 0:
        out[ROOT_OWNER] = "no files outside the folders above"
    return {owner: why for owner, why in out.items() if owner in summary}
