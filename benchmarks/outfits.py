"""Outfit model figures on CPU, each beside a baseline measured in the same run.

* generated-data metrics (held-out compatibility AUC, FITB accuracy, recall@k) of a model
  trained here, against the same architecture untrained and against the rule scorer
  given the generator's true attributes;
* compatibility scoring throughput (outfits/s), default and paper-sized models, against
  the rule scorer;
* recommendation latency for a 500-item wardrobe (whole outfits for a context, and
  complete-the-outfit), model scorer against the rule scorer, and the slot engine
  (:mod:`aura.outfits.recommend`) against the template engine it replaced
  (:func:`template_recommend`, kept here only as the baseline; budget: 1.5x);
* complete-the-outfit through the service as it serves (a 500-item wardrobe in a SQLite
  database, the model's retrieval space in the embedding table and its FAISS index):
  item vectors stored once against recomputing them on every request.

    python benchmarks/outfits.py [--epochs 12] [--threads 1]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from aura.outfits import rules as rules_module
from aura.outfits import synthetic
from aura.outfits.evaluate import evaluate, roc_auc
from aura.outfits.inference import OutfitInference, wardrobe_items
from aura.outfits.model import ModelConfig, OutfitTransformer
from aura.outfits.polyvore import PolyvoreDataset
from aura.outfits.recommend import recommend
from aura.outfits.rules import RulesScorer
from aura.outfits.scorer import Context, WardrobeItem
from aura.outfits.train import FEATURES_DIR, TrainConfig, load_table, train


def template_recommend(
    scorer, wardrobe, context, k: int = 5, shortlist: int = 8, beam: int = 24
) -> list:  # type: ignore[no-untyped-def]
    """The engine before slots, as the baseline: fixed templates (tops + bottoms + shoes,
    or all-body + shoes; outerwear added when cold or wet), exact Polyvore categories, a
    beam over each template's categories, outfits sharing all but one item skipped."""
    fit = rules_module.item_fit
    temp = rules_module.wanted_temperature(context)
    layer = (temp is not None and temp < 15) or context.raining
    by_cat: dict[str, list[WardrobeItem]] = {}
    for item in wardrobe:
        by_cat.setdefault(item.category, []).append(item)
    short = {
        c: sorted(items, key=lambda i: (-fit(i, context), i.item_id))[:shortlist]
        for c, items in by_cat.items()
    }
    finished: dict[frozenset[str], tuple[list[WardrobeItem], float]] = {}
    for base in (("tops", "bottoms", "shoes"), ("all-body", "shoes")):
        template = [*base, *(["outerwear"] if layer else [])]
        if any(c not in short for c in template):
            continue
        frontier: list[list[WardrobeItem]] = [[]]
        for cat in template:
            grown = [[*o, c] for o in frontier for c in short[cat]]
            results = scorer.score_many(grown, context)
            ranked = sorted(zip(grown, results, strict=True), key=lambda p: -p[1].score)
            frontier = [o for o, _ in ranked[:beam]]
        for outfit, result in zip(frontier, scorer.score_many(frontier, context), strict=True):
            finished.setdefault(frozenset(i.item_id for i in outfit), (outfit, result.score))
    ranked_all = sorted(finished.values(), key=lambda r: -r[1])
    chosen: list[list[WardrobeItem]] = []
    for outfit, _ in ranked_all:
        ids = {i.item_id for i in outfit}
        if all(len(ids - {i.item_id for i in c}) >= 2 for c in chosen):
            chosen.append(outfit)
        if len(chosen) == k:
            break
    return chosen


