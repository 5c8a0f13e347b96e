"""The OutfitTransformer's shapes, padding masks and losses, on hand-checked cases."""

from __future__ import annotations

import math

import pytest
import torch

from aura.outfits.batching import pad_outfits
from aura.outfits.model import ModelConfig, OutfitTransformer, focal_loss, set_ranking_loss

IMG, TXT = 12, 10


@pytest.fixture
def model() -> OutfitTransformer:
    torch.manual_seed(0)
    return OutfitTransformer(
        ModelConfig(IMG, TXT, d_model=32, n_layers=2, n_heads=4, ff_dim=64)
    ).eval()


@pytest.fixture
def table() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    return torch.randn(20, IMG, generator=g), torch.randn(20, TXT, generator=g)


def test_outfits_of_different_sizes_share_a_batch(model, table) -> None:
    image, text = table
    outfits = [[0, 1], [2, 3, 4, 5, 6], [7, 8, 9]]
    img, txt, pad = pad_outfits(image, text, outfits)
    assert img.shape == (3, 5, IMG) and txt.shape == (3, 5, TXT)
    assert pad.tolist() == [
        [False, False, True, True, True],
        [False] * 5,
        [False, False, False, True, True],
    ]
    logits = model.compatibility_logits(img, txt, pad)
    assert logits.shape == (3,)
    target = model.target_embedding(img, txt, pad, torch.randn(3, TXT))
    assert target.shape == (3, model.config.embed_dim)
    assert torch.allclose(target.norm(dim=-1), torch.ones(3), atol=1e-5)
    assert model.item_embedding(image, text).shape == (20, model.config.embed_dim)


def test_padding_never_changes_an_outfit_score(model, table) -> None:
    image, text = table
    with torch.no_grad():
        alone = model.compatibility_logits(*pad_outfits(image, text, [[7, 8, 9]]))
        batched = model.compatibility_logits(
            *pad_outfits(image, text, [[0, 1, 2, 3, 4, 5], [7, 8, 9]])
        )
        img, txt, pad = pad_outfits(image, text, [[0, 1, 2, 3, 4, 5], [7, 8, 9]])
        img[1, 3:] = 1e3  # garbage in the padded slots
        txt[1, 3:] = -1e3
        garbage = model.compatibility_logits(img, txt, pad)
    assert torch.allclose(alone[0], batched[1], atol=1e-5)
    assert torch.allclose(batched, garbage, atol=1e-5)


def test_an_outfit_is_a_set_not_a_sequence(model, table) -> None:
    image, text = table
    with torch.no_grad():
        a = model.compatibility_logits(*pad_outfits(image, text, [[3, 4, 5, 6]]))
        b = model.compatibility_logits(*pad_outfits(image, text, [[6, 4, 3, 5]]))
    assert torch.allclose(a, b, atol=1e-5)


def test_the_paper_sizes_build() -> None:
    config = ModelConfig.paper(1280, 384)
    assert (config.d_model, config.n_layers, config.n_heads) == (128, 6, 16)
    model = OutfitTransformer(config)
    assert len(model.encoder.layers) == 6
    assert ModelConfig.from_dict(config.to_dict()) == config


def test_focal_loss_hand_checked() -> None:
    # p = 0.5 for label 1: -α (1 - 0.5)^2 log 0.5 with α = 0.5
    expected = -0.5 * 0.25 * math.log(0.5)
    assert focal_loss(torch.tensor([0.0]), torch.tensor([1.0])).item() == pytest.approx(expected)
    # γ = 0 reduces to α-weighted cross-entropy
    logits, labels = torch.tensor([2.0, -1.0]), torch.tensor([1.0, 0.0])
    bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)
    assert focal_loss(logits, labels, gamma=0.0).item() == pytest.approx(0.5 * bce.item())
    # confident and right costs almost nothing; confident and wrong costs a lot
    assert focal_loss(torch.tensor([8.0]), torch.tensor([1.0])).item() < 1e-6
    assert focal_loss(torch.tensor([-8.0]), torch.tensor([1.0])).item() > 1.0


def test_set_ranking_loss_hand_checked() -> None:
    query = torch.tensor([[1.0, 0.0]])
    positive = torch.tensor([[1.0, 0.0]])  # d(q, p) = 0
    negatives = torch.tensor([[[0.0, 1.0], [1.0, 0.0]]])  # d = √2 and 0
    # L_all = mean(relu(0.3 + 0 - √2), relu(0.3 + 0 - 0)) = 0.15; L_hard = relu(0.3 - 0) = 0.3
    loss = set_ranking_loss(query, positive, negatives, margin=0.3)
    assert loss.item() == pytest.approx(0.45)
    # every negative farther than the margin: no loss at all
    far = torch.tensor([[[-1.0, 0.0], [0.0, -1.0]]])
    assert set_ranking_loss(query, positive, far, margin=0.3).item() == 0.0


def test_losses_pull_the_right_way(model, table) -> None:
    """One gradient step on the ranking loss moves the positive closer than the negatives."""
    image, text = table
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    model.train()
    img, txt, pad = pad_outfits(image, text, [[0, 1, 2]])
    spec = torch.randn(1, TXT)
    before = None
    for _ in range(30):
        q = model.target_embedding(img, txt, pad, spec)
        p = model.item_embedding(image[[3]], text[[3]])
        n = model.item_embedding(image[[4, 5, 6]], text[[4, 5, 6]]).unsqueeze(0)
        loss = set_ranking_loss(q, p, n)
        before = before if before is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < before
