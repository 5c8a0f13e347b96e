"""The assistant on CPU: time to first token and tokens per second for the default model
(SmolLM2-135M-Instruct via llama.cpp), the grounded chat path, and re-ranking latency over
10k candidates.

Every figure comes with a baseline measured in the same run:
* time to first token with the assistant's full prompt (system prompt, 5 items, guidance,
  6 earlier turns) against a one-line prompt: what the context costs;
* decode tokens/s against prompt-processing tokens/s of the same model;
* optionally (--transformers) the transformers back-end's tokens/s on the same question;
* re-ranking 10k candidates against a plain sort of the same candidates by similarity;
* the grounded chat (planner + tools + the model's opening line, its static prompt part
  evaluated once and reused from llama.cpp's KV state) on a real wardrobe: time to first
  token and whole reply, p50, against raw llama.cpp on the same prompt (no reuse: each
  prompt processed whole) and against raw llama.cpp answering the question freely with
  the default reply length (what the chat did before).

    python benchmarks/assistant.py [--runs 3] [--tokens 64] [--threads N] [--transformers]
                                   [--grounded-only]
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


GROUNDED_QUESTIONS = (
    "How many tops do I have?",
    "What should I wear to a job interview tomorrow?",
    "It's going to rain and be 8 °C, what jacket should I take?",
    "Which of my items go with my blue trousers?",
    "Which of my items are black?",
    "What should I wear this weekend?",
)
WARDROBE = (
    ("t-shirt", ["white"], "cotton tee"), ("shirt", ["navy", "white"], "striped shirt"),
    ("trousers", ["blue"], "slim trousers"), ("jeans", ["black"], "skinny jeans"),
    ("trench coat", ["beige"], "water-resistant trench coat"), ("jacket", ["blue"], "denim"),
    ("blazer", ["grey"], "wool blazer"), ("sneakers", ["white"], "canvas"),
    ("loafers", ["black"], "leather loafers"), ("dress", ["red"], "wrap dress"),
)  # fmt: skip


def bench_grounded(runs: int, threads: int) -> None:
    from aura.assistant.phrasing import LEAD_PARAMS, lead_messages
    from aura.assistant.service import ChatRequest
    from aura.config import load_settings
    from aura.layout import DataTree
    from aura.platform import Platform
    from aura.storage.users import create_user

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            data_dir=Path(tmp) / "data", service="conversational_ai", llm_threads=threads
        )
        DataTree(settings).setup()
        platform = Platform(settings)
        state = platform.startup.run()
        assert state.status == "ready", state.to_dict()
        user, _ = create_user(platform.db, "bench")
        platform.wardrobe.create_many(
            user,
            [
                dict(category=c, colors=k, pattern=None, description=d, attributes={})
                for c, k, d in WARDROBE
            ],
        )
        assistant = platform.assistant
        backend = assistant.backend
        for q in GROUNDED_QUESTIONS[:2]:  # warm-up: caches, the static prefix
            assistant.chat(str(user), ChatRequest(q))
        ttft, whole, raw_ttft, raw_whole, free_whole = [], [], [], [], []
        for _ in range(runs):
            for q in GROUNDED_QUESTIONS:
                began = time.perf_counter()
                first = None
                for event in assistant.stream_chat(str(user), ChatRequest(q)):
                    if event.kind == "delta" and first is None:
                        first = time.perf_counter() - began
                whole.append(time.perf_counter() - began)
                ttft.append(first or whole[-1])
                messages = lead_messages(q)
                t, _, _ = time_stream(backend, messages, LEAD_PARAMS.max_tokens)
                raw_ttft.append(t)
                began = time.perf_counter()
                list(backend.stream(_fresh(messages), LEAD_PARAMS))
                raw_whole.append(time.perf_counter() - began)
                began = time.perf_counter()
                free = [ChatMessage("user", f"[{uuid.uuid4().hex[:6]}] {q}")]
                list(backend.stream(free, GenerationParams(max_tokens=256, temperature=0.7)))
                free_whole.append(time.perf_counter() - began)
        platform.close()
    med = statistics.median
    print(f"[grounded] {len(ttft)} replies, {threads} threads, prefix reuses {backend.prefix_hits}")
    print(
        f"[grounded] time to first token p50 {med(ttft) * 1000:.0f} ms; raw llama.cpp on the "
        f"same prompt {med(raw_ttft) * 1000:.0f} ms (ratio {med(ttft) / med(raw_ttft):.2f}x)"
    )
    print(
        f"[grounded] whole reply p50 {med(whole) * 1000:.0f} ms; raw llama.cpp on the same "
        f"prompt {med(raw_whole) * 1000:.0f} ms (ratio {med(whole) / med(raw_whole):.2f}x); "
        f"raw llama.cpp answering freely (256 tokens max) {med(free_whole) * 1000:.0f} ms "
        f"(ratio {med(whole) / med(free_whole):.2f}x)"
    )


def _fresh(messages: list[ChatMessage]) -> list[ChatMessage]:
    head = messages[0]
    return [ChatMessage(head.role, f"[{uuid.uuid4().hex[:8]}] {head.content}"), *messages[1:]]


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
    parser.add_argument("--grounded-only", action="store_true")
    args = parser.parse_args()
    if args.grounded_only:
        bench_grounded(args.runs, args.threads)
        return
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
    bench_grounded(args.runs, args.threads)
    bench_rerank()


if __name__ == "__main__":
    main()