def timed(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    """Median seconds of ``repeat`` calls after one warm-up call."""
    fn()
    runs = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - began)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--threads", type=int, default=1, help="torch threads for inference")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    work = Path(tempfile.mkdtemp(prefix="aura-bench-outfits-"))
    data = synthetic.generate(work / "data", n_items=700, n_outfits=(600, 100, 200), seed=1)

    began = time.perf_counter()
    manifest = train(
        data,
        work / "run",
        TrainConfig(epochs=args.epochs, threads=args.threads),
        progress=lambda _m: None,
    )
    train_s = time.perf_counter() - began
    ds = PolyvoreDataset(data)
    test = ds.load_split("test")
    table = load_table(ds, [test], "handcrafted", work / "run" / FEATURES_DIR)
    torch.manual_seed(0)
    untrained = OutfitTransformer(ModelConfig(table.image.shape[1], table.text.shape[1])).eval()
    base = evaluate(untrained, table, test)
    trained = manifest["evaluation"]["test"]
    truth = synthetic.load_truth(data)

    def truth_item(i: str) -> WardrobeItem:
        g = truth[i]
        return WardrobeItem(i, g.category, ds.items[i].text, g.colour, 0.85 if g.formal else 0.15)

    rules = RulesScorer()
    rules_auc = roc_auc(
        [
            rules.score([truth_item(i) for i in q.item_ids], Context()).score
            for q in test.compatibility
        ],
        [q.label for q in test.compatibility],
    )
    print(f"== synthetic (700 items, 600 outfits, {args.epochs} epochs, 1 thread: {train_s:.0f} s)")
    for key in ("compatibility_auc", "fitb_accuracy", "recall_at_1", "recall_at_5", "recall_at_10"):
        ratio = trained[key] / base[key] if base[key] else float("inf")
        print(f"{key:18s} trained {trained[key]:7.2f}  untrained {base[key]:7.2f}  {ratio:5.2f}x")
    print(
        f"{'rules AUC (truth)':18s} {rules_auc:7.4f}  "
        f"trained/rules {trained['compatibility_auc'] / rules_auc:5.2f}x"
    )
    print("   (chance: AUC 0.5, FITB 25 %; paper, real Polyvore: AUC 0.93, FITB 67.1, R@10 9.58)")

    torch.set_num_threads(args.threads)
    splits = [ds.load_split(s, questions=False) for s in ("train", "valid", "test")]
    everything = load_table(ds, splits, "handcrafted", work / "run" / FEATURES_DIR)
    items = wardrobe_items(everything.features, ds.items)
    rng = np.random.default_rng(0)
    outfits = [
        [items[j] for j in rng.choice(len(items), size=4, replace=False)] for _ in range(2048)
    ]
    model = OutfitInference.load(work / "run" / "model")
    ctx = Context()
    t_rules = timed(lambda: rules.score_many(outfits, ctx), 3)
    t_model = timed(lambda: model.compatibility_many(outfits), 3)
    paper = OutfitInference(
        OutfitTransformer(ModelConfig.paper(table.image.shape[1], table.text.shape[1])).eval(),
        model.config,
        "paper",
    )
    t_paper = timed(lambda: paper.compatibility_many(outfits), 3)
    print(f"== compatibility throughput, 2048 outfits of 4 items, {args.threads} threads (x rules)")
    print(f"rules scorer          {len(outfits) / t_rules:9.0f} outfits/s   1.00x")
    print(
        f"model (default size)  {len(outfits) / t_model:9.0f} outfits/s   {t_rules / t_model:5.2f}x"
    )
    print(
        f"model (paper size)    {len(outfits) / t_paper:9.0f} outfits/s   {t_rules / t_paper:5.2f}x"
    )

    wardrobe = [items[j] for j in rng.choice(len(items), size=500, replace=False)]
    contexts = [
        Context(occasion="work", season="autumn", temperature_c=9),
        Context(occasion="casual", season="summer", temperature_c=28),
    ]
    r_rules = timed(lambda: [recommend(rules, wardrobe, c, k=5) for c in contexts], 3) / 2
    r_model = timed(lambda: [recommend(model, wardrobe, c, k=5) for c in contexts], 3) / 2
    b_rules = timed(lambda: [template_recommend(rules, wardrobe, c) for c in contexts], 3) / 2
    b_model = timed(lambda: [template_recommend(model, wardrobe, c) for c in contexts], 3) / 2
    partial = [i for i in wardrobe if i.category == "tops"][:1] + [
        i for i in wardrobe if i.category == "bottoms"
    ][:1]
    cold = OutfitInference(model.model, model.config, "cold")
    began = time.perf_counter()
    cold.complete(partial, "shoes", wardrobe, k=10)
    first = time.perf_counter() - began
    c_model = timed(lambda: model.complete(partial, "shoes", wardrobe, k=10), 10)
    print("== 500-item wardrobe, latency per request (x rules)")
    print(f"recommend (rules)        {1000 * r_rules:8.1f} ms   1.00x")
    print(f"recommend (model)        {1000 * r_model:8.1f} ms   {r_model / r_rules:5.2f}x")
    for name, new, old in (("rules", r_rules, b_rules), ("model", r_model, b_model)):
        ratio = new / old
        print(
            f"slots vs templates ({name}) {1000 * new:6.1f} vs {1000 * old:6.1f} ms   "
            f"{ratio:5.2f}x ({'within' if ratio <= 1.5 else 'OVER'} the 1.5x budget)"
        )
    print(f"complete, first call     {1000 * first:8.1f} ms   (embeds the 500 items once)")
    print(f"complete, vectors kept  {1000 * c_model:8.1f} ms   {c_model / first:5.2f}x first call")
    for size in (500, 2000):
        picked = [items[j] for j in rng.choice(len(items), size=size, replace=size > len(items))]
        service_complete(work / f"service-{size}", model, picked)


