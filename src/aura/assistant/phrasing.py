"""What the language model may write around a grounded answer, and the guards on any text
a model writes.

With the packaged small model the facts are composed by the planner; the model writes one
short opening line at most. That line is checked before anyone sees it: it must be one
sentence of a few words that names no garment, colour, number or quantity (the only facts
allowed are the tools'). A line that fails is replaced by a fixed one, never shown.

``tidy`` is applied to every model-written reply: repeated sentences go, and a reply cut
by the token limit is cut back to its last complete sentence (never mid-word).
"""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Iterator

from aura.assistant.backends.base import ChatMessage, GenerationParams, LLMBackend
from aura.taxonomy import colour_family, lexical_slot

LEAD_SYSTEM = (
    "You are Aura, a cheerful wardrobe assistant. Reply with one short, upbeat sentence "
    "that says you will look at the user's wardrobe. Never name clothes, colours or numbers."
)
# static examples (evaluated once with the system prompt, then reused from the KV cache)
LEAD_EXAMPLES = (
    ("How many scarves do I have?", "Let me check your wardrobe."),
    ("What should I wear tonight?", "Happy to help you choose!"),
    ("What goes with my grey skirt?", "Good question, let me look."),
    ("Is it too cold for sandals?", "Let me think about that with you."),
)
BANNED = frozenset(
    [
        "sorry",
        "loss",
        "unfortunately",
        "confusion",
        "assistant",
        "ai",
        "but",
        "however",
        "cannot",
        "can't",
        "unable",
        "apologize",
        "apologise",
        "die",
        "died",
        "death",
        "sad",
    ]
)
LEAD_PARAMS = GenerationParams(
    max_tokens=14,
    temperature=0.0,
    top_p=0.9,
    stop=("\n", ".", "!", "?", ":"),
    repeat_penalty=1.3,
    frequency_penalty=0.4,
    presence_penalty=0.3,
)
MIN_WORDS, MAX_WORDS = 3, 14
# The opening line gets this long (from the call) before the fixed line is used instead:
# the answer never waits on a slow or busy CPU for a line that carries no fact.
LEAD_BUDGET_S = 0.45
FALLBACK = {
    "count": "Here is the count from your wardrobe.",
    "list": "Here is what I found in your wardrobe.",
    "outfit": "Here is an idea from your own wardrobe.",
    "choose": "Here is my pick from your wardrobe.",
    "pairs": "Here is what pairs well, from your wardrobe.",
    "compare": "Here is how they compare.",
    "explain": "Here is why this works.",
    "gaps": "Here is what your wardrobe could use.",
    "describe": "Here is your wardrobe at a glance.",
    "saved": "Here are your saved outfits.",
    "item": "Here are the details.",
    "advice": "Here is a tip.",
}
QUANTITY_WORDS = frozenset(
    [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "dozen",
        "many",
        "several",
        "few",
        "lot",
        "lots",
        "all",
        "none",
        "no",
        "not",
        "never",
        "every",
        "both",
        "some",
        "most",
        "plenty",
        "couple",
        "number",
        "count",
        "total",
        "have",
        "has",
        "own",
        "owns",
        "bought",
        "buy",
        "size",
        "sizes",
        "brand",
        "brands",
        "price",
    ]
)
_SENTENCE = re.compile(r"[^.!?]+[.!?]+(?:[\"')\]]+)?|[^.!?]+$")
_WORDS = re.compile(r"[A-Za-z0-9'\-]+")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def _key(sentence: str) -> str:
    return " ".join(_WORDS.findall(sentence.lower()))


def tidy(text: str, *, cut: bool = False) -> str:
    """Repeated sentences removed; with ``cut`` (the model hit its token limit), the text
    ends at its last complete sentence."""
    out: list[str] = []
    seen: set[str] = set()
    parts = sentences(text)
    if cut and parts and not parts[-1].endswith((".", "!", "?", '."', ".)")):
        parts = parts[:-1] or [_cut_at_word(parts[-1])]
    for s in parts:
        key = _key(s)
        if key and key not in seen:
            seen.add(key)
            out.append(s)
    return " ".join(out).strip()


def _cut_at_word(text: str) -> str:
    words = text.split()
    return (" ".join(words[:-1]) + "…") if len(words) > 1 else text


def acceptable_lead(text: str) -> bool:
    words = _WORDS.findall(text)
    if not (MIN_WORDS <= len(words) <= MAX_WORDS):
        return False
    for w in words:
        low = w.lower()
        if any(ch.isdigit() for ch in low) or low in QUANTITY_WORDS or low in BANNED:
            return False
        if colour_family(low) is not None or lexical_slot(low) is not None:
            return False
    return True


def lead_messages(question: str) -> list[ChatMessage]:
    shots = [
        m for q, a in LEAD_EXAMPLES for m in (ChatMessage("user", q), ChatMessage("assistant", a))
    ]
    return [ChatMessage("system", LEAD_SYSTEM), *shots, ChatMessage("user", question[:300])]


def lead_in(
    backend: LLMBackend, question: str, intent: str, *, budget_s: float = LEAD_BUDGET_S
) -> tuple[str, bool]:
    """(the opening line, whether the model's own line was used). Generation stops at the
    first sentence end, or at ``budget_s`` (then the fixed line is used)."""
    deadline = time.perf_counter() + budget_s
    pieces: list[str] = []
    box: queue.Queue[object] = queue.Queue()
    stop = threading.Event()

    def work() -> None:  # the model generates here; the answer waits at most budget_s
        stream = stream_static(backend, lead_messages(question), LEAD_PARAMS)
        try:
            for piece in stream:
                if stop.is_set():
                    break
                box.put(piece)
        except Exception as exc:  # handed over: the fixed line is used
            box.put(exc)
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()  # stops generation and releases the model
            box.put(None)

    threading.Thread(target=work, name="aura-lead-in", daemon=True).start()
    fallback = FALLBACK.get(intent, FALLBACK["list"])
    while True:
        remaining = deadline - time.perf_counter()
        try:
            item = box.get(timeout=max(remaining, 0.0)) if remaining > 0 else None
        except queue.Empty:
            item = None
            remaining = 0
        if remaining <= 0:
            stop.set()
            return fallback, False
        if item is None:
            break
        if isinstance(item, Exception):
            return fallback, False
        pieces.append(str(item))
    line = "".join(pieces).strip().strip(" \"'*-") + "."
    if acceptable_lead(line):
        return line[0].upper() + line[1:], True
    return FALLBACK.get(intent, FALLBACK["list"]), False


def stream_static(
    backend: LLMBackend, messages: list[ChatMessage], params: GenerationParams
) -> Iterator[str]:
    """Generate with the first (system) message's evaluation reused when the back-end can
    keep it (llama.cpp: a saved KV state of the static prefix)."""
    cached = getattr(backend, "stream_cached", None)
    if cached is not None:
        return cached(messages, params)  # type: ignore[no-any-return]
    return backend.stream(messages, params)
