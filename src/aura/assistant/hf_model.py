"""SmolLM2 as a ``transformers`` model: de-quantised from the GGUF once, then kept.

transformers + gguf turn the Q4_1 GGUF into an ordinary LlamaForCausalLM (about 26 s on
2 cores). The result is saved once as safetensors under the data tree's converted-models
folder, with a manifest written last; every later run (fine-tuning, the transformers
back-end) loads that in a few seconds instead of converting again.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aura.assistant.artifact import MANIFEST, file_table, verify_artifact
from aura.layout import DataTree
from aura.storage.atomic import fsync_dir, write_json
from aura.storage.locks import DirectoryLock

log = logging.getLogger("aura.assistant.hf_model")

SMOLLM2_HF_NAME = "smollm2-135m-instruct"


def ensure_converted(gguf_path: Path, target: Path) -> Path:
    """``target`` holding the GGUF as a safetensors transformers model; converts if absent."""
    if verify_artifact(target) is not None:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with DirectoryLock(target.parent, f"converting {gguf_path.name}"):
        if verify_artifact(target) is not None:  # another process finished meanwhile
            return target
        from transformers import AutoModelForCausalLM, AutoTokenizer

        began = time.perf_counter()
        log.info("converting GGUF to safetensors", extra={"gguf": str(gguf_path)})
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            kw: dict[str, Any] = {"gguf_file": gguf_path.name}
            tokenizer = AutoTokenizer.from_pretrained(str(gguf_path.parent), **kw)
            model = AutoModelForCausalLM.from_pretrained(str(gguf_path.parent), **kw)
            # The weights are already de-quantised to float tensors; transformers only keeps
            # a "gguf" marker that refuses serialisation. Drop it: what we save is ordinary.
            model.hf_quantizer = None
            if getattr(model.config, "quantization_config", None) is not None:
                del model.config.quantization_config
            model.save_pretrained(tmp)
            tokenizer.save_pretrained(tmp)
            write_json(
                tmp / MANIFEST,
                {
                    "kind": "converted-model",
                    "source": str(gguf_path),
                    "source_size": gguf_path.stat().st_size,
                    "created_at": datetime.now(UTC).isoformat(),
                    "files": file_table(tmp),
                },
            )
            if target.exists():
                shutil.rmtree(target)  # an incomplete earlier attempt (no valid manifest)
            tmp.rename(target)
            fsync_dir(target.parent)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        log.info(
            "converted",
            extra={"target": str(target), "seconds": round(time.perf_counter() - began, 2)},
        )
    return target


def default_hf_model(tree: DataTree) -> Path:
    """The default transformers model folder: SmolLM2 converted from the packaged GGUF."""
    from aura.assistant.backends.llama_cpp_backend import default_gguf_path

    return ensure_converted(
        default_gguf_path(tree.settings), tree.converted_model_dir(SMOLLM2_HF_NAME)
    )
