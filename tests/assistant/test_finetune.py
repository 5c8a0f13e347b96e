"""Fine-tuning runs end to end on CPU with a tiny data set, the adapter is written with a
manifest last, and the transformers back-end serves it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aura.assistant.artifact import MANIFEST, verify_artifact
from aura.assistant.backends.base import ChatMessage, GenerationParams
from aura.assistant.finetune import read_chats, save_adapter_artifact
from aura.errors import InvalidInput
from tests.server import run_aura

CHATS = [
    [
        {"role": "user", "content": "What goes with a navy blazer?"},
        {"role": "assistant", "content": "Grey trousers and a white shirt."},
    ],
    [
        {"role": "system", "content": "You are Aura."},
        {"role": "user", "content": "Is it warm enough for linen?"},
        {"role": "assistant", "content": "Yes, above 25 °C linen is ideal."},
    ],
]


def _write(path: Path, chats: list) -> Path:
    path.write_text("".join(json.dumps({"messages": c}) + "\n" for c in chats))
    return path


@pytest.mark.slow
def test_train_assistant_cli_writes_an_adapter_that_loads(
    tmp_path: Path, shared_models_dir: Path, converted_smollm2: Path
) -> None:
    data = _write(tmp_path / "chats.jsonl", CHATS)
    adapter = tmp_path / "adapter"
    converted_before = (converted_smollm2 / MANIFEST).stat().st_mtime_ns
    env = {
        "AURA_DATA_DIR": str(tmp_path / "data"),
        "MODEL_PATH": str(shared_models_dir),
        "FINETUNED_MODEL_PATH": str(adapter),
        "DEVICE": "cpu",
    }
    args = ("train", "assistant", "--data", str(data), "--steps", "3", "--json")
    done = run_aura(*args, env=env, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    manifest = json.loads(done.stdout)
    # the converted base was reused, not converted again
    assert (converted_smollm2 / MANIFEST).stat().st_mtime_ns == converted_before
    assert verify_artifact(adapter, hashes=True) == manifest
    assert "adapter_model.safetensors" in manifest["files"]
    assert manifest["data"]["chats"] == 2 and manifest["settings"]["steps"] == 3
    assert manifest["settings"]["qlora"] is False
    assert manifest["base_model"]["path"] == str(converted_smollm2)
    assert manifest["metrics"]["trainable_parameters"] > 0

    from aura.assistant.backends.transformers_backend import TransformersBackend

    backend = TransformersBackend(converted_smollm2, adapter_dir=adapter, threads=2)
    assert backend.info().details["adapter"]["path"] == str(adapter)
    text = backend.generate(
        [ChatMessage("user", "What goes with a navy blazer?")],
        GenerationParams(max_tokens=8, temperature=0.0),
    )
    assert text.strip()

    # a second save replaces the adapter atomically, manifest last; no stray temp folders
    second = save_adapter_artifact(backend.model, backend.tokenizer, adapter, {"data": "again"})
    assert second["created_at"] != manifest["created_at"]
    assert verify_artifact(adapter, hashes=True) == second
    assert sorted(p.name for p in adapter.parent.iterdir() if p.name.startswith(".")) == [
        ".aura.lock"
    ]
    # an adapter without its manifest is treated as absent: the base model is served
    (adapter / MANIFEST).unlink()
    assert verify_artifact(adapter) is None
    base_only = TransformersBackend(converted_smollm2, adapter_dir=adapter, threads=2)
    assert "adapter" not in base_only.info().details


def test_bad_training_data_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"messages": CHATS[0]}) + "\n{not json\n")
    with pytest.raises(InvalidInput, match=r"bad.jsonl:2 is not JSON"):
        read_chats(bad)
    bad.write_text(json.dumps({"messages": CHATS[0][:1]}) + "\n")
    with pytest.raises(InvalidInput, match="does not end with an assistant"):
        read_chats(bad)
    bad.write_text(json.dumps({"messages": [{"role": "wizard", "content": "x"}]}) + "\n")
    with pytest.raises(InvalidInput, match="malformed message"):
        read_chats(bad)
    with pytest.raises(InvalidInput, match="does not exist"):
        read_chats(tmp_path / "missing.jsonl")


def test_cli_reports_bad_data_with_a_fix(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("[]\n")
    done = run_aura(
        "train", "assistant", "--data", str(bad), env={"AURA_DATA_DIR": str(tmp_path / "d")}
    )
    assert done.returncode == 2
    said = " ".join(done.stderr.split())  # the console wraps long lines
    assert 'has no "messages" list' in said and "fix:" in said
