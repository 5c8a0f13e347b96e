"""Training the OutfitTransformer on Polyvore-format data, resumable after any kill.

Each step trains both tasks of the paper on one batch of real outfits:

* compatibility: every outfit against one negative built from it (focal loss);
* complementary item retrieval: one item of each outfit held out, its category as the
  target specification, the item against ``negatives`` others (set-wise ranking loss).

Curriculum (paper §3.3): negatives are random items for the first
``hard_negatives_from`` epochs, then items of the same category (hard negatives).

Checkpoints (model, optimizer, scheduler, epoch, step, the epoch's data order, numpy and
torch RNG states) are written atomically every ``checkpoint_every`` steps and at every epoch
end, with ``latest.json`` (written last) naming the newest. A run started again on the same
folder resumes from it and, with the same seed and thread count, ends with bit-identical
weights to a run that was never interrupted.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from aura.errors import DatasetError
from aura.layout import OUTFIT_ARTIFACT_DIRNAME
from aura.outfits import artifact
from aura.outfits.batching import FeatureTable, pad_outfits
from aura.outfits.evaluate import evaluate
from aura.outfits.features import FeatureCache, get_extractor
from aura.outfits.model import ModelConfig, OutfitTransformer, focal_loss, set_ranking_loss
from aura.outfits.polyvore import METADATA_FILE, PolyvoreDataset, Split
from aura.storage import atomic
from aura.storage.locks import DirectoryLock

log = logging.getLogger("aura.outfits.train")
CHECKPOINTS = "checkpoints"
LATEST = "latest.json"
MODEL_DIR = OUTFIT_ARTIFACT_DIRNAME
FEATURES_DIR = "features"


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 10
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 1e-4
    seed: int = 0
    hard_negatives_from: int = 3  # epochs of random negatives before same-category ones
    negatives: int = 8  # CIR negatives per query
    margin: float = 0.3
    cir_weight: float = 1.0
    checkpoint_every: int = 50  # steps; an epoch end always checkpoints too
    threads: int = 1  # 0 = torch's default; results are reproducible for a fixed count
    version: str = "nondisjoint"
    features: str = "handcrafted"
    model: dict[str, Any] = field(default_factory=dict)  # ModelConfig overrides

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RunState:
    epoch: int = 0
    step: int = 0  # next step within the epoch
    global_step: int = 0
    order: list[int] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)


def load_table(
    dataset: PolyvoreDataset,
    splits: list[Split],
    feature_name: str,
    cache_dir: Path,
    category_names: list[str] | None = None,
) -> FeatureTable:
    """Features of every item the splits use, computed once and cached in ``cache_dir``."""
    extractor = get_extractor(feature_name)
    wanted = sorted({i for s in splits for i in s.item_ids()})
    for i in wanted:
        if not dataset.image_path(i).is_file():
            raise DatasetError(
                f"{dataset.image_path(i)} is missing.",
                fix="Unpack the data set's images/ folder beside polyvore_item_metadata.json.",
            )
    # Keyed by the metadata's content: another data set reusing item ids gets its own cache.
    meta_hash = hashlib.sha256((dataset.root / METADATA_FILE).read_bytes()).hexdigest()[:16]
    feats = FeatureCache(cache_dir, extractor, key=meta_hash).get(
        {i: (dataset.image_path(i), dataset.items[i].text) for i in wanted}
    )
    return FeatureTable.build(
        feats, dataset.items, extractor, category_names or dataset.categories()
    )


class _Trainer:
    def __init__(self, cfg: TrainConfig, table: FeatureTable, split: Split) -> None:
        self.cfg = cfg
        self.table = table
        self.outfits = [
            table.features.rows(o.item_ids) for o in split.outfits if len(o.item_ids) >= 2
        ]
        if not self.outfits:
            raise DatasetError(
                "The training split has no outfit of 2 or more items.", fix="Check --data."
            )
        torch.manual_seed(cfg.seed)
        mconf = ModelConfig(table.image.shape[1], table.text.shape[1], **cfg.model)
        self.model = OutfitTransformer(mconf)
        self.opt = torch.optim.AdamW(
            self.model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay
        )
        self.steps_per_epoch = math.ceil(len(self.outfits) / cfg.batch_size)
        total = self.steps_per_epoch * cfg.epochs
        warmup = max(1, total // 20)

        def schedule(step: int) -> float:
            if step < warmup:
                return (step + 1) / warmup
            return 0.5 * (
                1 + math.cos(math.pi * min(1.0, (step - warmup) / max(1, total - warmup)))
            )

        self.sched = torch.optim.lr_scheduler.LambdaLR(self.opt, schedule)
        self.rng = np.random.default_rng(cfg.seed)
        self.state = RunState()

    # ---- sampling ---------------------------------------------------------------------

    def _replacement(self, row: int, hard: bool) -> int:
        if hard:
            pool = self.table.by_category[self.table.categories[row]]
            return int(pool[self.rng.integers(len(pool))])
        return int(self.rng.integers(len(self.table.categories)))

    def _negative_outfit(self, rows: list[int], hard: bool) -> list[int]:
        """Hard: same-category replacements of ≥1 item; random: all items random."""
        if not hard:
            return [self._replacement(r, False) for r in rows]
        swap = self.rng.random(len(rows)) < 0.5
        swap[self.rng.integers(len(rows))] = True
        return [self._replacement(r, True) if s else r for r, s in zip(rows, swap, strict=True)]

    def _step(self, batch: list[list[int]], hard: bool) -> float:
        t = self.table
        negatives = [self._negative_outfit(o, hard) for o in batch]
        image, text, padding = pad_outfits(t.image, t.text, batch + negatives)
        labels = torch.cat([torch.ones(len(batch)), torch.zeros(len(batch))])
        loss = focal_loss(self.model.compatibility_logits(image, text, padding), labels)
        partial, targets, neg_rows = [], [], []
        for rows in batch:
            k = int(self.rng.integers(len(rows)))
            partial.append(rows[:k] + rows[k + 1 :])
            targets.append(rows[k])
            neg_rows.append([self._replacement(rows[k], hard) for _ in range(self.cfg.negatives)])
        image, text, padding = pad_outfits(t.image, t.text, partial)
        cats = t.category_rows([t.categories[r] for r in targets])
        query = self.model.target_embedding(image, text, padding, cats)
        pos = self.model.item_embedding(t.image[targets], t.text[targets])
        neg_index = torch.as_tensor(neg_rows)
        neg = self.model.item_embedding(t.image[neg_index], t.text[neg_index])
        loss = loss + self.cfg.cir_weight * set_ranking_loss(query, pos, neg, self.cfg.margin)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.opt.step()
        self.sched.step()
        return float(loss.detach())

    # ---- checkpoints ------------------------------------------------------------------

    def checkpoint(self, folder: Path) -> None:
        blob = {
            "model": self.model.state_dict(),
            "optimizer": self.opt.state_dict(),
            "scheduler": self.sched.state_dict(),
            "state": asdict(self.state),
            "numpy_rng": self.rng.bit_generator.state,
            "torch_rng": torch.get_rng_state(),
            "config": self.cfg.to_dict(),
        }
        buffer = io.BytesIO()
        torch.save(blob, buffer)
        data = buffer.getvalue()
        name = f"ckpt-{self.state.global_step:08d}.pt"
        atomic.write_bytes(folder / name, data)
        atomic.write_json(
            folder / LATEST,
            {
                "file": name,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "global_step": self.state.global_step,
            },
        )
        for old in sorted(folder.glob("ckpt-*.pt"))[:-2]:  # keep the newest two
            old.unlink()

    def restore(self, folder: Path) -> bool:
        latest = atomic.read_json(folder / LATEST)
        if not isinstance(latest, dict):
            return False
        data = (folder / latest["file"]).read_bytes()
        if hashlib.sha256(data).hexdigest() != latest["sha256"]:
            raise DatasetError(
                f"Checkpoint {latest['file']} does not match latest.json.",
                fix=f"Delete {folder} to train from the start.",
            )
        blob = torch.load(io.BytesIO(data), weights_only=True)
        if blob["config"] != self.cfg.to_dict():
            raise DatasetError(
                f"The checkpoint in {folder} was made with other settings.",
                fix=f"Rerun with the same options, or delete {folder} to start over.",
            )
        self.model.load_state_dict(blob["model"])
        self.opt.load_state_dict(blob["optimizer"])
        self.sched.load_state_dict(blob["scheduler"])
        self.state = RunState(**blob["state"])
        self.rng.bit_generator.state = blob["numpy_rng"]
        torch.set_rng_state(blob["torch_rng"])
        return True

    # ---- the loop ---------------------------------------------------------------------

    def run(self, folder: Path, progress: Callable[[str], None]) -> None:
        resumed = self.restore(folder)
        if resumed:
            progress(f"resumed at epoch {self.state.epoch + 1}, step {self.state.step}")
        cfg, st = self.cfg, self.state
        while st.epoch < cfg.epochs:
            if st.step == 0 and not st.order:
                st.order = [int(i) for i in self.rng.permutation(len(self.outfits))]
            hard = st.epoch >= cfg.hard_negatives_from
            self.model.train()
            while st.step < self.steps_per_epoch:
                idx = st.order[st.step * cfg.batch_size : (st.step + 1) * cfg.batch_size]
                st.losses.append(round(self._step([self.outfits[i] for i in idx], hard), 6))
                st.step += 1
                st.global_step += 1
                if st.step < self.steps_per_epoch and st.global_step % cfg.checkpoint_every == 0:
                    self.checkpoint(folder)
            recent = st.losses[-self.steps_per_epoch :]
            progress(
                f"epoch {st.epoch + 1}/{cfg.epochs} ({'hard' if hard else 'random'} "
                f"negatives): loss {sum(recent) / len(recent):.4f}"
            )
            st.epoch, st.step, st.order = st.epoch + 1, 0, []
            self.checkpoint(folder)


def train(
    data: Path, out: Path, cfg: TrainConfig, progress: Callable[[str], None] = log.info
) -> dict[str, Any]:
    """Train (or resume) in ``out``; evaluate; write ``out/model``. Returns its manifest."""
    out = Path(out)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    with DirectoryLock(out, "outfit model training"):
        started = time.monotonic()
        dataset = PolyvoreDataset(data, cfg.version)
        train_split = dataset.load_split("train", questions=False)
        valid, test = dataset.load_split("valid"), dataset.load_split("test")
        table = load_table(dataset, [train_split, valid, test], cfg.features, out / FEATURES_DIR)
        trainer = _Trainer(cfg, table, train_split)
        trainer.run(out / CHECKPOINTS, progress)
        evaluation = {
            "valid": evaluate(trainer.model, table, valid),
            "test": evaluate(trainer.model, table, test),
        }
        progress(f"test: {evaluation['test']}")
        train_file = Path(data) / cfg.version / "train.json"
        training = {
            "data": str(Path(data).absolute()),
            "version": cfg.version,
            "train_json_sha256": hashlib.sha256(train_file.read_bytes()).hexdigest(),
            "train_outfits": len(trainer.outfits),
            "items": len(table.features.ids),
            "settings": cfg.to_dict(),
            "steps": trainer.state.global_step,
            "final_loss": trainer.state.losses[-1] if trainer.state.losses else None,
            "seconds": round(time.monotonic() - started, 1),
        }
        return artifact.save_model_artifact(
            out / MODEL_DIR,
            trainer.model,
            feature_extractor=cfg.features,
            category_names=table.category_names,
            training=training,
            evaluation=evaluation,
        )
