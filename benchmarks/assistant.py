"""The assistant on CPU: time to first token and tokens per second for the default model
(SmolLM2-135M-Instruct via llama.cpp), and re-ranking latency over 10k candidates.

Every figure comes with a baseline measured in the same run:
* time to first token with the assistant's full prompt (system prompt, 5 items, guidance,
  6 earlier turns) against a one-line prompt: what the context costs;
* decode tokens/s against prompt-processing tokens/s of the same model;
* optionally (--transformers) the transformers back-end's tokens/s on the same question;
* re-ranking 10k candidates against a plain sort of the same candidates by similarity.

    python benchmarks/assistant.py [--runs 3] [--tokens 64] [--threads N] [--transformers]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from aura.assistant import guidance
from aura.assistant.backends.base import ChatMessage, GenerationParams
from aura.assistant.backends.llama_cpp_backend import LlamaCppBackend
from aura.assistant.prompts import PromptItem, RequestContext, build_prompt
from aura.assistant.retrieval import Candidate, rerank

QUESTION = "What should I wear to a friend's wedding in the rain?"


def full_prompt(backend) -> list[ChatMessage]:
    history = []
    for i in range(6):
        history += [
            ChatMessage("user", f"Earlier question {i} about my navy blazer and grey trousers?"),
            ChatMessage("assistant", "A white shirt and brown loafers would work well. " * 2),
        ]
    items = [PromptItem(str(i), f"navy wool blazer, slim fit, item {i}") for i in range(5)]
    return build_prompt(
        QUESTION,
        count_tokens=backend.count_tokens,
        budget=1500,
        history=history,
        items=items,
        guidance=guidance.search(QUESTION, 2),
        context=RequestContext(occasion="wedding", weather="rain, 14 °C"),
    ).messages


def time_stream(backend, messages, tokens: int) -> tuple[float, float, int]:
    """(seconds to first token, decode tokens/s after it, pieces)."""
    params = GenerationParams(max_tokens=tokens, temperature=0.0)
    # a fresh first message each run: llama.cpp reuses the KV cache of a repeated prefix,
    # which would time a cache hit instead of prompt processing
    head = messages[0]
    messages = [ChatMessage(head.role, f"[{uuid.uuid4().hex[:8]}] {head.content}"), *messages[1:]]
    began = time.perf_counter()
    first = None
    pieces = 0
    for _ in backend.stream(messages, params):
        pieces += 1
        if first is None:
            first = time.perf_counter()
    end = time.perf_counter()
    assert first is not None
    rate = (pieces - 1) / (end - first) if pieces > 1 and end > first else float("nan")
    return first - began, rate, pieces


def bench_llm(backend, runs: int, tokens: int, label: str) -> dict[str, float]:
    short = [ChatMessage("user", "Hi")]
    full = full_prompt(backend)
    prompt_tokens = backend.count_tokens(full)
    time_stream(backend, short, 4)  # warm-up
    ttft_short = statistics.median(time_stream(backend, short, 2)[0] for _ in range(runs))
    results = [time_stream(backend, full, tokens) for _ in range(runs)]
    ttft_full = statistics.median(r[0] for r in results)
    decode = statistics.median(r[1] for r in results)
    prefill = prompt_tokens / ttft_full
    print(f"[{label}] prompt: {prompt_tokens} tokens (full) vs one line")
    print(
        f"[{label}] time to first token: full {ttft_full * 1000:.0f} ms, one line "
        f"{ttft_short * 1000:.0f} ms (ratio {ttft_full / ttft_short:.1f}x)"
    )
    print(
        f"[{label}] decode {decode:.1f} tokens/s; prompt processing {prefill:.0f} tokens/s "
        f"(decode/prefill {decode / prefill:.3f})"
    )
    return {"ttft_full": ttft_full, "decode": decode}


def bench_rerank(n: int = 10_000, runs: int = 5) -> None:
    rng = random.Random(0)
    cats = ["blazer", "jeans", "shirt", "dress", "coat", "sneakers", "loafers", "sweater"]
    cols = ["navy", "white", "black", "grey", "red", "camel", "olive"]
    cands = [
        Candidate(str(i), rng.random(), rng.choice(cats), (rng.choice(cols),), ("work",), "wool")
        for i in range(n)
    ]
    q = "Which navy blazer goes with grey trousers for the office?"
    sort_t = min(_timed(lambda: sorted(cands, key=lambda c: -c.score)[:5]) for _ in range(runs))
    rr_t = min(_timed(lambda: rerank(cands, q, k=5)) for _ in range(runs))
    print(
        f"[rerank] {n} candidates: {rr_t * 1000:.1f} ms; plain sort by similarity "
        f"{sort_t * 1000:.1f} ms (ratio {rr_t / sort_t:.1f}x)"
    )


def _timed(fn) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--transformers", action="store_true")
    args = parser.parse_args()
    began = time.perf_counter()
    from aura.assistant.backends.llama_cpp_backend import default_gguf_path
    from aura.config import load_settings

    store = tempfile.TemporaryDirectory()
    gguf = default_gguf_path(load_settings(model_path=Path(store.name)))
    llama = LlamaCppBackend(gguf, threads=args.threads)
    print(f"[llama_cpp] load {time.perf_counter() - began:.2f} s, threads {args.threads}")
    ll = bench_llm(llama, args.runs, args.tokens, "llama_cpp")
    if args.transformers:
        from aura.assistant.backends.transformers_backend import TransformersBackend
        from aura.assistant.hf_model import ensure_converted

        with tempfile.TemporaryDirectory() as tmp:
            folder = ensure_converted(gguf, Path(tmp) / "smollm2")
            tf = TransformersBackend(folder, threads=args.threads)
            t = bench_llm(tf, args.runs, args.tokens, "transformers")
        print(
            f"[compare] llama_cpp decodes {ll['decode'] / t['decode']:.1f}x faster; first token "
            f"{t['ttft_full'] / ll['ttft_full']:.1f}x sooner than transformers"
        )
    bench_rerank()


if __name__ == "__main__":
    main()
