"""Re-ranking by the attributes a question names, on a hand-written wardrobe.

The candidate scores stand in for the vector index: a deliberately weak lexical
similarity (shared words), so the test measures what the re-ranker adds on top.
"""

from __future__ import annotations

import time

from aura.assistant import guidance
from aura.assistant.retrieval import Candidate, query_attributes, recall_at_k, rerank
from aura.assistant.vocabulary import words

WARDROBE = [
    ("1", "blazer", ("navy",), ("work",), "wool, single-breasted"),
    ("2", "sweater", ("navy",), ("casual",), "chunky knit"),
    ("3", "shirt", ("white",), ("work",), "crisp cotton poplin"),
    ("4", "t-shirt", ("white",), ("casual",), "plain crew neck"),
    ("5", "jeans", ("blue",), ("casual",), "dark wash, slim"),
    ("6", "trousers", ("grey",), ("work",), "tailored wool"),
    ("7", "dress", ("red",), ("party",), "silk midi, cocktail length"),
    ("8", "dress", ("black",), ("formal",), "floor-length evening gown"),
    ("9", "coat", ("camel",), ("work", "casual"), "long wool overcoat"),
    ("10", "raincoat", ("olive",), ("casual",), "waterproof with hood"),
    ("11", "sneakers", ("white",), ("casual", "sport"), "leather, minimal"),
    ("12", "loafers", ("brown",), ("work",), "suede penny loafers"),
    ("13", "boots", ("black",), ("casual",), "chelsea boots, leather"),
    ("14", "heels", ("black",), ("party", "formal"), "pointed pumps"),
    ("15", "shorts", ("beige",), ("beach",), "linen drawstring"),
    ("16", "sandals", ("tan",), ("beach",), "leather slides"),
    ("17", "scarf", ("burgundy",), ("casual",), "cashmere"),
    ("18", "cardigan", ("grey",), ("casual", "work"), "merino, fine knit"),
    ("19", "skirt", ("green",), ("work",), "pleated midi"),
    ("20", "hoodie", ("grey",), ("sport",), "fleece-lined, for the gym"),
]

QUESTIONS = {
    "Which navy blazer should I wear to the office?": {"1"},
    "I need shoes for work": {"12"},
    "What red dress do I have for a party?": {"7"},
    "Something for the beach": {"15", "16"},
    "Show me my white tops": {"3", "4"},
    "a formal outfit for a wedding": {"8", "14"},
    "which coat keeps me dry? a raincoat": {"10"},
    "grey knitwear": {"18"},
}


def _weak_similarity(question: str, text: str) -> float:
    stop = {"for", "the", "with", "what", "which", "have", "some", "something", "show"}
    q = {w for w in words(question) if len(w) > 2 and w not in stop}
    t = set(words(text))
    return len(q & t) / (len(q) or 1)


def _candidates(question: str) -> list[Candidate]:
    out = []
    for id_, cat, colours, occasions, desc in WARDROBE:
        text = f"{desc}"  # the weak stand-in sees only free text, not the attributes
        out.append(Candidate(id_, _weak_similarity(question, text), cat, colours, occasions, desc))
    return out


def test_query_attributes_name_colours_categories_occasions() -> None:
    q = query_attributes("My navy blazers and white sneakers for the office wedding?")
    assert q.colours == {"navy", "white"}
    assert {"blazer", "outerwear", "sneakers", "shoes"} <= q.categories
    assert q.occasions == {"work", "formal"}
    assert query_attributes("hello there").empty


def test_rerank_recall_at_5_on_a_hand_written_wardrobe() -> None:
    baseline, reranked = [], []
    for question, relevant in QUESTIONS.items():
        cands = _candidates(question)
        by_similarity = sorted(cands, key=lambda c: (-c.score, c.id))
        base = rerank([Candidate(c.id, c.score) for c in by_similarity], "")
        baseline.append(recall_at_k(base, relevant, 5))
        ranked = rerank(cands, question)
        reranked.append(recall_at_k(ranked, relevant, 5))
        assert ranked[0].candidate.id in relevant, (question, ranked[:3])
    recall = sum(reranked) / len(reranked)
    base_recall = sum(baseline) / len(baseline)
    print(f"recall@5: re-ranked {recall:.3f}, similarity only {base_recall:.3f}")
    assert recall == 1.0
    assert recall > base_recall


def test_rerank_keeps_similarity_order_without_attributes_and_is_deterministic() -> None:
    cands = [Candidate(str(i), s) for i, s in enumerate([0.2, 0.9, 0.5, 0.9])]
    ranked = rerank(cands, "what should I wear?", k=3)
    assert [r.candidate.id for r in ranked] == ["1", "3", "2"]
    assert rerank(list(reversed(cands)), "what should I wear?", k=3) == ranked


def test_rerank_explains_matches_and_colour_families() -> None:
    cands = [
        Candidate("a", 0.1, "jeans", ("denim",)),
        Candidate("b", 0.3, "jeans", ("black",)),
    ]
    top = rerank(cands, "blue jeans")[0]
    assert top.candidate.id == "a"
    assert top.matched == {"colours": ["blue"], "categories": ["bottom", "jeans"]}


def test_rerank_10k_candidates_is_fast_enough_to_be_interactive() -> None:
    cands = [
        Candidate(str(i), (i % 97) / 97, WARDROBE[i % 20][1], WARDROBE[i % 20][2])
        for i in range(10_000)
    ]
    began = time.perf_counter()
    ranked = rerank(cands, "navy blazer for work", k=5)
    assert time.perf_counter() - began < 5  # generous: a guard against quadratic blow-ups
    assert all(r.candidate.category == "blazer" for r in ranked)


def test_guidance_corpus_chunks_are_unique_bounded_and_searchable() -> None:
    chunks = guidance.load_chunks()
    assert len(chunks) >= 20
    assert len({c.id for c in chunks}) == len(chunks)
    assert all(0 < len(c.text) <= guidance.MAX_CHUNK_CHARS for c in chunks)
    assert {c.topic for c in chunks} >= {
        "Colour harmony",
        "Dress codes",
        "Dressing for the weather",
    }
    assert guidance.search("what to wear in the rain")[0].id == "weather-layering#rain"
    assert guidance.search("can I wear black with navy?")[0].id == "colour-harmony#black-and-navy"
    assert guidance.search("xyzzy") == []


def test_guidance_splitter_packs_paragraphs_under_the_limit() -> None:
    body = "## Long\n" + "\n\n".join(f"Sentence {i}. " * 30 for i in range(5))
    chunks = guidance.parse_markdown("t", "# T\n" + body, limit=300)
    assert len(chunks) > 5
    assert all(len(c.text) <= 300 for c in chunks)
    assert chunks[0].id == "t#long-1" and chunks[0].topic == "T"
