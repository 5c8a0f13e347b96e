"""Disk used per owner (service) and per kind of state, as ``du`` counts it.

Counts allocated blocks, each inode once (hard links), never following symlinks (the
Hugging Face cache links snapshots to blobs; the blobs are counted, the links are not).
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

from aura.layout import DataTree

KINDS = ("models", "vector_store", "logs", "database", "other")


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
            kind, owner = "other", "aura"
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
