"""sha256 of files and streams, read in 1 MiB chunks: the one implementation behind every
manifest (artifacts, backups, index snapshots) that records or checks a file's hash."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import IO

_CHUNK = 1024 * 1024


def sha256_stream(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := handle.read(_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    with open(path, "rb") as handle:
        return sha256_stream(handle)
