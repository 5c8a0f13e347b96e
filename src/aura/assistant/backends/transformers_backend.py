"""transformers back-end: a local model folder, plus the fine-tuned LoRA adapter from
``FINETUNED_MODEL_PATH`` when its manifest verifies (the seed's aura_fashion_assistant).

Prompts go through the tokenizer's own chat template. Streaming runs ``generate`` in a
helper thread; closing the stream early sets a flag a stopping criterion checks, so an
abandoned request stops spending CPU within one token.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aura.assistant.artifact import verify_artifact
from aura.assistant.backends.base import BackendInfo, ChatMessage, GenerationParams, LLMBackend
from aura.errors import ModelMissing

log = logging.getLogger("aura.assistant.transformers")


class TransformersBackend(LLMBackend):
    def __init__(
        self,
        model_dir: Path,
        *,
        adapter_dir: Path | None = None,
        context_tokens: int = 2048,
        threads: int | None = None,
        device: str = "cpu",
    ) -> None:
        super().__init__()
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if not Path(model_dir).is_dir():
            raise ModelMissing(
                f"Model folder {model_dir} does not exist.",
                fix="Set AURA_LLM_MODEL to a local transformers model folder, or unset it for "
                "the default (SmolLM2 converted from the packaged GGUF).",
            )
        if threads:
            torch.set_num_threads(threads)
        self.model_dir = Path(model_dir)
        self.device = device
        self.tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
        model = AutoModelForCausalLM.from_pretrained(str(model_dir))
        self.adapter: dict[str, Any] | None = None
        if adapter_dir is not None:
            manifest = verify_artifact(adapter_dir)
            if manifest is None:
                log.info(
                    "no complete adapter; serving the base model", extra={"at": str(adapter_dir)}
                )
            else:
                from peft import PeftModel

                model = PeftModel.from_pretrained(model, str(adapter_dir))
                self.adapter = {"path": str(adapter_dir), "created_at": manifest.get("created_at")}
        self.model = model.to(device).eval()
        self._context_tokens = context_tokens

    def info(self) -> BackendInfo:
        details: dict[str, Any] = {"device": self.device}
        if self.adapter:
            details["adapter"] = self.adapter
        return BackendInfo("transformers", self.model_dir.name, self._context_tokens, details)

    def _prompt_ids(self, messages: list[ChatMessage]) -> Any:
        text = self.tokenizer.apply_chat_template(
            [m.to_dict() for m in messages], add_generation_prompt=True, tokenize=False
        )
        return self.tokenizer(text, add_special_tokens=False, return_tensors="pt")

    def count_tokens(self, messages: list[ChatMessage]) -> int:
        return int(self._prompt_ids(messages)["input_ids"].shape[1])

    def _gen_kwargs(self, params: GenerationParams) -> dict[str, Any]:
        sample = params.temperature > 0
        kwargs: dict[str, Any] = {
            "max_new_tokens": params.max_tokens,
            "do_sample": sample,
            "pad_token_id": self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
        }
        if sample:
            kwargs.update(temperature=params.temperature, top_p=params.top_p)
        if params.repeat_penalty != 1.0:
            kwargs["repetition_penalty"] = params.repeat_penalty
        return kwargs

    def generate(self, messages: list[ChatMessage], params: GenerationParams) -> str:
        return "".join(self.stream(messages, params)).strip()

    def stream(self, messages: list[ChatMessage], params: GenerationParams) -> Iterator[str]:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        stop_flag = threading.Event()

        class _Abandoned(StoppingCriteria):
            def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> bool:
                return stop_flag.is_set()

        inputs = self._prompt_ids(messages).to(self.device)
        streamer = TextIteratorStreamer(
            self.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=600
        )
        if params.seed is not None:
            torch.manual_seed(params.seed)
        kwargs = {
            **inputs,
            **self._gen_kwargs(params),
            "streamer": streamer,
            "stopping_criteria": StoppingCriteriaList([_Abandoned()]),
        }
        with self._generating():
            failure: list[BaseException] = []
            worker = threading.Thread(
                target=self._run_generate,
                args=(kwargs, streamer, failure),
                name="aura-llm-generate",
                daemon=True,
            )
            worker.start()
            emitted = ""
            try:
                for delta in streamer:
                    if not delta:
                        continue
                    cut = _first_stop(emitted + delta, params.stop)
                    if cut is not None:
                        if cut > len(emitted):
                            yield (emitted + delta)[len(emitted) : cut]
                        return
                    emitted += delta
                    yield delta
                if failure:
                    raise failure[0]
            finally:
                stop_flag.set()
                worker.join()

    def _run_generate(self, kwargs: dict[str, Any], streamer: Any, failure: list) -> None:
        import torch

        try:
            with torch.inference_mode():
                self.model.generate(**kwargs)
        except BaseException as exc:  # surfaced in the consuming thread
            failure.append(exc)
            streamer.end()


def _first_stop(text: str, stops: tuple[str, ...]) -> int | None:
    hits = [text.find(s) for s in stops if s and s in text]
    return min(hits) if hits else None
