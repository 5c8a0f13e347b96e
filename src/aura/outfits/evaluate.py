"""The benchmark's three figures, computed the way the Polyvore Outfits benchmark defines them.

* **Compatibility AUC**: area under the ROC curve of the predicted compatibility over every
  line of ``compatibility_{split}.txt`` (label 1 = a real outfit, 0 = a negative).
* **FITB accuracy**: for each question of ``fill_in_blank_{split}.json``, the answer whose
  outfit (question items + answer) scores highest is chosen; accuracy is the fraction of
  questions where it is the correct one (chance = 1/4).
* **Retrieval recall@k** (complementary item retrieval, as in OutfitTransformer §4, after
  Lin et al. 2020): for every outfit of the split one item is held out (a seeded choice);
  the query is the rest of the outfit plus the held-out item's category; the candidates are
  the held-out item and up to ``pool_size - 1`` (3000 in the paper) other items of the same
  category from the split; recall@k is the fraction of queries whose held-out item ranks in
  the top k by distance to the target-item embedding. Reported as percentages.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from aura.outfits.batching import FeatureTable, pad_outfits
from aura.outfits.model import OutfitTransformer
from aura.outfits.polyvore import Split


def roc_auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """ROC AUC by the rank-sum (Mann–Whitney U) identity; ties get their mean rank."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if not n_pos or not n_neg:
        raise ValueError("AUC needs both positive and negative examples")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=np.float64)
    sorted_s = s[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


@torch.no_grad()
def score_outfits(
    model: OutfitTransformer,
    table: FeatureTable,
    outfits: Sequence[Sequence[str]],
    batch: int = 256,
) -> np.ndarray:
    """Compatibility probabilities of outfits given as item ids."""
    model.eval()
    out = []
    for start in range(0, len(outfits), batch):
        rows = [table.features.rows(o) for o in outfits[start : start + batch]]
        image, text, padding = pad_outfits(table.image, table.text, rows)
        out.append(torch.sigmoid(model.compatibility_logits(image, text, padding)).numpy())
    return np.concatenate(out) if out else np.zeros(0)


def compatibility_auc(model: OutfitTransformer, table: FeatureTable, split: Split) -> float:
    scores = score_outfits(model, table, [q.item_ids for q in split.compatibility])
    return roc_auc(scores, [q.label for q in split.compatibility])


def fitb_accuracy(model: OutfitTransformer, table: FeatureTable, split: Split) -> float:
    candidates = [(*q.question, a) for q in split.fitb for a in q.answers]
    scores = score_outfits(model, table, candidates)
    correct, start = 0, 0
    for q in split.fitb:
        chosen = int(np.argmax(scores[start : start + len(q.answers)]))
        correct += chosen == q.correct
        start += len(q.answers)
    return correct / max(len(split.fitb), 1)


@torch.no_grad()
def retrieval_recall(
    model: OutfitTransformer,
    table: FeatureTable,
    split: Split,
    ks: Sequence[int] = (1, 5, 10),
    pool_size: int = 3000,
    seed: int = 0,
) -> dict[int, float]:
    model.eval()
    rng = np.random.default_rng(seed)
    embeddings = model.item_embedding(table.image, table.text)
    hits = {k: 0 for k in ks}
    queries = 0
    split_rows = np.asarray(sorted(set(table.features.rows(sorted(split.item_ids())))))
    pools = {c: np.intersect1d(rows, split_rows) for c, rows in table.by_category.items()}
    for outfit in split.outfits:
        if len(outfit.item_ids) < 2:
            continue
        rows = table.features.rows(outfit.item_ids)
        t = int(rng.integers(len(rows)))
        target, partial = rows[t], rows[:t] + rows[t + 1 :]
        cat = table.categories[target]
        others = np.setdiff1d(pools[cat], rows)
        if len(others) > pool_size - 1:
            others = rng.choice(others, pool_size - 1, replace=False)
        candidates = np.concatenate([[target], others]).astype(np.int64)
        image, text, padding = pad_outfits(table.image, table.text, [partial])
        query = model.target_embedding(image, text, padding, table.category_rows([cat]))
        dist = (embeddings[torch.as_tensor(candidates)] - query).norm(dim=-1)
        rank = int((dist < dist[0]).sum())
        for k in ks:
            hits[k] += rank < k
        queries += 1
    return {k: 100.0 * hits[k] / max(queries, 1) for k in ks}


def evaluate(model: OutfitTransformer, table: FeatureTable, split: Split) -> dict[str, float]:
    """All three figures for one split (AUC in [0, 1]; FITB and recall in percent)."""
    figures: dict[str, float] = {"split_outfits": float(len(split.outfits))}
    if split.compatibility:
        figures["compatibility_auc"] = round(compatibility_auc(model, table, split), 4)
    if split.fitb:
        figures["fitb_accuracy"] = round(100.0 * fitb_accuracy(model, table, split), 2)
    for k, value in retrieval_recall(model, table, split).items():
        figures[f"recall_at_{k}"] = round(value, 2)
    return figures
