"""The fine-tuning recipe: ``aura train assistant --data chats.jsonl``.

LoRA (peft) on SmolLM2-135M-Instruct, the base converted once from the packaged GGUF
(:mod:`aura.assistant.hf_model`). QLoRA (4-bit base via bitsandbytes) only where CUDA is
present. Loss is taken on the final assistant reply of each chat only, so the adapter
learns to answer, not to echo questions. The adapter lands at ``FINETUNED_MODEL_PATH``
through :func:`save_adapter_artifact`, the one function that writes it.

Data: one JSON object per line, OpenAI's fine-tuning format:
``{"messages": [{"role": "system"|"user"|"assistant", "content": "..."}, ...]}``,
ending with an assistant message.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aura.assistant.artifact import MANIFEST, file_table
from aura.errors import InvalidInput
from aura.storage.atomic import fsync_dir, write_json
from aura.storage.digests import sha256_file
from aura.storage.locks import DirectoryLock

log = logging.getLogger("aura.assistant.finetune")
ROLES = {"system", "user", "assistant"}


@dataclass(frozen=True)
class TrainSettings:
    steps: int = 60
    learning_rate: float = 2e-4
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    target_modules: tuple[str, ...] = ("q_proj", "v_proj")
    max_length: int = 512
    seed: int = 0
    qlora: bool | None = None  # None: 4-bit exactly when CUDA is present


def read_chats(path: Path) -> list[list[dict[str, str]]]:
    """The chats of a JSONL file, validated; errors name the line."""
    if not path.is_file():
        raise InvalidInput(f"Training data {path} does not exist.", fix="Pass --data FILE.jsonl.")
    chats: list[list[dict[str, str]]] = []
    with open(path, encoding="utf-8") as handle:
        for n, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path}:{n}"
            fix = (
                'Each line must be {"messages": [{"role": ..., "content": ...}, ...]} ending '
                "with an assistant message."
            )
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidInput(f"{where} is not JSON: {exc.msg}.", fix=fix) from None
            msgs = obj.get("messages") if isinstance(obj, dict) else None
            if not isinstance(msgs, list) or not msgs:
                raise InvalidInput(f'{where} has no "messages" list.', fix=fix)
            for m in msgs:
                if (
                    not isinstance(m, dict)
                    or m.get("role") not in ROLES
                    or not isinstance(m.get("content"), str)
                ):
                    raise InvalidInput(f"{where} has a malformed message: {m!r}.", fix=fix)
            if msgs[-1]["role"] != "assistant":
                raise InvalidInput(f"{where} does not end with an assistant message.", fix=fix)
            chats.append([{"role": m["role"], "content": m["content"]} for m in msgs])
    if not chats:
        raise InvalidInput(f"{path} holds no chats.", fix="Add at least one chat line.")
    return chats


def encode(tokenizer: Any, chat: list[dict[str, str]], max_length: int) -> dict[str, list[int]]:
    """input ids and labels; labels are -100 except on the final assistant reply."""
    prompt = tokenizer.apply_chat_template(chat[:-1], add_generation_prompt=True, tokenize=False)
    full = tokenizer.apply_chat_template(chat, tokenize=False)
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    ids = tokenizer(full, add_special_tokens=False)["input_ids"][:max_length]
    labels = [-100] * min(len(prompt_ids), len(ids)) + ids[len(prompt_ids) :]
    return {"input_ids": ids, "labels": labels}


def train_adapter(
    base_dir: Path, data: Path, target: Path, settings: TrainSettings, *, device: str = "cpu"
) -> dict[str, Any]:
    """Train a LoRA adapter on ``data`` and save it at ``target``; returns the manifest."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    chats = read_chats(data)
    torch.manual_seed(settings.seed)
    qlora = settings.qlora if settings.qlora is not None else torch.cuda.is_available()
    if qlora and not torch.cuda.is_available():
        raise InvalidInput("QLoRA needs a CUDA GPU.", fix="Drop --qlora to train LoRA on CPU.")
    tokenizer = AutoTokenizer.from_pretrained(str(base_dir))
    load_kwargs: dict[str, Any] = {}
    if qlora:
        from transformers import BitsAndBytesConfig  # needs bitsandbytes installed

        load_kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_compute_dtype=torch.bfloat16,
        )
        load_kwargs["device_map"] = {"": 0}
    model = AutoModelForCausalLM.from_pretrained(str(base_dir), **load_kwargs)
    if qlora:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model)
    else:
        model = model.to(device)
    lora = LoraConfig(
        r=settings.lora_r,
        lora_alpha=settings.lora_alpha,
        lora_dropout=settings.lora_dropout,
        target_modules=list(settings.target_modules),
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(model, lora)
    examples = [encode(tokenizer, c, settings.max_length) for c in chats]
    optimizer = torch.optim.AdamW(
        (p for p in model.parameters() if p.requires_grad), lr=settings.learning_rate
    )
    model.train()
    began, losses = time.perf_counter(), []
    for step in range(settings.steps):
        ex = examples[step % len(examples)]
        ids = torch.tensor([ex["input_ids"]], device=model.device)
        labels = torch.tensor([ex["labels"]], device=model.device)
        loss = model(input_ids=ids, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(float(loss))
        if step % 10 == 0 or step == settings.steps - 1:
            log.info("train step", extra={"step": step, "loss": round(float(loss), 4)})
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    info = {
        "base_model": {"path": str(base_dir), **_base_identity(base_dir)},
        "data": {"path": str(data), "sha256": sha256_file(data), "chats": len(chats)},
        "settings": {**asdict(settings), "qlora": qlora, "device": str(model.device)},
        "metrics": {
            "first_loss": losses[0] if losses else None,
            "last_loss": losses[-1] if losses else None,
            "seconds": round(time.perf_counter() - began, 2),
            "trainable_parameters": trainable,
        },
    }
    return save_adapter_artifact(model, tokenizer, target, info)


def _base_identity(base_dir: Path) -> dict[str, Any]:
    manifest = (
        json.loads((base_dir / MANIFEST).read_text()) if (base_dir / MANIFEST).exists() else {}
    )
    return {"source": manifest.get("source"), "created_at": manifest.get("created_at")}


def save_adapter_artifact(
    model: Any, tokenizer: Any, target: Path, info: dict[str, Any]
) -> dict[str, Any]:
    """Write the adapter at ``target`` atomically, manifest last. THE one writer.

    Files go to a temp folder beside ``target`` (fsynced); ``manifest.json`` (sha256 and
    size per file, base model, data, settings, created_at) is written last inside it; the
    folder is then swapped in by rename. A crash at any point leaves either the previous
    adapter or the new one, never a mix; a folder without a valid manifest is ignored.
    One writer at a time: a lock on the parent folder.
    """
    target = Path(target)
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    with DirectoryLock(parent, f"writing the assistant adapter {target.name}"):
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.new.", dir=parent))
        old: Path | None = None
        try:
            model.save_pretrained(str(tmp))
            tokenizer.save_pretrained(str(tmp))
            for path in tmp.rglob("*"):
                if path.is_file():
                    with open(path, "rb") as handle:
                        os.fsync(handle.fileno())
            manifest = {
                "kind": "lora-adapter",
                "created_at": datetime.now(UTC).isoformat(),
                **info,
                "files": file_table(tmp),
            }
            write_json(tmp / MANIFEST, manifest)
            if target.exists():
                old = parent / f".{target.name}.old.{os.getpid()}.{time.time_ns()}"
                target.rename(old)
            tmp.rename(target)
            fsync_dir(parent)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            if old is not None and not target.exists():
                old.rename(target)  # put the previous adapter back
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return manifest
