"""The OutfitTransformer (Sarkar et al., WACV 2023), sized by :class:`ModelConfig`.

Why this shape:

* An item is one token: its image features and its text features are each projected to
  half the token width and concatenated, as in the paper.
* A transformer encoder attends over the outfit's item tokens. Outfits have 2–N items, so a
  batch is padded and a key-padding mask keeps padding out of every attention step.
* Compatibility: a learned **outfit token** is prepended; its output goes through a small
  MLP to one logit, trained with the focal loss.
* Complementary item retrieval (CIR): a **target-item token** is prepended instead: half a
  learned vector, half the projected text features of the wanted item's specification
  (its category name or a description). Its output, projected and L2-normalised, is the
  embedding of the item that would complete the outfit. Candidate items are embedded by
  the same item-token layer plus a projection, so a wardrobe's embeddings can be computed
  once and kept in a vector index. Trained with the set-wise outfit ranking loss.

The paper's sizes are 6 layers, 16 heads, 128-d tokens; the default here is CPU-sized.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn


@dataclass(frozen=True)
class ModelConfig:
    image_dim: int
    text_dim: int
    d_model: int = 64
    n_layers: int = 2
    n_heads: int = 4
    ff_dim: int = 128
    dropout: float = 0.1
    embed_dim: int = 64

    @classmethod
    def paper(cls, image_dim: int, text_dim: int) -> ModelConfig:
        """The published sizes: 6 layers, 16 heads, 128-d item tokens."""
        return cls(image_dim, text_dim, d_model=128, n_layers=6, n_heads=16, ff_dim=512)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


class OutfitTransformer(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        if config.d_model % 2 or config.d_model % config.n_heads:
            raise ValueError("d_model must be even and divisible by n_heads")
        self.config = config
        half = config.d_model // 2
        self.image_proj = nn.Sequential(nn.Linear(config.image_dim, half), nn.LayerNorm(half))
        self.text_proj = nn.Sequential(nn.Linear(config.text_dim, half), nn.LayerNorm(half))
        self.outfit_token = nn.Parameter(torch.randn(config.d_model) * 0.02)
        self.target_token = nn.Parameter(torch.randn(half) * 0.02)
        layer = nn.TransformerEncoderLayer(
            config.d_model,
            config.n_heads,
            config.ff_dim,
            config.dropout,
            batch_first=True,
            norm_first=True,
        )
        # No nested-tensor fast path: the same numbers whatever the padding pattern.
        self.encoder = nn.TransformerEncoder(layer, config.n_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(config.d_model)
        self.compat_head = nn.Sequential(
            nn.Linear(config.d_model, config.d_model), nn.ReLU(), nn.Linear(config.d_model, 1)
        )
        self.target_head = nn.Linear(config.d_model, config.embed_dim)
        self.item_head = nn.Sequential(
            nn.Linear(config.d_model, config.d_model),
            nn.ReLU(),
            nn.Linear(config.d_model, config.embed_dim),
        )

    # ---- tokens -----------------------------------------------------------------------

    def item_tokens(self, image: Tensor, text: Tensor) -> Tensor:
        """[..., image_dim], [..., text_dim] → [..., d_model]."""
        return torch.cat([self.image_proj(image), self.text_proj(text)], dim=-1)

    def _encode(self, first: Tensor, tokens: Tensor, padding: Tensor) -> Tensor:
        """Prepend one task token per outfit, encode, return that token's output [B, d]."""
        batch = tokens.shape[0]
        seq = torch.cat([first.unsqueeze(1), tokens], dim=1)
        mask = torch.cat(
            [torch.zeros(batch, 1, dtype=torch.bool, device=padding.device), padding], 1
        )
        out = self.encoder(seq, src_key_padding_mask=mask)
        return self.norm(out[:, 0])

    # ---- tasks ------------------------------------------------------------------------

    def compatibility_logits(self, image: Tensor, text: Tensor, padding: Tensor) -> Tensor:
        """Outfits [B, N, *] with ``padding`` [B, N] (True = no item) → logits [B]."""
        tokens = self.item_tokens(image, text)
        first = self.outfit_token.expand(tokens.shape[0], -1)
        return self.compat_head(self._encode(first, tokens, padding)).squeeze(-1)

    def target_embedding(
        self, image: Tensor, text: Tensor, padding: Tensor, target_text: Tensor
    ) -> Tensor:
        """Partial outfits [B, N, *] + the wanted item's text features [B, text_dim] → [B, E]."""
        tokens = self.item_tokens(image, text)
        first = torch.cat(
            [self.target_token.expand(tokens.shape[0], -1), self.text_proj(target_text)], dim=-1
        )
        return F.normalize(self.target_head(self._encode(first, tokens, padding)), dim=-1)

    def item_embedding(self, image: Tensor, text: Tensor) -> Tensor:
        """Candidate items [M, *] → retrieval-space embeddings [M, E] (computed once per item)."""
        return F.normalize(self.item_head(self.item_tokens(image, text)), dim=-1)


def focal_loss(logits: Tensor, labels: Tensor, alpha: float = 0.5, gamma: float = 2.0) -> Tensor:
    """Mean focal loss (Lin et al. 2017): -α_t (1 - p_t)^γ log p_t, for labels in {0, 1}."""
    labels = labels.to(logits.dtype)
    log_p = F.logsigmoid(logits)
    log_not_p = F.logsigmoid(-logits)
    log_pt = labels * log_p + (1 - labels) * log_not_p
    pt = log_pt.exp()
    alpha_t = labels * alpha + (1 - labels) * (1 - alpha)
    return (-alpha_t * (1 - pt) ** gamma * log_pt).mean()


def set_ranking_loss(
    query: Tensor, positive: Tensor, negatives: Tensor, margin: float = 0.3
) -> Tensor:
    """The set-wise outfit ranking loss: L_all + L_hard, with Euclidean distances.

    ``query`` [B, E] (target embeddings), ``positive`` [B, E], ``negatives`` [B, K, E].
    L_all averages the hinge ``m + d(q, p) - d(q, n)`` over every negative; L_hard applies
    it to the closest (hardest) negative only.
    """
    d_pos = (query - positive).norm(dim=-1)  # [B]
    d_neg = (query.unsqueeze(1) - negatives).norm(dim=-1)  # [B, K]
    l_all = F.relu(margin + d_pos.unsqueeze(1) - d_neg).mean()
    l_hard = F.relu(margin + d_pos - d_neg.min(dim=1).values).mean()
    return l_all + l_hard
