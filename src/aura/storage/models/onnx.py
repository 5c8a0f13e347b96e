"""Served models on ONNX Runtime: exported once from their torch weights, in a child process.

An export is a derived artifact of its source model (:mod:`.derived`): ``model.onnx`` plus
what the exporter adds (a tokenizer), with its verification against the torch model on fixed
inputs (max abs difference, cosine similarity, the tolerance it passed) in the manifest.
The exporter runs as ``python -m <module> SOURCE OUT`` in a child process, so a serving
process never imports torch, even when it builds an export; loading checks every file's
sha256 (a damaged export is rebuilt) and then opens the session.

Exporters write ``OUT/verification.json`` last and exit 0 only when the export agrees with
the torch model within the tolerance; :func:`verification` is the comparison they record.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from aura.errors import ModelCorrupt

if TYPE_CHECKING:
    import onnxruntime

    from aura.storage.models.store import ModelStore

log = logging.getLogger("aura.models")
MODEL_FILE = "model.onnx"
VERIFICATION_FILE = "verification.json"
EXPORT_TIMEOUT_S = 1800


def run_exporter(module: str, source: Path, out: Path, *args: str) -> dict[str, Any]:
    """Run an exporter in a child process; returns its verification record."""
    began = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", module, str(source), str(out), *args],
        capture_output=True,
        text=True,
        timeout=EXPORT_TIMEOUT_S,
        check=False,
    )
    record = out / VERIFICATION_FILE
    if result.returncode != 0 or not record.is_file():
        tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise ModelCorrupt(
            f"Exporting {source} to ONNX failed (exit {result.returncode}): {' | '.join(tail)}",
            fix=f"Run `python -m {module} {source} /tmp/export` to see the whole error; "
            "`aura models verify --full` checks the source model.",
        )
    info = dict(json.loads(record.read_text()))
    record.unlink()
    info["export_seconds"] = round(time.perf_counter() - began, 2)
    log.info("ONNX export built", extra={"exporter": module, **info})
    return info


def exported(store: ModelStore, name: str, key: str, module: str, source: Path) -> Path:
    """The verified export of store model ``name`` (built once, checked by sha256 on load)."""
    return store.derived(
        name, key, lambda staging: run_exporter(module, source, staging), full=True, shared=True
    )


def exported_file(
    source: Path, name: str, key: str, module: str, *, digest_of: Path | None = None
) -> Path:
    """The verified export of a model outside any store (kept in the shared cache, keyed by
    the sha256 of ``digest_of``: the weights file, by default ``source`` itself)."""
    from aura.storage.models.derived import derived_from_file

    return derived_from_file(
        digest_of or source, name, key, lambda staging: run_exporter(module, source, staging)
    )


def session(
    path: Path, threads: int | None = None, *, prepack: bool = True
) -> onnxruntime.InferenceSession:
    """A CPU inference session; ``threads`` bounds its intra-op threads. ``prepack=False``
    keeps one copy of the weights (ORT otherwise re-lays MatMul weights out beside the
    originals: about a third more memory, for faster large batches)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.enable_cpu_mem_arena = False  # memory comes back after a large batch
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if not prepack:
        options.add_session_config_entry("session.disable_prepacking", "1")
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def verification(
    reference: np.ndarray, candidate: np.ndarray, *, atol: float, min_cosine: float
) -> dict[str, Any]:
    """How far ``candidate`` (ONNX) is from ``reference`` (torch), row by row."""
    ref = np.asarray(reference, np.float64).reshape(len(reference), -1)
    got = np.asarray(candidate, np.float64).reshape(len(candidate), -1)
    cos = (ref * got).sum(1) / (np.linalg.norm(ref, axis=1) * np.linalg.norm(got, axis=1) + 1e-12)
    record = {
        "inputs": len(ref),
        "max_abs_diff": float(np.abs(ref - got).max()),
        "min_cosine": float(cos.min()),
        "atol": atol,
        "min_cosine_required": min_cosine,
    }
    record["passed"] = record["max_abs_diff"] <= atol and record["min_cosine"] >= min_cosine
    return record


def write_verification(out: Path, record: dict[str, Any]) -> int:
    """Write the record (the exporter's last step); exit status 0 only if it passed."""
    (out / VERIFICATION_FILE).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    if not record["passed"]:
        print(f"export disagrees with the torch model: {record}", file=sys.stderr)
        (out / VERIFICATION_FILE).unlink()
        return 1
    return 0