def service_complete(work: Path, model: OutfitInference, wardrobe: list[WardrobeItem]) -> None:
    """Complete-the-outfit in the service: stored vectors + index vs recomputing per request
    (a fresh wardrobe in a fresh SQLite database; image features cached in memory in both)."""
    from aura.config import load_settings
    from aura.layout import DataTree
    from aura.outfits.service import OutfitService
    from aura.outfits.vectors import OutfitVectors
    from aura.storage.db import Database
    from aura.storage.migrate import upgrade_to_head
    from aura.storage.schema import ItemColor, User
    from aura.storage.schema import WardrobeItem as ItemRow

    settings = load_settings(data_dir=work / "aura")
    tree = DataTree(settings)
    tree.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    db = Database(tree.database_url)
    upgrade_to_head(db)
    with db.session() as s:
        user = User(name="bench")
        s.add(user)
        s.flush()
        rows = []
        for item in wardrobe:
            row = ItemRow(user_id=user.id, category=item.category, description=item.title)
            row.color_rows = [ItemColor(color=item.colour or "grey", position=0)]
            rows.append(row)
        s.add_all(rows)
        s.flush()
        user_id = user.id
        by_cat: dict[str, list[int]] = {}
        for row in rows:
            by_cat.setdefault(row.category, []).append(row.id)
    partial = [by_cat["tops"][0], by_cat["bottoms"][0]]
    n_shoes = len(by_cat["shoes"])
    ctx = Context(occasion="casual")
    vectors = OutfitVectors.open(db, tree, settings, model)
    stored = OutfitService(db, model, vectors)
    began = time.perf_counter()
    stored.complete(user_id, partial, "shoes", 10, ctx)  # computes and stores every shoe
    cold = time.perf_counter() - began
    assert vectors.computed == n_shoes
    t_stored = timed(lambda: stored.complete(user_id, partial, "shoes", 10, ctx), 20)
    assert vectors.computed == n_shoes  # nothing recomputed

    fresh = OutfitService(db, model)  # no store: the item vectors are recomputed per request

    def recompute() -> None:
        model._embeddings.clear()
        fresh.complete(user_id, partial, "shoes", 10, ctx)

    t_recompute = timed(recompute, 20)
    vectors.close()
    db.close()
    print(f"== complete-the-outfit in the service, {len(wardrobe)} items ({n_shoes} shoes), SQLite")
    print(f"first call (compute+store) {1000 * cold:8.1f} ms")
    print(f"recompute item vectors    {1000 * t_recompute:8.1f} ms   1.00x")
    print(
        f"stored vectors + index    {1000 * t_stored:8.1f} ms   "
        f"{t_recompute / t_stored:5.2f}x faster"
    )


if __name__ == "__main__":
    main()
