"""Hybrid retrieval over one user's items: attribute filters, BM25 and the dense index,
fused by reciprocal rank (RRF).

* Filters (slot, category, colour family, pattern, occasion, season, waterproof) are exact:
  they come from the taxonomy, so "blue" means the blue family and "tops" the top slot.
  When the filters leave nothing, they are dropped (and the result says so) rather than
  answering "none" to a question that named a colour the user does not own.
* BM25 (``bm25s``) scores the item texts (colours, families, category, slot, pattern,
  description, occasions, seasons) against the question's words.
* The dense ranking is the wardrobe index (all-MiniLM-L6-v2), filtered to the user.
* RRF: ``score = sum(1 / (K + rank))`` over the two rankings; ties by id.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from aura.assistant.tools.items import ItemView
from aura.taxonomy import lexical_slot

RRF_K = 60
_STOPWORDS = "en"


class Filters(BaseModel):
    """Exact attribute filters; every given one must hold."""

    slot: list[str] | None = Field(None, description="Taxonomy slots, e.g. ['top']")
    category: list[str] | None = Field(
        None, description="Garment words matched against the item's category, e.g. ['jeans']"
    )
    colour_family: list[str] | None = Field(None, description="Colour families, e.g. ['blue']")
    pattern: list[str] | None = Field(None, description="Patterns, e.g. ['striped']")
    occasion: list[str] | None = Field(None, description="Occasions, e.g. ['work']")
    season: list[str] | None = Field(None, description="Seasons, e.g. ['winter']")
    waterproof: bool | None = None
    match_description: bool | None = Field(
        None, description="Category words may also match the item's description"
    )
    exclude_ids: list[int] | None = None

    def empty(self) -> bool:
        skip = ("exclude_ids", "match_description")
        return not any(v for k, v in self.model_dump().items() if k not in skip)

    def relaxations(self) -> list[Filters]:
        """Looser versions of these filters, in the order a search tries them: category
        words in descriptions too; then without occasion and season; then without colour
        and pattern; then none."""
        steps: list[Filters] = []
        if self.category and not self.match_description:
            steps.append(self.model_copy(update={"match_description": True}))
        base = steps[-1] if steps else self
        if self.occasion or self.season:
            steps.append(base.model_copy(update={"occasion": None, "season": None}))
            base = steps[-1]
        if self.colour_family or self.pattern or self.waterproof is not None:
            steps.append(
                base.model_copy(update={"colour_family": None, "pattern": None, "waterproof": None})
            )
        steps.append(Filters(exclude_ids=self.exclude_ids))
        return steps


def category_term(word: str) -> str:
    """The taxonomy's term for a garment word ("T-Shirts" → "t-shirt"), else the word."""
    found = lexical_slot(word)
    return found[1] if found else word.strip().lower()


def item_terms(item: ItemView, *, description: bool = False) -> set[str]:
    terms = {category_term(item.category)}
    text = item.category + (f" {item.description}" if description else "")
    for w in text.lower().replace("/", " ").replace(",", " ").split():
        if description and lexical_slot(w) is None:
            continue
        terms.add(category_term(w))
    return terms


def matches(item: ItemView, f: Filters) -> bool:
    if f.exclude_ids and item.id in f.exclude_ids:
        return False
    if f.slot or f.category:  # kinds: any named slot or category
        in_slot = bool(f.slot) and item.slot in (f.slot or [])
        in_category = bool(f.category) and bool(
            {category_term(c) for c in f.category or []}
            & item_terms(item, description=bool(f.match_description))
        )
        if not (in_slot or in_category):
            return False
    if f.colour_family and not (set(f.colour_family) & set(item.colour_families)):
        return False
    if f.pattern and (item.pattern or "") not in f.pattern:
        return False
    if f.occasion and not (set(f.occasion) & set(item.occasions)):
        return False
    if f.season and not (set(f.season) & set(item.seasons)):
        return False
    return not (f.waterproof is not None and item.waterproof != f.waterproof)


def apply(items: Sequence[ItemView], f: Filters) -> list[ItemView]:
    return [i for i in items if matches(i, f)]


def bm25_ranking(items: Sequence[ItemView], query: str) -> list[int]:
    """Item ids by BM25 score of their texts against ``query`` (only items with a match)."""
    if not items or not query.strip():
        return []
    import bm25s

    corpus = bm25s.tokenize([i.text() for i in items], stopwords=_STOPWORDS, show_progress=False)
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    q = bm25s.tokenize([query], stopwords=_STOPWORDS, show_progress=False)
    if not any(len(t) for t in q.ids):
        return []
    docs, scores = retriever.retrieve(q, k=len(items), show_progress=False)
    return [items[int(d)].id for d, s in zip(docs[0], scores[0], strict=True) if s > 0]


def rrf(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> dict[int, float]:
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, item_id in enumerate(ranking):
            fused[item_id] = fused.get(item_id, 0.0) + 1.0 / (k + rank + 1)
    return fused


def hybrid(
    items: Sequence[ItemView],
    query: str,
    dense: Sequence[int] = (),
) -> list[ItemView]:
    """``items`` ordered by RRF of BM25 and the dense ranking (restricted to ``items``);
    items neither ranks keep their order at the end."""
    pool = {i.id: i for i in items}
    lexical = bm25_ranking(items, query)
    semantic = [i for i in dense if i in pool]
    fused = rrf([lexical, semantic])
    order = {i.id: n for n, i in enumerate(items)}
    return sorted(items, key=lambda i: (-fused.get(i.id, 0.0), order[i.id]))
