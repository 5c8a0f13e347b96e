"""Aura's fashion-guidance corpus: short, original notes (colour harmony, dress codes,
dressing for the weather, fit), written for this project, shipped inside the package.

``load_chunks`` splits the markdown by ``##`` sections into retrieval-sized chunks with
stable ids; ``search`` is a small lexical scorer used until the vector index (issue 4)
indexes these chunks beside the wardrobe.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from aura.assistant.vocabulary import words

MAX_CHUNK_CHARS = 900
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "do",
        "for",
        "from",
        "how",
        "i",
        "in",
        "is",
        "it",
        "me",
        "my",
        "of",
        "on",
        "or",
        "should",
        "so",
        "that",
        "the",
        "this",
        "to",
        "was",
        "what",
        "when",
        "which",
        "with",
        "wear",
        "you",
        "your",
        "can",
        "go",
    ]
)


@dataclass(frozen=True)
class GuidanceChunk:
    id: str  # "<file stem>#<section slug>[-n]", stable across runs
    topic: str  # the file's title
    title: str  # the section heading
    text: str


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _split(body: str, limit: int) -> list[str]:
    """Paragraph-packed pieces of at most ``limit`` characters (a paragraph is never cut
    unless it alone is longer)."""
    pieces: list[str] = []
    current = ""
    for para in (p.strip() for p in body.split("\n\n")):
        if not para:
            continue
        while len(para) > limit:
            cut = para.rfind(". ", 0, limit) + 1 or limit
            pieces.append(para[:cut].strip())
            para = para[cut:].strip()
        if current and len(current) + len(para) + 2 > limit:
            pieces.append(current)
            current = ""
        current = f"{current}\n\n{para}" if current else para
    if current:
        pieces.append(current)
    return pieces


def parse_markdown(stem: str, markdown: str, limit: int = MAX_CHUNK_CHARS) -> list[GuidanceChunk]:
    topic = stem
    chunks: list[GuidanceChunk] = []
    sections = re.split(r"^## +", markdown, flags=re.MULTILINE)
    head = sections[0]
    title_match = re.search(r"^# +(.+)$", head, flags=re.MULTILINE)
    if title_match:
        topic = title_match.group(1).strip()
    for section in sections[1:]:
        heading, _, body = section.partition("\n")
        heading = heading.strip()
        pieces = _split(body, limit)
        for n, piece in enumerate(pieces):
            suffix = f"-{n + 1}" if len(pieces) > 1 else ""
            chunks.append(GuidanceChunk(f"{stem}#{_slug(heading)}{suffix}", topic, heading, piece))
    return chunks


@lru_cache(maxsize=1)
def load_chunks() -> tuple[GuidanceChunk, ...]:
    """Every chunk of the packaged corpus, in file then section order."""
    out: list[GuidanceChunk] = []
    files = sorted(
        (f for f in resources.files(__name__).iterdir() if f.name.endswith(".md")),
        key=lambda f: f.name,
    )
    for f in files:
        out.extend(parse_markdown(f.name.removesuffix(".md"), f.read_text(encoding="utf-8")))
    return tuple(out)


def _terms(text: str) -> list[str]:
    return [w for w in words(text) if w not in _STOP and len(w) > 1]


@lru_cache(maxsize=1)
def _index() -> tuple[list[Counter[str]], dict[str, float]]:
    docs = [Counter(_terms(f"{c.title} {c.title} {c.text}")) for c in load_chunks()]
    df: Counter[str] = Counter(t for d in docs for t in d)
    idf = {t: math.log(1 + len(docs) / n) for t, n in df.items()}
    return docs, idf


def search(question: str, k: int = 2) -> list[GuidanceChunk]:
    """The ``k`` chunks sharing the most (idf-weighted) words with the question."""
    docs, idf = _index()
    query = set(_terms(question))
    scored = []
    for chunk, doc in zip(load_chunks(), docs, strict=True):
        score = sum(idf[t] * (1 + math.log(doc[t])) for t in query if t in doc)
        if score > 0:
            scored.append((score, chunk.id, chunk))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [c for _, _, c in scored[:k]]
